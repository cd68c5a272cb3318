// SPDX-License-Identifier: GPL-2.0
/*
 * lws-host-ucontext: glibc's ucontext as a coroutine peer (CSV rows,
 * bench/common/benchutil.h, kernel column "host").
 *
 *   pingpong, impl ucontext, ns_per_roundtrip: the main context
 *   swapcontext()s into a second context (64 KiB mmap'd stack) that
 *   swapcontext()s straight back: two swapcontext() per round trip, each
 *   of which saves and restores the signal mask with a rt_sigprocmask
 *   system call (what makes ucontext slow), plus cpu_ns_per_roundtrip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "../../host/hostutil.h"

static ucontext_t main_uc, co_uc;

static void bounce(void)
{
	for (;;)
		swapcontext(&co_uc, &main_uc);
}

static void pp(long n)
{
	for (long i = 0; i < n; i++)
		if (swapcontext(&main_uc, &co_uc)) {
			perror("swapcontext");
			exit(1);
		}
}

int main(int argc, char **argv)
{
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	size_t sz = 64 * 1024;
	long n;
	char *stack;

	host_args(&argc, &argv);
	n = host_n(500000);
	stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (getcontext(&co_uc)) {
		perror("getcontext");
		return 1;
	}
	co_uc.uc_stack.ss_sp = stack;
	co_uc.uc_stack.ss_size = sz;
	co_uc.uc_link = NULL;
	makecontext(&co_uc, bounce, 0);

	pp(n / 10);	/* warm-up */
	for (int r = 0; r < host_reps; r++) {
		uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();

		pp(n);
		wall[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = (double)(bench_cpu_ns() - c0) / (double)n;
	}
	bench_row("pingpong", "ucontext", "ns_per_roundtrip", wall, host_reps, "ns");
	bench_row("pingpong", "ucontext", "cpu_ns_per_roundtrip", cpu, host_reps, "ns");
	return 0;
}
