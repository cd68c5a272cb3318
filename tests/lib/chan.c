// SPDX-License-Identifier: GPL-2.0
/*
 * chan.c — Go's channel rules, one by one: direct hand-off, FIFO waiters,
 * the buffered ring, close waking every waiter, receive draining a closed
 * buffer, element sizes 0, 1 and 4096, timeouts (past, zero, negative),
 * close with blocked senders, lwsw_chan_sendrecv.
 */
#include <pthread.h>
#include <stdint.h>

#include "testutil.h"

struct waiter {
	lwsw_chan_t *ch;
	volatile pid_t tid;
	int order;		/* which arrival this was */
	int64_t val;
	int rc;
	int64_t timeout;
};

static int arrivals;

static void *recv_thread(void *p)
{
	struct waiter *w = p;

	__atomic_store_n(&w->tid, gettid_(), __ATOMIC_RELEASE);
	w->rc = w->timeout ? lwsw_chan_recv_timeout(w->ch, &w->val, w->timeout)
			   : lwsw_chan_recv(w->ch, &w->val);
	w->order = __atomic_fetch_add(&arrivals, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *send_thread(void *p)
{
	struct waiter *w = p;

	__atomic_store_n(&w->tid, gettid_(), __ATOMIC_RELEASE);
	w->rc = lwsw_chan_send(w->ch, &w->val);
	w->order = __atomic_fetch_add(&arrivals, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST(runtime_init_backend)
{
	const char *b;

	ASSERT_EQ(0, lwsw_init());
	ASSERT_EQ(0, lwsw_init());	/* idempotent */
	b = lwsw_backend();
	ASSERT_NE(NULL, b);
	ASSERT_TRUE(!strcmp(b, "futex") || !strcmp(b, "switchto"));
	TH_LOG("backend: %s", b);
}

TEST(unbuffered_direct_handoff_to_blocked_receiver)
{
	struct waiter w = { .val = -1 };
	lwsw_thread_t t;
	int64_t v = 0x1122334455667788;

	ASSERT_EQ(0, lwsw_chan_make(&w.ch, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, recv_thread, &w));
	ASSERT_EQ(0, wait_blocked(&w.tid));
	/* A blocked receiver makes an unbuffered send ready... */
	ASSERT_EQ(0, lwsw_chan_try_send(w.ch, &v));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(v, w.val);
	/* ...and the value went straight to it, never into a buffer. */
	ASSERT_EQ(0, lwsw_chan_len(w.ch));
	ASSERT_EQ(0, lwsw_chan_cap(w.ch));
	lwsw_chan_free(w.ch);
}

TEST(unbuffered_send_blocks_until_received)
{
	struct waiter w = { .val = 7 };
	lwsw_thread_t t;
	int64_t got = 0;

	ASSERT_EQ(0, lwsw_chan_make(&w.ch, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, send_thread, &w));
	ASSERT_EQ(0, wait_blocked(&w.tid));
	ASSERT_EQ(0, __atomic_load_n(&arrivals, __ATOMIC_SEQ_CST));	/* still blocked */
	ASSERT_EQ(0, lwsw_chan_recv(w.ch, &got));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(7, got);
	/* without a receiver an unbuffered send is never ready */
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(w.ch, &got));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(w.ch, &got));
	lwsw_chan_free(w.ch);
}

TEST(buffered_ring_is_fifo_and_wraps)
{
	lwsw_chan_t *ch;
	int v;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int), 3));
	ASSERT_EQ(3, lwsw_chan_cap(ch));
	for (int round = 0; round < 5; round++) {
		for (v = 0; v < 3; v++) {
			int x = round * 10 + v;

			ASSERT_EQ(0, lwsw_chan_send(ch, &x));
			ASSERT_EQ((size_t)v + 1, lwsw_chan_len(ch));
		}
		v = 99;
		ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(ch, &v));
		ASSERT_EQ(-ETIMEDOUT, lwsw_chan_send_timeout(ch, &v, 1 * MSEC));
		for (int i = 0; i < 3; i++) {
			ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
			ASSERT_EQ(round * 10 + i, v);
		}
		/* one in, one out: the ring's indices move on */
		v = -round;
		ASSERT_EQ(0, lwsw_chan_send(ch, &v));
		ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
		ASSERT_EQ(-round, v);
		ASSERT_EQ(0, lwsw_chan_len(ch));
	}
	v = 1234;
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(ch, &v));
	ASSERT_EQ(1234, v);	/* untouched */
	lwsw_chan_free(ch);
}

TEST(full_buffer_blocked_sender_refills_ring_in_order)
{
	struct waiter w = { .val = 3 };
	lwsw_thread_t t;
	lwsw_chan_t *ch;
	int64_t v;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 2));
	w.ch = ch;
	for (v = 1; v <= 2; v++)
		ASSERT_EQ(0, lwsw_chan_send(ch, &v));
	ASSERT_EQ(0, lwsw_thread_create(&t, send_thread, &w));
	ASSERT_EQ(0, wait_blocked(&w.tid));
	for (int64_t want = 1; want <= 3; want++) {
		ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
		ASSERT_EQ(want, v);
	}
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(0, lwsw_chan_len(ch));
	lwsw_chan_free(ch);
}

#define NWAIT 4

TEST(receivers_are_served_fifo)
{
	struct waiter w[NWAIT];
	lwsw_thread_t t[NWAIT];
	lwsw_chan_t *ch;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 0));
	for (int i = 0; i < NWAIT; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ch = ch;
		ASSERT_EQ(0, lwsw_thread_create(&t[i], recv_thread, &w[i]));
		ASSERT_EQ(0, wait_blocked(&w[i].tid));	/* queued in this order */
	}
	for (int64_t i = 0; i < NWAIT; i++)
		ASSERT_EQ(0, lwsw_chan_send(ch, &i));
	for (int i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, lwsw_thread_join(t[i], NULL));
		ASSERT_EQ(0, w[i].rc);
		ASSERT_EQ(i, w[i].val);	/* the i-th to wait got the i-th value */
	}
	lwsw_chan_free(ch);
}

TEST(senders_are_served_fifo)
{
	struct waiter w[NWAIT];
	lwsw_thread_t t[NWAIT];
	lwsw_chan_t *ch;
	int64_t v;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 0));
	for (int i = 0; i < NWAIT; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ch = ch;
		w[i].val = 100 + i;
		ASSERT_EQ(0, lwsw_thread_create(&t[i], send_thread, &w[i]));
		ASSERT_EQ(0, wait_blocked(&w[i].tid));
	}
	for (int i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
		ASSERT_EQ(100 + i, v);
	}
	for (int i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, lwsw_thread_join(t[i], NULL));
		ASSERT_EQ(0, w[i].rc);
	}
	lwsw_chan_free(ch);
}

TEST(close_wakes_every_blocked_receiver)
{
	struct waiter w[NWAIT];
	lwsw_thread_t t[NWAIT];
	lwsw_chan_t *ch;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 2));
	for (int i = 0; i < NWAIT; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ch = ch;
		w[i].val = -1;
		ASSERT_EQ(0, lwsw_thread_create(&t[i], recv_thread, &w[i]));
		ASSERT_EQ(0, wait_blocked(&w[i].tid));
	}
	ASSERT_EQ(0, lwsw_chan_close(ch));
	for (int i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, lwsw_thread_join(t[i], NULL));
		ASSERT_EQ(-EPIPE, w[i].rc);
		ASSERT_EQ(0, w[i].val);		/* zeroed */
	}
	ASSERT_EQ(-EPIPE, lwsw_chan_close(ch));
	lwsw_chan_free(ch);
}

TEST(close_with_blocked_senders_fails_them)
{
	struct waiter w[NWAIT];
	lwsw_thread_t t[NWAIT];
	lwsw_chan_t *ch;
	int64_t v = 5;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 1));
	ASSERT_EQ(0, lwsw_chan_send(ch, &v));	/* full */
	for (int i = 0; i < NWAIT; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ch = ch;
		w[i].val = i;
		ASSERT_EQ(0, lwsw_thread_create(&t[i], send_thread, &w[i]));
		ASSERT_EQ(0, wait_blocked(&w[i].tid));
	}
	ASSERT_EQ(0, lwsw_chan_close(ch));
	for (int i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, lwsw_thread_join(t[i], NULL));
		ASSERT_EQ(-EPIPE, w[i].rc);
	}
	/* only the element buffered before the close is delivered */
	ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
	ASSERT_EQ(5, v);
	ASSERT_EQ(-EPIPE, lwsw_chan_recv(ch, &v));
	lwsw_chan_free(ch);
}

TEST(recv_drains_a_closed_buffer_first)
{
	lwsw_chan_t *ch;
	int64_t v;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 3));
	for (v = 1; v <= 3; v++)
		ASSERT_EQ(0, lwsw_chan_send(ch, &v));
	ASSERT_EQ(0, lwsw_chan_close(ch));
	ASSERT_EQ(-EPIPE, lwsw_chan_send(ch, &v));
	ASSERT_EQ(-EPIPE, lwsw_chan_try_send(ch, &v));
	ASSERT_EQ(-EPIPE, lwsw_chan_send_timeout(ch, &v, MSEC));
	ASSERT_EQ(3, lwsw_chan_len(ch));
	for (int64_t want = 1; want <= 3; want++) {
		ASSERT_EQ(0, lwsw_chan_recv(ch, &v));
		ASSERT_EQ(want, v);
	}
	v = -1;
	ASSERT_EQ(-EPIPE, lwsw_chan_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = -1;
	ASSERT_EQ(-EPIPE, lwsw_chan_try_recv(ch, &v));
	ASSERT_EQ(0, v);
	v = -1;
	ASSERT_EQ(-EPIPE, lwsw_chan_recv_timeout(ch, &v, 0));
	ASSERT_EQ(0, v);
	lwsw_chan_free(ch);
}

static void *zero_sender(void *p)
{
	lwsw_chan_t *ch = p;

	for (int i = 0; i < 100; i++)
		if (lwsw_chan_send(ch, NULL))
			return (void *)1;
	return NULL;
}

TEST(zero_size_elements)
{
	lwsw_chan_t *ch;
	lwsw_thread_t t;
	void *ret;

	ASSERT_EQ(0, lwsw_chan_make(&ch, 0, 5));
	ASSERT_EQ(0, lwsw_chan_elem_size(ch));
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, lwsw_chan_try_send(ch, NULL));
	ASSERT_EQ(5, lwsw_chan_len(ch));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(ch, NULL));
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, lwsw_chan_recv(ch, NULL));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(ch, NULL));
	lwsw_chan_free(ch);

	/* unbuffered events between threads */
	ASSERT_EQ(0, lwsw_chan_make(&ch, 0, 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, zero_sender, ch));
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, lwsw_chan_recv(ch, NULL));
	ASSERT_EQ(0, lwsw_thread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	ASSERT_EQ(0, lwsw_chan_close(ch));
	ASSERT_EQ(-EPIPE, lwsw_chan_recv(ch, NULL));
	lwsw_chan_free(ch);
}

struct sized {
	lwsw_chan_t *ch;
	size_t size;
	int n;
};

static void *sized_sender(void *p)
{
	struct sized *s = p;
	unsigned char *buf = malloc(s->size);

	for (int i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->size; j++)
			buf[j] = (unsigned char)(i * 31 + j);
		if (lwsw_chan_send(s->ch, buf))
			break;
	}
	free(buf);
	return NULL;
}

static int sized_roundtrip(size_t size, size_t cap)
{
	struct sized s = { .size = size, .n = 200 };
	unsigned char *buf = malloc(size);
	lwsw_thread_t t;
	int bad = 0;

	if (lwsw_chan_make(&s.ch, size, cap) || lwsw_thread_create(&t, sized_sender, &s))
		return -1;
	for (int i = 0; i < s.n; i++) {
		memset(buf, 0xee, size);
		if (lwsw_chan_recv(s.ch, buf))
			bad++;
		for (size_t j = 0; j < size; j++)
			if (buf[j] != (unsigned char)(i * 31 + j)) {
				bad++;
				break;
			}
	}
	lwsw_thread_join(t, NULL);
	lwsw_chan_free(s.ch);
	free(buf);
	return bad;
}

TEST(one_byte_elements)
{
	ASSERT_EQ(0, sized_roundtrip(1, 0));
	ASSERT_EQ(0, sized_roundtrip(1, 7));
}

TEST(four_kib_elements)
{
	ASSERT_EQ(0, sized_roundtrip(4096, 0));
	ASSERT_EQ(0, sized_roundtrip(4096, 3));
}

TEST(largest_elements)
{
	ASSERT_EQ(0, sized_roundtrip(LWSW_CHAN_ELEM_MAX, 0));
	ASSERT_EQ(0, sized_roundtrip(LWSW_CHAN_ELEM_MAX, 2));
}

TEST(timeouts_expire_and_lose_nothing)
{
	lwsw_chan_t *ch;
	int64_t v = 1, t0;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(v), 0));
	t0 = now_ns();
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_recv_timeout(ch, &v, 20 * MSEC));
	ASSERT_GE(now_ns() - t0, 20 * MSEC);
	ASSERT_EQ(1, v);	/* untouched */
	t0 = now_ns();
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_send_timeout(ch, &v, 20 * MSEC));
	ASSERT_GE(now_ns() - t0, 20 * MSEC);
	/* the timed-out waiters are gone: nothing is ready */
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_send(ch, &v));
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(ch, &v));
	lwsw_chan_free(ch);
}

TEST(timeout_zero_and_past_never_block)
{
	lwsw_chan_t *ch;
	int64_t v = 3, t0;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(v), 1));
	t0 = now_ns();
	/* 0 is a deadline already passed: one attempt, -ETIMEDOUT */
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_recv_timeout(ch, &v, 0));
	ASSERT_EQ(0, lwsw_chan_send_timeout(ch, &v, 0));	/* ready: done */
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_send_timeout(ch, &v, 0));
	ASSERT_EQ(0, lwsw_chan_recv_timeout(ch, &v, 0));
	ASSERT_EQ(3, v);
	/* 1 ns has passed before the wait starts */
	ASSERT_EQ(-ETIMEDOUT, lwsw_chan_recv_timeout(ch, &v, 1));
	ASSERT_LT(now_ns() - t0, 1000 * MSEC);
	lwsw_chan_free(ch);
}

TEST(negative_and_huge_timeouts_wait_forever)
{
	struct waiter w = { .timeout = -1 };
	struct waiter w2 = { .timeout = INT64_MAX };
	lwsw_thread_t t, t2;
	int64_t v = 11;

	ASSERT_EQ(0, lwsw_chan_make(&w.ch, sizeof(int64_t), 0));
	w2.ch = w.ch;
	ASSERT_EQ(0, lwsw_thread_create(&t, recv_thread, &w));
	ASSERT_EQ(0, wait_blocked(&w.tid));
	ASSERT_EQ(0, lwsw_thread_create(&t2, recv_thread, &w2));
	ASSERT_EQ(0, wait_blocked(&w2.tid));
	sleep_ns(30 * MSEC);
	ASSERT_EQ(0, __atomic_load_n(&arrivals, __ATOMIC_SEQ_CST));
	ASSERT_EQ(0, lwsw_chan_send(w.ch, &v));
	v = 12;
	ASSERT_EQ(0, lwsw_chan_send(w.ch, &v));
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ(0, lwsw_thread_join(t2, NULL));
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(11, w.val);
	ASSERT_EQ(0, w2.rc);
	ASSERT_EQ(12, w2.val);
	lwsw_chan_free(w.ch);
}

/* Timed receives racing real senders: every value sent is received once. */
struct race {
	lwsw_chan_t *ch;
	int n;
	int64_t sum;
	int got;
};

static void *race_sender(void *p)
{
	struct race *r = p;

	for (int64_t i = 1; i <= r->n; i++)
		while (lwsw_chan_send_timeout(r->ch, &i, 50000) == -ETIMEDOUT)
			;
	return NULL;
}

TEST(timeouts_racing_senders_lose_nothing)
{
	struct race r = { .n = SCALE(20000) };
	lwsw_thread_t t;
	int64_t v;

	ASSERT_EQ(0, lwsw_chan_make(&r.ch, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, race_sender, &r));
	while (r.got < r.n) {
		int rc = lwsw_chan_recv_timeout(r.ch, &v, 30000);

		if (rc == -ETIMEDOUT)
			continue;
		ASSERT_EQ(0, rc);
		ASSERT_EQ(r.got + 1, v);	/* in order, none twice */
		r.got++;
		r.sum += v;
	}
	ASSERT_EQ(0, lwsw_thread_join(t, NULL));
	ASSERT_EQ((int64_t)r.n * (r.n + 1) / 2, r.sum);
	ASSERT_EQ(-EAGAIN, lwsw_chan_try_recv(r.ch, &v));
	lwsw_chan_free(r.ch);
}

/* lwsw_chan_sendrecv: an echo server. */
struct echo {
	lwsw_chan_t *req, *rep;
	int n;
};

static void *echo_server(void *p)
{
	struct echo *e = p;
	int64_t v;

	if (lwsw_chan_recv(e->req, &v))
		return (void *)1;
	for (;;) {
		v = v * 2;
		int rc = lwsw_chan_sendrecv(e->rep, &v, e->req, &v);

		if (rc == -ECONNRESET)
			return NULL;
		if (rc)
			return (void *)2;
	}
}

TEST(sendrecv_request_reply)
{
	struct echo e = { .n = SCALE(5000) };
	lwsw_thread_t t;
	void *ret;

	ASSERT_EQ(0, lwsw_chan_make(&e.req, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_chan_make(&e.rep, sizeof(int64_t), 0));
	ASSERT_EQ(0, lwsw_thread_create(&t, echo_server, &e));
	for (int64_t i = 0; i < e.n; i++) {
		int64_t r = -1;

		ASSERT_EQ(0, lwsw_chan_sendrecv(e.req, &i, e.rep, &r));
		ASSERT_EQ(2 * i, r);
	}
	ASSERT_EQ(0, lwsw_chan_close(e.req));
	ASSERT_EQ(0, lwsw_thread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	lwsw_chan_free(e.req);
	lwsw_chan_free(e.rep);
}

TEST(sendrecv_same_channel_buffered)
{
	lwsw_chan_t *ch;
	int64_t out = 9, in = 0;

	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(int64_t), 1));
	ASSERT_EQ(0, lwsw_chan_sendrecv(ch, &out, ch, &in));
	ASSERT_EQ(9, in);
	lwsw_chan_free(ch);
}

TEST(plain_pthreads_are_set_up_lazily)
{
	struct waiter w = { .val = 0 };
	pthread_t t;
	int64_t v = 77;

	ASSERT_EQ(0, lwsw_chan_make(&w.ch, sizeof(int64_t), 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, recv_thread, &w));
	ASSERT_EQ(0, lwsw_chan_send(w.ch, &v));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(77, w.val);
	lwsw_chan_free(w.ch);
}

TEST_HARNESS_MAIN
