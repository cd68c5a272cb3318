/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostutil.h — what the host benchmark programs (bench/host, bench/peers)
 * share beyond bench/common/benchutil.h: command-line scale, the
 * repetition loop's bookkeeping, resident memory and the kernel's own
 * per-thread memory.
 */
#ifndef LWS_HOSTUTIL_H
#define LWS_HOSTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/benchutil.h"

/* Repetitions measured after one warm-up run, and the scale of every
 * run's iteration count (QUICK: fewer repetitions, shorter runs). */
static int host_reps = 7;
static int host_quick;

/* -q: quick; -r N: repetitions (5 <= N <= BENCH_MAX_REPS). */
static inline void host_args(int *argc, char ***argv)
{
	int i = 1;

	bench_set_kernel(1);
	while (i < *argc && (*argv)[i][0] == '-') {
		if (!strcmp((*argv)[i], "-q")) {
			host_quick = 1;
			host_reps = 5;
		} else if (!strcmp((*argv)[i], "-r") && i + 1 < *argc) {
			host_reps = atoi((*argv)[++i]);
			if (host_reps < 1 || host_reps > BENCH_MAX_REPS) {
				fprintf(stderr, "bad -r\n");
				exit(2);
			}
		} else {
			fprintf(stderr, "usage: %s [-q] [-r REPS] CASE...\n", (*argv)[0]);
			exit(2);
		}
		i++;
	}
	*argc -= i - 1;
	*argv += i - 1;
}

/* An iteration count: @full normally, @full / 5 under -q. */
static inline long host_n(long full)
{
	return host_quick ? full / 5 : full;
}

/* Resident set size of this process, bytes (/proc/self/statm). */
static inline long host_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, res = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

/*
 * RSS once it has stopped growing (checked every 50 ms): the last units to
 * start may still be on their way to their idle state.
 */
static inline long host_rss_settled(void)
{
	long prev = -1, r;

	while ((r = host_rss()) != prev) {
		prev = r;
		usleep(50 * 1000);
	}
	return r;
}

/* A /proc/meminfo field in bytes (system-wide), or -1. */
static inline long host_meminfo(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t len = strlen(field);
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = atol(line + len + 1);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Memory the kernel holds for this process's threads and mappings and
 * that RSS does not show: kernel stacks and page tables (system-wide
 * figures, so only a difference taken around a large N means much). */
static inline long host_kmem(void)
{
	long ks = host_meminfo("KernelStack"), pt = host_meminfo("PageTables");

	return ks < 0 || pt < 0 ? -1 : ks + pt;
}

/* Number of memory mappings of this process. */
static inline long host_nmaps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

#endif /* LWS_HOSTUTIL_H */
