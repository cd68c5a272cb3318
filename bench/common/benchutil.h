/* SPDX-License-Identifier: GPL-2.0 */
/*
 * benchutil.h — what every benchmark program of bench/ shares: clocks,
 * CPU time, context switch counts, and the CSV row format
 * "kernel,case,impl,metric,value,unit,p10,p90,runs" (value = median of the
 * runs, p10/p90 by nearest rank).
 */
#ifndef LWSW_BENCHUTIL_H
#define LWSW_BENCHUTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#define BENCH_MAX_REPS 64

/* The kernel column: the running kernel's release, or "host" (set by main). */
static char bench_kernel[128];
/* Appended to every impl name (--suffix). */
static const char *bench_suffix = "";

static inline void bench_set_kernel(int host)
{
	struct utsname u;

	uname(&u);
	snprintf(bench_kernel, sizeof(bench_kernel), "%s", host ? "host" : u.release);
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* User + system CPU time of the whole process. */
static inline uint64_t bench_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

/* Voluntary and involuntary context switches of the calling thread. */
static inline void bench_thread_csw(long *vol, long *invol)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*vol = ru.ru_nvcsw;
	*invol = ru.ru_nivcsw;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double bench_pct(const double *v, int n, int p)
{
	int i = (p * n + 99) / 100 - 1;

	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/*
 * A figure for the CSV: four significant digits, but every digit of the
 * integer part from 1,000 up (an instruction count of 10,057 is not
 * "1.006e+04").
 */
static inline const char *bench_num(char *buf, size_t size, double x)
{
	snprintf(buf, size, x >= 1000 || x <= -1000 ? "%.0f" : "%.4g", x);
	return buf;
}

/* Print one row; sorts @v. */
static inline void bench_row(const char *cas, const char *impl, const char *metric,
			     double *v, int n, const char *unit)
{
	char med[32], p10[32], p90[32];

	qsort(v, n, sizeof(*v), bench_cmp_double);
	printf("%s,%s,%s%s,%s,%s,%s,%s,%s,%d\n", bench_kernel, cas, impl,
	       bench_suffix, metric,
	       bench_num(med, sizeof(med),
			 n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2), unit,
	       bench_num(p10, sizeof(p10), bench_pct(v, n, 10)),
	       bench_num(p90, sizeof(p90), bench_pct(v, n, 90)), n);
	fflush(stdout);
}

static inline void bench_row1(const char *cas, const char *impl, const char *metric,
			      double v, const char *unit)
{
	bench_row(cas, impl, metric, &v, 1, unit);
}

static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		fprintf(stderr, "cannot pin to CPU %d\n", cpu);
		exit(1);
	}
}

static inline void bench_header(void)
{
	printf("kernel,case,impl,metric,value,unit,p10,p90,runs\n");
}

#endif /* LWSW_BENCHUTIL_H */
