// SPDX-License-Identifier: GPL-2.0
/*
 * The channel lock (lib/chan.c: chan_lock()) lets its holder run.
 *
 * A lock that spins and then calls sched_yield() in a loop livelocks when
 * its holder cannot get the CPU back: under SCHED_FIFO a waiter of higher
 * priority that yields gives way to nobody below it, and on a machine
 * with more runnable threads than CPUs the waiters' yielding crowds the
 * holder out.  These tests make the lock contended in both ways, with
 * the largest elements (the longest critical sections), and check that
 * everything finishes and that no element was lost or duplicated.
 * Every sum is checked; no time is measured.
 */
#include "testutil.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

/* An element as large as a channel takes: the longest memcpy under the lock. */
struct big {
	uint64_t v;
	unsigned char pad[LWSW_CHAN_ELEM_MAX - sizeof(uint64_t)];
};

struct worker {
	lwsw_chan_t *ch;
	long rounds;		/* 0: until *stop */
	_Atomic int *stop;	/* set by this worker when its rounds are done */
	uint64_t base;		/* this worker sends base + 1 .. base + rounds */
	uint64_t sent, got;	/* sums */
	long done;		/* rounds done */
	int policy, prio;	/* SCHED_OTHER: leave as is */
	int cpu;		/* -1: anywhere */
	long nap_ns;		/* sleep before each round (the waker's role) */
	int err;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct big *b = malloc(sizeof(*b));

	if (!b) {
		w->err = -ENOMEM;
		return NULL;
	}
	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		w->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (!w->err && w->policy != SCHED_OTHER) {
		struct sched_param sp = { .sched_priority = w->prio };

		w->err = -pthread_setschedparam(pthread_self(), w->policy, &sp);
	}
	for (long i = 0; (w->rounds ? i < w->rounds : !atomic_load(w->stop)) && !w->err; i++) {
		if (w->nap_ns) {
			struct timespec ts = { 0, w->nap_ns };

			nanosleep(&ts, NULL);
		}
		b->v = w->base + i + 1;
		w->err = lwsw_chan_send(w->ch, b);
		if (w->err)
			break;
		w->sent += w->base + i + 1;
		w->err = lwsw_chan_recv(w->ch, b);
		w->got += b->v;
		w->done++;
	}
	if (w->rounds && w->stop)
		atomic_store(w->stop, 1);
	free(b);
	return NULL;
}

/* Run @n workers on one channel of capacity @cap; 0 when all finished
 * and the sums agree. */
static int run_workers(struct __test_metadata *_metadata, struct worker *w, int n, size_t cap)
{
	pthread_t *tid = calloc(n, sizeof(*tid));
	uint64_t sent = 0, got = 0;
	lwsw_chan_t *ch;

	ASSERT_NE(NULL, tid);
	ASSERT_EQ(0, lwsw_chan_make(&ch, sizeof(struct big), cap));
	for (int i = 0; i < n; i++) {
		w[i].ch = ch;
		w[i].base = (uint64_t)i << 32;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, worker_run, &w[i]));
	}
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(0, w[i].err) TH_LOG("worker %d", i);
		sent += w[i].sent;
		got += w[i].got;
	}
	EXPECT_EQ(sent, got);
	EXPECT_EQ(0, lwsw_chan_len(ch));
	lwsw_chan_free(ch);
	free(tid);
	return 0;
}

/* Four runnable threads per CPU on one channel, at one priority. */
TEST(oversubscribed_4x)
{
	int n = 4 * (int)sysconf(_SC_NPROCESSORS_ONLN);
	struct worker *w = calloc(n, sizeof(*w));

	ASSERT_NE(NULL, w);
	for (int i = 0; i < n; i++) {
		w[i].rounds = SCALE(2000);
		w[i].cpu = -1;
	}
	run_workers(_metadata, w, n, n);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(SCALE(2000), w[i].done);
	free(w);
}

/*
 * On one CPU: two SCHED_FIFO threads at priority 10 send and receive in a
 * loop until a third, at priority 20, has done its rounds; it naps for
 * 100 us before each, so its timer often wakes it while a low one holds
 * the channel lock.  A waiter that spun and yielded would then run
 * forever (nothing of its priority or above is there to yield to, and the
 * holder is below it); a sleeping waiter lets the holder finish its
 * critical section.  Needs root (in the VM) or CAP_SYS_NICE.
 */
TEST(sched_fifo_waiter_lets_holder_run)
{
	static _Atomic int stop;
	struct worker w[3] = {
		{ .stop = &stop, .policy = SCHED_FIFO, .prio = 10 },
		{ .stop = &stop, .policy = SCHED_FIFO, .prio = 10 },
		{ .rounds = SCALE(400), .stop = &stop, .policy = SCHED_FIFO, .prio = 20,
		  .nap_ns = 100000 },
	};
	struct sched_param sp = { .sched_priority = 1 };
	int cpu = sched_getcpu();

	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		SKIP(return, "SCHED_FIFO not allowed here (%s)", strerror(errno));
	sp.sched_priority = 0;
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_OTHER, &sp));
	ASSERT_LE(0, cpu);
	for (int i = 0; i < 3; i++)
		w[i].cpu = cpu;
	run_workers(_metadata, w, 3, 1);
	EXPECT_EQ(SCALE(400), w[2].done);
	EXPECT_LT(0, w[0].done + w[1].done);
}

TEST_HARNESS_MAIN
