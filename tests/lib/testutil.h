/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testutil.h — shared helpers of the liblwswitch tests (kselftest harness;
 * each TEST runs in its own forked child, so library state starts fresh).
 */
#ifndef LWSW_TESTUTIL_H
#define LWSW_TESTUTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lwswitch.h>

#include "lwsw_harness.h"

/*
 * The harness's own per-test limit (30 s by default) is a safety net: the
 * VM runner bounds every program anyway.  These tests are sized for
 * Debian's kernels and take longer on the lockdep+KASAN kernel of make
 * check-debug, so the net is wider here.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

/* Let ASan/TSan return NULL for an impossible allocation (the -ENOMEM
 * tests) instead of aborting. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "allocator_may_return_null=1"; }

/* Sanitizer builds run the same tests with smaller counts. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SCALE(n) ((n) / 8 > 0 ? (n) / 8 : 1)
#else
#define SCALE(n) (n)
#endif

#define MSEC 1000000LL

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void sleep_ns(int64_t ns)
{
	struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The scheduler state letter of one of our threads ('S': asleep). */
static inline char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/*
 * Wait until the thread that stores its tid in *@tidp (before it calls
 * the blocking function) is asleep: blocked in the library.  The tests
 * keep every other path to sleep (channel locks) uncontended.  Returns 0,
 * or -1 after 20 s.
 */
static inline int wait_blocked(volatile pid_t *tidp)
{
	for (int i = 0; i < 20000; i++) {
		pid_t tid = __atomic_load_n(tidp, __ATOMIC_ACQUIRE);

		if (tid && thread_state(tid) == 'S') {
			sleep_ns(2 * MSEC);	/* and stays asleep */
			if (thread_state(tid) == 'S')
				return 0;
		}
		sleep_ns(MSEC);
	}
	return -1;
}

#endif /* LWSW_TESTUTIL_H */
