/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostutil.h — what the host benchmark programs (bench/host, bench/peers)
 * share beyond bench/common/benchutil.h: command-line scale, the
 * repetition loop's bookkeeping, resident memory and the kernel's own
 * per-thread memory.
 */
#ifndef LWSW_HOSTUTIL_H
#define LWSW_HOSTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/benchutil.h"
#include "../common/procmem.h"

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

#endif /* LWSW_HOSTUTIL_H */
