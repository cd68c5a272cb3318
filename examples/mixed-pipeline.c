// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mixed-pipeline.c — native threads and coroutines on the same channels.
 *
 *	producer --numbers--> squarer 0..3 --squares--> main
 *	(thread)   (unbuffered) (coroutines)  (buffered)  (thread)
 *
 * The coroutine core (<lwswitch_coro.h>) runs many coroutines on a few
 * worker threads.  A coroutine that blocks on a channel parks itself and
 * its worker runs other coroutines; a native thread that blocks sleeps in
 * the kernel.  A channel does not care who is at either end: the very same
 * lwsw_chan_* calls, with the same semantics, work from threads and from
 * coroutines, in any mix.
 *
 * The order of things:
 *  - lwsw_co_start() starts the scheduler and its worker threads;
 *  - main spawns the squarers and a closer coroutine, and creates the
 *    producer thread;
 *  - the producer sends 1..NUMBERS and closes `numbers'; each squarer's
 *    receive then returns -EPIPE and the squarer returns;
 *  - the closer joins the squarers (lwsw_co_join() from a coroutine parks
 *    only that coroutine), then closes `squares' ("no more squares": a
 *    channel should be closed once every sender is done, and only the
 *    closer knows when that is);
 *  - main receives until `squares' is closed and empty (-EPIPE), joins the
 *    producer and the closer, and lwsw_co_stop() stops the workers.
 *
 * The program checks that every number came back squared exactly once,
 * and exits with status 1 otherwise.
 *
 *	cc mixed-pipeline.c $(pkg-config --cflags --libs lwswitch)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <lwswitch.h>
#include <lwswitch_coro.h>

#define NUMBERS		1000
#define SQUARERS	4
#define WORKERS		2		/* threads that run the coroutines */

/* A thread's or coroutine's result: 0 or a negative errno value. */
#define RESULT(rc)	((void *)(intptr_t)(rc))

/* What the squarers send to main. */
struct square {
	long n;
	long square;
	int by;					/* which squarer */
	int coroutine;				/* did it run as one? */
};

static lwsw_chan_t *numbers;			/* of long, unbuffered */
static lwsw_chan_t *squares;			/* of struct square, buffered */

static int fail(const char *what, int err)
{
	fprintf(stderr, "mixed-pipeline: %s: %s\n", what, strerror(-err));
	return 1;
}

/* A native thread: sends 1..NUMBERS, then closes `numbers'. */
static void *producer(void *arg)
{
	int rc;

	(void)arg;
	for (long n = 1; n <= NUMBERS; n++) {
		rc = lwsw_chan_send(numbers, &n);
		if (rc)
			return RESULT(rc);
	}
	return RESULT(lwsw_chan_close(numbers));
}

/* A coroutine: squares what comes from `numbers' into `squares'. */
static void *squarer(void *arg)
{
	struct square s = {
		.by = (int)(intptr_t)arg,
		/* lwsw_co_self() is 0 in a native thread. */
		.coroutine = lwsw_co_self() != 0,
	};
	int rc;

	while ((rc = lwsw_chan_recv(numbers, &s.n)) == 0) {
		s.square = s.n * s.n;
		rc = lwsw_chan_send(squares, &s);
		if (rc)
			return RESULT(rc);
	}
	/* -EPIPE: `numbers' is closed and empty, the normal end. */
	return RESULT(rc == -EPIPE ? 0 : rc);
}

/* A coroutine: waits for every squarer, then closes `squares'. */
static void *closer(void *arg)
{
	lwsw_co_id_t *ids = arg;
	int err = 0, rc;

	for (int i = 0; i < SQUARERS; i++) {
		void *ret;

		rc = lwsw_co_join(ids[i], &ret);
		if (rc || ret)
			err = rc ? rc : (int)(intptr_t)ret;
	}
	rc = lwsw_chan_close(squares);
	return RESULT(err ? err : rc);
}

int main(void)
{
	/* Zero fields take the defaults. */
	struct lwsw_co_config cfg = { .workers = WORKERS };
	lwsw_co_id_t ids[SQUARERS], closer_id;
	lwsw_thread_t prod;
	int seen[NUMBERS + 1] = { 0 }, per_squarer[SQUARERS] = { 0 };
	struct square s;
	long received = 0;
	void *ret;
	int i, rc;

	rc = lwsw_co_start(&cfg);
	if (rc)
		return fail("lwsw_co_start", rc);
	rc = lwsw_chan_make(&numbers, sizeof(long), 0);
	if (rc)
		return fail("lwsw_chan_make", rc);
	rc = lwsw_chan_make(&squares, sizeof(struct square), 16);
	if (rc)
		return fail("lwsw_chan_make", rc);

	for (i = 0; i < SQUARERS; i++) {
		rc = lwsw_co_spawn(&ids[i], squarer, (void *)(intptr_t)i);
		if (rc)
			return fail("lwsw_co_spawn", rc);
	}
	rc = lwsw_co_spawn(&closer_id, closer, ids);
	if (rc)
		return fail("lwsw_co_spawn", rc);
	rc = lwsw_thread_create(&prod, producer, NULL);
	if (rc)
		return fail("lwsw_thread_create", rc);

	/* main is a native thread too: it receives the squares. */
	while ((rc = lwsw_chan_recv(squares, &s)) == 0) {
		if (s.n < 1 || s.n > NUMBERS || seen[s.n] ||
		    s.square != s.n * s.n || !s.coroutine ||
		    s.by < 0 || s.by >= SQUARERS) {
			fprintf(stderr, "mixed-pipeline: bad: %ld -> %ld by %d\n",
				s.n, s.square, s.by);
			return 1;
		}
		seen[s.n] = 1;
		per_squarer[s.by]++;
		received++;
	}
	if (rc != -EPIPE)
		return fail("lwsw_chan_recv", rc);

	rc = lwsw_thread_join(prod, &ret);
	if (rc)
		return fail("lwsw_thread_join", rc);
	if (ret)
		return fail("the producer", (int)(intptr_t)ret);
	/* A native thread may join a coroutine: it sleeps until it ends. */
	rc = lwsw_co_join(closer_id, &ret);
	if (rc)
		return fail("lwsw_co_join", rc);
	if (ret)
		return fail("a squarer or the closer", (int)(intptr_t)ret);
	/* Every coroutine has ended: stop the workers. */
	rc = lwsw_co_stop();
	if (rc)
		return fail("lwsw_co_stop", rc);
	rc = lwsw_chan_free(numbers);
	if (rc)
		return fail("lwsw_chan_free", rc);
	rc = lwsw_chan_free(squares);
	if (rc)
		return fail("lwsw_chan_free", rc);

	printf("%s backend for the threads, %d workers for the coroutines\n",
	       lwsw_backend(), WORKERS);
	for (i = 0; i < SQUARERS; i++)
		printf("squarer %d (a coroutine) squared %d number(s)\n",
		       i, per_squarer[i]);
	if (received != NUMBERS) {
		fprintf(stderr, "mixed-pipeline: %ld squares, want %d\n",
			received, NUMBERS);
		return 1;
	}
	return 0;
}
