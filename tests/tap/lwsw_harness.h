/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness, with its per-test time limits scaled for the
 * test group that runs the program.
 *
 * Every test program of the project includes this instead of
 * kselftest_harness.h.  The harness gives each test a fixed limit (its
 * default or TEST_F_TIMEOUT's), right for a native run on an idle
 * machine; under Valgrind, a sanitizer, qemu-user or TCG, and on a
 * machine whose cores are busy with other work, the same test needs
 * several times as long.  tests/tap/run-test exports LWSW_TEST_SCALE, the
 * group's factor from tests/tap/limits.mk, and every registered test's
 * limit is multiplied by it before the harness runs.  Limits stay
 * backstops against a hang: no test asserts how long it took.
 */
#ifndef LWSW_TEST_HARNESS_H
#define LWSW_TEST_HARNESS_H

#include <stdlib.h>

#include "kselftest_harness.h"

/* LWSW_TEST_SCALE as a factor >= 1 (anything else reads as 1). */
static inline unsigned int lwsw_test_scale(void)
{
	const char *e = getenv("LWSW_TEST_SCALE");
	unsigned long f = e ? strtoul(e, NULL, 10) : 1;

	return f >= 1 && f <= 1000 ? (unsigned int)f : 1;
}

static inline void lwsw_scale_test_timeouts(void)
{
	unsigned int f = lwsw_test_scale();
	struct __fixture_metadata *fx;
	struct __test_metadata *t;

	for (fx = __fixture_list; fx; fx = fx->next)
		for (t = fx->tests; t; t = t->next)
			t->timeout *= f;
}

/*
 * The harness's own TEST_HARNESS_MAIN stays as it is (its constructors
 * differ between kernel versions); the call to test_harness_run() that
 * it expands to scales the limits first.  A macro does not expand its
 * own name again, so the inner call is the harness's function.
 */
#define test_harness_run(argc, argv) \
	(lwsw_scale_test_timeouts(), test_harness_run(argc, argv))

#endif
