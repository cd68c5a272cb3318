// SPDX-License-Identifier: GPL-2.0
/*
 * handoff.c — the request/reply hand-off, counted.
 *
 * A client and an echo server exchange N request/reply pairs through
 * lwsw_chan_sendrecv().  In steady state each side finds the other blocked
 * in its receive, hands the element over and blocks: exactly one
 * wake-and-block step per direction (lwsw_stats.handoffs), and on the
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
	lwsw_chan_t *req, *rep;
	struct lwsw_stats server;
	volatile pid_t server_tid;
	int bad;
};

static void *server(void *p)
{
	struct pingpong *pp = p;
	int64_t v, out;
	int rc;

	__atomic_store_n(&pp->server_tid, gettid_(), __ATOMIC_RELEASE);
	if (lwsw_chan_recv(pp->req, &v))
		goto bad;
	for (;;) {
		if (v == MARK)
			lwsw_stats_reset();
		out = v * 3;
		rc = lwsw_chan_sendrecv(pp->rep, &out, pp->req, &v);
		if (rc == -ECONNRESET)
			break;
		if (rc)
			goto bad;
	}
	lwsw_stats_get(&pp->server);
	return NULL;
bad:
	pp->bad = 1;
	return NULL;
}

static int is_switchto(void)
{
	return !strcmp(lwsw_backend(), "switchto");
}

/* Returns 1 when the switchto counts were checked, 0 on the futex backend. */
static int pingpong(struct __test_metadata *_metadata, int n)
{
	struct pingpong pp = { 0 };
	struct lwsw_stats cl;
	lwsw_thread_t t;
	int64_t v, r;

	ASSERT_EQ(0, lwsw_chan_make(&pp.req, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&pp.rep, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, server, &pp));
	for (v = 0; v < WARMUP; v++) {
		ASSERT_EQ(0, lwsw_chan_sendrecv(pp.req, &v, pp.rep, &r));
		ASSERT_EQ(3 * v, r);
	}
	/*
	 * The warm-up may start with sends that block (the server not yet in
	 * its receive); the receiver then moves the blocked side on to its
	 * receive, and the exchange falls into the hand-off state (each side
	 * finds the other blocked in its receive).  Once the server is seen
	 * blocked in its receive, the exchange stays there: every wake-up is
	 * then part of a hand-off, so neither side can run ahead of the other.
	 */
	ASSERT_EQ(0, wait_blocked(&pp.server_tid));
	v = MARK;
	ASSERT_EQ(0, lwsw_chan_sendrecv(pp.req, &v, pp.rep, &r));
	lwsw_stats_reset();
	for (v = 0; v < n; v++) {
		ASSERT_EQ(0, lwsw_chan_sendrecv(pp.req, &v, pp.rep, &r));
		ASSERT_EQ(3 * v, r);
	}
	ASSERT_EQ(0, lwsw_stats_get(&cl));
	ASSERT_EQ(0, lwsw_chan_close(pp.req));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, pp.bad);

	TH_LOG("%s: client handoffs %llu switchto %llu wake %llu wait %llu futex wake/wait %llu/%llu",
	       lwsw_backend(), (unsigned long long)cl.handoffs,
	       (unsigned long long)cl.sys_switchto, (unsigned long long)cl.sys_wake,
	       (unsigned long long)cl.sys_wait, (unsigned long long)cl.sys_futex_wake,
	       (unsigned long long)cl.sys_futex_wait);
	TH_LOG("%s: server handoffs %llu switchto %llu wake %llu wait %llu",
	       lwsw_backend(), (unsigned long long)pp.server.handoffs,
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
		lwsw_chan_free(pp.req);
		lwsw_chan_free(pp.rep);
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
	lwsw_chan_free(pp.req);
	lwsw_chan_free(pp.rep);
	return 1;
}

TEST(module_present_means_switchto)
{
	if (access("/dev/lwswitch", F_OK) != 0)
		SKIP(return, "no /dev/lwswitch: the futex backend is right");
	if (getenv("LWSW_BACKEND") && *getenv("LWSW_BACKEND"))
		SKIP(return, "LWSW_BACKEND=%s set", getenv("LWSW_BACKEND"));
	ASSERT_EQ(0, lwsw_init());
	ASSERT_STREQ("switchto", lwsw_backend());
}

TEST(sendrecv_one_handoff_per_direction)
{
	if (!pingpong(_metadata, SCALE(2000)))
		SKIP(return, "backend %s: the SWITCHTO counts need the module", lwsw_backend());
}

TEST(sendrecv_forced_futex)
{
	setenv("LWSW_BACKEND", "futex", 1);
	ASSERT_STREQ("futex", lwsw_backend());
	ASSERT_EQ(0, pingpong(_metadata, SCALE(2000)));
}

/* send then recv, two calls: correct, but a wake and a wait (no
 * hand-off: lwsw_chan_send never keeps a wake-up past its return). */
static void *echo_plain(void *p)
{
	struct pingpong *pp = p;
	int64_t v;

	while (lwsw_chan_recv(pp->req, &v) == 0)
		if (lwsw_chan_send(pp->rep, &v))
			pp->bad = 1;
	return NULL;
}

TEST(send_then_recv_never_defers_the_wake)
{
	struct pingpong pp = { 0 };
	struct lwsw_stats st;
	lwsw_thread_t t;
	int64_t v, r;
	int n = SCALE(1000);

	ASSERT_EQ(0, lwsw_chan_make(&pp.req, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&pp.rep, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, echo_plain, &pp));
	lwsw_stats_reset();
	for (v = 0; v < n; v++) {
		ASSERT_EQ(0, lwsw_chan_send(pp.req, &v));
		ASSERT_EQ(0, lwsw_chan_recv(pp.rep, &r));
		ASSERT_EQ(v, r);
	}
	ASSERT_EQ(0, lwsw_stats_get(&st));
	ASSERT_EQ(0, st.handoffs);
	ASSERT_EQ(0, st.sys_switchto);
	ASSERT_EQ(0, lwsw_chan_close(pp.req));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, pp.bad);
	lwsw_chan_free(pp.req);
	lwsw_chan_free(pp.rep);
}

/*
 * lwsw_chan_sendrecv() blocked in its send: the receiver that takes the
 * element queues the caller's receive for it when that receive would block
 * (move_on() in lib/chan.c), so the caller sleeps on and is woken once,
 * by the reply's sender.  Seen from the receiver's counters: taking the
 * element unparks nobody; and from the caller's: it blocked once.
 */
struct asker {
	lwsw_chan_t *tx, *rx;
	int64_t out, in;
	int rc;
	struct lwsw_stats st;
};

static void *asker(void *p)
{
	struct asker *a = p;

	lwsw_stats_reset();
	a->rc = lwsw_chan_sendrecv(a->tx, &a->out, a->rx, &a->in);
	lwsw_stats_get(&a->st);
	return NULL;
}

FIXTURE(ask) {
	struct asker a;
	lwsw_thread_t t;
	struct lwsw_stats st;	/* ours, right after taking the request */
};

/* Unbuffered tx and rx; a test may replace rx before take_request(). */
FIXTURE_SETUP(ask)
{
	self->a = (struct asker){ .out = 7, .in = -1 };
	ASSERT_EQ(0, lwsw_chan_make(&self->a.tx, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&self->a.rx, sizeof(int64_t), 0));
}

FIXTURE_TEARDOWN(ask)
{
	if (self->a.rx != self->a.tx)
		lwsw_chan_free(self->a.rx);
	lwsw_chan_free(self->a.tx);
}

/* Start the asker and take its request once its send has blocked. */
static void take_request(struct __test_metadata *_metadata, FIXTURE_DATA(ask) *self)
{
	int64_t v = -1;
	int rc;

	lwsw_stats_reset();
	ASSERT_EQ(0, lwsw_thread_create(&self->t, asker, &self->a));
	/* An unbuffered tx gives the element only from a blocked sender. */
	while ((rc = lwsw_chan_try_recv(self->a.tx, &v)) == -EAGAIN)
		sleep_ns(MSEC / 10);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(self->a.out, v);
	ASSERT_EQ(0, lwsw_stats_get(&self->st));
}

/* Join the asker: it returned @rc with @in received. */
static void answered(struct __test_metadata *_metadata, FIXTURE_DATA(ask) *self,
		     int rc, int64_t in)
{
	ASSERT_EQ(0, lwsw_thread_join(self->t, NULL));
	ASSERT_EQ(rc, self->a.rc);
	ASSERT_EQ(in, self->a.in);
}

TEST_F(ask, sendrecv_blocked_send_moves_on_to_its_receive)
{
	int64_t reply = 8;

	take_request(_metadata, self);
	ASSERT_EQ(0, self->st.unparks);		/* moved on, not woken */
	ASSERT_EQ(1, self->st.moves);
	/* The asker is queued on rx: the reply goes straight in. */
	ASSERT_EQ(0, lwsw_chan_send(self->a.rx, &reply));
	ASSERT_EQ(0, lwsw_stats_get(&self->st));
	ASSERT_EQ(0, self->st.parks);
	ASSERT_EQ(1, self->st.unparks);
	answered(_metadata, self, 0, 8);
	ASSERT_EQ(1, self->a.st.parks);		/* blocked once for both halves */
	ASSERT_EQ(0, self->a.st.unparks);
}

TEST_F(ask, sendrecv_moved_receive_sees_the_close)
{
	take_request(_metadata, self);
	ASSERT_EQ(1, self->st.moves);
	ASSERT_EQ(0, lwsw_chan_close(self->a.rx));
	/* sent, then rx closed; @in zeroed, as by lwsw_chan_recv */
	answered(_metadata, self, -ECONNRESET, 0);
	ASSERT_EQ(1, self->a.st.parks);
}

TEST_F(ask, sendrecv_same_channel_moves_on)
{
	int64_t reply = 9;

	lwsw_chan_free(self->a.rx);
	self->a.rx = self->a.tx;
	take_request(_metadata, self);
	ASSERT_EQ(1, self->st.moves);
	ASSERT_EQ(0, lwsw_chan_send(self->a.tx, &reply));
	answered(_metadata, self, 0, 9);
	ASSERT_EQ(1, self->a.st.parks);
}

/* Not moved when its receive would not block: woken to make it itself. */
TEST_F(ask, sendrecv_not_moved_when_rx_has_an_element)
{
	int64_t v = 42;

	lwsw_chan_free(self->a.rx);
	ASSERT_EQ(0, lwsw_chan_make(&self->a.rx, sizeof(int64_t), 1));
	ASSERT_EQ(0, lwsw_chan_send(self->a.rx, &v));
	take_request(_metadata, self);
	ASSERT_EQ(1, self->st.unparks);
	ASSERT_EQ(0, self->st.moves);
	answered(_metadata, self, 0, 42);
	ASSERT_EQ(0, lwsw_chan_len(self->a.rx));
}

TEST_F(ask, sendrecv_not_moved_when_rx_is_closed)
{
	ASSERT_EQ(0, lwsw_chan_close(self->a.rx));
	take_request(_metadata, self);
	ASSERT_EQ(1, self->st.unparks);
	ASSERT_EQ(0, self->st.moves);
	answered(_metadata, self, -ECONNRESET, 0);
}

/* rx has a sender queued (a blocked lwsw_chan_send): woken, and the
 * asker's own receive takes that sender's element. */
struct teller {
	lwsw_chan_t *ch;
	int64_t v;
	volatile pid_t tid;
	int rc;
};

static void *teller(void *p)
{
	struct teller *tl = p;

	__atomic_store_n(&tl->tid, gettid_(), __ATOMIC_RELEASE);
	tl->rc = lwsw_chan_send(tl->ch, &tl->v);
	return NULL;
}

TEST_F(ask, sendrecv_not_moved_when_rx_has_a_sender)
{
	struct teller tl = { .ch = self->a.rx, .v = 55, .rc = 1 };
	lwsw_thread_t tt;

	ASSERT_EQ(0, lwsw_thread_create(&tt, teller, &tl));
	ASSERT_EQ(0, wait_blocked(&tl.tid));
	take_request(_metadata, self);
	ASSERT_EQ(1, self->st.unparks);
	ASSERT_EQ(0, self->st.moves);
	answered(_metadata, self, 0, 55);
	ASSERT_EQ(0, lwsw_thread_join(tt, NULL));
	ASSERT_EQ(0, tl.rc);
}

/*
 * Many askers, fewer and slower servers: askers' sends block often, and
 * their receives are moved on while servers reply, others close.  Every
 * reply reaches the asker it answers, exactly once.
 */
#define ASKERS 4
#define SERVERS 2

struct board {
	lwsw_chan_t *req, *rep[ASKERS];
	int n;
	int bad;
	uint64_t moves;		/* the servers' */
};

struct many_asker {
	struct board *b;
	int id;
};

static void *many_asker(void *p)
{
	struct many_asker *m = p;
	struct board *b = m->b;

	for (int64_t i = 0; i < b->n; i++) {
		int64_t out = i * ASKERS + m->id, in = -1;

		if (lwsw_chan_sendrecv(b->req, &out, b->rep[m->id], &in) || in != out + 1)
			__atomic_store_n(&b->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *many_server(void *p)
{
	struct board *b = p;
	int64_t v;

	struct lwsw_stats st;

	lwsw_stats_reset();
	while (lwsw_chan_recv(b->req, &v) == 0) {
		v++;
		if (lwsw_chan_send(b->rep[(v - 1) % ASKERS], &v))
			__atomic_store_n(&b->bad, 1, __ATOMIC_RELAXED);
	}
	lwsw_stats_get(&st);
	__atomic_add_fetch(&b->moves, st.moves, __ATOMIC_RELAXED);
	return NULL;
}

TEST(sendrecv_many_askers_moved_on_exactly_once)
{
	struct board b = { .n = SCALE(3000) };
	struct many_asker m[ASKERS];
	lwsw_thread_t at[ASKERS], st[SERVERS];

	ASSERT_EQ(0, lwsw_chan_make(&b.req, sizeof(int64_t), 0));
	for (int i = 0; i < ASKERS; i++)
		ASSERT_EQ(0, lwsw_chan_make(&b.rep[i], sizeof(int64_t), 0));
	for (int i = 0; i < SERVERS; i++)
		ASSERT_EQ(0, lwsw_thread_create(&st[i], many_server, &b));
	for (int i = 0; i < ASKERS; i++) {
		m[i] = (struct many_asker){ .b = &b, .id = i };
		ASSERT_EQ(0, lwsw_thread_create(&at[i], many_asker, &m[i]));
	}
	for (int i = 0; i < ASKERS; i++)
		ASSERT_EQ(0, lwsw_thread_join(at[i], NULL));
	ASSERT_EQ(0, lwsw_chan_close(b.req));
	for (int i = 0; i < SERVERS; i++)
		ASSERT_EQ(0, lwsw_thread_join(st[i], NULL));
	ASSERT_EQ(0, b.bad);
	TH_LOG("%d requests, %llu of them moved on to their receive", ASKERS * b.n,
	       (unsigned long long)b.moves);
	for (int i = 0; i < ASKERS; i++) {
		ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(b.rep[i], &(int64_t){ 0 }));
		lwsw_chan_free(b.rep[i]);
	}
	lwsw_chan_free(b.req);
}

/* Threads that used a channel leave the domain when they exit: far more
 * of them, one after another, than a domain is likely to hold. */
static void *one_shot(void *p)
{
	lwsw_chan_t *ch = p;
	int64_t v = 1;

	return (void *)(intptr_t)lwsw_chan_send(ch, &v);
}

TEST(exited_threads_leave_the_domain)
{
	lwsw_chan_t *ch;
	lwsw_thread_t t;
	int64_t v;
	void *ret;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 0));
	for (int i = 0; i < SCALE(2000); i++) {
		ASSERT_EQ(0, lwsw_thread_create(&t, one_shot, ch));
		ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
		ASSERT_EQ(0, lwsw_thread_join(t, &ret));
		ASSERT_EQ(NULL, ret);
	}
	lwsw_chan_free(ch);
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
	lwsw_chan_t *ch;
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
		rc = lwsw_chan_recv_timeout(l->ch, &v, 1000);
	while (rc == -ETIMEDOUT);
	l->rc = rc;
	return NULL;
}

static void *first_time_closer(void *p)
{
	struct leaver *l = p;

	while (!__atomic_load_n(&l->go, __ATOMIC_ACQUIRE))
		;
	return (void *)(intptr_t)lwsw_chan_close(l->ch);
}

TEST(newcomer_wakes_a_peer_that_leaves)
{
	int64_t stop = now_ns() + 5000 * MSEC;	/* bounded under emulation */
	pthread_t r, c;
	void *ret;

	for (int i = 0; i < SCALE(4000) && now_ns() < stop; i++) {
		struct leaver l = { .rc = 1 };

		ASSERT_EQ(0, lwsw_chan_make(&l.ch, sizeof(int64_t), 0));
		ASSERT_EQ(0, pthread_create(&r, NULL, timed_receiver, &l));
		ASSERT_EQ(0, pthread_create(&c, NULL, first_time_closer, &l));
		ASSERT_EQ(0, pthread_join(c, &ret));
		ASSERT_EQ(0, pthread_join(r, NULL));
		ASSERT_EQ(NULL, ret);
		ASSERT_EQ(-EPIPE, l.rc);
		lwsw_chan_free(l.ch);
	}
}

TEST_HARNESS_MAIN
