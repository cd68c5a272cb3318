// SPDX-License-Identifier: GPL-2.0
/*
 * chan_stress.c — a randomized channel/select stress, made to run under
 * ThreadSanitizer and Valgrind (tests/lib/hardening.mk).
 *
 * THREADS threads pick, at random, operations on NCHAN channels of mixed
 * capacities (unbuffered, 1, 3, 16) and element sizes: send, recv,
 * try_send/try_recv, send/recv with timeouts (0, short), sendrecv, and
 * select over 1-5 random cases (sends, receives, nil channels, the same
 * channel twice) with timeouts -1 (only when a partner is guaranteed:
 * never; every blocking call is bounded), 0 and short.  Every element
 * carries a unique (thread, sequence) value and a checksum over the whole
 * element, so a torn copy is seen.  Midway a few channels are closed.  At
 * the end every channel is closed and drained.
 *
 * Checked: every value that a call reported sent was received exactly
 * once, no value was received that was not sent (timeouts, EAGAIN and
 * EPIPE sent nothing), every received element is intact, every return
 * value is one the header documents for the call, sends to a closed
 * channel fail with EPIPE, and a receive reports closed (zeroed element)
 * only on a closed channel.
 *
 * LWSW_STRESS_SECONDS (default 4) and LWSW_STRESS_SEED (printed) control
 * the run.
 */
#include <stdint.h>

#include "testutil.h"

#define THREADS		8
#define NCHAN		6
#define MAXSEQ		(1 << 20)
#define ELEM_WORDS	6		/* 48-byte elements on most channels */

struct elem {
	uint64_t v;			/* (thread << 32) | seq, never 0 */
	uint64_t pad[ELEM_WORDS - 2];
	uint64_t sum;			/* checksum of v and pad */
};

static lwsw_chan_t *chans[NCHAN];
static size_t esize[NCHAN];
static int closed_at_mid[NCHAN];
static volatile int closing;		/* channels may be closed now */
static volatile int stop;
static uint8_t *seen;			/* [thread][seq]: times received */
static uint8_t *sent;			/* [thread][seq]: 1 when reported sent */
static uint64_t seed;
static int seconds;

struct tstats {
	unsigned long ops, sends, recvs, timeouts, eagain, epipe, selects, sendrecvs;
	unsigned long bad;
	char first_bad[200];
};

static struct tstats ts[THREADS];

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

static uint64_t checksum(const struct elem *e)
{
	uint64_t h = e->v * 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < ELEM_WORDS - 2; i++)
		h = (h ^ e->pad[i]) * 0x100000001b3ull;
	return h;
}

static void make_elem(struct elem *e, int t, uint32_t seq)
{
	e->v = ((uint64_t)(t + 1) << 32) | seq;
	for (int i = 0; i < ELEM_WORDS - 2; i++)
		e->pad[i] = e->v + (uint64_t)i * 0x0101010101010101ull;
	e->sum = checksum(e);
}

static void bad(struct tstats *st, const char *fmt, ...)
{
	va_list ap;

	if (st->bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(st->first_bad, sizeof(st->first_bad), fmt, ap);
	va_end(ap);
}

static size_t idx_of(uint64_t v)
{
	return (size_t)((v >> 32) - 1) * MAXSEQ + (uint32_t)v;
}

/* A received element: intact, sent by someone, seen once so far. */
static void got(struct tstats *st, int c, const struct elem *e)
{
	uint64_t t = e->v >> 32;

	st->recvs++;
	if (esize[c] < sizeof(*e)) {
		/* Short-element channels carry only the value. */
		if (t < 1 || t > THREADS || (uint32_t)e->v >= MAXSEQ) {
			bad(st, "channel %d: bad value %#llx", c, (unsigned long long)e->v);
			return;
		}
	} else if (t < 1 || t > THREADS || (uint32_t)e->v >= MAXSEQ || e->sum != checksum(e)) {
		bad(st, "channel %d: torn or bogus element %#llx", c, (unsigned long long)e->v);
		return;
	}
	if (__atomic_fetch_add(&seen[idx_of(e->v)], 1, __ATOMIC_RELAXED))
		bad(st, "value %#llx received twice", (unsigned long long)e->v);
}

static void was_sent(uint64_t v)
{
	__atomic_store_n(&sent[idx_of(v)], 1, __ATOMIC_RELAXED);
}

/* A "closed" receive must hand back a zeroed element. */
static void closed_recv(struct tstats *st, int c, const struct elem *e)
{
	static const struct elem zero;

	st->epipe++;
	if (memcmp(e, &zero, esize[c]))
		bad(st, "channel %d: closed receive left a non-zero element", c);
	if (!closing)
		bad(st, "channel %d reported closed before any close", c);
}

static int64_t rand_timeout(uint64_t *s)
{
	switch (rnd(s, 4)) {
	case 0: return 0;
	default: return (int64_t)(rnd(s, 2000) + 1) * 1000;	/* <= 2 ms */
	}
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	struct tstats *st = &ts[t];
	uint64_t s = seed ^ ((uint64_t)(t + 1) << 48);
	uint32_t seq = 1;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE) && seq < MAXSEQ - 8) {
		int c = (int)rnd(&s, NCHAN), rc;
		struct elem out, in;

		memset(&in, 0x5a, sizeof(in));
		make_elem(&out, t, seq);
		st->ops++;
		switch (rnd(&s, 8)) {
		case 0:		/* timed send */
		case 1: {
			int64_t to = rand_timeout(&s);

			rc = rnd(&s, 3) ? lwsw_chan_send_timeout(chans[c], &out, to)
					: lwsw_chan_try_send(chans[c], &out);
			if (rc == 0) {
				was_sent(out.v);
				seq++;
				st->sends++;
			} else if (rc == -ETIMEDOUT) {
				st->timeouts++;
			} else if (rc == -EAGAIN) {
				st->eagain++;
			} else if (rc == -EPIPE) {
				st->epipe++;
				if (!closing)
					bad(st, "send: EPIPE on an open channel %d", c);
			} else {
				bad(st, "send: %d", rc);
			}
			break;
		}
		case 2:		/* timed receive */
		case 3: {
			int64_t to = rand_timeout(&s);

			rc = rnd(&s, 3) ? lwsw_chan_recv_timeout(chans[c], &in, to)
					: lwsw_chan_try_recv(chans[c], &in);
			if (rc == 0)
				got(st, c, &in);
			else if (rc == -ETIMEDOUT)
				st->timeouts++;
			else if (rc == -EAGAIN)
				st->eagain++;
			else if (rc == -EPIPE)
				closed_recv(st, c, &in);
			else
				bad(st, "recv: %d", rc);
			break;
		}
		case 4: {	/* sendrecv on a buffered pair: never blocks forever? it
				 * may, so only where a send cannot block: try first. */
			int c2 = (int)rnd(&s, NCHAN);

			if (lwsw_chan_cap(chans[c]) == 0 || lwsw_chan_len(chans[c2]) == 0)
				break;
			/* Another thread may take c2's element first: then it
			 * blocks; the stop phase's closes end that. */
			st->sendrecvs++;
			rc = lwsw_chan_sendrecv(chans[c], &out, chans[c2], &in);
			if (rc == 0) {
				was_sent(out.v);
				seq++;
				st->sends++;
				got(st, c2, &in);
			} else if (rc == -ECONNRESET) {
				was_sent(out.v);
				seq++;
				st->sends++;
				closed_recv(st, c2, &in);
			} else if (rc == -EPIPE) {
				st->epipe++;
			} else {
				bad(st, "sendrecv: %d", rc);
			}
			break;
		}
		default: {	/* select over 1-5 cases */
			struct lwsw_case cs[5];
			struct elem outs[5], ins[5];
			int chi[5];
			size_t n = 1 + rnd(&s, 5);
			int64_t to = rnd(&s, 3) ? rand_timeout(&s) : 0;

			st->selects++;
			for (size_t i = 0; i < n; i++) {
				chi[i] = (int)rnd(&s, NCHAN);
				memset(&ins[i], 0x5a, sizeof(ins[i]));
				make_elem(&outs[i], t, seq + (uint32_t)i);
				cs[i] = (struct lwsw_case){
					/* now and then Go's nil channel: never ready */
					.ch = rnd(&s, 8) ? chans[chi[i]] : NULL,
					.op = rnd(&s, 2) ? LWSW_SEND : LWSW_RECV,
				};
				cs[i].elem = cs[i].op == LWSW_SEND ? (void *)&outs[i] : (void *)&ins[i];
			}
			rc = lwsw_select(cs, n, to);
			if (rc >= 0) {
				struct lwsw_case *k = &cs[rc];

				if ((size_t)rc >= n || !k->ch) {
					bad(st, "select chose case %d of %zu", rc, n);
				} else if (k->op == LWSW_SEND) {
					if (k->closed) {
						st->epipe++;
					} else {
						was_sent(outs[rc].v);
						st->sends++;
					}
				} else if (k->closed) {
					closed_recv(st, chi[rc], &ins[rc]);
				} else {
					got(st, chi[rc], &ins[rc]);
				}
				for (size_t i = 0; i < n; i++)
					if ((int)i != rc && cs[i].closed)
						bad(st, "select: closed set on case %zu, not chosen", i);
			} else if (rc == -ETIMEDOUT) {
				st->timeouts++;
			} else if (rc == -EAGAIN) {
				st->eagain++;
			} else {
				bad(st, "select: %d", rc);
			}
			/* Sequence numbers offered to the select are used up. */
			seq += (uint32_t)n;
			break;
		}
		}
	}
	return NULL;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

/* LWSW_STRESS_SECONDS bounds the run; the harness's limit is a backstop. */
TEST_F_TIMEOUT(stress, chan_select, 3600)
{
	static const size_t caps[NCHAN] = { 0, 0, 1, 3, 16, 0 };
	pthread_t th[THREADS];
	unsigned long ops = 0, sends = 0, recvs = 0, drained = 0, timeouts = 0, selects = 0;
	unsigned long lost = 0, phantom = 0;
	int64_t t_end, t_mid;
	uint64_t rs;

	seed = env_u64("LWSW_STRESS_SEED", 0xc4a45eedu);
	seconds = (int)env_u64("LWSW_STRESS_SECONDS", 4);
	rs = seed;
	TH_LOG("seed %#llx (LWSW_STRESS_SEED), %d s (LWSW_STRESS_SECONDS), backend %s",
	       (unsigned long long)seed, seconds, lwsw_backend());

	seen = calloc((size_t)THREADS * MAXSEQ, 1);
	sent = calloc((size_t)THREADS * MAXSEQ, 1);
	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, sent);
	for (int c = 0; c < NCHAN; c++) {
		/* One channel of 8-byte elements: only the value travels. */
		esize[c] = c == NCHAN - 1 ? sizeof(uint64_t) : sizeof(struct elem);
		ASSERT_EQ(0, lwsw_chan_make(&chans[c], esize[c], caps[c]));
	}
	for (int i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i));

	t_mid = now_ns() + (int64_t)seconds * 1000000000LL * 2 / 3;
	t_end = now_ns() + (int64_t)seconds * 1000000000LL;
	while (now_ns() < t_mid)
		sleep_ns(10 * MSEC);
	/* Close two channels while everyone is busy with them. */
	__atomic_store_n(&closing, 1, __ATOMIC_RELEASE);
	for (int k = 0; k < 2; k++) {
		int c = (int)rnd(&rs, NCHAN);

		if (!closed_at_mid[c]) {
			ASSERT_EQ(0, lwsw_chan_close(chans[c]));
			closed_at_mid[c] = 1;
		}
	}
	while (now_ns() < t_end)
		sleep_ns(10 * MSEC);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	/* Close the rest: ends any sendrecv blocked on a stolen element. */
	for (int c = 0; c < NCHAN; c++)
		if (!closed_at_mid[c])
			ASSERT_EQ(0, lwsw_chan_close(chans[c]));
	for (int i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));

	/* Drain what the buffers still hold; then EPIPE. */
	for (int c = 0; c < NCHAN; c++) {
		struct elem in;
		int rc;

		EXPECT_EQ(-EPIPE, lwsw_chan_close(chans[c]));
		while ((rc = lwsw_chan_try_recv(chans[c], &in)) == 0) {
			got(&ts[0], c, &in);
			drained++;
		}
		EXPECT_EQ(-EPIPE, rc);
		EXPECT_EQ(0, lwsw_chan_len(chans[c]));
		lwsw_chan_free(chans[c]);
	}

	for (size_t i = 0; i < (size_t)THREADS * MAXSEQ; i++) {
		if (sent[i] && seen[i] != 1)
			lost++;
		if (!sent[i] && seen[i])
			phantom++;
	}
	for (int i = 0; i < THREADS; i++) {
		ops += ts[i].ops;
		sends += ts[i].sends;
		recvs += ts[i].recvs;
		timeouts += ts[i].timeouts;
		selects += ts[i].selects;
		if (ts[i].bad)
			TH_LOG("thread %d: %lu bad results; first: %s", i, ts[i].bad, ts[i].first_bad);
		EXPECT_EQ(0, ts[i].bad);
	}
	TH_LOG("%lu ops (%lu selects): %lu sent, %lu received (%lu drained at the end), %lu timeouts",
	       ops, selects, sends, recvs, drained, timeouts);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, phantom);
	EXPECT_EQ(sends, recvs);
	EXPECT_LT(100, sends);
	free(seen);
	free(sent);
}

TEST_HARNESS_MAIN
