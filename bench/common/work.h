/* SPDX-License-Identifier: GPL-2.0 */
/*
 * work.h — real user-space work of a given duration, for the case
 * work-per-hop (bench/vm/scale.c; the Go peer's workRun() in
 * bench/peers/go/main.go is the same loop): W ns of work between two
 * hand-offs, so that the hand-off's cost can be read as an overhead on W.
 *
 * The work is a chain of 64-bit multiply-adds (a linear congruential
 * generator), each step depending on the one before: it cannot be
 * vectorised or overlapped, and an empty asm statement with the value as
 * operand keeps the compiler from folding or dropping the loop; the
 * caller stores the result where other threads could read it.
 *
 * bench_work_calibrate() measures, once per process, what one step costs
 * on this CPU against the calling thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: time the thread ran, not time it waited for
 * a CPU); bench_work_iters(W) is then the number of steps of W ns, and
 * bench_work_ns(iters) what they take.
 */
#ifndef LWSW_WORK_H
#define LWSW_WORK_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static double bench_work_ns_per_iter;	/* set by bench_work_calibrate() */

static inline uint64_t bench_work(uint64_t x, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static inline uint64_t bench_work_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_work_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sizes a run to take @run_ns of the thread's CPU time, then times 7 such
 * runs: ns per step is the fastest run's.  Not the median: in a VM the
 * guest's CPU time also runs while the host has taken the vCPU away, and
 * a loaded host can slow most of a short calibration down, which would
 * make one process's W longer than another's; the fastest run is what a
 * step costs when nothing interferes, the same in every process.  Returns
 * it; *wall (if not NULL) gets the median run's wall time over CPU time,
 * which is about 1 when the thread had its (v)CPU to itself.
 */
static inline double bench_work_calibrate(double run_ns, double *wall, uint64_t *sink)
{
	double per[7], ratio[7];
	uint64_t iters = 1000, x = 1, c0, c1, t0, t1;

	for (;;) {
		c0 = bench_work_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		x = bench_work(x, iters);
		c1 = bench_work_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if ((double)(c1 - c0) >= run_ns / 4 || iters >= (1ull << 40))
			break;
		iters *= 4;
	}
	iters = (uint64_t)((double)iters * run_ns / (double)(c1 - c0 ? c1 - c0 : 1)) + 1;
	for (int i = 0; i < 7; i++) {
		t0 = bench_work_clock_ns(CLOCK_MONOTONIC);
		c0 = bench_work_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		x = bench_work(x, iters);
		c1 = bench_work_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		t1 = bench_work_clock_ns(CLOCK_MONOTONIC);
		per[i] = (double)(c1 - c0) / (double)iters;
		ratio[i] = (double)(t1 - t0) / (double)(c1 - c0 ? c1 - c0 : 1);
	}
	qsort(per, 7, sizeof(per[0]), bench_work_cmp);
	qsort(ratio, 7, sizeof(ratio[0]), bench_work_cmp);
	if (wall)
		*wall = ratio[3];
	if (sink)
		*sink += x;
	bench_work_ns_per_iter = per[0] > 0 ? per[0] : 1e-3;
	return bench_work_ns_per_iter;
}

/* Steps of about @ns ns of work (0 for 0). */
static inline uint64_t bench_work_iters(double ns)
{
	double n = ns / bench_work_ns_per_iter;

	return ns <= 0 ? 0 : n < 1 ? 1 : (uint64_t)(n + 0.5);
}

/* What @iters steps take, ns. */
static inline double bench_work_ns(uint64_t iters)
{
	return (double)iters * bench_work_ns_per_iter;
}

#endif /* LWSW_WORK_H */
