// SPDX-License-Identifier: GPL-2.0
/*
 * errors.c — bad input first: every call with a NULL, a zero or huge size,
 * a closed channel, a bad case or a past timeout gets its exact -errno,
 * and nothing is lost (the channel still works afterwards).
 */
#include <limits.h>
#include <stdint.h>

#include "testutil.h"

TEST(make_rejects_null_and_huge_sizes)
{
	lws_chan_t *ch = (lws_chan_t *)0x1;

	ASSERT_EQ(-EINVAL, lws_chan_make(NULL, 4, 1));		/* NULL out-pointer */
	ASSERT_EQ(-EINVAL, lws_chan_make(&ch, LWS_CHAN_ELEM_MAX + 1, 0)); /* element too big */
	ASSERT_EQ(-EINVAL, lws_chan_make(&ch, SIZE_MAX, 1));
	ASSERT_EQ(-EINVAL, lws_chan_make(&ch, 8, SIZE_MAX));		/* elem_size * cap overflows */
	ASSERT_EQ(-EINVAL, lws_chan_make(&ch, 2, SIZE_MAX / 2 + 1));
	ASSERT_EQ(-EINVAL, lws_chan_make(&ch, 1, (size_t)PTRDIFF_MAX + 1)); /* > PTRDIFF_MAX */
	ASSERT_EQ((lws_chan_t *)0x1, ch);				/* untouched */
	/* representable, but no memory for it: -ENOMEM */
	ASSERT_EQ(-ENOMEM, lws_chan_make(&ch, LWS_CHAN_ELEM_MAX, (size_t)1 << 46));
	ASSERT_EQ((lws_chan_t *)0x1, ch);
}

TEST(make_accepts_the_edges)
{
	lws_chan_t *ch;

	ASSERT_EQ(0, lws_chan_make(&ch, 0, 0));		/* zero-size, unbuffered */
	lws_chan_free(ch);
	ASSERT_EQ(0, lws_chan_make(&ch, 0, SIZE_MAX));	/* no bytes to allocate */
	ASSERT_EQ(SIZE_MAX, lws_chan_cap(ch));
	lws_chan_free(ch);
	ASSERT_EQ(0, lws_chan_make(&ch, LWS_CHAN_ELEM_MAX, 1));
	ASSERT_EQ(LWS_CHAN_ELEM_MAX, lws_chan_elem_size(ch));
	lws_chan_free(ch);
}

TEST(null_channel_is_einval)
{
	int v = 0;

	ASSERT_EQ(-EINVAL, lws_chan_send(NULL, &v));
	ASSERT_EQ(-EINVAL, lws_chan_recv(NULL, &v));
	ASSERT_EQ(-EINVAL, lws_chan_try_send(NULL, &v));
	ASSERT_EQ(-EINVAL, lws_chan_try_recv(NULL, &v));
	ASSERT_EQ(-EINVAL, lws_chan_send_timeout(NULL, &v, 1));
	ASSERT_EQ(-EINVAL, lws_chan_recv_timeout(NULL, &v, 1));
	ASSERT_EQ(-EINVAL, lws_chan_close(NULL));
	ASSERT_EQ(-EINVAL, lws_chan_sendrecv(NULL, &v, NULL, &v));
	ASSERT_EQ(0, lws_chan_len(NULL));
	ASSERT_EQ(0, lws_chan_cap(NULL));
	ASSERT_EQ(0, lws_chan_elem_size(NULL));
	lws_chan_free(NULL);
}

TEST(null_element_is_einval_and_loses_nothing)
{
	lws_chan_t *ch, *ch0;
	int v = 5;

	ASSERT_EQ(0, lws_chan_make(&ch, sizeof(int), 2));
	ASSERT_EQ(0, lws_chan_make(&ch0, 0, 1));
	ASSERT_EQ(-EINVAL, lws_chan_send(ch, NULL));
	ASSERT_EQ(-EINVAL, lws_chan_try_send(ch, NULL));
	ASSERT_EQ(-EINVAL, lws_chan_send_timeout(ch, NULL, -1));
	ASSERT_EQ(0, lws_chan_len(ch));
	ASSERT_EQ(0, lws_chan_send(ch, &v));
	ASSERT_EQ(-EINVAL, lws_chan_recv(ch, NULL));
	ASSERT_EQ(-EINVAL, lws_chan_try_recv(ch, NULL));
	ASSERT_EQ(-EINVAL, lws_chan_recv_timeout(ch, NULL, 0));
	ASSERT_EQ(1, lws_chan_len(ch));			/* still there */
	ASSERT_EQ(-EINVAL, lws_chan_sendrecv(ch, NULL, ch, &v));
	ASSERT_EQ(-EINVAL, lws_chan_sendrecv(ch, &v, ch, NULL));
	ASSERT_EQ(-EINVAL, lws_chan_sendrecv(ch, &v, NULL, &v));
	ASSERT_EQ(1, lws_chan_len(ch));
	v = 0;
	ASSERT_EQ(0, lws_chan_recv(ch, &v));
	ASSERT_EQ(5, v);
	/* elem_size 0: NULL is fine */
	ASSERT_EQ(0, lws_chan_send(ch0, NULL));
	ASSERT_EQ(0, lws_chan_recv(ch0, NULL));
	lws_chan_free(ch);
	lws_chan_free(ch0);
}

TEST(closed_channel_is_epipe)
{
	lws_chan_t *ch, *other;
	int v = 1;

	ASSERT_EQ(0, lws_chan_make(&ch, sizeof(int), 1));
	ASSERT_EQ(0, lws_chan_make(&other, sizeof(int), 1));
	ASSERT_EQ(0, lws_chan_close(ch));
	ASSERT_EQ(-EPIPE, lws_chan_close(ch));
	ASSERT_EQ(-EPIPE, lws_chan_send(ch, &v));
	ASSERT_EQ(-EPIPE, lws_chan_try_send(ch, &v));
	ASSERT_EQ(-EPIPE, lws_chan_send_timeout(ch, &v, 0));
	ASSERT_EQ(-EPIPE, lws_chan_send_timeout(ch, &v, -1));
	ASSERT_EQ(0, lws_chan_len(ch));
	v = 9;
	ASSERT_EQ(-EPIPE, lws_chan_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = 9;
	ASSERT_EQ(-EPIPE, lws_chan_try_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = 9;
	ASSERT_EQ(-EPIPE, lws_chan_recv_timeout(ch, &v, 5 * MSEC));
	ASSERT_EQ(0, v);
	/* sendrecv: closed tx sends nothing; closed rx after a sent request */
	ASSERT_EQ(-EPIPE, lws_chan_sendrecv(ch, &v, other, &v));
	ASSERT_EQ(0, lws_chan_len(other));
	v = 4;
	ASSERT_EQ(-ECONNRESET, lws_chan_sendrecv(other, &v, ch, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(1, lws_chan_len(other));		/* the request went */
	lws_chan_free(ch);
	lws_chan_free(other);
}

TEST(past_and_zero_timeouts)
{
	lws_chan_t *ch;
	int v = 1;

	ASSERT_EQ(0, lws_chan_make(&ch, sizeof(int), 0));
	ASSERT_EQ(-ETIMEDOUT, lws_chan_send_timeout(ch, &v, 0));
	ASSERT_EQ(-ETIMEDOUT, lws_chan_recv_timeout(ch, &v, 0));
	ASSERT_EQ(-ETIMEDOUT, lws_chan_send_timeout(ch, &v, 1));
	ASSERT_EQ(-ETIMEDOUT, lws_chan_recv_timeout(ch, &v, 1));
	ASSERT_EQ(1, v);
	ASSERT_EQ(-EAGAIN, lws_chan_try_send(ch, &v));
	ASSERT_EQ(-EAGAIN, lws_chan_try_recv(ch, &v));
	lws_chan_free(ch);
}

TEST(select_rejects_bad_cases)
{
	lws_chan_t *ch;
	int v = 3;
	struct lws_case c[2];

	ASSERT_EQ(0, lws_chan_make(&ch, sizeof(int), 1));
	ASSERT_EQ(-EINVAL, lws_select(NULL, 1, 0));
	ASSERT_EQ(-EINVAL, lws_select(c, (size_t)LWS_SELECT_MAX + 1, 0));
	memset(c, 0, sizeof(c));
	c[0] = (struct lws_case){ .ch = ch, .op = 0, .elem = &v };	/* bad op */
	ASSERT_EQ(-EINVAL, lws_select(c, 1, 0));
	c[0].op = 3;
	ASSERT_EQ(-EINVAL, lws_select(c, 1, 0));
	c[0].op = LWS_SEND;
	c[0].__reserved = 1;
	ASSERT_EQ(-EINVAL, lws_select(c, 1, 0));
	c[0].__reserved = 0;
	c[0].elem = NULL;					/* NULL element */
	ASSERT_EQ(-EINVAL, lws_select(c, 1, 0));
	/* a bad second case: the good first one is not done either */
	c[0].elem = &v;
	c[1] = (struct lws_case){ .ch = ch, .op = LWS_RECV, .elem = NULL };
	ASSERT_EQ(-EINVAL, lws_select(c, 2, -1));
	ASSERT_EQ(0, lws_chan_len(ch));
	/* nil channel with a bad op is still bad input */
	c[1] = (struct lws_case){ .ch = NULL, .op = 7 };
	ASSERT_EQ(-EINVAL, lws_select(c, 2, 0));
	ASSERT_EQ(0, lws_select(c, 1, 0));			/* the good one alone */
	ASSERT_EQ(1, lws_chan_len(ch));
	lws_chan_free(ch);
}

TEST(select_with_nothing_to_wait_for)
{
	struct lws_case c[2] = {
		{ .ch = NULL, .op = LWS_RECV },
		{ .ch = NULL, .op = LWS_SEND },
	};
	int64_t t0;

	ASSERT_EQ(-EAGAIN, lws_select(NULL, 0, 0));
	ASSERT_EQ(-EAGAIN, lws_select(c, 2, 0));
	t0 = now_ns();
	ASSERT_EQ(-ETIMEDOUT, lws_select(NULL, 0, 10 * MSEC));
	ASSERT_EQ(-ETIMEDOUT, lws_select(c, 2, 10 * MSEC));
	ASSERT_GE(now_ns() - t0, 20 * MSEC);
}

TEST(misc_null_arguments)
{
	lws_thread_t t;

	ASSERT_EQ(-EINVAL, lws_stats_get(NULL));
	ASSERT_EQ(-EINVAL, lws_thread_create(NULL, NULL, NULL));
	ASSERT_EQ(-EINVAL, lws_thread_create(&t, NULL, NULL));
	ASSERT_EQ(-EDEADLK, lws_thread_join(pthread_self(), NULL));
}

TEST(backend_env_unknown_value)
{
	setenv("LWS_BACKEND", "bogus", 1);
	ASSERT_EQ(-EINVAL, lws_init());
	ASSERT_EQ(-EINVAL, lws_init());		/* the same answer every time */
	ASSERT_NE(NULL, lws_backend());
}

TEST(backend_env_futex_forces_futex)
{
	setenv("LWS_BACKEND", "futex", 1);
	ASSERT_EQ(0, lws_init());
	ASSERT_STREQ("futex", lws_backend());
}

TEST(backend_env_switchto_requires_the_module)
{
	int rc;

	setenv("LWS_BACKEND", "switchto", 1);
	rc = lws_init();
	if (access("/dev/lwswitch", F_OK) == 0) {
		ASSERT_EQ(0, rc);
		ASSERT_STREQ("switchto", lws_backend());
	} else {
		ASSERT_EQ(-ENOENT, rc);
		ASSERT_STREQ("futex", lws_backend());	/* and it still works */
	}
}

TEST_HARNESS_MAIN
