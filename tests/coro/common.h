/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the coroutine tests. */
#ifndef LWSW_TEST_CORO_COMMON_H
#define LWSW_TEST_CORO_COMMON_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "lwswitch_coro.h"

#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>
# endif
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
# define VALGRIND_STACK_REGISTER(lo, hi) 0
#endif

/* LWSW_TEST_REDUCED=1 (Valgrind, TSan, qemu) divides the big counts. */
static inline long scaled(long n, long reduced)
{
	const char *e = getenv("LWSW_TEST_REDUCED");

	return e && *e == '1' ? reduced : n;
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return 1;
#else
	return 0;
#endif
}

#endif
