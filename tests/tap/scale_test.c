// SPDX-License-Identifier: GPL-2.0
/*
 * tests/tap/lwsw_harness.h scales every test's own time limit by
 * LWSW_TEST_SCALE.  Run with LWSW_TEST_SCALE=3 (see the top Makefile's
 * check-sources group): a test allowed 1 s that takes 2 s passes only
 * when the scaling reached the harness's alarm.
 */
#include <unistd.h>

#include "lwsw_harness.h"

FIXTURE(limits) {
	int unused;
};

FIXTURE_SETUP(limits)
{
}

FIXTURE_TEARDOWN(limits)
{
}

TEST(default_limit_is_scaled)
{
	ASSERT_EQ(3u, lwsw_test_scale());
	ASSERT_EQ(TEST_TIMEOUT_DEFAULT * 3, _metadata->timeout);
}

TEST_F_TIMEOUT(limits, one_second_scaled_outlasts_two, 1)
{
	ASSERT_EQ(3, _metadata->timeout);
	sleep(2);
}

TEST_HARNESS_MAIN
