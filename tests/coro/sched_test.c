// SPDX-License-Identifier: GPL-2.0
/*
 * sched_test — the coroutine scheduler API: bad input first, then spawn,
 * join, detach, yield, sleep, 100,000 coroutines, per-coroutine rounding
 * modes across migrations; every scheduler test on 1 and on 2 workers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lwsw_harness.h"
#include "common.h"

static void *ret_arg(void *arg)
{
	return arg;
}

/* ---- bad input, no scheduler running ---- */

TEST(no_scheduler)
{
	lwsw_co_id_t id = 0;

	/* NULL fn is refused before anything else. */
	EXPECT_EQ(-EINVAL, lwsw_co_spawn(&id, NULL, NULL));
	/* Nothing to run on. */
	EXPECT_EQ(-ENXIO, lwsw_co_spawn(&id, ret_arg, NULL));
	EXPECT_EQ(-ENXIO, lwsw_co_join(1, NULL));
	EXPECT_EQ(-ENXIO, lwsw_co_detach(1));
	EXPECT_EQ(-ENXIO, lwsw_co_stop());
	EXPECT_EQ(-ENXIO, lwsw_co_wait_all());
	/* Not a coroutine. */
	EXPECT_EQ(-EPERM, lwsw_co_yield());
	EXPECT_EQ(-EPERM, lwsw_co_sleep(1000));
	EXPECT_EQ(0u, lwsw_co_self());
	EXPECT_EQ(0u, lwsw_co_workers());
}

TEST(bad_config)
{
	struct lwsw_co_config cfg = { 0 };

	cfg.flags = 1;			/* unknown flag */
	EXPECT_EQ(-EINVAL, lwsw_co_start(&cfg));
	cfg.flags = 0;
	cfg.workers = LWSW_CO_WORKERS_MAX + 1;
	EXPECT_EQ(-EINVAL, lwsw_co_start(&cfg));
	cfg.workers = 1;
	cfg.__reserved[5] = 1;		/* a field of a newer library */
	EXPECT_EQ(-EINVAL, lwsw_co_start(&cfg));
	cfg.__reserved[5] = 0;
	cfg.stack_size = 100;		/* below the minimum */
	EXPECT_EQ(-EINVAL, lwsw_co_start(&cfg));
	cfg.stack_size = (size_t)1 << 40;	/* huge */
	EXPECT_EQ(-EINVAL, lwsw_co_start(&cfg));
	cfg.stack_size = 0;		/* default */
	ASSERT_EQ(0, lwsw_co_start(&cfg));
	EXPECT_EQ(-EALREADY, lwsw_co_start(&cfg));
	EXPECT_EQ(1u, lwsw_co_workers());
	EXPECT_EQ(0, lwsw_co_stop());
	EXPECT_EQ(-ENXIO, lwsw_co_stop());
}

/* A stack that cannot be mapped: the coroutine never runs, join says why. */
TEST(stack_allocation_failure)
{
	struct lwsw_co_config cfg = { .workers = 1 };
	struct lwsw_co_attr a;
	struct rlimit rl;
	lwsw_co_id_t id;
	long pages = 0;
	void *r = (void *)1, *probe;
	FILE *f;

	if (under_sanitizer() || RUNNING_ON_VALGRIND)
		SKIP(return, "the runtime's own address-space use defeats RLIMIT_AS");
	ASSERT_EQ(0, lwsw_co_start(&cfg));
	f = fopen("/proc/self/statm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%ld", &pages));
	fclose(f);
	/* This child process (the harness forks per test) keeps 64 MiB of
	 * address space to spare: a 256 MiB stack cannot be mapped. */
	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &rl));
	rl.rlim_cur = (rlim_t)pages * sysconf(_SC_PAGESIZE) + (64 << 20);
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &rl));
	probe = mmap(NULL, LWSW_CO_STACK_MAX, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (probe != MAP_FAILED) {
		munmap(probe, LWSW_CO_STACK_MAX);
		lwsw_co_stop();
		SKIP(return, "RLIMIT_AS is not enforced here (qemu user mode?)");
	}
	lwsw_co_attr_init(&a);
	a.stack_size = LWSW_CO_STACK_MAX;
	ASSERT_EQ(0, lwsw_co_spawn_attr(&id, &a, ret_arg, (void *)3));
	EXPECT_EQ(-ENOMEM, lwsw_co_join(id, &r));
	EXPECT_EQ(NULL, r);
	/* Default stacks still come. */
	ASSERT_EQ(0, lwsw_co_spawn(&id, ret_arg, (void *)5));
	EXPECT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ((void *)5, r);
	EXPECT_EQ(0, lwsw_co_stop());
}

/* ---- the scheduler tests, on 1 and 2 workers ---- */

FIXTURE(sched) {
	int dummy;
};

FIXTURE_VARIANT(sched) {
	unsigned int workers;
};

FIXTURE_VARIANT_ADD(sched, w1) { .workers = 1 };
FIXTURE_VARIANT_ADD(sched, w2) { .workers = 2 };

FIXTURE_SETUP(sched)
{
	struct lwsw_co_config cfg = { .workers = variant->workers };

	ASSERT_EQ(0, lwsw_co_start(&cfg));
}

FIXTURE_TEARDOWN(sched)
{
	EXPECT_EQ(0, lwsw_co_stop());
}

TEST_F(sched, bad_attributes)
{
	struct lwsw_co_attr a;
	lwsw_co_id_t id = 0;

	lwsw_co_attr_init(&a);
	EXPECT_EQ(LWSW_CO_STACK_DEFAULT, a.stack_size);
	a.stack_size = 0;
	EXPECT_EQ(-EINVAL, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	a.stack_size = LWSW_CO_STACK_MIN - 1;
	EXPECT_EQ(-EINVAL, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	a.stack_size = (size_t)LWSW_CO_STACK_MAX + 1;
	EXPECT_EQ(-E2BIG, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	a.stack_size = SIZE_MAX;
	EXPECT_EQ(-E2BIG, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	lwsw_co_attr_init(&a);
	a.flags = 0x80;
	EXPECT_EQ(-EINVAL, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	lwsw_co_attr_init(&a);
	a.__pad = 1;
	EXPECT_EQ(-EINVAL, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	lwsw_co_attr_init(&a);
	a.__reserved[0] = 1;
	EXPECT_EQ(-EINVAL, lwsw_co_spawn_attr(&id, &a, ret_arg, NULL));
	memset(&a, 0xff, sizeof(a));	/* lwsw_co_attr_init() sets every byte */
	lwsw_co_attr_init(&a);
	EXPECT_EQ(0u, a.__pad);
	EXPECT_EQ(0u, a.__reserved[4]);
	EXPECT_EQ(-EINVAL, lwsw_co_spawn(&id, NULL, NULL));
	EXPECT_EQ(0u, id);	/* untouched on failure */
}

TEST_F(sched, join_errors)
{
	lwsw_co_id_t id, id2;
	void *r = NULL;

	EXPECT_EQ(-ESRCH, lwsw_co_join(0, NULL));			/* never valid */
	EXPECT_EQ(-ESRCH, lwsw_co_join((uint64_t)7 << 32 | 123456789, NULL)); /* unknown */
	ASSERT_EQ(0, lwsw_co_spawn(&id, ret_arg, (void *)42));
	EXPECT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ((void *)42, r);
	EXPECT_EQ(-ESRCH, lwsw_co_join(id, &r));			/* already joined */
	EXPECT_EQ(-ESRCH, lwsw_co_detach(id));
	/* The slot is reused under a new generation: the old id stays dead. */
	ASSERT_EQ(0, lwsw_co_spawn(&id2, ret_arg, NULL));
	EXPECT_NE(id, id2);
	EXPECT_EQ(-ESRCH, lwsw_co_join(id, NULL));
	EXPECT_EQ(0, lwsw_co_join(id2, NULL));
}

static void *self_join(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)lwsw_co_join(lwsw_co_self(), NULL);
}

static void *forbidden_calls(void *arg)
{
	long *res = arg;

	res[0] = lwsw_co_stop();
	res[1] = lwsw_co_start(NULL);
	res[2] = lwsw_co_wait_all();
	res[3] = lwsw_co_self() != 0;
	return NULL;
}

TEST_F(sched, calls_invalid_in_a_coroutine)
{
	lwsw_co_id_t id;
	void *r;
	long res[4] = { 0 };

	ASSERT_EQ(0, lwsw_co_spawn(&id, self_join, NULL));
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(-EDEADLK, (int)(intptr_t)r);
	ASSERT_EQ(0, lwsw_co_spawn(&id, forbidden_calls, res));
	ASSERT_EQ(0, lwsw_co_join(id, NULL));
	EXPECT_EQ(-EPERM, res[0]);
	EXPECT_EQ(-EPERM, res[1]);
	EXPECT_EQ(-EPERM, res[2]);
	EXPECT_EQ(1, res[3]);
	/* And from a native thread while the scheduler runs. */
	EXPECT_EQ(-EPERM, lwsw_co_yield());
	EXPECT_EQ(-EPERM, lwsw_co_sleep(1));
	EXPECT_EQ(0u, lwsw_co_self());
}

static _Atomic int hold;

static void *held(void *arg)
{
	while (atomic_load(&hold))
		lwsw_co_yield();
	return arg;
}

TEST_F(sched, detach)
{
	struct lwsw_co_attr a;
	lwsw_co_id_t id;

	atomic_store(&hold, 1);
	ASSERT_EQ(0, lwsw_co_spawn(&id, held, NULL));
	EXPECT_EQ(0, lwsw_co_detach(id));
	EXPECT_EQ(-EINVAL, lwsw_co_detach(id));	/* already detached */
	EXPECT_EQ(-EINVAL, lwsw_co_join(id, NULL));
	atomic_store(&hold, 0);
	EXPECT_EQ(0, lwsw_co_wait_all());
	EXPECT_EQ(-ESRCH, lwsw_co_join(id, NULL));	/* gone by itself */
	/* Detaching a finished coroutine frees it. */
	ASSERT_EQ(0, lwsw_co_spawn(&id, ret_arg, NULL));
	EXPECT_EQ(0, lwsw_co_wait_all());
	EXPECT_EQ(0, lwsw_co_detach(id));
	EXPECT_EQ(-ESRCH, lwsw_co_join(id, NULL));
	/* Spawned detached. */
	lwsw_co_attr_init(&a);
	a.flags = LWSW_CO_DETACHED;
	atomic_store(&hold, 1);
	ASSERT_EQ(0, lwsw_co_spawn_attr(&id, &a, held, NULL));
	EXPECT_EQ(-EINVAL, lwsw_co_join(id, NULL));
	atomic_store(&hold, 0);
	EXPECT_EQ(0, lwsw_co_wait_all());
}

/* Join from a coroutine; nested spawns; results. */
static void *fib(void *arg)
{
	long n = (long)(intptr_t)arg;
	lwsw_co_id_t a, b;
	void *ra, *rb;

	if (n < 2)
		return arg;
	if (lwsw_co_spawn(&a, fib, (void *)(intptr_t)(n - 1)) ||
	    lwsw_co_spawn(&b, fib, (void *)(intptr_t)(n - 2)))
		return (void *)-1;
	if (lwsw_co_join(a, &ra) || lwsw_co_join(b, &rb))
		return (void *)-1;
	return (void *)((intptr_t)ra + (intptr_t)rb);
}

TEST_F(sched, nested_spawn_join)
{
	lwsw_co_id_t id;
	void *r;

	ASSERT_EQ(0, lwsw_co_spawn(&id, fib, (void *)15));	/* 1973 coroutines */
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(610, (intptr_t)r);
}

/* Strict alternation of two yielding coroutines on one worker. */
static char trace[64];
static _Atomic int trace_n;

static void *tracer(void *arg)
{
	for (int i = 0; i < 4; i++) {
		trace[atomic_fetch_add(&trace_n, 1)] = *(char *)arg;
		lwsw_co_yield();
	}
	return NULL;
}

static void *spawn_two_tracers(void *arg)
{
	lwsw_co_id_t a, b;

	(void)arg;
	/* Both queued on this worker, in order, before either runs. */
	if (lwsw_co_spawn(&a, tracer, "a") || lwsw_co_spawn(&b, tracer, "b"))
		return (void *)1;
	if (lwsw_co_join(a, NULL) || lwsw_co_join(b, NULL))
		return (void *)2;
	return NULL;
}

/* Run @fn, which spawns tracers and joins them, as a coroutine; the
 * trace they leave must be @want. */
static void expect_trace(struct __test_metadata *_metadata, void *(*fn)(void *),
			 const char *want)
{
	lwsw_co_id_t id;
	void *r;

	memset(trace, 0, sizeof(trace));
	atomic_store(&trace_n, 0);
	ASSERT_EQ(0, lwsw_co_spawn(&id, fn, NULL));
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ(NULL, r);
	EXPECT_STREQ(want, trace);
}

TEST_F(sched, yield_round_robin)
{
	if (variant->workers != 1)
		SKIP(return, "order is only defined on one worker");
	expect_trace(_metadata, spawn_two_tracers, "abababab");
}

/*
 * The yield fast path (local queue, direct switch): three coroutines keep
 * FIFO order, a coroutine woken by another one's unpark (here: spawned
 * mid-way) takes its turn at the tail, and a timer fires while coroutines
 * do nothing but yield (the fast path runs due timers itself).
 */
static void *spawn_three_tracers(void *arg)
{
	lwsw_co_id_t a, b, c;

	(void)arg;
	if (lwsw_co_spawn(&a, tracer, "a") || lwsw_co_spawn(&b, tracer, "b") ||
	    lwsw_co_spawn(&c, tracer, "c"))
		return (void *)1;
	if (lwsw_co_join(a, NULL) || lwsw_co_join(b, NULL) || lwsw_co_join(c, NULL))
		return (void *)2;
	return NULL;
}

static _Atomic int nap_done;

static void *napper(void *arg)
{
	(void)arg;
	lwsw_co_sleep(2000000);
	atomic_store(&nap_done, 1);
	return NULL;
}

static void *yield_until_nap_done(void *arg)
{
	long n = 0;

	(void)arg;
	while (!atomic_load(&nap_done)) {
		lwsw_co_yield();
		n++;
	}
	return (void *)(intptr_t)(n > 0);
}

TEST_F(sched, yield_fast_path)
{
	lwsw_co_id_t a, b, n;
	void *r;

	if (variant->workers == 1)
		expect_trace(_metadata, spawn_three_tracers, "abcabcabcabc");
	/* Two yielders and a sleeper: the timer must fire among the yields. */
	atomic_store(&nap_done, 0);
	ASSERT_EQ(0, lwsw_co_spawn(&a, yield_until_nap_done, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&b, yield_until_nap_done, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&n, napper, NULL));
	ASSERT_EQ(0, lwsw_co_join(n, NULL));
	ASSERT_EQ(0, lwsw_co_join(a, &r));
	ASSERT_EQ(0, lwsw_co_join(b, &r));
}

/*
 * Nine coroutines yielding in turn on one worker.  The fast path ends in
 * one of eight copies of its jump, chosen by the next coroutine's slot
 * (idx & 7, lib/coro/yield-x86_64.S); nine coroutines spawned in a row
 * have nine consecutive slots, so every copy resumes some coroutine, one
 * copy two of them, and each must resume the right one.
 */
static void *spawn_nine_tracers(void *arg)
{
	static char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
	lwsw_co_id_t id[9];

	(void)arg;
	for (int i = 0; i < 9; i++)
		if (lwsw_co_spawn(&id[i], tracer, names[i]))
			return (void *)1;
	for (int i = 0; i < 9; i++)
		if (lwsw_co_join(id[i], NULL))
			return (void *)2;
	return NULL;
}

TEST_F(sched, yield_every_jump_copy)
{
	if (variant->workers != 1)
		SKIP(return, "order is only defined on one worker");
	expect_trace(_metadata, spawn_nine_tracers, "abcdefghiabcdefghiabcdefghiabcdefghi");
}

static void *sleeper(void *arg)
{
	int64_t ns = (int64_t)(intptr_t)arg, t0 = mono_ns();

	if (lwsw_co_sleep(ns))
		return (void *)-1;
	return (void *)(intptr_t)(mono_ns() - t0 >= ns);
}

TEST_F(sched, sleep)
{
	lwsw_co_id_t ids[200];
	void *r;
	int64_t t0 = mono_ns();

	ASSERT_EQ(0, lwsw_co_spawn(&ids[0], sleeper, (void *)(intptr_t)20000000));
	ASSERT_EQ(0, lwsw_co_join(ids[0], &r));
	EXPECT_EQ((void *)1, r);
	EXPECT_GE(mono_ns() - t0, 20000000);
	/* Many sleepers with different deadlines: all wake, none early. */
	for (int i = 0; i < 200; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], sleeper,
					  (void *)(intptr_t)(((i * 7919) % 200) * 50000)));
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		EXPECT_EQ((void *)1, r);
	}
	/* sleep(0) and negative sleeps are yields. */
	ASSERT_EQ(0, lwsw_co_spawn(&ids[0], sleeper, (void *)0));
	ASSERT_EQ(0, lwsw_co_join(ids[0], &r));
	EXPECT_EQ((void *)1, r);
}

/* 100,000 coroutines created, run and joined, spawned by a coroutine. */
static _Atomic long counter;

static void *count_one(void *arg)
{
	atomic_fetch_add(&counter, 1);
	return arg;
}

static void *spawn_many(void *arg)
{
	long n = (long)(intptr_t)arg, bad = 0;
	lwsw_co_id_t *ids = malloc(n * sizeof(*ids));

	if (!ids)
		return (void *)-1;
	for (long i = 0; i < n; i++)
		if (lwsw_co_spawn(&ids[i], count_one, (void *)(intptr_t)i))
			bad++;
	for (long i = 0; i < n; i++) {
		void *r;

		if (lwsw_co_join(ids[i], &r) || r != (void *)(intptr_t)i)
			bad++;
	}
	free(ids);
	return (void *)(intptr_t)bad;
}

TEST_F(sched, spawn_join_100k)
{
	long n = scaled(100000, 5000);
	lwsw_co_id_t id;
	void *bad;

	atomic_store(&counter, 0);
	ASSERT_EQ(0, lwsw_co_spawn(&id, spawn_many, (void *)(intptr_t)n));
	ASSERT_EQ(0, lwsw_co_join(id, &bad));
	EXPECT_EQ(0, (intptr_t)bad);
	EXPECT_EQ(n, atomic_load(&counter));
	/* And again from this native thread. */
	atomic_store(&counter, 0);
	EXPECT_EQ(0, (intptr_t)spawn_many((void *)(intptr_t)n));
	EXPECT_EQ(n, atomic_load(&counter));
}

/* Many coroutines alive at once, each holding a stack (two mappings). */
static _Atomic int release_all;

static void *wait_release(void *arg)
{
	atomic_fetch_add(&counter, 1);
	while (!atomic_load(&release_all))
		lwsw_co_yield();
	return arg;
}

static long map_count_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long v = 65530;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 65530;
		fclose(f);
	}
	return v;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST_F_TIMEOUT(sched, alive_at_once, 120)
{
	long want = scaled(100000, 500), limit = map_count_limit(), n = want;

#if defined(__SANITIZE_ADDRESS__)
	/* ASan's per-stack bookkeeping makes 100,000 live stacks take minutes;
	 * the count matters for the plain build, not for this one. */
	if (want > 20000)
		n = want = 20000;
#endif
	lwsw_co_id_t *ids;
	long rss0;

	if (2 * want + 5000 > limit) {
		n = (limit - 5000) / 2;
		TH_LOG("vm.max_map_count=%ld allows ~%ld guarded stacks (2 mappings each): "
		       "running %ld, not %ld", limit, n, n, want);
	}
	ids = malloc(n * sizeof(*ids));
	ASSERT_NE(NULL, ids);
	atomic_store(&counter, 0);
	atomic_store(&release_all, 0);
	rss0 = rss_kib();
	for (long i = 0; i < n; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], wait_release, NULL));
	while (atomic_load(&counter) < n)
		usleep(1000);
	TH_LOG("%ld coroutines alive: RSS +%ld KiB, %.2f KiB each", n, rss_kib() - rss0,
	       (double)(rss_kib() - rss0) / n);
	atomic_store(&release_all, 1);
	for (long i = 0; i < n; i++)
		ASSERT_EQ(0, lwsw_co_join(ids[i], NULL));
	free(ids);
}

/* Per-coroutine rounding modes survive yields and worker migrations. */
static const int modes[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

static void *round_keeper(void *arg)
{
	int mode = modes[(intptr_t)arg % 4], bad = 0;

	fesetround(mode);
	for (int i = 0; i < 2000; i++) {
		lwsw_co_yield();
		if (fegetround() != mode)
			bad++;
	}
	fesetround(FE_TONEAREST);
	return (void *)(intptr_t)bad;
}

static void *inherits_round(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)fegetround();
}

TEST_F(sched, rounding_mode_per_coroutine)
{
	lwsw_co_id_t ids[8];
	void *r;

	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], round_keeper, (void *)(intptr_t)i));
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		EXPECT_EQ(0, (intptr_t)r);
	}
	/* A new coroutine starts with its spawner's mode. */
	fesetround(FE_UPWARD);
	ASSERT_EQ(0, lwsw_co_spawn(&ids[0], inherits_round, NULL));
	fesetround(FE_TONEAREST);
	ASSERT_EQ(0, lwsw_co_join(ids[0], &r));
	EXPECT_EQ(FE_UPWARD, (intptr_t)r);
}

/* Values live across yields (in callee-saved registers or on the stack). */
static void *live_values(void *arg)
{
	volatile uint64_t seed = (uint64_t)(intptr_t)arg;
	uint64_t a = seed * 3, b = seed * 5, c = seed * 7, d = seed * 11, e = seed * 13, f = seed * 17;
	double x = (double)seed * 0.5, y = (double)seed * 0.25;

	for (int i = 0; i < 1000; i++) {
		lwsw_co_yield();
		a += 1; b += 2; c += 3; d += 4; e += 5; f += 6;
		x += 1.0; y += 2.0;
	}
	return (void *)(intptr_t)(a == seed * 3 + 1000 && b == seed * 5 + 2000 &&
				  c == seed * 7 + 3000 && d == seed * 11 + 4000 &&
				  e == seed * 13 + 5000 && f == seed * 17 + 6000 &&
				  x == (double)seed * 0.5 + 1000 && y == (double)seed * 0.25 + 2000);
}

TEST_F(sched, values_survive_yields)
{
	lwsw_co_id_t ids[16];
	void *r;

	for (int i = 0; i < 16; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], live_values, (void *)(intptr_t)(i + 1)));
	for (int i = 0; i < 16; i++) {
		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		EXPECT_EQ((void *)1, r);
	}
}

/*
 * The fast yield's local-queue representation (lib/coro/sched.c, lq_tail()):
 * two coroutines trading places leave w->ltail NULL, and a coroutine
 * spawned in that state must still join at the tail; then the three keep
 * FIFO order.  A spawns C in its second turn, after its trace.
 */
static void *tracer3(void *arg)
{
	return tracer(arg);
}

static void *tracer_spawning(void *arg)
{
	lwsw_co_id_t c = 0;

	for (int i = 0; i < 4; i++) {
		trace[atomic_fetch_add(&trace_n, 1)] = *(char *)arg;
		if (i == 1 && lwsw_co_spawn(&c, tracer3, "c"))
			return (void *)1;
		lwsw_co_yield();
	}
	return lwsw_co_join(c, NULL) ? (void *)2 : NULL;
}

static void *pair_then_spawn(void *arg)
{
	lwsw_co_id_t a, b;
	void *ra = (void *)3;

	(void)arg;
	if (lwsw_co_spawn(&a, tracer_spawning, "a") || lwsw_co_spawn(&b, tracer, "b"))
		return (void *)1;
	if (lwsw_co_join(a, &ra) || lwsw_co_join(b, NULL))
		return (void *)2;
	return ra;
}

TEST_F(sched, yield_pair_then_spawn)
{
	if (variant->workers != 1)
		SKIP(return, "order is only defined on one worker");
	/* c has 4 turns; a and b end first, then c alone. */
	expect_trace(_metadata, pair_then_spawn, "ababcabcabcc");
}

/*
 * Yields while a thief is active: coroutines spawned by one coroutine
 * all start on its worker's local queue and do nothing but yield; the
 * other worker, idle, must get some of them (the fast path notices the
 * idle worker and leaves to the loop, which hands the local queue to the
 * thieves), and every yield still returns once per turn with exact counts.
 */
#define THIEF_CO	8
static _Atomic long thief_yields;
static _Atomic int thief_moved;
static pthread_t thief_home;
static int thief_wait;		/* 2 workers: keep yielding until one moved */

static void *yield_watch_thread(void *arg)
{
	long n = (long)(intptr_t)arg, i;
	int64_t give_up = mono_ns() + 30 * 1000000000ll;

	for (i = 0; i < n || (thief_wait && !atomic_load(&thief_moved) && mono_ns() < give_up);
	     i++) {
		if (!pthread_equal(pthread_self(), thief_home))
			atomic_store(&thief_moved, 1);
		if (lwsw_co_yield())
			return (void *)1;
		atomic_fetch_add(&thief_yields, 1);
	}
	return (void *)(intptr_t)i;
}

static void *spawn_yielders(void *arg)
{
	lwsw_co_id_t ids[THIEF_CO];
	long total = 0;
	void *r;

	thief_home = pthread_self();
	for (int i = 0; i < THIEF_CO; i++)
		if (lwsw_co_spawn(&ids[i], yield_watch_thread, arg))
			return (void *)-1;
	for (int i = 0; i < THIEF_CO; i++) {
		if (lwsw_co_join(ids[i], &r) || r == (void *)1)
			return (void *)-2;
		total += (long)(intptr_t)r;
	}
	return (void *)(intptr_t)total;
}

TEST_F(sched, yield_with_thief)
{
	long n = scaled(20000, 2000);
	lwsw_co_id_t id;
	void *r;

	atomic_store(&thief_yields, 0);
	atomic_store(&thief_moved, 0);
	thief_wait = variant->workers > 1;
	ASSERT_EQ(0, lwsw_co_spawn(&id, spawn_yielders, (void *)(intptr_t)n));
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	ASSERT_LE(THIEF_CO * n, (long)(intptr_t)r);
	/* Every yield counted once: the sum of the loops' own counts. */
	EXPECT_EQ((long)(intptr_t)r, atomic_load(&thief_yields));
	if (variant->workers > 1)
		EXPECT_EQ(1, atomic_load(&thief_moved));
}

/* Work spreads over both workers; spawning from several threads. */
static pthread_t seen_threads[4];
static int nseen;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static void *note_thread(void *arg)
{
	pthread_t me = pthread_self();
	int found = 0;

	pthread_mutex_lock(&seen_lock);
	for (int i = 0; i < nseen && i < 4; i++)
		if (pthread_equal(seen_threads[i], me))
			found = 1;
	if (!found && nseen < 4)
		seen_threads[nseen++] = me;
	pthread_mutex_unlock(&seen_lock);
	/* Busy a while so the other worker steals. */
	for (volatile int i = 0; i < 20000; i++)
		;
	lwsw_co_yield();
	return arg;
}

static void *spawner_thread(void *arg)
{
	long bad = 0;
	lwsw_co_id_t ids[500];

	(void)arg;
	for (int i = 0; i < 500; i++)
		bad += lwsw_co_spawn(&ids[i], note_thread, NULL) != 0;
	for (int i = 0; i < 500; i++)
		bad += lwsw_co_join(ids[i], NULL) != 0;
	return (void *)bad;
}

TEST_F(sched, spawn_from_threads_uses_workers)
{
	pthread_t t[3];
	void *bad;

	nseen = 0;
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, spawner_thread, NULL));
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &bad);
		EXPECT_EQ(NULL, bad);
	}
	EXPECT_EQ((int)variant->workers, nseen);
}

/* lwsw_co_run: main coroutine plus everything it spawned. */
static _Atomic int detached_done;

static void *detached_child(void *arg)
{
	lwsw_co_sleep(1000000);
	atomic_fetch_add(&detached_done, 1);
	return arg;
}

static void *run_main(void *arg)
{
	struct lwsw_co_attr a;

	lwsw_co_attr_init(&a);
	a.flags = LWSW_CO_DETACHED;
	for (int i = 0; i < 10; i++)
		lwsw_co_spawn_attr(NULL, &a, detached_child, NULL);
	return arg;
}

TEST(run_waits_for_everything)
{
	struct lwsw_co_config cfg = { .workers = 2 };
	void *r = NULL;

	EXPECT_EQ(-EINVAL, lwsw_co_run(&cfg, NULL, NULL, NULL));
	atomic_store(&detached_done, 0);
	ASSERT_EQ(0, lwsw_co_run(&cfg, run_main, (void *)7, &r));
	EXPECT_EQ((void *)7, r);
	EXPECT_EQ(10, atomic_load(&detached_done));
	EXPECT_EQ(0u, lwsw_co_workers());
	/* Restartable. */
	ASSERT_EQ(0, lwsw_co_run(NULL, ret_arg, (void *)8, &r));
	EXPECT_EQ((void *)8, r);
}

/* Stack size attribute is honoured: a 1 MiB stack allows a deep frame. */
static void *deep(void *arg)
{
	volatile char buf[512 * 1024];

	buf[0] = 1;
	buf[sizeof(buf) - 1] = 2;
	return (void *)(intptr_t)(buf[0] + buf[sizeof(buf) - 1] + (intptr_t)arg);
}

TEST_F(sched, big_stack)
{
	struct lwsw_co_attr a;
	lwsw_co_id_t id;
	void *r;

	lwsw_co_attr_init(&a);
	a.stack_size = 1 << 20;
	a.name = "deep";
	ASSERT_EQ(0, lwsw_co_spawn_attr(&id, &a, deep, (void *)4));
	ASSERT_EQ(0, lwsw_co_join(id, &r));
	EXPECT_EQ((void *)7, r);
}

TEST_HARNESS_MAIN
