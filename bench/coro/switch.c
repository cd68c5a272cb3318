// SPDX-License-Identifier: GPL-2.0
/*
 * bench/coro/switch — quick costs of the coroutine core, one thread/worker:
 *
 *   raw switch     lwsw_ctx_switch() there and back (the round trip
 *                  Boost.Context's jump_fcontext ping-pong measures)
 *   yield          two coroutines alternating through lwsw_co_yield(),
 *                  one round trip = each yields once (4 context switches
 *                  through the scheduler loop)
 *   park/unpark    two coroutines handing a turn back and forth with
 *                  lwsw_unpark()+lwsw_park() (lib/park.h)
 *   channel        ping-pong over two unbuffered lwsw_chan_t (when the
 *                  channel library is linked: -DLWSW_BENCH_CHAN)
 *   chan sendrecv  the same with lwsw_chan_sendrecv() on both sides: each
 *                  hop is a hand-off (a direct coroutine switch)
 *
 * Prints the median and min/max of REPS runs of N round trips each, in ns
 * per round trip.  Not the project benchmark (bench/), just a sanity check.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/ctx.h"
#include "lwswitch_coro.h"
#include "park.h"
#ifdef LWSW_BENCH_CHAN
#include "lwswitch.h"
#endif

#define REPS 7

static long N = 1000000;

static int64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, double *ns)
{
	qsort(ns, REPS, sizeof(*ns), cmp);
	printf("%-14s %8.1f ns/round trip  (min %.1f, max %.1f; %d runs x %ld)\n",
	       name, ns[REPS / 2], ns[0], ns[REPS - 1], REPS, N);
}

/* ---- raw switch ---- */
static void *main_sp, *co_sp;

static void bounce(void *arg)
{
	(void)arg;
	for (;;)
		lwsw_ctx_switch(&co_sp, main_sp);
}

static void bench_raw(void)
{
	size_t sz = 64 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double ns[REPS];

	co_sp = lwsw_ctx_make(stack + sz, bounce, NULL, lwsw_ctx_fpctl());
	for (long i = 0; i < N / 10; i++)	/* warm up */
		lwsw_ctx_switch(&main_sp, co_sp);
	for (int r = 0; r < REPS; r++) {
		int64_t t0 = now();

		for (long i = 0; i < N; i++)
			lwsw_ctx_switch(&main_sp, co_sp);
		ns[r] = (double)(now() - t0) / N;
	}
	report("raw switch", ns);
}

/* ---- scheduler ---- */
static void *yielder(void *arg)
{
	for (long i = 0; i < (long)(intptr_t)arg; i++)
		lwsw_co_yield();
	return NULL;
}

static struct lwsw_parker *_Atomic pk[2];
static _Atomic long turn;

static void *parker(void *arg)
{
	int me = (int)(intptr_t)arg;

	atomic_store(&pk[me], lwsw_parker_current());
	while (!atomic_load(&pk[1 - me]))
		lwsw_co_yield();
	for (long i = 0; i < N; i++) {
		while (atomic_load_explicit(&turn, memory_order_acquire) % 2 != me)
			lwsw_park(pk[me], -1);
		atomic_fetch_add(&turn, 1);
		lwsw_unpark(pk[1 - me]);
	}
	return NULL;
}

#ifdef LWSW_BENCH_CHAN
static lwsw_chan_t *c1, *c2;

static void *chan_ping(void *arg)
{
	long v = 0;

	(void)arg;
	for (long i = 0; i < N; i++) {
		lwsw_chan_send(c1, &v);
		lwsw_chan_recv(c2, &v);
	}
	return NULL;
}

static void *chan_pong(void *arg)
{
	long v;

	(void)arg;
	for (long i = 0; i < N; i++) {
		lwsw_chan_recv(c1, &v);
		lwsw_chan_send(c2, &v);
	}
	return NULL;
}

/* Request/reply with lwsw_chan_sendrecv(): a hand-off on each hop. */
static void *sr_client(void *arg)
{
	long v = 0;

	(void)arg;
	for (long i = 0; i < N; i++)
		lwsw_chan_sendrecv(c1, &v, c2, &v);
	return NULL;
}

static void *sr_server(void *arg)
{
	long v;

	(void)arg;
	lwsw_chan_recv(c1, &v);
	for (long i = 1; i < N; i++)
		lwsw_chan_sendrecv(c2, &v, c1, &v);
	lwsw_chan_send(c2, &v);
	return NULL;
}
#endif

static double run_pair(void *(*a)(void *), void *(*b)(void *), void *x, void *y)
{
	lwsw_co_id_t i1, i2;
	int64_t t0 = now();

	lwsw_co_spawn(&i1, a, x);
	lwsw_co_spawn(&i2, b, y);
	lwsw_co_join(i1, NULL);
	lwsw_co_join(i2, NULL);
	return (double)(now() - t0) / N;
}

static void *sched_main(void *arg)
{
	double ns[REPS];

	(void)arg;
	for (int r = 0; r < REPS; r++)
		ns[r] = run_pair(yielder, yielder, (void *)(intptr_t)N, (void *)(intptr_t)N);
	report("yield", ns);
	for (int r = 0; r < REPS; r++) {
		atomic_store(&pk[0], NULL);
		atomic_store(&pk[1], NULL);
		atomic_store(&turn, 0);
		ns[r] = run_pair(parker, parker, (void *)0, (void *)1);
	}
	report("park/unpark", ns);
#ifdef LWSW_BENCH_CHAN
	lwsw_chan_make(&c1, sizeof(long), 0);
	lwsw_chan_make(&c2, sizeof(long), 0);
	for (int r = 0; r < REPS; r++)
		ns[r] = run_pair(chan_ping, chan_pong, NULL, NULL);
	report("channel", ns);
	for (int r = 0; r < REPS; r++)
		ns[r] = run_pair(sr_client, sr_server, NULL, NULL);
	report("chan sendrecv", ns);
	lwsw_chan_free(c1);
	lwsw_chan_free(c2);
#endif
	return NULL;
}

int main(int argc, char **argv)
{
	struct lwsw_co_config cfg = { .workers = 1 };

	if (argc > 1)
		N = atol(argv[1]);
	printf("coroutine core, one worker, %ld round trips per run\n", N);
	bench_raw();
	if (lwsw_co_run(&cfg, sched_main, NULL, NULL)) {
		fprintf(stderr, "lwsw_co_run failed\n");
		return 1;
	}
	return 0;
}
