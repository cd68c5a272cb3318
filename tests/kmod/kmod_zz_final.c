// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: run last in the VM, after every other test program exited.
 * The tracepoints fire, and every domain and member is gone (nothing
 * leaked), so that `rmmod` can succeed next.
 */
#include <stdlib.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#define TRACEFS "/sys/kernel/tracing"

static int trace_has(const char *word)
{
	char line[512];
	int found = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, word))
			found = 1;
	fclose(f);
	return found;
}

static pid_t waiter_tid;

static void *wait_once(void *arg)
{
	struct lwsw_peer *p = arg;

	waiter_tid = lwsw_gettid();
	p->handle = lwsw_register(p->fd);
	__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
	p->ret = lwsw_wait(p->fd);
	return NULL;
}

TEST(tracepoints_fire)
{
	struct lwsw_peer p = { 0 };
	char resumed[64];
	int me;

	if (access(TRACEFS "/events/lwswitch", F_OK))
		SKIP(return, "tracefs not mounted at " TRACEFS);
	ASSERT_EQ(0, lwsw_write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, lwsw_write_file(TRACEFS "/events/lwswitch/enable", "1"));

	p.fd = lwsw_open();
	ASSERT_LE(0, p.fd);
	me = lwsw_register(p.fd);
	ASSERT_LT(0, me);
	ASSERT_EQ(0, pthread_create(&p.thread, NULL, wait_once, &p));
	lwsw_peer_wait_ready(&p);
	usleep(20000);
	/* Delivers the resume, then times out at once: nobody resumes us. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_switchto_timeout(p.fd, p.handle, 0));
	pthread_join(p.thread, NULL);
	EXPECT_EQ(0, p.ret);
	close(p.fd);

	ASSERT_EQ(0, lwsw_write_file(TRACEFS "/events/lwswitch/enable", "0"));
	EXPECT_EQ(1, trace_has("lwswitch_member"));
	EXPECT_EQ(1, trace_has("lwswitch_resume"));
	/* The target is named by its thread id, not only its handle. */
	snprintf(resumed, sizeof(resumed), "to=%d to_pid=%d ", p.handle, waiter_tid);
	EXPECT_EQ(1, trace_has(resumed));
	EXPECT_EQ(1, trace_has("lwswitch_block"));
	EXPECT_EQ(1, trace_has("lwswitch_unblock"));
}

TEST(counters_back_to_zero)
{
	LWSW_NEED_ROOT("reads the module's debugfs counters");
	/* Every test program before this one has exited. */
	EXPECT_EQ(0, lwsw_stat("domains"));
	EXPECT_EQ(0, lwsw_stat("members"));
	/* The counters moved during the suite. */
	EXPECT_LT(0, lwsw_stat("switchto"));
	EXPECT_LT(0, lwsw_stat("register"));
	EXPECT_LT(0, lwsw_stat("exit"));
}

TEST_HARNESS_MAIN
