// SPDX-License-Identifier: GPL-2.0
/*
 * select.c — lwsw_select(): default, timeouts, nil channels, closed
 * channels, uniform choice among ready cases, a blocked select claimed by
 * exactly one channel, concurrent selects losing and duplicating nothing.
 */
#include <stdint.h>

#include "testutil.h"

TEST(default_when_nothing_ready)
{
	lwsw_chan_t *a, *b;
	int x = 1, y = 0;
	struct lwsw_case c[2];

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int), 0));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int), 0));
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_SEND, .elem = &x };
	c[1] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &y };
	ASSERT_EQ(-EAGAIN, lwsw_select(c, 2, 0));
	ASSERT_EQ(-ETIMEDOUT, lwsw_select(c, 2, 5 * MSEC));
	/* the timed-out select left no waiter behind */
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(a, &y));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(b, &x));
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

TEST(ready_cases_are_taken)
{
	lwsw_chan_t *a, *b;
	int x = 5, y = 0;
	struct lwsw_case c[3];

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int), 1));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int), 1));
	c[0] = (struct lwsw_case){ .ch = NULL, .op = LWSW_RECV, .elem = &y };	/* nil: never */
	c[1] = (struct lwsw_case){ .ch = a, .op = LWSW_SEND, .elem = &x };
	c[2] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &y };
	ASSERT_EQ(1, lwsw_select(c, 3, -1));		/* only the send is ready */
	ASSERT_EQ(0, c[1].closed);
	ASSERT_EQ(1, lwsw_chan_len(a));
	c[1].ch = NULL;
	ASSERT_EQ(0, lwsw_chan_send(b, &x));
	ASSERT_EQ(2, lwsw_select(c, 3, 0));
	ASSERT_EQ(5, y);
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

TEST(closed_receive_is_reported)
{
	lwsw_chan_t *a, *b;
	int64_t y = -1, z = -1;
	struct lwsw_case c[2];

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_close(a));
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &y };
	c[1] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &z };
	ASSERT_EQ(0, lwsw_select(c, 2, -1));
	ASSERT_EQ(1, c[0].closed);
	ASSERT_EQ(0, c[1].closed);
	ASSERT_EQ(0, y);
	ASSERT_EQ(-1, z);
	/* a send case on a closed channel: chosen, closed, nothing sent */
	c[0].op = LWSW_SEND;
	ASSERT_EQ(0, lwsw_select(c, 2, 0));
	ASSERT_EQ(1, c[0].closed);
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

struct closer {
	lwsw_chan_t *ch;
	int64_t delay;
	int64_t val;
	int close;
};

static void *later(void *p)
{
	struct closer *c = p;

	sleep_ns(c->delay);
	if (c->close)
		lwsw_chan_close(c->ch);
	else
		lwsw_chan_send(c->ch, &c->val);
	return NULL;
}

TEST(blocked_select_woken_by_close)
{
	lwsw_chan_t *a, *b;
	int64_t y = -1, z = -1;
	struct lwsw_case c[2];
	struct closer cl = { .delay = 20 * MSEC, .close = 1 };
	lwsw_thread_t t;

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int64_t), 0));
	cl.ch = b;
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &y };
	c[1] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &z };
	ASSERT_EQ(0, lwsw_thread_create(&t, later, &cl));
	ASSERT_EQ(1, lwsw_select(c, 2, -1));
	ASSERT_EQ(1, c[1].closed);
	ASSERT_EQ(0, z);
	ASSERT_EQ(-1, y);
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(a, &y));	/* no waiter left on a */
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

TEST(blocked_select_claimed_once)
{
	lwsw_chan_t *a, *b;
	int64_t y = -1, z = -1;
	struct lwsw_case c[2];
	struct closer s = { .delay = 20 * MSEC, .val = 42 };
	lwsw_thread_t t;

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int64_t), 0));
	s.ch = a;
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &y };
	c[1] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &z };
	ASSERT_EQ(0, lwsw_thread_create(&t, later, &s));
	ASSERT_EQ(0, lwsw_select(c, 2, 5000 * MSEC));
	ASSERT_EQ(0, c[0].closed);
	ASSERT_EQ(42, y);
	ASSERT_EQ(-1, z);
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	/* b's waiter was withdrawn: a send to b finds nobody */
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(b, &y));
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

TEST(same_channel_in_several_cases)
{
	lwsw_chan_t *a;
	int64_t v = 8, r1 = -1, r2 = -1;
	struct lwsw_case c[3];

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int64_t), 1));
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &r1 };
	c[1] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &r2 };
	c[2] = (struct lwsw_case){ .ch = a, .op = LWSW_SEND, .elem = &v };
	ASSERT_EQ(2, lwsw_select(c, 3, 0));	/* empty: only the send */
	int rc = lwsw_select(c, 3, 0);		/* full: only a receive */
	ASSERT_TRUE(rc == 0 || rc == 1);
	ASSERT_EQ(8, rc == 0 ? r1 : r2);
	lwsw_chan_free(a);
}

TEST(fairness_between_two_ready_cases)
{
	lwsw_chan_t *a, *b;
	int64_t v = 0;
	int hits[2] = { 0, 0 };
	const int n = 20000;
	struct lwsw_case c[2];

	ASSERT_EQ(0, lwsw_chan_make(&a, sizeof(int64_t), 1));
	ASSERT_EQ(0, lwsw_chan_make(&b, sizeof(int64_t), 1));
	ASSERT_EQ(0, lwsw_chan_send(a, &v));
	ASSERT_EQ(0, lwsw_chan_send(b, &v));
	c[0] = (struct lwsw_case){ .ch = a, .op = LWSW_RECV, .elem = &v };
	c[1] = (struct lwsw_case){ .ch = b, .op = LWSW_RECV, .elem = &v };
	for (int i = 0; i < n; i++) {
		int rc = lwsw_select(c, 2, 0);

		ASSERT_TRUE(rc == 0 || rc == 1);
		hits[rc]++;
		ASSERT_EQ(0, lwsw_chan_send(c[rc].ch, &v));	/* ready again */
	}
	TH_LOG("case 0: %d, case 1: %d of %d", hits[0], hits[1], n);
	ASSERT_GE(hits[0], n * 45 / 100);
	ASSERT_LE(hits[0], n * 55 / 100);
	ASSERT_GE(hits[1], n * 45 / 100);
	ASSERT_LE(hits[1], n * 55 / 100);
	lwsw_chan_free(a);
	lwsw_chan_free(b);
}

TEST(fairness_among_many_ready_cases)
{
	enum { K = 12 };	/* more than the on-stack cases: malloc path */
	lwsw_chan_t *ch[K];
	struct lwsw_case c[K];
	int hits[K] = { 0 };
	int64_t v = 0;
	const int n = 24000;

	for (int i = 0; i < K; i++) {
		ASSERT_EQ(0, lwsw_chan_make(&ch[i], sizeof(int64_t), 1));
		ASSERT_EQ(0, lwsw_chan_send(ch[i], &v));
		c[i] = (struct lwsw_case){ .ch = ch[i], .op = LWSW_RECV, .elem = &v };
	}
	for (int i = 0; i < n; i++) {
		int rc = lwsw_select(c, K, -1);

		ASSERT_TRUE(rc >= 0 && rc < K);
		hits[rc]++;
		ASSERT_EQ(0, lwsw_chan_send(ch[rc], &v));
	}
	for (int i = 0; i < K; i++) {
		ASSERT_GE(hits[i], n / K * 80 / 100);
		ASSERT_LE(hits[i], n / K * 120 / 100);
		lwsw_chan_free(ch[i]);
	}
}

/* Several selecting receivers on two channels, several senders: every
 * value arrives exactly once. */
#define SEL_THREADS 4

struct selshare {
	lwsw_chan_t *a, *b, *done;
	int per_sender;
	int64_t sum;
	int64_t count;
	unsigned char *seen;
};

static void *sel_sender(void *p)
{
	struct selshare *s = p;
	static int next_id;
	int id = __atomic_fetch_add(&next_id, 1, __ATOMIC_SEQ_CST);

	for (int i = 0; i < s->per_sender; i++) {
		int64_t v = (int64_t)id * s->per_sender + i;

		if (lwsw_chan_send(i & 1 ? s->a : s->b, &v))
			return (void *)1;
	}
	return NULL;
}

static void *sel_receiver(void *p)
{
	struct selshare *s = p;
	int64_t va, vb;
	struct lwsw_case c[3];
	int64_t sum = 0, count = 0;

	c[0] = (struct lwsw_case){ .ch = s->a, .op = LWSW_RECV, .elem = &va };
	c[1] = (struct lwsw_case){ .ch = s->b, .op = LWSW_RECV, .elem = &vb };
	c[2] = (struct lwsw_case){ .ch = s->done, .op = LWSW_RECV, .elem = NULL };
	for (;;) {
		int rc = lwsw_select(c, 3, (count & 3) ? -1 : 200000);	/* some time out */
		int64_t v;

		if (rc == -ETIMEDOUT)
			continue;
		if (rc == 2)
			break;
		if (rc < 0)
			return (void *)1;
		v = rc == 0 ? va : vb;
		if (__atomic_fetch_add(&s->seen[v], 1, __ATOMIC_RELAXED))
			return (void *)2;	/* twice */
		sum += v;
		count++;
	}
	__atomic_fetch_add(&s->sum, sum, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->count, count, __ATOMIC_RELAXED);
	return NULL;
}

static void select_many(struct __test_metadata *_metadata, size_t cap)
{
	struct selshare s = { .per_sender = SCALE(8000) };
	lwsw_thread_t snd[SEL_THREADS], rcv[SEL_THREADS];
	int64_t total = (int64_t)SEL_THREADS * s.per_sender;
	void *ret;

	s.seen = calloc((size_t)total, 1);
	ASSERT_NE(NULL, s.seen);
	ASSERT_EQ(0, lwsw_chan_make(&s.a, sizeof(int64_t), cap));
	ASSERT_EQ(0, lwsw_chan_make(&s.b, sizeof(int64_t), cap));
	ASSERT_EQ(0, lwsw_chan_make(&s.done, 0, 0));
	for (int i = 0; i < SEL_THREADS; i++)
		ASSERT_EQ(0, lwsw_thread_create(&rcv[i], sel_receiver, &s));
	for (int i = 0; i < SEL_THREADS; i++)
		ASSERT_EQ(0, lwsw_thread_create(&snd[i], sel_sender, &s));
	for (int i = 0; i < SEL_THREADS; i++) {
		ASSERT_EQ(0, lwsw_thread_join(snd[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	/* buffered values are still there: wait until drained */
	while (lwsw_chan_len(s.a) || lwsw_chan_len(s.b))
		sleep_ns(MSEC);
	ASSERT_EQ(0, lwsw_chan_close(s.done));
	for (int i = 0; i < SEL_THREADS; i++) {
		ASSERT_EQ(0, lwsw_thread_join(rcv[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	ASSERT_EQ(total, s.count);
	ASSERT_EQ(total * (total - 1) / 2, s.sum);
	lwsw_chan_free(s.a);
	lwsw_chan_free(s.b);
	lwsw_chan_free(s.done);
	free(s.seen);
}

TEST(concurrent_selects_unbuffered)
{
	select_many(_metadata, 0);
}

TEST(concurrent_selects_buffered)
{
	select_many(_metadata, 16);
}

/* A select offering both a send and a receive, against a peer doing the
 * same: the pairs never deadlock and never lose a value. */
static void *sendrecv_selector(void *p)
{
	lwsw_chan_t **ch = p;
	int64_t out = 1, in = 0, got = 0;
	struct lwsw_case c[2];
	int n = SCALE(5000);

	c[0] = (struct lwsw_case){ .ch = ch[0], .op = LWSW_SEND, .elem = &out };
	c[1] = (struct lwsw_case){ .ch = ch[1], .op = LWSW_RECV, .elem = &in };
	for (int i = 0; i < n; i++) {
		int rc = lwsw_select(c, 2, -1);

		if (rc == 1)
			got += in;
		else if (rc != 0)
			return (void *)-1;
	}
	return (void *)(intptr_t)got;
}

TEST(select_send_and_receive_against_each_other)
{
	lwsw_chan_t *x, *y, *p1[2], *p2[2];
	lwsw_thread_t t1, t2;
	void *r1, *r2;
	int n = SCALE(5000);

	ASSERT_EQ(0, lwsw_chan_make(&x, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&y, sizeof(int64_t), 0));
	p1[0] = x; p1[1] = y;	/* sends on x, receives on y */
	p2[0] = y; p2[1] = x;
	ASSERT_EQ(0, lwsw_thread_create(&t1, sendrecv_selector, p1));
	ASSERT_EQ(0, lwsw_thread_create(&t2, sendrecv_selector, p2));
	ASSERT_EQ(0, lwsw_thread_join(t1, &r1));
	ASSERT_EQ(0, lwsw_thread_join(t2, &r2));
	/* each exchange is one select of each: a's sends are b's receives */
	ASSERT_EQ((intptr_t)r1 + (intptr_t)r2, n);
	lwsw_chan_free(x);
	lwsw_chan_free(y);
}

TEST_HARNESS_MAIN
