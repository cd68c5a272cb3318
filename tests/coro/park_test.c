// SPDX-License-Identifier: GPL-2.0
/*
 * park_test — the coroutine parker (lib/park.h) on 1 and 2 workers:
 * token semantics, deadlines, coroutine<->coroutine and thread->coroutine
 * wake-ups, and the unpark-versus-timeout race.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <unistd.h>

#include "lwsw_harness.h"
#include "common.h"
#include "park.h"

FIXTURE(park) {
	int dummy;
};

FIXTURE_VARIANT(park) {
	unsigned int workers;
};

FIXTURE_VARIANT_ADD(park, w1) { .workers = 1 };
FIXTURE_VARIANT_ADD(park, w2) { .workers = 2 };

FIXTURE_SETUP(park)
{
	struct lwsw_co_config cfg = { .workers = variant->workers };

	ASSERT_EQ(0, lwsw_co_start(&cfg));
}

FIXTURE_TEARDOWN(park)
{
	EXPECT_EQ(0, lwsw_co_stop());
}

static void *run_join(void *(*fn)(void *), void *arg)
{
	lwsw_co_id_t id;
	void *r = (void *)-1;

	if (lwsw_co_spawn(&id, fn, arg) || lwsw_co_join(id, &r))
		return (void *)-2;
	return r;
}

/* Bit i of the result set: check i failed. */
static void *tokens(void *arg)
{
	struct lwsw_parker *p = lwsw_parker_current();
	intptr_t bad = 0;
	int64_t t0;

	(void)arg;
	if (!p)
		return (void *)-1;
	/* An unpark before the park is kept: the park returns at once. */
	lwsw_unpark(p);
	if (lwsw_park(p, -1) != 0)
		bad |= 1;
	/* Two unparks leave one token. */
	lwsw_unpark(p);
	lwsw_unpark(p);
	if (lwsw_park(p, -1) != 0)
		bad |= 2;
	if (lwsw_park(p, mono_ns() + 2000000) != -ETIMEDOUT)
		bad |= 4;
	/* A deadline already past: -ETIMEDOUT without switching. */
	if (lwsw_park(p, 0) != -ETIMEDOUT || lwsw_park(p, mono_ns() - 1) != -ETIMEDOUT)
		bad |= 8;
	/* ... but a pending token wins over a past deadline. */
	lwsw_unpark(p);
	if (lwsw_park(p, 0) != 0)
		bad |= 16;
	/* A timed-out park leaves no token behind. */
	t0 = mono_ns();
	if (lwsw_park(p, t0 + 20000000) != -ETIMEDOUT || mono_ns() - t0 < 20000000)
		bad |= 32;
	if (lwsw_park(p, mono_ns() + 1000000) != -ETIMEDOUT)
		bad |= 64;
	return (void *)bad;
}

TEST_F(park, token_semantics)
{
	EXPECT_EQ(NULL, run_join(tokens, NULL));
}

/* Each coroutine has its own parker, stable across migrations. */
static void *own_parker(void *arg)
{
	struct lwsw_parker *p = lwsw_parker_current(), **out = arg;

	for (int i = 0; i < 100; i++) {
		lwsw_co_yield();
		if (lwsw_parker_current() != p)
			return (void *)1;
	}
	*out = p;
	return NULL;
}

TEST_F(park, current_parker)
{
	struct lwsw_parker *a = NULL, *b = NULL;
	lwsw_co_id_t x, y;
	void *r1, *r2;

	ASSERT_EQ(0, lwsw_co_spawn(&x, own_parker, &a));
	ASSERT_EQ(0, lwsw_co_spawn(&y, own_parker, &b));
	ASSERT_EQ(0, lwsw_co_join(x, &r1));
	ASSERT_EQ(0, lwsw_co_join(y, &r2));
	EXPECT_EQ(NULL, r1);
	EXPECT_EQ(NULL, r2);
	EXPECT_NE(NULL, a);
	EXPECT_NE(a, b);
	/* This thread is not a coroutine: whatever it gets, not theirs. */
	EXPECT_NE(a, lwsw_parker_current());
}

/* Ping-pong between two coroutines through park/unpark, exact counts. */
static struct lwsw_parker *_Atomic pp[2];
static _Atomic long turn;
static long rounds;
static long done_by[2];

static void *pinger(void *arg)
{
	int me = (int)(intptr_t)arg, other = 1 - me;

	atomic_store(&pp[me], lwsw_parker_current());
	while (!atomic_load(&pp[other]))
		lwsw_co_yield();
	for (long i = 0; i < rounds; i++) {
		while (atomic_load(&turn) % 2 != me)
			if (lwsw_park(atomic_load(&pp[me]), -1))
				return (void *)1;
		atomic_fetch_add(&turn, 1);
		done_by[me]++;
		lwsw_unpark(atomic_load(&pp[other]));
	}
	return NULL;
}

TEST_F(park, coroutine_ping_pong)
{
	lwsw_co_id_t a, b;
	void *ra, *rb;

	rounds = scaled(100000, 5000);
	atomic_store(&pp[0], NULL);
	atomic_store(&pp[1], NULL);
	atomic_store(&turn, 0);
	done_by[0] = done_by[1] = 0;
	ASSERT_EQ(0, lwsw_co_spawn(&a, pinger, (void *)0));
	ASSERT_EQ(0, lwsw_co_spawn(&b, pinger, (void *)1));
	ASSERT_EQ(0, lwsw_co_join(a, &ra));
	ASSERT_EQ(0, lwsw_co_join(b, &rb));
	EXPECT_EQ(NULL, ra);
	EXPECT_EQ(NULL, rb);
	EXPECT_EQ(rounds, done_by[0]);
	EXPECT_EQ(rounds, done_by[1]);
	EXPECT_EQ(2 * rounds, atomic_load(&turn));
}

/*
 * The same park/unpark ping-pong among coroutines that only yield, all on
 * one worker's local queue: a park may switch straight to the queue's
 * head (park_direct()), but never to one that a fast yield switched out
 * (it resumes in its caller and would not publish the park); the counts
 * stay exact and nothing hangs.
 */
static _Atomic int yielders_stop;
static _Atomic long yielder_turns;

static void *yielder(void *arg)
{
	(void)arg;
	while (!atomic_load(&yielders_stop)) {
		if (lwsw_co_yield())
			return (void *)1;
		atomic_fetch_add(&yielder_turns, 1);
	}
	return NULL;
}

static void *ping_pong_among_yielders(void *arg)
{
	lwsw_co_id_t y[2], a, b;
	void *r[4] = { (void *)9, (void *)9, (void *)9, (void *)9 };

	(void)arg;
	/* Yielders first: they are the local queue's head when a pinger parks. */
	if (lwsw_co_spawn(&y[0], yielder, NULL) || lwsw_co_spawn(&y[1], yielder, NULL) ||
	    lwsw_co_spawn(&a, pinger, (void *)0) || lwsw_co_spawn(&b, pinger, (void *)1))
		return (void *)1;
	if (lwsw_co_join(a, &r[0]) || lwsw_co_join(b, &r[1]))
		return (void *)2;
	atomic_store(&yielders_stop, 1);
	if (lwsw_co_join(y[0], &r[2]) || lwsw_co_join(y[1], &r[3]))
		return (void *)3;
	for (int i = 0; i < 4; i++)
		if (r[i])
			return (void *)4;
	return NULL;
}

TEST_F(park, ping_pong_among_yielders)
{
	lwsw_co_id_t id;
	void *r;

	rounds = scaled(20000, 2000);
	atomic_store(&pp[0], NULL);
	atomic_store(&pp[1], NULL);
	atomic_store(&turn, 0);
	atomic_store(&yielders_stop, 0);
	atomic_store(&yielder_turns, 0);
	done_by[0] = done_by[1] = 0;
	ASSERT_EQ(0, lwsw_co_spawn(&id, ping_pong_among_yielders, NULL));
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(NULL, r);
	EXPECT_EQ(rounds, done_by[0]);
	EXPECT_EQ(rounds, done_by[1]);
	EXPECT_EQ(2 * rounds, atomic_load(&turn));
	if (variant->workers == 1)	/* they shared the worker, in turns */
		EXPECT_LT(0, atomic_load(&yielder_turns));
}

/* The same ping-pong through lwsw_handoff(): a direct switch each hop. */
static void *handoffer(void *arg)
{
	int me = (int)(intptr_t)arg, other = 1 - me;
	struct lwsw_parker *self = lwsw_parker_current();

	atomic_store(&pp[me], self);
	while (!atomic_load(&pp[other]))
		lwsw_co_yield();
	for (long i = 0; i < rounds; i++) {
		while (atomic_load(&turn) % 2 != me)
			if (lwsw_park(self, -1))
				return (void *)1;
		atomic_fetch_add(&turn, 1);
		done_by[me]++;
		if (i + 1 == rounds) {
			lwsw_unpark(atomic_load(&pp[other]));
			break;
		}
		if (lwsw_handoff(self, atomic_load(&pp[other]), -1))
			return (void *)2;
	}
	return NULL;
}

TEST_F(park, coroutine_handoff_ping_pong)
{
	lwsw_co_id_t a, b;
	void *ra, *rb;

	rounds = scaled(100000, 5000);
	atomic_store(&pp[0], NULL);
	atomic_store(&pp[1], NULL);
	atomic_store(&turn, 0);
	done_by[0] = done_by[1] = 0;
	ASSERT_EQ(0, lwsw_co_spawn(&a, handoffer, (void *)0));
	ASSERT_EQ(0, lwsw_co_spawn(&b, handoffer, (void *)1));
	ASSERT_EQ(0, lwsw_co_join(a, &ra));
	ASSERT_EQ(0, lwsw_co_join(b, &rb));
	EXPECT_EQ(NULL, ra);
	EXPECT_EQ(NULL, rb);
	EXPECT_EQ(rounds, done_by[0]);
	EXPECT_EQ(rounds, done_by[1]);
	EXPECT_EQ(2 * rounds, atomic_load(&turn));
}

/* Hand-off with a deadline nobody meets; hand-off to a running target. */
static _Atomic int b_woken;

static void *handoff_target(void *arg)
{
	struct lwsw_parker *self = lwsw_parker_current();

	atomic_store(&pp[1], self);
	if (lwsw_park(self, -1) == 0)
		atomic_store(&b_woken, 1);
	return arg;
}

static void *handoff_timeout(void *arg)
{
	struct lwsw_parker *self = lwsw_parker_current(), *t;
	int64_t t0;
	int r;

	(void)arg;
	while (!(t = atomic_load(&pp[1])))
		lwsw_co_yield();
	lwsw_co_sleep(2000000);		/* let it park */
	t0 = mono_ns();
	r = lwsw_handoff(self, t, t0 + 10000000);
	if (r != -ETIMEDOUT || mono_ns() - t0 < 10000000)
		return (void *)1;
	if (!atomic_load(&b_woken))
		return (void *)2;
	/* The target is gone now: a hand-off to a non-parked parker is a
	 * token for it, and our own park still times out. */
	if (lwsw_handoff(self, self, mono_ns() + 1000000) != 0)
		return (void *)3;	/* handing off to oneself: own token */
	return NULL;
}

TEST_F(park, handoff_deadline)
{
	lwsw_co_id_t a, b;
	void *ra, *rb;

	atomic_store(&pp[1], NULL);
	atomic_store(&b_woken, 0);
	ASSERT_EQ(0, lwsw_co_spawn(&b, handoff_target, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&a, handoff_timeout, NULL));
	ASSERT_EQ(0, lwsw_co_join(a, &ra));
	ASSERT_EQ(0, lwsw_co_join(b, &rb));
	EXPECT_EQ(NULL, ra);
	EXPECT_EQ(NULL, rb);
}

/* A native thread wakes a parked coroutine; the coroutine posts back. */
static sem_t back;
static _Atomic long sent;
static struct lwsw_parker *_Atomic waiter;

static void *thread_woken(void *arg)
{
	long n = (long)(intptr_t)arg, got = 0;

	atomic_store(&waiter, lwsw_parker_current());
	while (got < n) {
		if (lwsw_park(atomic_load(&waiter), -1))
			return (void *)1;
		/* No spurious return: every 0 follows one unpark. */
		if (atomic_load(&sent) != got + 1)
			return (void *)2;
		got++;
		sem_post(&back);
	}
	return NULL;
}

TEST_F(park, thread_unparks_coroutine)
{
	long n = scaled(20000, 2000);
	lwsw_co_id_t id;
	void *r;

	ASSERT_EQ(0, sem_init(&back, 0, 0));
	atomic_store(&sent, 0);
	atomic_store(&waiter, NULL);
	ASSERT_EQ(0, lwsw_co_spawn(&id, thread_woken, (void *)(intptr_t)n));
	while (!atomic_load(&waiter))
		usleep(100);
	for (long i = 0; i < n; i++) {
		atomic_fetch_add(&sent, 1);
		lwsw_unpark(atomic_load(&waiter));
		ASSERT_EQ(0, sem_wait(&back));
	}
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(NULL, r);
	sem_destroy(&back);
}

/*
 * Unpark racing the park's deadline: per round, a thread unparks once at
 * a random moment while the coroutine parks with short random deadlines
 * until it gets 0.  A round must see exactly one 0, never before the
 * unpark (no spurious return), and no token may leak into the next round.
 */
static _Atomic long acked;

static void *racer(void *arg)
{
	long n = (long)(intptr_t)arg, timeouts = 0;
	struct lwsw_parker *p = lwsw_parker_current();
	uint64_t rng = 12345;

	atomic_store(&waiter, p);
	for (long i = 0; i < n; i++) {
		int r;

		for (;;) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			r = lwsw_park(p, mono_ns() + (int64_t)((rng >> 33) % 30000));
			if (r == 0)
				break;
			if (r != -ETIMEDOUT)
				return (void *)1;
			timeouts++;
		}
		if (atomic_load(&sent) != i + 1)
			return (void *)2;	/* woke before the unpark */
		atomic_store(&acked, i + 1);
	}
	return (void *)(intptr_t)(timeouts ? 0 : 3);
}

TEST_F(park, unpark_races_timeout)
{
	long n = scaled(3000, 300);
	lwsw_co_id_t id;
	void *r;
	uint64_t rng = 987;

	atomic_store(&sent, 0);
	atomic_store(&acked, 0);
	atomic_store(&waiter, NULL);
	ASSERT_EQ(0, lwsw_co_spawn(&id, racer, (void *)(intptr_t)n));
	while (!atomic_load(&waiter))
		usleep(100);
	for (long i = 0; i < n; i++) {
		int64_t until;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		until = mono_ns() + (int64_t)((rng >> 33) % 40000);
		while (mono_ns() < until)
			;
		atomic_fetch_add(&sent, 1);
		lwsw_unpark(atomic_load(&waiter));
		while (atomic_load(&acked) != i + 1)
			sched_yield();
	}
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(NULL, r);
}

/* Many coroutines parked with deadlines, a few woken early. */
static void *timed_waiter(void *arg)
{
	struct lwsw_parker **slot = arg;
	int64_t t0 = mono_ns();
	int r;

	struct lwsw_parker *me = lwsw_parker_current();

	__atomic_store_n(slot, me, __ATOMIC_RELEASE);
	r = lwsw_park(me, t0 + 30000000);
	return (void *)(intptr_t)(r == -ETIMEDOUT ? (mono_ns() - t0 >= 30000000 ? 1 : -1) :
				  r == 0 ? 2 : -2);
}

TEST_F(park, many_deadlines)
{
	struct lwsw_parker *slots[100] = { 0 };
	lwsw_co_id_t ids[100];
	int timed = 0, woken = 0;

	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], timed_waiter, &slots[i]));
	for (int i = 0; i < 100; i += 10) {
		while (!__atomic_load_n(&slots[i], __ATOMIC_ACQUIRE))
			usleep(100);
		lwsw_unpark(__atomic_load_n(&slots[i], __ATOMIC_ACQUIRE));
	}
	for (int i = 0; i < 100; i++) {
		void *r;

		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		ASSERT_GT((intptr_t)r, 0);
		timed += (intptr_t)r == 1;
		woken += (intptr_t)r == 2;
	}
	EXPECT_EQ(10, woken);
	EXPECT_EQ(90, timed);
}

TEST_HARNESS_MAIN
