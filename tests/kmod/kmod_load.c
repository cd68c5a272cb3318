// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: correctness under load.  Every check is exact: a plain
 * (non-atomic) counter that only the thread holding the turn may touch
 * proves that no two threads ever ran at once, i.e. that every SWITCHTO
 * really blocked its caller and no stray token leaked.
 */
#include <stdlib.h>

#include "lwsw_harness.h"

/*
 * The harness's own per-test limit (30 s by default) is a safety net: the
 * VM runner bounds every program anyway.  These tests are sized for
 * Debian's kernels and take longer on the lockdep+KASAN kernel of make
 * check-debug, so the net is wider here.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#include "lwsw_kmod.h"

/* ---- two-thread ping-pong: 100,000 switches ---- */

#define PP_SWITCHES 100000

struct pp {
	int fd;
	volatile int handle[2];
	volatile int ready;
	long counter;		/* plain: the turn protects it */
	int bad;		/* first inconsistency seen, or 0 */
	int err;
};

struct pp_arg {
	struct pp *pp;
	int id;
};

static void *pp_thread(void *arg)
{
	struct pp_arg *a = arg;
	struct pp *pp = a->pp;
	int id = a->id, peer, ret;

	pp->handle[id] = lwsw_register(pp->fd);
	__atomic_add_fetch(&pp->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&pp->ready, __ATOMIC_ACQUIRE) < 2)
		usleep(100);
	peer = pp->handle[!id];

	/* Thread 1 starts blocked; thread 0 has the first turn. */
	if (id == 1 && (ret = lwsw_wait(pp->fd))) {
		pp->err = ret;
		return NULL;
	}
	for (;;) {
		if (pp->counter >= PP_SWITCHES)
			break;
		if (pp->counter % 2 != id && !pp->bad)
			pp->bad = (int)pp->counter + 1;
		pp->counter++;
		if (pp->counter == PP_SWITCHES) {
			/* Last turn: resume the peer without blocking. */
			ret = lwsw_wake(pp->fd, peer);
			if (ret)
				pp->err = ret;
			break;
		}
		ret = lwsw_switchto(pp->fd, peer);
		if (ret) {
			pp->err = ret;
			break;
		}
	}
	return NULL;
}

TEST(pingpong_100k_switches)
{
	struct pp pp = { 0 };
	struct pp_arg args[2] = { { &pp, 0 }, { &pp, 1 } };
	pthread_t t[2];
	long sw0 = lwsw_stat("switchto");

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	pp.fd = lwsw_open();
	ASSERT_LE(0, pp.fd);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, pp_thread, &args[i]));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, pp.err);
	EXPECT_EQ(0, pp.bad);
	EXPECT_EQ(PP_SWITCHES, pp.counter);
	/* One SWITCHTO per switch but the last (a WAKE). */
	EXPECT_EQ(PP_SWITCHES - 1, lwsw_stat("switchto") - sw0);
	close(pp.fd);
}

/* ---- a ring of 64 threads passing one token 10,000 times ---- */

#define RING_N		64
#define RING_HOPS	10000

struct ring {
	int fd;
	int handle[RING_N];
	long hops[RING_N];	/* per-thread, plain */
	volatile int ready;
	int owner;		/* plain: only the holder touches it */
	long total;
	volatile int done;
	int bad, err;
};

struct ring_arg {
	struct ring *r;
	int id;
};

static void *ring_thread(void *arg)
{
	struct ring_arg *a = arg;
	struct ring *r = a->r;
	int id = a->id, next = (id + 1) % RING_N, ret;

	r->handle[id] = lwsw_register(r->fd);
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) < RING_N)
		usleep(100);

	if (id != 0) {
		ret = lwsw_wait(r->fd);
		if (ret && !r->err)
			r->err = ret;
	}
	for (;;) {
		if (r->done)
			break;
		if (r->owner != id && !r->bad)
			r->bad = id + 1;
		r->hops[id]++;
		if (++r->total == RING_HOPS) {
			/* Release everyone; nobody resumes a finished ring. */
			r->done = 1;
			for (int i = 0; i < RING_N; i++)
				if (i != id)
					lwsw_wake(r->fd, r->handle[i]);
			break;
		}
		r->owner = next;
		ret = lwsw_switchto(r->fd, r->handle[next]);
		/* At the end, the member we switched to may exit first. */
		if (ret && !(ret == -EOWNERDEAD && r->done)) {
			r->err = ret;
			break;
		}
	}
	return NULL;
}

TEST(ring_64_threads_10k_hops)
{
	static struct ring r;
	struct ring_arg args[RING_N];
	pthread_t t[RING_N];
	long sum = 0;

	memset(&r, 0, sizeof(r));
	r.fd = lwsw_open();
	ASSERT_LE(0, r.fd);
	for (int i = 0; i < RING_N; i++) {
		args[i] = (struct ring_arg){ &r, i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, ring_thread, &args[i]));
	}
	for (int i = 0; i < RING_N; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(RING_HOPS, r.total);
	for (int i = 0; i < RING_N; i++)
		sum += r.hops[i];
	EXPECT_EQ(RING_HOPS, sum);
	/* The token went round evenly: each thread held it N/64 +- 1 times. */
	for (int i = 0; i < RING_N; i++) {
		EXPECT_LE(RING_HOPS / RING_N - 1, r.hops[i]);
		EXPECT_GE(RING_HOPS / RING_N + 1, r.hops[i]);
	}
	close(r.fd);
}

/* ---- membership churn: threads that register and exit ---- */

static void *register_and_exit(void *arg)
{
	int fd = (int)(long)arg;

	return (void *)(long)lwsw_register(fd);
}

TEST(register_churn_returns_every_member)
{
	long members0 = lwsw_stat("members");
	int fd = lwsw_open();

	ASSERT_LE(0, fd);
	for (int i = 0; i < 1000; i++) {
		pthread_t t;
		void *h;

		ASSERT_EQ(0, pthread_create(&t, NULL, register_and_exit, (void *)(long)fd));
		pthread_join(t, &h);
		ASSERT_LT(0, (int)(long)h);
	}
	/*
	 * Every exited thread's membership ended with it.  pthread_join()
	 * may return just before the last thread's exit hook has run, so
	 * allow that hook a moment (bounded) before looking.
	 */
	for (int i = 0; i < 1000 && lwsw_stat("members") != members0; i++)
		usleep(1000);
	EXPECT_EQ(members0, lwsw_stat("members"));
	close(fd);
}

TEST_HARNESS_MAIN
