// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline.c — 1,000 threads in a chain of unbuffered channels; each adds
 * one to every value it forwards.  Values come out in order, each exactly
 * once, and closing the head shuts the whole chain down.
 */
#include <stdint.h>

#include "testutil.h"

#define STAGES 1000

struct stage {
	lwsw_chan_t *in, *out;
};

static void *stage_fn(void *p)
{
	struct stage *s = p;
	int64_t v;
	int rc;

	while ((rc = lwsw_chan_recv(s->in, &v)) == 0) {
		v++;
		if (lwsw_chan_send(s->out, &v))
			return (void *)1;
	}
	if (rc != -EPIPE || lwsw_chan_close(s->out))
		return (void *)2;
	return NULL;
}

static void pipeline(struct __test_metadata *_metadata, size_t cap, int values)
{
	lwsw_chan_t *ch[STAGES + 1];
	struct stage st[STAGES];
	lwsw_thread_t t[STAGES];
	int64_t v;
	void *ret;
	int started = 0;

	for (int i = 0; i <= STAGES; i++)
		ASSERT_EQ(0, lwsw_chan_make(&ch[i], sizeof(int64_t), cap));
	for (int i = 0; i < STAGES; i++) {
		st[i].in = ch[i];
		st[i].out = ch[i + 1];
		ASSERT_EQ(0, lwsw_thread_create(&t[i], stage_fn, &st[i]));
		started++;
	}
	/* one value all the way through, then several in flight */
	for (int64_t i = 0; i < values; i++) {
		ASSERT_EQ(0, lwsw_chan_send(ch[0], &i));
		if (i == 0) {
			ASSERT_EQ(0, lwsw_chan_recv(ch[STAGES], &v));
			ASSERT_EQ(STAGES, v);
		}
	}
	for (int64_t i = 1; i < values; i++) {
		ASSERT_EQ(0, lwsw_chan_recv(ch[STAGES], &v));
		ASSERT_EQ(i + STAGES, v);
	}
	ASSERT_EQ(0, lwsw_chan_close(ch[0]));
	ASSERT_EQ(-EPIPE, lwsw_chan_recv(ch[STAGES], &v));
	for (int i = 0; i < started; i++) {
		ASSERT_EQ(0, lwsw_thread_join(t[i], &ret));
		ASSERT_EQ(NULL, ret);
	}
	for (int i = 0; i <= STAGES; i++)
		lwsw_chan_free(ch[i]);
}

/* The harness's default limit is 30 s; sanitizers on a loaded machine
 * need more. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, pipeline_1000_threads_unbuffered, 200)
{
	pipeline(_metadata, 0, SCALE(40));
}

TEST_F_TIMEOUT(slow, pipeline_1000_threads_buffered, 200)
{
	pipeline(_metadata, 4, SCALE(40));
}

TEST_HARNESS_MAIN
