// SPDX-License-Identifier: GPL-2.0
/*
 * handoff.c — the request/reply hand-off, counted.
 *
 * A client and an echo server exchange N request/reply pairs through
 * lws_chan_sendrecv().  In steady state each side finds the other blocked
 * in its receive, hands the element over and blocks: exactly one
 * wake-and-block step per direction (lws_stats.handoffs), and on the
 * switchto backend exactly one LWSWITCH_IOC_SWITCHTO per direction and no
 * WAKE or WAIT at all.  The same binary runs on the host (futex: the
 * switchto counts are skipped) and in the VM with the module loaded,
 * where the backend must be switchto.
 */
#include <stdint.h>

#include "testutil.h"

#define WARMUP 10
#define MARK (-1)

struct pingpong {
	lws_chan_t *req, *rep;
	struct lws_stats server;
	volatile pid_t server_tid;
	int bad;
};

static void *server(void *p)
{
	struct pingpong *pp = p;
	int64_t v, out;
	int rc;

	__atomic_store_n(&pp->server_tid, gettid_(), __ATOMIC_RELEASE);
	if (lws_chan_recv(pp->req, &v))
		goto bad;
	for (;;) {
		if (v == MARK)
			lws_stats_reset();
		out = v * 3;
		rc = lws_chan_sendrecv(pp->rep, &out, pp->req, &v);
		if (rc == -ECONNRESET)
			break;
		if (rc)
			goto bad;
	}
	lws_stats_get(&pp->server);
	return NULL;
bad:
	pp->bad = 1;
	return NULL;
}

static int is_switchto(void)
{
	return !strcmp(lws_backend(), "switchto");
}

/* Returns 1 when the switchto counts were checked, 0 on the futex backend. */
static int pingpong(struct __test_metadata *_metadata, int n)
{
	struct pingpong pp = { 0 };
	struct lws_stats cl;
	lws_thread_t t;
	int64_t v, r;

	ASSERT_EQ(0, lws_chan_make(&pp.req, sizeof(int64_t), 0));
	ASSERT_EQ(0, lws_chan_make(&pp.rep, sizeof(int64_t), 0));
	ASSERT_EQ(0, lws_thread_create(&t, server, &pp));
	for (v = 0; v < WARMUP; v++) {
		ASSERT_EQ(0, lws_chan_sendrecv(pp.req, &v, pp.rep, &r));
		ASSERT_EQ(3 * v, r);
	}
	/*
	 * Two steady states exist: the hand-off one (each side finds the
	 * other blocked in its receive) and one where each side's send blocks
	 * because the peer, just woken, has not reached its receive yet.
	 * Which one the warm-up ends in is timing; once the server is seen
	 * blocked in its receive, the exchange enters the hand-off state and
	 * stays there: every wake-up is then part of a hand-off, so neither
	 * side can run ahead of the other.
	 */
	ASSERT_EQ(0, wait_blocked(&pp.server_tid));
	v = MARK;
	ASSERT_EQ(0, lws_chan_sendrecv(pp.req, &v, pp.rep, &r));
	lws_stats_reset();
	for (v = 0; v < n; v++) {
		ASSERT_EQ(0, lws_chan_sendrecv(pp.req, &v, pp.rep, &r));
		ASSERT_EQ(3 * v, r);
	}
	ASSERT_EQ(0, lws_stats_get(&cl));
	ASSERT_EQ(0, lws_chan_close(pp.req));
	ASSERT_EQ(0, lws_thread_join(t, NULL));
	ASSERT_EQ(0, pp.bad);

	TH_LOG("%s: client handoffs %llu switchto %llu wake %llu wait %llu futex wake/wait %llu/%llu",
	       lws_backend(), (unsigned long long)cl.handoffs,
	       (unsigned long long)cl.sys_switchto, (unsigned long long)cl.sys_wake,
	       (unsigned long long)cl.sys_wait, (unsigned long long)cl.sys_futex_wake,
	       (unsigned long long)cl.sys_futex_wait);
	TH_LOG("%s: server handoffs %llu switchto %llu wake %llu wait %llu",
	       lws_backend(), (unsigned long long)pp.server.handoffs,
	       (unsigned long long)pp.server.sys_switchto,
	       (unsigned long long)pp.server.sys_wake, (unsigned long long)pp.server.sys_wait);

	/* Backend-independent: one wake-and-block per direction; the
	 * client never wakes without blocking. */
	ASSERT_EQ((uint64_t)n, cl.handoffs);
	ASSERT_EQ((uint64_t)n, cl.parks);
	ASSERT_EQ(0, cl.unparks);
	ASSERT_EQ(0, cl.timeouts);
	/* the server: the reply to MARK, then one per request */
	ASSERT_EQ((uint64_t)n + 1, pp.server.handoffs);
	ASSERT_EQ(0, pp.server.unparks);

	if (!is_switchto()) {
		ASSERT_EQ(0, cl.sys_switchto);
		ASSERT_EQ(0, cl.sys_wake);
		ASSERT_EQ(0, cl.sys_wait);
		lws_chan_free(pp.req);
		lws_chan_free(pp.rep);
		return 0;
	}
	/* switchto: exactly one system call per direction */
	ASSERT_EQ((uint64_t)n, cl.sys_switchto);
	ASSERT_EQ(0, cl.sys_wake);
	ASSERT_EQ(0, cl.sys_wait);
	ASSERT_EQ(0, cl.sys_futex_wake + cl.sys_futex_wait);
	ASSERT_EQ((uint64_t)n + 1, pp.server.sys_switchto);
	ASSERT_EQ(0, pp.server.sys_wake);
	ASSERT_EQ(0, pp.server.sys_wait);
	lws_chan_free(pp.req);
	lws_chan_free(pp.rep);
	return 1;
}

TEST(module_present_means_switchto)
{
	if (access("/dev/lwswitch", F_OK) != 0)
		SKIP(return, "no /dev/lwswitch: the futex backend is right");
	if (getenv("LWS_BACKEND") && *getenv("LWS_BACKEND"))
		SKIP(return, "LWS_BACKEND=%s set", getenv("LWS_BACKEND"));
	ASSERT_EQ(0, lws_init());
	ASSERT_STREQ("switchto", lws_backend());
}

TEST(sendrecv_one_handoff_per_direction)
{
	if (!pingpong(_metadata, SCALE(2000)))
		SKIP(return, "backend %s: the SWITCHTO counts need the module", lws_backend());
}

TEST(sendrecv_forced_futex)
{
	setenv("LWS_BACKEND", "futex", 1);
	ASSERT_STREQ("futex", lws_backend());
	ASSERT_EQ(0, pingpong(_metadata, SCALE(2000)));
}

/* send then recv, two calls: correct, but a wake and a wait (no
 * hand-off: lws_chan_send never keeps a wake-up past its return). */
static void *echo_plain(void *p)
{
	struct pingpong *pp = p;
	int64_t v;

	while (lws_chan_recv(pp->req, &v) == 0)
		if (lws_chan_send(pp->rep, &v))
			pp->bad = 1;
	return NULL;
}

TEST(send_then_recv_never_defers_the_wake)
{
	struct pingpong pp = { 0 };
	struct lws_stats st;
	lws_thread_t t;
	int64_t v, r;
	int n = SCALE(1000);

	ASSERT_EQ(0, lws_chan_make(&pp.req, sizeof(int64_t), 0));
	ASSERT_EQ(0, lws_chan_make(&pp.rep, sizeof(int64_t), 0));
	ASSERT_EQ(0, lws_thread_create(&t, echo_plain, &pp));
	lws_stats_reset();
	for (v = 0; v < n; v++) {
		ASSERT_EQ(0, lws_chan_send(pp.req, &v));
		ASSERT_EQ(0, lws_chan_recv(pp.rep, &r));
		ASSERT_EQ(v, r);
	}
	ASSERT_EQ(0, lws_stats_get(&st));
	ASSERT_EQ(0, st.handoffs);
	ASSERT_EQ(0, st.sys_switchto);
	ASSERT_EQ(0, lws_chan_close(pp.req));
	ASSERT_EQ(0, lws_thread_join(t, NULL));
	ASSERT_EQ(0, pp.bad);
	lws_chan_free(pp.req);
	lws_chan_free(pp.rep);
}

/* Threads that used a channel leave the domain when they exit: far more
 * of them, one after another, than a domain is likely to hold. */
static void *one_shot(void *p)
{
	lws_chan_t *ch = p;
	int64_t v = 1;

	return (void *)(intptr_t)lws_chan_send(ch, &v);
}

TEST(exited_threads_leave_the_domain)
{
	lws_chan_t *ch;
	lws_thread_t t;
	int64_t v;
	void *ret;

	ASSERT_EQ(0, lws_chan_make(&ch, sizeof(int64_t), 0));
	for (int i = 0; i < SCALE(2000); i++) {
		ASSERT_EQ(0, lws_thread_create(&t, one_shot, ch));
		ASSERT_EQ(0, lws_chan_recv(ch, &v));
		ASSERT_EQ(0, lws_thread_join(t, &ret));
		ASSERT_EQ(NULL, ret);
	}
	lws_chan_free(ch);
}

/*
 * A thread's first channel operation wakes a peer that is about to leave:
 * the peer waits in short timed receives, so it can notice the close on
 * its own and exit while the closer is still on its way to the kernel.
 * The closer must have joined the domain before that — had it joined
 * after, it could be given the handle the peer just gave back and end up
 * waking itself.  Plain pthreads, so the closer is a newcomer each time.
 */
struct leaver {
	lws_chan_t *ch;
	int go;
	int rc;
};

static void *timed_receiver(void *p)
{
	struct leaver *l = p;
	int64_t v;
	int rc;

	__atomic_store_n(&l->go, 1, __ATOMIC_RELEASE);
	do
		rc = lws_chan_recv_timeout(l->ch, &v, 1000);
	while (rc == -ETIMEDOUT);
	l->rc = rc;
	return NULL;
}

static void *first_time_closer(void *p)
{
	struct leaver *l = p;

	while (!__atomic_load_n(&l->go, __ATOMIC_ACQUIRE))
		;
	return (void *)(intptr_t)lws_chan_close(l->ch);
}

TEST(newcomer_wakes_a_peer_that_leaves)
{
	int64_t stop = now_ns() + 5000 * MSEC;	/* bounded under emulation */
	pthread_t r, c;
	void *ret;

	for (int i = 0; i < SCALE(4000) && now_ns() < stop; i++) {
		struct leaver l = { .rc = 1 };

		ASSERT_EQ(0, lws_chan_make(&l.ch, sizeof(int64_t), 0));
		ASSERT_EQ(0, pthread_create(&r, NULL, timed_receiver, &l));
		ASSERT_EQ(0, pthread_create(&c, NULL, first_time_closer, &l));
		ASSERT_EQ(0, pthread_join(c, &ret));
		ASSERT_EQ(0, pthread_join(r, NULL));
		ASSERT_EQ(NULL, ret);
		ASSERT_EQ(-EPIPE, l.rc);
		lws_chan_free(l.ch);
	}
}

TEST_HARNESS_MAIN
