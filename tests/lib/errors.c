// SPDX-License-Identifier: GPL-2.0
/*
 * errors.c — bad input first: every call with a NULL, a zero or huge size,
 * a closed channel, a bad case or a past timeout gets its exact -errno,
 * and nothing is lost (the channel still works afterwards).
 */
#include "testutil.h"

#include <lwswitch_coro.h>	/* the variants whose library has the core */

#include <limits.h>
#include <stdint.h>
#include <sys/wait.h>

TEST(make_rejects_null_and_huge_sizes)
{
	lwsw_chan_t *ch = (lwsw_chan_t *)0x1;

	ASSERT_EQ(-EINVAL, lwsw_chan_make(NULL, 4, 1));		/* NULL out-pointer */
	ASSERT_EQ(-EINVAL, lwsw_chan_make(&ch, LWSW_CHAN_ELEM_MAX + 1, 0)); /* element too big */
	ASSERT_EQ(-EINVAL, lwsw_chan_make(&ch, SIZE_MAX, 1));
	ASSERT_EQ(-EINVAL, lwsw_chan_make(&ch, 8, SIZE_MAX));		/* elem_size * cap overflows */
	ASSERT_EQ(-EINVAL, lwsw_chan_make(&ch, 2, SIZE_MAX / 2 + 1));
	ASSERT_EQ(-EINVAL, lwsw_chan_make(&ch, 1, (size_t)PTRDIFF_MAX + 1)); /* > PTRDIFF_MAX */
	ASSERT_EQ((lwsw_chan_t *)0x1, ch);				/* untouched */
	/* representable, but no memory for it: -ENOMEM */
	ASSERT_EQ(-ENOMEM, lwsw_chan_make(&ch, LWSW_CHAN_ELEM_MAX, (size_t)1 << 46));
	ASSERT_EQ((lwsw_chan_t *)0x1, ch);
}

TEST(make_accepts_the_edges)
{
	lwsw_chan_t *ch;

	ASSERT_EQ(0, lwsw_chan_make(&ch, 0, 0));		/* zero-size, unbuffered */
	lwsw_chan_free(ch);
	ASSERT_EQ(0, lwsw_chan_make(&ch, 0, SIZE_MAX));	/* no bytes to allocate */
	ASSERT_EQ(SIZE_MAX, lwsw_chan_cap(ch));
	lwsw_chan_free(ch);
	ASSERT_EQ(0, lwsw_chan_make(&ch, LWSW_CHAN_ELEM_MAX, 1));
	ASSERT_EQ(LWSW_CHAN_ELEM_MAX, lwsw_chan_elem_size(ch));
	lwsw_chan_free(ch);
}

TEST(null_channel_is_einval)
{
	int v = 0;

	ASSERT_EQ(-EINVAL, lwsw_chan_send(NULL, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_recv(NULL, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_try_send(NULL, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_try_recv(NULL, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_send_timeout(NULL, &v, 1));
	ASSERT_EQ(-EINVAL, lwsw_chan_recv_timeout(NULL, &v, 1));
	ASSERT_EQ(-EINVAL, lwsw_chan_close(NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_sendrecv(NULL, &v, NULL, &v));
	ASSERT_EQ(0, lwsw_chan_len(NULL));
	ASSERT_EQ(0, lwsw_chan_cap(NULL));
	ASSERT_EQ(0, lwsw_chan_elem_size(NULL));
	lwsw_chan_free(NULL);
}

TEST(null_element_is_einval_and_loses_nothing)
{
	lwsw_chan_t *ch, *ch0;
	int v = 5;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 2));
	ASSERT_EQ(0, lwsw_chan_make(&ch0, 0, 1));
	ASSERT_EQ(-EINVAL, lwsw_chan_send(ch, NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_try_send(ch, NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_send_timeout(ch, NULL, -1));
	ASSERT_EQ(0, lwsw_chan_len(ch));
	ASSERT_EQ(0, lwsw_chan_send(ch, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_recv(ch, NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_try_recv(ch, NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_recv_timeout(ch, NULL, 0));
	ASSERT_EQ(1, lwsw_chan_len(ch));			/* still there */
	ASSERT_EQ(-EINVAL, lwsw_chan_sendrecv(ch, NULL, ch, &v));
	ASSERT_EQ(-EINVAL, lwsw_chan_sendrecv(ch, &v, ch, NULL));
	ASSERT_EQ(-EINVAL, lwsw_chan_sendrecv(ch, &v, NULL, &v));
	ASSERT_EQ(1, lwsw_chan_len(ch));
	v = 0;
	ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
	ASSERT_EQ(5, v);
	/* elem_size 0: NULL is fine */
	ASSERT_EQ(0, lwsw_chan_send(ch0, NULL));
	ASSERT_EQ(0, lwsw_chan_recv(ch0, NULL));
	lwsw_chan_free(ch);
	lwsw_chan_free(ch0);
}

TEST(closed_channel_is_epipe)
{
	lwsw_chan_t *ch, *other;
	int v = 1;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 1));
	ASSERT_EQ(0, lwsw_chan_make(&other, sizeof(int), 1));
	ASSERT_EQ(0, lwsw_chan_close(ch));
	ASSERT_EQ(-EPIPE, lwsw_chan_close(ch));
	ASSERT_EQ(-EPIPE, lwsw_chan_send(ch, &v));
	ASSERT_EQ(-EPIPE, lwsw_chan_try_send(ch, &v));
	ASSERT_EQ(-EPIPE, lwsw_chan_send_timeout(ch, &v, 0));
	ASSERT_EQ(-EPIPE, lwsw_chan_send_timeout(ch, &v, -1));
	ASSERT_EQ(0, lwsw_chan_len(ch));
	v = 9;
	ASSERT_EQ(-EPIPE, lwsw_chan_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = 9;
	ASSERT_EQ(-EPIPE, lwsw_chan_try_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = 9;
	ASSERT_EQ(-EPIPE, lwsw_chan_recv_timeout(ch, &v, 5 * MSEC));
	ASSERT_EQ(0, v);
	/* sendrecv: closed tx sends nothing; closed rx after a sent request */
	ASSERT_EQ(-EPIPE, lwsw_chan_sendrecv(ch, &v, other, &v));
	ASSERT_EQ(0, lwsw_chan_len(other));
	v = 4;
	ASSERT_EQ(-ECONNRESET, lwsw_chan_sendrecv(other, &v, ch, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(1, lwsw_chan_len(other));		/* the request went */
	lwsw_chan_free(ch);
	lwsw_chan_free(other);
}

TEST(past_and_zero_timeouts)
{
	lwsw_chan_t *ch;
	int v = 1;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 0));
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_send_timeout(ch, &v, 0));
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_recv_timeout(ch, &v, 0));
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_send_timeout(ch, &v, 1));
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_recv_timeout(ch, &v, 1));
	ASSERT_EQ(1, v);
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(ch, &v));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(ch, &v));
	lwsw_chan_free(ch);
}

TEST(select_rejects_bad_cases)
{
	lwsw_chan_t *ch;
	int v = 3;
	struct lwsw_case c[2];

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 1));
	ASSERT_EQ(-EINVAL, lwsw_select(NULL, 1, 0));
	ASSERT_EQ(-EINVAL, lwsw_select(c, (size_t)LWSW_SELECT_MAX + 1, 0));
	memset(c, 0, sizeof(c));
	c[0] = (struct lwsw_case){ .ch = ch, .op = 0, .elem = &v };	/* bad op */
	ASSERT_EQ(-EINVAL, lwsw_select(c, 1, 0));
	c[0].op = 3;
	ASSERT_EQ(-EINVAL, lwsw_select(c, 1, 0));
	c[0].op = LWSW_SEND;
	c[0].__reserved = 1;
	ASSERT_EQ(-EINVAL, lwsw_select(c, 1, 0));
	c[0].__reserved = 0;
	c[0].elem = NULL;					/* NULL element */
	ASSERT_EQ(-EINVAL, lwsw_select(c, 1, 0));
	/* a bad second case: the good first one is not done either */
	c[0].elem = &v;
	c[1] = (struct lwsw_case){ .ch = ch, .op = LWSW_RECV, .elem = NULL };
	ASSERT_EQ(-EINVAL, lwsw_select(c, 2, -1));
	ASSERT_EQ(0, lwsw_chan_len(ch));
	/* nil channel with a bad op is still bad input */
	c[1] = (struct lwsw_case){ .ch = NULL, .op = 7 };
	ASSERT_EQ(-EINVAL, lwsw_select(c, 2, 0));
	ASSERT_EQ(0, lwsw_select(c, 1, 0));			/* the good one alone */
	ASSERT_EQ(1, lwsw_chan_len(ch));
	lwsw_chan_free(ch);
}

TEST(select_with_nothing_to_wait_for)
{
	struct lwsw_case c[2] = {
		{ .ch = NULL, .op = LWSW_RECV },
		{ .ch = NULL, .op = LWSW_SEND },
	};
	int64_t t0;

	ASSERT_EQ(-EAGAIN, lwsw_select(NULL, 0, 0));
	ASSERT_EQ(-EAGAIN, lwsw_select(c, 2, 0));
	t0 = now_ns();
	ASSERT_EQ(-ETIMEDOUT, lwsw_select(NULL, 0, 10 * MSEC));
	ASSERT_EQ(-ETIMEDOUT, lwsw_select(c, 2, 10 * MSEC));
	ASSERT_GE(now_ns() - t0, 20 * MSEC);
}

TEST(misc_null_arguments)
{
	lwsw_thread_t t;

	ASSERT_EQ(-EINVAL, lwsw_stats_get(NULL));
	ASSERT_EQ(-EINVAL, lwsw_thread_create(NULL, NULL, NULL));
	ASSERT_EQ(-EINVAL, lwsw_thread_create(&t, NULL, NULL));
	ASSERT_EQ(-EDEADLK, lwsw_thread_join(pthread_self(), NULL));
}

TEST(backend_env_unknown_value)
{
	setenv("LWSW_BACKEND", "bogus", 1);
	ASSERT_EQ(-EINVAL, lwsw_init());
	ASSERT_EQ(-EINVAL, lwsw_init());		/* the same answer every time */
	ASSERT_NE(NULL, lwsw_backend());
}

TEST(backend_env_futex_forces_futex)
{
	setenv("LWSW_BACKEND", "futex", 1);
	ASSERT_EQ(0, lwsw_init());
	ASSERT_STREQ("futex", lwsw_backend());
}

TEST(backend_env_switchto_requires_the_module)
{
	int rc;

	setenv("LWSW_BACKEND", "switchto", 1);
	rc = lwsw_init();
	if (access("/dev/lwswitch", F_OK) == 0) {
		ASSERT_EQ(0, rc);
		ASSERT_STREQ("switchto", lwsw_backend());
	} else {
		ASSERT_EQ(-ENOENT, rc);
		ASSERT_STREQ("futex", lwsw_backend());	/* and it still works */
	}
}

/*
 * The library takes any module that serves API version 1's commands and
 * the features it needs (LWSWITCH_FEAT_TIMEOUT), whatever its version
 * number: playable only against the user-space stand-in for the module.
 */
extern int fake_lwswitch_linked __attribute__((weak));

TEST(a_newer_module_with_the_needed_features_is_used)
{
	if (!&fake_lwswitch_linked)
		SKIP(return, "needs the stand-in module (lib-fakemod)");
	setenv("FAKE_LWSWITCH_VERSION", "7", 1);
	setenv("FAKE_LWSWITCH_FEATURES", "0xffffffffffffffff", 1);
	setenv("LWSW_BACKEND", "switchto", 1);
	ASSERT_EQ(0, lwsw_init());
	ASSERT_STREQ("switchto", lwsw_backend());
}

TEST(a_module_without_timeouts_is_eproto)
{
	if (!&fake_lwswitch_linked)
		SKIP(return, "needs the stand-in module (lib-fakemod)");
	setenv("FAKE_LWSWITCH_FEATURES", "0x6", 1);	/* all but TIMEOUT */
	setenv("LWSW_BACKEND", "switchto", 1);
	ASSERT_EQ(-EPROTO, lwsw_init());
	ASSERT_STREQ("futex", lwsw_backend());
	unsetenv("LWSW_BACKEND");	/* automatic choice: futex, no error */
}

TEST(automatic_choice_passes_over_an_unusable_module)
{
	lwsw_chan_t *ch;
	int v = 1;

	if (!&fake_lwswitch_linked)
		SKIP(return, "needs the stand-in module (lib-fakemod)");
	setenv("FAKE_LWSWITCH_VERSION", "0", 1);	/* no such version */
	ASSERT_EQ(0, lwsw_init());
	ASSERT_STREQ("futex", lwsw_backend());
	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(v), 1));
	ASSERT_EQ(0, lwsw_chan_send(ch, &v));
	ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
	ASSERT_EQ(0, lwsw_chan_free(ch));
}

/*
 * A thread that cannot join the domain (the module's member limit) gets
 * -ENOSPC from close and changes nothing, rather than aborting the process
 * the first time it has to wake a thread parked in the kernel; likewise
 * the coroutine core's workers, each of which must be a member to wake
 * native threads, fail lwsw_co_start() instead.
 */
struct closer {
	lwsw_chan_t *ch;
	int rc;
};

static void *close_from_a_non_member(void *p)
{
	struct closer *c = p;

	c->rc = lwsw_chan_close(c->ch);
	return NULL;
}

/*
 * The stand-in module with one member slot, which the calling thread takes
 * (a try_recv on the new unbuffered channel *@ch joins the domain).
 */
static int take_the_only_member_slot(lwsw_chan_t **ch)
{
	int v;

	setenv("FAKE_LWSWITCH_MAX_MEMBERS", "1", 1);
	setenv("LWSW_BACKEND", "switchto", 1);
	if (lwsw_chan_make(ch, sizeof(int), 0))
		return -1;
	if (lwsw_chan_try_recv(*ch, &v) != -EAGAIN)
		return -1;
	return strcmp(lwsw_backend(), "switchto") ? -1 : 0;
}

TEST(close_by_a_thread_that_cannot_join_is_enospc)
{
	struct closer cl = { 0 };
	lwsw_chan_t *ch;
	pthread_t t;
	int v = 0;

	if (!&fake_lwswitch_linked)
		SKIP(return, "needs the stand-in module (lib-fakemod)");
	ASSERT_EQ(0, take_the_only_member_slot(&ch));
	cl.ch = ch;
	ASSERT_EQ(0, pthread_create(&t, NULL, close_from_a_non_member, &cl));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ENOSPC, cl.rc);
	/* Nothing closed: a send still just finds no receiver. */
	EXPECT_EQ(-EAGAIN, lwsw_chan_try_send(ch, &v));
	EXPECT_EQ(0, lwsw_chan_close(ch));
	EXPECT_EQ(-EPIPE, lwsw_chan_close(ch));
	EXPECT_EQ(0, lwsw_chan_free(ch));
}

TEST(coroutine_workers_that_cannot_join_fail_the_start)
{
#ifdef LWSW_TEST_CORO
	struct lwsw_co_config one = { .workers = 1 };
	lwsw_chan_t *ch;

	if (!&fake_lwswitch_linked)
		SKIP(return, "needs the stand-in module (lib-fakemod)");
	ASSERT_EQ(0, take_the_only_member_slot(&ch));
	EXPECT_EQ(-ENOSPC, lwsw_co_start(&one));
	EXPECT_EQ(-ENXIO, lwsw_co_stop());		/* nothing left running */
	setenv("FAKE_LWSWITCH_MAX_MEMBERS", "2", 1);
	ASSERT_EQ(0, lwsw_co_start(&one));
	EXPECT_EQ(1u, lwsw_co_workers());
	EXPECT_EQ(0, lwsw_co_stop());
	EXPECT_EQ(0, lwsw_chan_free(ch));
#else
	SKIP(return, "this build of the library has no coroutine core");
#endif
}

/* Go's list of misuse, each with its exact answer. */

struct blocked_recv {
	lwsw_chan_t *ch;
	volatile pid_t tid;
	int64_t timeout;
	int rc;
	int v;
};

static void *blocked_recv_run(void *p)
{
	struct blocked_recv *b = p;

	__atomic_store_n(&b->tid, gettid_(), __ATOMIC_RELEASE);
	b->rc = lwsw_chan_recv_timeout(b->ch, &b->v, b->timeout);
	return NULL;
}

TEST(free_with_a_blocked_waiter_is_ebusy_and_frees_nothing)
{
	struct blocked_recv b = { .timeout = -1 };
	lwsw_thread_t t;
	int v = 5;

	ASSERT_EQ(0, lwsw_chan_free(NULL));
	ASSERT_EQ(0, lwsw_chan_make(&b.ch, sizeof(int), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, blocked_recv_run, &b));
	ASSERT_EQ(0, wait_blocked(&b.tid));
	ASSERT_EQ(-EBUSY, lwsw_chan_free(b.ch));
	/* Nothing was freed: the waiter is still served. */
	ASSERT_EQ(0, lwsw_chan_send(b.ch, &v));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, b.rc);
	ASSERT_EQ(5, b.v);
	ASSERT_EQ(0, lwsw_chan_free(b.ch));
}

TEST(free_after_close_woke_the_waiters)
{
	struct blocked_recv b = { .timeout = -1 };
	lwsw_thread_t t;

	ASSERT_EQ(0, lwsw_chan_make(&b.ch, sizeof(int), 2));
	ASSERT_EQ(0, lwsw_thread_create(&t, blocked_recv_run, &b));
	ASSERT_EQ(0, wait_blocked(&b.tid));
	ASSERT_EQ(0, lwsw_chan_close(b.ch));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(-EPIPE, b.rc);
	ASSERT_EQ(0, lwsw_chan_free(b.ch));
}

TEST(int64_min_timeout_waits_forever)
{
	struct blocked_recv b = { .timeout = INT64_MIN };
	struct lwsw_case c = { .op = LWSW_RECV, .elem = &b.v };
	lwsw_thread_t t;
	int v = 8;

	ASSERT_EQ(0, lwsw_chan_make(&b.ch, sizeof(int), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, blocked_recv_run, &b));
	ASSERT_EQ(0, wait_blocked(&b.tid));
	sleep_ns(20 * MSEC);
	ASSERT_EQ(0, __atomic_load_n(&b.rc, __ATOMIC_SEQ_CST));	/* still there */
	ASSERT_EQ(0, lwsw_chan_send(b.ch, &v));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, b.rc);
	ASSERT_EQ(8, b.v);
	/* A ready case with INT64_MIN or INT64_MAX is taken at once. */
	c.ch = b.ch;
	ASSERT_EQ(0, lwsw_chan_close(b.ch));
	ASSERT_EQ(0, lwsw_select(&c, 1, INT64_MIN));
	ASSERT_EQ(1, c.closed);
	ASSERT_EQ(0, lwsw_select(&c, 1, INT64_MAX));
	ASSERT_EQ(0, lwsw_chan_free(b.ch));
}

TEST(select_takes_the_largest_n)
{
	struct lwsw_case *c = calloc(LWSW_SELECT_MAX, sizeof(*c));
	lwsw_chan_t *ch;
	int v = 6, got = 0;

	ASSERT_NE(NULL, c);
	for (size_t i = 0; i < LWSW_SELECT_MAX; i++)
		c[i].op = LWSW_RECV;			/* nil channels */
	ASSERT_EQ(-EAGAIN, lwsw_select(c, LWSW_SELECT_MAX, 0));
	ASSERT_EQ(-ETIMEDOUT, lwsw_select(c, LWSW_SELECT_MAX, 1 * MSEC));
	ASSERT_EQ(-EINVAL, lwsw_select(c, (size_t)LWSW_SELECT_MAX + 1, 0));
	ASSERT_EQ(-EINVAL, lwsw_select(c, SIZE_MAX, 0));
	/* The last of them ready: it is the one chosen. */
	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 1));
	ASSERT_EQ(0, lwsw_chan_send(ch, &v));
	c[LWSW_SELECT_MAX - 1] = (struct lwsw_case){ .ch = ch, .op = LWSW_RECV, .elem = &got };
	ASSERT_EQ((int)LWSW_SELECT_MAX - 1, lwsw_select(c, LWSW_SELECT_MAX, -1));
	ASSERT_EQ(6, got);
	ASSERT_EQ(0, lwsw_chan_free(ch));
	free(c);
}

static void *echo_once(void *p)
{
	lwsw_chan_t **chs = p;
	int v;

	if (lwsw_chan_recv(chs[0], &v) == 0)
		lwsw_chan_send(chs[1], &(int){ v + 1 });
	return NULL;
}

/*
 * After fork() the child has one thread and its own copy of every
 * channel: what was buffered is there, and the copy works (threads the
 * child makes hand off through it, on the child's own backend).  Threads
 * blocked in the parent do not exist in the child.
 */
TEST(channels_work_in_a_forked_child)
{
	lwsw_chan_t *chs[2];
	lwsw_thread_t t;
	int v = 41, status;
	pid_t pid;

	ASSERT_EQ(0, lwsw_chan_make(&chs[0], sizeof(int), 0));
	ASSERT_EQ(0, lwsw_chan_make(&chs[1], sizeof(int), 1));
	ASSERT_EQ(0, lwsw_chan_send(chs[1], &v));	/* buffered before the fork */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int got = 0;

		if (lwsw_chan_recv(chs[1], &got) || got != 41)
			_exit(1);
		if (lwsw_thread_create(&t, echo_once, chs))
			_exit(2);
		if (lwsw_chan_send(chs[0], &got) || lwsw_chan_recv(chs[1], &got) || got != 42)
			_exit(3);
		if (lwsw_thread_join(t, NULL))
			_exit(4);
		_exit(lwsw_chan_free(chs[0]) || lwsw_chan_free(chs[1]) ? 5 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The parent's copy is untouched by the child. */
	ASSERT_EQ(1, lwsw_chan_len(chs[1]));
	ASSERT_EQ(0, lwsw_chan_recv(chs[1], &v));
	ASSERT_EQ(41, v);
	ASSERT_EQ(0, lwsw_chan_free(chs[0]));
	ASSERT_EQ(0, lwsw_chan_free(chs[1]));
}

TEST_HARNESS_MAIN
