// SPDX-License-Identifier: GPL-2.0
/*
 * lws-host-pthread: plain POSIX threads as the peer of the coroutine core's
 * create and memory rows (CSV rows, bench/common/benchutil.h, kernel
 * column "host").
 *
 *   lws-host-pthread [-q] [-r REPS] CASE...     CASE: create memory
 *
 * create, impl pthread, ns_per_unit: pthread_create() of a thread that
 *   returns at once, then pthread_join() of it, one at a time, default
 *   attributes; cpu_ns_per_unit beside it (the whole process's CPU time).
 * memory, impl pthread, bytes_per_unit: 10,000 threads with the default
 *   attributes (stack size from RLIMIT_STACK, 8 MiB here, plus glibc's
 *   guard page), all blocked in FUTEX_WAIT on one word; (RSS with all of
 *   them blocked - RSS before) / N from /proc/self/statm.  RSS misses what
 *   the kernel keeps per thread (its 16 KiB kernel stack, task_struct,
 *   page tables): kernel_bytes_per_unit is the delta of KernelStack +
 *   PageTables in /proc/meminfo (system-wide) over the same interval.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../host/hostutil.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "lws-host-pthread: %s: %s\n", what, strerror(err > 0 ? err : -err));
	exit(1);
}

static void *noop(void *arg)
{
	return arg;
}

static long bad;

static void create_join(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *res;
		int rc = pthread_create(&t, NULL, noop, (void *)(intptr_t)i);

		if (rc)
			die("pthread_create", rc);
		rc = pthread_join(t, &res);
		if (rc)
			die("pthread_join", rc);
		bad += res != (void *)(intptr_t)i;
	}
}

static void run_create(void)
{
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	long n = host_n(20000);

	create_join(n / 10);	/* warm-up */
	for (int r = 0; r < host_reps; r++) {
		uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();

		create_join(n);
		wall[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = (double)(bench_cpu_ns() - c0) / (double)n;
	}
	if (bad)
		die("create: wrong results", EPROTO);
	bench_row("create", "pthread", "ns_per_unit", wall, host_reps, "ns");
	bench_row("create", "pthread", "cpu_ns_per_unit", cpu, host_reps, "ns");
}

/* ---- memory ---- */

static _Atomic uint32_t gate;		/* futex: 0 closed, 1 open */
static _Atomic long nblocked;

static void *idle_thread(void *arg)
{
	(void)arg;
	atomic_fetch_add(&nblocked, 1);
	while (!atomic_load(&gate))
		syscall(SYS_futex, &gate, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void run_memory(void)
{
	long n = 10000, rss0, rss1, k0, k1;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t a;
	size_t stack = 0;

	if (!t)
		die("calloc", ENOMEM);
	if (!pthread_getattr_default_np(&a)) {
		pthread_attr_getstacksize(&a, &stack);
		pthread_attr_destroy(&a);
	}
	sleep_ms(50);
	rss0 = bench_rss();
	k0 = bench_kmem();
	for (long i = 0; i < n; i++) {
		int rc = pthread_create(&t[i], NULL, idle_thread, NULL);

		if (rc)
			die("pthread_create", rc);
	}
	while (atomic_load(&nblocked) < n)
		sleep_ms(5);
	rss1 = bench_rss_settled();
	k1 = bench_kmem();
	fprintf(stderr, "host: memory pthread: %ld threads blocked in FUTEX_WAIT, default stack "
		"%zu KiB: RSS %ld -> %ld KiB, kernel stacks + page tables +%ld KiB\n",
		n, stack >> 10, rss0 >> 10, rss1 >> 10, (k1 - k0) >> 10);
	bench_row1("memory", "pthread", "bytes_per_unit", (double)(rss1 - rss0) / (double)n,
		   "bytes");
	if (k0 >= 0 && k1 >= 0)
		bench_row1("memory", "pthread", "kernel_bytes_per_unit",
			   (double)(k1 - k0) / (double)n, "bytes");
	bench_row1("memory", "pthread", "units", (double)n, "count");

	atomic_store(&gate, 1);
	syscall(SYS_futex, &gate, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

int main(int argc, char **argv)
{
	host_args(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "create"))
			run_create();
		else if (!strcmp(argv[i], "memory"))
			run_memory();
		else
			die(argv[i], EINVAL);
	}
	return 0;
}
