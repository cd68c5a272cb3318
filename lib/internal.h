/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * internal.h — what the parts of liblwswitch share and nothing exports.
 *
 * Atomics: liburcu is the project's toolbox, and its lists (urcu/list.h)
 * and compiler helpers (urcu/compiler.h) are used as they are.  Its
 * uatomic_*() on x86 is inline assembly in liburcu 0.13 (bookworm), which
 * ThreadSanitizer cannot see: every hand-off through it would be reported
 * as a race.  The few atomic words here (a parker's token, a waiter's
 * claim) therefore use the compiler's __atomic builtins, with the memory
 * order written out at each use; liburcu >= 0.14 maps uatomic onto the same
 * builtins (CONFIG_RCU_USE_ATOMIC_BUILTINS).
 */
#ifndef LWSW_INTERNAL_H
#define LWSW_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <urcu/compiler.h>

#include "lwswitch.h"
#include "park.h"

/* Marks the definitions of the public API; everything else is hidden
 * (-fvisibility=hidden) and liblwswitch.map exports only lwsw_*. */
#define LWSW_EXPORT __attribute__((visibility("default")))

#define LWSW_NSEC_PER_SEC 1000000000LL

/* CLOCK_MONOTONIC now, in ns. */
static inline int64_t lwsw__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * LWSW_NSEC_PER_SEC + ts.tv_nsec;
}

/* The absolute deadline of a relative timeout: -1 (none) for a negative
 * one or one whose deadline does not fit. */
static inline int64_t lwsw__deadline(int64_t timeout_ns)
{
	int64_t now;

	if (timeout_ns < 0)
		return -1;
	now = lwsw__now();
	if (timeout_ns > INT64_MAX - now)
		return -1;
	return now + timeout_ns;
}

/*
 * Set the calling thread up (its parker; its registration with
 * /dev/lwswitch on the switchto backend).  Cheap after the first call.
 * Returns 0, or the registration's -errno (-ENOSPC: the domain is full);
 * the channel code refuses to start an operation then.
 */
int lwsw__thread_setup(void);

/* The calling thread's counters. */
struct lwsw_stats *lwsw__stats(void);

/* A uniformly distributed number in [0, n), n > 0; per-thread state. */
uint32_t lwsw__rand(uint32_t n);

/* Print a message and abort: for states the kernel or a parker contract
 * says cannot happen. */
void lwsw__fatal(const char *what, int err) __attribute__((noreturn));

#endif /* LWSW_INTERNAL_H */
