// SPDX-License-Identifier: GPL-2.0
/*
 * chan_test — the channels of <lwswitch.h> used from coroutines, on 1 and
 * 2 workers: coroutine ping-pong, a 10,000-coroutine ring, channels
 * between coroutines and native threads both ways, select from
 * coroutines, and a blocked coroutine never blocking its worker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "lwsw_harness.h"
#include "common.h"
#include "lwswitch.h"

FIXTURE(chan) {
	int dummy;
};

FIXTURE_VARIANT(chan) {
	unsigned int workers;
};

FIXTURE_VARIANT_ADD(chan, w1) { .workers = 1 };
FIXTURE_VARIANT_ADD(chan, w2) { .workers = 2 };

FIXTURE_SETUP(chan)
{
	struct lwsw_co_config cfg = { .workers = variant->workers };

	ASSERT_EQ(0, lwsw_co_start(&cfg));
}

FIXTURE_TEARDOWN(chan)
{
	EXPECT_EQ(0, lwsw_co_stop());
}

/* ---- ping-pong between two coroutines over two unbuffered channels ---- */

static lwsw_chan_t *c_ping, *c_pong;
static long pp_rounds;

static void *ping(void *arg)
{
	for (long i = 0; i < pp_rounds; i++) {
		long v = i, w = -1;

		if (lwsw_chan_send(c_ping, &v) || lwsw_chan_recv(c_pong, &w) || w != i + 1)
			return (void *)(intptr_t)(i + 1);
	}
	return arg;
}

static void *pong(void *arg)
{
	long v, n = 0;

	while (lwsw_chan_recv(c_ping, &v) == 0) {
		v++;
		if (lwsw_chan_send(c_pong, &v))
			return (void *)-1;
		n++;
	}
	return (void *)(intptr_t)n;
}

TEST_F(chan, coroutine_ping_pong)
{
	lwsw_co_id_t a, b;
	void *ra, *rb;

	pp_rounds = scaled(100000, 3000);
	ASSERT_EQ(0, lwsw_chan_make(&c_ping, sizeof(long), 0));
	ASSERT_EQ(0, lwsw_chan_make(&c_pong, sizeof(long), 0));
	ASSERT_EQ(0, lwsw_co_spawn(&b, pong, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&a, ping, NULL));
	ASSERT_EQ(0, lwsw_co_join(a, &ra));
	EXPECT_EQ(NULL, ra);
	ASSERT_EQ(0, lwsw_chan_close(c_ping));
	ASSERT_EQ(0, lwsw_co_join(b, &rb));
	EXPECT_EQ(pp_rounds, (intptr_t)rb);
	lwsw_chan_free(c_ping);
	lwsw_chan_free(c_pong);
}

/* The request/reply shape: lwsw_chan_sendrecv() hands off on each hop. */
static void *sr_client(void *arg)
{
	for (long i = 0; i < pp_rounds; i++) {
		long v = i;

		if (lwsw_chan_sendrecv(c_ping, &v, c_pong, &v) || v != 2 * i)
			return (void *)(intptr_t)(i + 1);
	}
	return arg;
}

static void *sr_server(void *arg)
{
	long v, n = 0;

	if (lwsw_chan_recv(c_ping, &v))
		return (void *)-1;
	for (;;) {
		int r;

		v *= 2;
		n++;
		r = lwsw_chan_sendrecv(c_pong, &v, c_ping, &v);
		if (r == -ECONNRESET)	/* reply sent, requests closed */
			return (void *)(intptr_t)n;
		if (r)
			return (void *)-2;
	}
	return arg;
}

static void *sr_server_thread(void *arg)
{
	return sr_server(arg);
}

TEST_F(chan, sendrecv_coroutines_and_thread)
{
	lwsw_co_id_t a, b;
	pthread_t t;
	void *ra, *rb;

	pp_rounds = scaled(50000, 2000);
	for (int server_is_thread = 0; server_is_thread < 2; server_is_thread++) {
		ASSERT_EQ(0, lwsw_chan_make(&c_ping, sizeof(long), 0));
		ASSERT_EQ(0, lwsw_chan_make(&c_pong, sizeof(long), 0));
		if (server_is_thread) {
			ASSERT_EQ(0, pthread_create(&t, NULL, sr_server_thread, NULL));
		} else {
			ASSERT_EQ(0, lwsw_co_spawn(&b, sr_server, NULL));
		}
		ASSERT_EQ(0, lwsw_co_spawn(&a, sr_client, NULL));
		ASSERT_EQ(0, lwsw_co_join(a, &ra));
		EXPECT_EQ(NULL, ra);
		ASSERT_EQ(0, lwsw_chan_close(c_ping));
		if (server_is_thread) {
			ASSERT_EQ(0, pthread_join(t, &rb));
		} else {
			ASSERT_EQ(0, lwsw_co_join(b, &rb));
		}
		EXPECT_EQ(pp_rounds, (intptr_t)rb);
		lwsw_chan_free(c_ping);
		lwsw_chan_free(c_pong);
	}
}

/* ---- a ring of coroutines, one unbuffered channel each ---- */

static lwsw_chan_t **ring, *ring_done;
static long ring_n, ring_laps;

static void *ring_member(void *arg)
{
	long i = (long)(intptr_t)arg, v;

	for (long lap = 0; lap < ring_laps; lap++) {
		if (lwsw_chan_recv(ring[i], &v))
			return (void *)1;
		v++;
		/* The last member's last send leaves the ring. */
		if (lwsw_chan_send(i + 1 < ring_n ? ring[i + 1] :
				  lap + 1 < ring_laps ? ring[0] : ring_done, &v))
			return (void *)2;
	}
	return NULL;
}

TEST_F_TIMEOUT(chan, ring_10000, 120)
{
	lwsw_co_id_t *ids;
	long v = 0;
	void *r;

	ring_n = scaled(10000, 500);
	ring_laps = 3;
	ring = calloc(ring_n, sizeof(*ring));
	ids = calloc(ring_n, sizeof(*ids));
	ASSERT_NE(NULL, ring);
	ASSERT_NE(NULL, ids);
	for (long i = 0; i < ring_n; i++)
		ASSERT_EQ(0, lwsw_chan_make(&ring[i], sizeof(long), 0));
	ASSERT_EQ(0, lwsw_chan_make(&ring_done, sizeof(long), 0));
	for (long i = 0; i < ring_n; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], ring_member, (void *)(intptr_t)i));
	/* This native thread injects the token and takes it back. */
	ASSERT_EQ(0, lwsw_chan_send(ring[0], &v));
	ASSERT_EQ(0, lwsw_chan_recv(ring_done, &v));
	EXPECT_EQ(ring_n * ring_laps, v);
	for (long i = 0; i < ring_n; i++) {
		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		EXPECT_EQ(NULL, r);
	}
	for (long i = 0; i < ring_n; i++)
		lwsw_chan_free(ring[i]);
	lwsw_chan_free(ring_done);
	free(ring);
	free(ids);
}

/* ---- coroutines and native threads, both directions ---- */

static lwsw_chan_t *c_x;
static long x_n;

static void *co_sender(void *arg)
{
	for (long i = 1; i <= x_n; i++)
		if (lwsw_chan_send(c_x, &i))
			return (void *)1;
	return lwsw_chan_close(c_x) ? (void *)2 : arg;
}

static void *co_receiver(void *arg)
{
	long v, sum = 0, n = 0;
	int r;

	while ((r = lwsw_chan_recv(c_x, &v)) == 0) {
		sum += v;
		n++;
	}
	if (r != -EPIPE || n != x_n || sum != x_n * (x_n + 1) / 2)
		return (void *)1;
	return arg;
}

static void *thread_sender(void *arg)
{
	return co_sender(arg);
}

static void *thread_receiver(void *arg)
{
	return co_receiver(arg);
}

static void both_ways(struct __test_metadata *_metadata, size_t cap)
{
	pthread_t t;
	lwsw_co_id_t id;
	void *r1, *r2;

	x_n = scaled(20000, 1000);
	/* coroutine -> thread */
	ASSERT_EQ(0, lwsw_chan_make(&c_x, sizeof(long), cap));
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_receiver, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&id, co_sender, NULL));
	ASSERT_EQ(0, lwsw_co_join(id, &r1));
	ASSERT_EQ(0, pthread_join(t, &r2));
	EXPECT_EQ(NULL, r1);
	EXPECT_EQ(NULL, r2);
	lwsw_chan_free(c_x);
	/* thread -> coroutine */
	ASSERT_EQ(0, lwsw_chan_make(&c_x, sizeof(long), cap));
	ASSERT_EQ(0, lwsw_co_spawn(&id, co_receiver, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_sender, NULL));
	ASSERT_EQ(0, pthread_join(t, &r2));
	ASSERT_EQ(0, lwsw_co_join(id, &r1));
	EXPECT_EQ(NULL, r1);
	EXPECT_EQ(NULL, r2);
	lwsw_chan_free(c_x);
}

TEST_F(chan, coroutine_thread_unbuffered)
{
	both_ways(_metadata, 0);
}

TEST_F(chan, coroutine_thread_buffered)
{
	both_ways(_metadata, 16);
}

/* ---- select from coroutines ---- */

#define NSRC 3
static lwsw_chan_t *src[NSRC];
static long per_src;

static void *producer(void *arg)
{
	long k = (long)(intptr_t)arg;

	for (long i = 0; i < per_src; i++)
		if (lwsw_chan_send(src[k], &k))
			return (void *)1;
	return lwsw_chan_close(src[k]) ? (void *)2 : NULL;
}

static void *selector(void *arg)
{
	long counts[NSRC] = { 0 }, vals[NSRC];
	struct lwsw_case cases[NSRC];
	int open = NSRC;

	(void)arg;
	for (int k = 0; k < NSRC; k++)
		cases[k] = (struct lwsw_case){ .ch = src[k], .op = LWSW_RECV, .elem = &vals[k] };
	while (open) {
		int i = lwsw_select(cases, NSRC, -1);

		if (i < 0 || i >= NSRC)
			return (void *)1;
		if (cases[i].closed) {
			cases[i].ch = NULL;	/* nil channel: never ready again */
			open--;
			continue;
		}
		if (vals[i] != i)
			return (void *)2;
		counts[i]++;
	}
	for (int k = 0; k < NSRC; k++)
		if (counts[k] != per_src)
			return (void *)3;
	return NULL;
}

static void *select_timeouts(void *arg)
{
	struct lwsw_case c = { .ch = src[0], .op = LWSW_RECV, .elem = arg };
	int64_t t0 = mono_ns();

	if (lwsw_select(&c, 1, 0) != -EAGAIN)
		return (void *)1;
	if (lwsw_select(&c, 1, 10000000) != -ETIMEDOUT || mono_ns() - t0 < 10000000)
		return (void *)2;
	return NULL;
}

TEST_F(chan, select_from_coroutines)
{
	lwsw_co_id_t sel, prod[NSRC], tid;
	pthread_t thr;
	void *r;
	long v;

	per_src = scaled(5000, 300);
	for (int k = 0; k < NSRC; k++)
		ASSERT_EQ(0, lwsw_chan_make(&src[k], sizeof(long), k));	/* caps 0, 1, 2 */
	ASSERT_EQ(0, lwsw_co_spawn(&tid, select_timeouts, &v));
	ASSERT_EQ(0, lwsw_co_join(tid, &r));
	EXPECT_EQ(NULL, r);

	ASSERT_EQ(0, lwsw_co_spawn(&sel, selector, NULL));
	/* Two producers are coroutines, one is a native thread. */
	ASSERT_EQ(0, lwsw_co_spawn(&prod[0], producer, (void *)0));
	ASSERT_EQ(0, lwsw_co_spawn(&prod[1], producer, (void *)1));
	ASSERT_EQ(0, pthread_create(&thr, NULL, producer, (void *)2));
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(0, lwsw_co_join(prod[k], &r));
		EXPECT_EQ(NULL, r);
	}
	ASSERT_EQ(0, pthread_join(thr, &r));
	EXPECT_EQ(NULL, r);
	ASSERT_EQ(0, lwsw_co_join(sel, &r));
	EXPECT_EQ(NULL, r);
	for (int k = 0; k < NSRC; k++)
		lwsw_chan_free(src[k]);
}

/* ---- a coroutine blocked on a channel does not block its worker ---- */

static lwsw_chan_t *c_block;
static _Atomic long spins;
static _Atomic int timed_out;

/*
 * a: a timed receive that must time out (nobody sends yet), then a plain
 * receive.  b: yields until a has timed out — which needs the worker to
 * keep running timers while b runs — and at least 100 times.  No step
 * depends on how fast anything runs: main sends only after b is done.
 */
static void *blocked_recv(void *arg)
{
	long v;
	int64_t t0 = mono_ns();

	(void)arg;
	if (lwsw_chan_recv_timeout(c_block, &v, 20000000) != -ETIMEDOUT ||
	    mono_ns() - t0 < 20000000)
		return (void *)1;
	atomic_store(&timed_out, 1);
	if (lwsw_chan_recv(c_block, &v) || v != 99)
		return (void *)2;
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&timed_out) || atomic_load(&spins) <= 100) {
		atomic_fetch_add(&spins, 1);
		lwsw_co_yield();
	}
	return NULL;
}

TEST_F(chan, parks_coroutine_not_worker)
{
	lwsw_co_id_t a, b;
	void *r;
	long v = 99;

	atomic_store(&spins, 0);
	atomic_store(&timed_out, 0);
	ASSERT_EQ(0, lwsw_chan_make(&c_block, sizeof(long), 0));
	ASSERT_EQ(0, lwsw_co_spawn(&a, blocked_recv, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&b, spinner, NULL));
	ASSERT_EQ(0, lwsw_co_join(b, &r));
	/* While a waited, b ran on the same worker(s) all along. */
	EXPECT_GT(atomic_load(&spins), 100);
	EXPECT_EQ(1, atomic_load(&timed_out));
	ASSERT_EQ(0, lwsw_chan_send(c_block, &v));
	ASSERT_EQ(0, lwsw_co_join(a, &r));
	EXPECT_EQ(NULL, r);
	lwsw_chan_free(c_block);
}

/* Many receivers parked on one channel, fed by one coroutine. */
static lwsw_chan_t *c_fan;
static _Atomic long fan_sum;

static void *fan_recv(void *arg)
{
	long v;

	if (lwsw_chan_recv(c_fan, &v))
		return (void *)1;
	atomic_fetch_add(&fan_sum, v);
	return arg;
}

static void *fan_send(void *arg)
{
	for (long i = 1; i <= (long)(intptr_t)arg; i++)
		if (lwsw_chan_send(c_fan, &i))
			return (void *)1;
	return NULL;
}

TEST_F(chan, fan_out)
{
	long n = scaled(1000, 100);
	lwsw_co_id_t *ids = calloc(n + 1, sizeof(*ids));
	void *r;

	ASSERT_NE(NULL, ids);
	atomic_store(&fan_sum, 0);
	ASSERT_EQ(0, lwsw_chan_make(&c_fan, sizeof(long), 0));
	for (long i = 0; i < n; i++)
		ASSERT_EQ(0, lwsw_co_spawn(&ids[i], fan_recv, NULL));
	ASSERT_EQ(0, lwsw_co_spawn(&ids[n], fan_send, (void *)(intptr_t)n));
	for (long i = 0; i <= n; i++) {
		ASSERT_EQ(0, lwsw_co_join(ids[i], &r));
		EXPECT_EQ(NULL, r);
	}
	EXPECT_EQ(n * (n + 1) / 2, atomic_load(&fan_sum));
	lwsw_chan_free(c_fan);
	free(ids);
}

TEST_HARNESS_MAIN
