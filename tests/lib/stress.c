// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c — 16 producers and 16 consumers over unbuffered and buffered
 * channels: every item arrives exactly once (a per-item counter, the sum
 * and the count), and close ends every consumer.  Bounded in items.
 */
#include <stdint.h>

#include "testutil.h"

#define PRODUCERS 16
#define CONSUMERS 16

struct share {
	lwsw_chan_t *ch;
	int per_producer;
	int next_id;
	int use_select;
	int64_t sum;
	int64_t count;
	uint8_t *seen;
	int dup;
};

static void *producer(void *p)
{
	struct share *s = p;
	int id = __atomic_fetch_add(&s->next_id, 1, __ATOMIC_SEQ_CST);

	for (int i = 0; i < s->per_producer; i++) {
		int64_t v = (int64_t)id * s->per_producer + i;
		int rc;

		if (i % 64 == 63)	/* now and then a timed or a try send */
			while ((rc = lwsw_chan_send_timeout(s->ch, &v, 100000)) == -ETIMEDOUT)
				;
		else if (i % 64 == 31)
			while ((rc = lwsw_chan_try_send(s->ch, &v)) == -EAGAIN)
				sched_yield();
		else
			rc = lwsw_chan_send(s->ch, &v);
		if (rc)
			return (void *)1;
	}
	return NULL;
}

static void *consumer(void *p)
{
	struct share *s = p;
	int64_t v, sum = 0, count = 0;
	int rc;

	for (;;) {
		if (s->use_select) {
			struct lwsw_case c = { .ch = s->ch, .op = LWSW_RECV, .elem = &v };

			rc = lwsw_select(&c, 1, -1);
			if (rc == 0 && c.closed)
				rc = -EPIPE;
		} else if (count % 50 == 49) {
			rc = lwsw_chan_recv_timeout(s->ch, &v, 100000);
			if (rc == -ETIMEDOUT)
				continue;
		} else {
			rc = lwsw_chan_recv(s->ch, &v);
		}
		if (rc == -EPIPE)
			break;
		if (rc)
			return (void *)1;
		if (__atomic_fetch_add(&s->seen[v], 1, __ATOMIC_RELAXED))
			__atomic_store_n(&s->dup, 1, __ATOMIC_RELAXED);
		sum += v;
		count++;
	}
	__atomic_fetch_add(&s->sum, sum, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->count, count, __ATOMIC_RELAXED);
	return NULL;
}

static void run(struct __test_metadata *_metadata, size_t cap, int use_select)
{
	struct share s = { .per_producer = SCALE(4000), .use_select = use_select };
	lwsw_thread_t prod[PRODUCERS], cons[CONSUMERS];
	int64_t total = (int64_t)PRODUCERS * s.per_producer;
	void *ret;

	s.seen = calloc((size_t)total, 1);
	ASSERT_NE(NULL, s.seen);
	ASSERT_EQ(0, lwsw_chan_make(&s.ch, sizeof(int64_t), cap));
	for (int i = 0; i < CONSUMERS; i++)
		ASSERT_EQ(0, lwsw_thread_create(&cons[i], consumer, &s));
	for (int i = 0; i < PRODUCERS; i++)
		ASSERT_EQ(0, lwsw_thread_create(&prod[i], producer, &s));
	for (int i = 0; i < PRODUCERS; i++) {
		ASSERT_EQ(0, lwsw_thread_join(prod[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	/* consumers drain what is buffered before they see the close */
	ASSERT_EQ(0, lwsw_chan_close(s.ch));
	for (int i = 0; i < CONSUMERS; i++) {
		ASSERT_EQ(0, lwsw_thread_join(cons[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	ASSERT_EQ(0, s.dup);
	ASSERT_EQ(total, s.count);
	ASSERT_EQ(total * (total - 1) / 2, s.sum);
	for (int64_t i = 0; i < total; i++)
		ASSERT_EQ(1, s.seen[i]);
	lwsw_chan_free(s.ch);
	free(s.seen);
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, unbuffered_16x16, 200)
{
	run(_metadata, 0, 0);
}

TEST_F_TIMEOUT(slow, buffered_16x16, 200)
{
	run(_metadata, 64, 0);
}

TEST_F_TIMEOUT(slow, buffered_cap1_16x16, 200)
{
	run(_metadata, 1, 0);
}

TEST_F_TIMEOUT(slow, unbuffered_16x16_select_consumers, 200)
{
	run(_metadata, 0, 1);
}

/* Close racing with blocked senders, receivers and selects: every send
 * that returned 0 is received exactly once, every other one returned
 * -EPIPE, and everybody wakes up. */
struct closerace {
	lwsw_chan_t *ch, *other;
	int next_id;
	int64_t sent_sum, sent_count, recv_sum, recv_count;
	int bad;
};

static void *cr_producer(void *p)
{
	struct closerace *c = p;
	int64_t id = __atomic_fetch_add(&c->next_id, 1, __ATOMIC_SEQ_CST);
	int64_t sum = 0, count = 0;

	for (int64_t i = 0;; i++) {
		int64_t v = id * 1000000 + i;
		int rc = (i & 1) ? lwsw_chan_send(c->ch, &v)
				 : lwsw_chan_send_timeout(c->ch, &v, 1000000);

		if (rc == -ETIMEDOUT)
			continue;
		if (rc == -EPIPE)
			break;
		if (rc) {
			c->bad = 1;
			break;
		}
		sum += v;
		count++;
	}
	__atomic_fetch_add(&c->sent_sum, sum, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->sent_count, count, __ATOMIC_RELAXED);
	return NULL;
}

static void *cr_consumer(void *p)
{
	struct closerace *c = p;
	int64_t v, w, sum = 0, count = 0;
	int sel = __atomic_fetch_add(&c->next_id, 1, __ATOMIC_SEQ_CST) & 1;

	for (;;) {
		int rc;

		if (sel) {
			struct lwsw_case cs[2] = {
				{ .ch = c->ch, .op = LWSW_RECV, .elem = &v },
				{ .ch = c->other, .op = LWSW_RECV, .elem = &w },
			};

			rc = lwsw_select(cs, 2, -1);
			if (rc != 0) {
				c->bad = 1;	/* `other' never delivers */
				break;
			}
			rc = cs[0].closed ? -EPIPE : 0;
		} else {
			rc = lwsw_chan_recv(c->ch, &v);
		}
		if (rc == -EPIPE)
			break;
		if (rc) {
			c->bad = 1;
			break;
		}
		sum += v;
		count++;
	}
	__atomic_fetch_add(&c->recv_sum, sum, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->recv_count, count, __ATOMIC_RELAXED);
	return NULL;
}

static void close_race(struct __test_metadata *_metadata, size_t cap)
{
	enum { P = 8, C = 8 };
	lwsw_thread_t prod[P], cons[C];

	for (int round = 0; round < SCALE(16); round++) {
		struct closerace c = { 0 };

		ASSERT_EQ(0, lwsw_chan_make(&c.ch, sizeof(int64_t), cap));
		ASSERT_EQ(0, lwsw_chan_make(&c.other, sizeof(int64_t), 0));
		for (int i = 0; i < C; i++)
			ASSERT_EQ(0, lwsw_thread_create(&cons[i], cr_consumer, &c));
		for (int i = 0; i < P; i++)
			ASSERT_EQ(0, lwsw_thread_create(&prod[i], cr_producer, &c));
		sleep_ns((1 + round % 4) * MSEC);
		ASSERT_EQ(0, lwsw_chan_close(c.ch));
		for (int i = 0; i < P; i++)
			ASSERT_EQ(0, lwsw_thread_join(prod[i], NULL));
		for (int i = 0; i < C; i++)
			ASSERT_EQ(0, lwsw_thread_join(cons[i], NULL));
		ASSERT_EQ(0, c.bad);
		ASSERT_EQ(c.sent_count, c.recv_count);
		ASSERT_EQ(c.sent_sum, c.recv_sum);
		lwsw_chan_free(c.ch);
		lwsw_chan_free(c.other);
	}
}

TEST_F_TIMEOUT(slow, close_races_unbuffered, 200)
{
	close_race(_metadata, 0);
}

TEST_F_TIMEOUT(slow, close_races_buffered, 200)
{
	close_race(_metadata, 8);
}

TEST_HARNESS_MAIN
