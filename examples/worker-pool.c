// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * worker-pool.c — a pool of worker threads fed by a buffered channel of
 * jobs, their results collected with lwsw_select() and a timeout.
 *
 * main() feeds and collects in one loop: each lwsw_select() waits for
 * whichever comes first, room in the job channel (a send case) or a result
 * (a receive case), for at most TIMEOUT_NS.  Doing both in one select is
 * what keeps the pool from deadlocking: "send every job, then collect"
 * would block in a send with the job buffer full while every worker is
 * blocked handing back a result that nobody collects yet.
 *
 * One job is slow (it sleeps SLOW_NS): while it runs no result comes, the
 * select times out and main says so.  Once the last job is sent, main
 * closes the job channel; each worker takes what is still buffered, then
 * its receive returns -EPIPE and it returns.  main joins the workers.
 *
 * The program checks that every job came back exactly once with the right
 * answer and that the slow job made the select time out at least once,
 * and exits with status 1 otherwise.
 *
 *	cc worker-pool.c $(pkg-config --cflags --libs lwswitch)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <lwswitch.h>

#define WORKERS		4
#define JOBS		40
#define SLOW_JOB	13			/* this job takes SLOW_NS */
#define SLOW_NS		500000000LL		/* 500 ms */
#define TIMEOUT_NS	100000000LL		/* 100 ms without a result */
#define MAX_TIMEOUTS	50			/* in a row: give up (5 s) */

/* What a worker sends back for each job. */
struct result {
	int job;
	int worker;
	long value;				/* job * job */
};

struct worker {
	int id;
	lwsw_chan_t *jobs;			/* of int, buffered */
	lwsw_chan_t *results;			/* of struct result */
	lwsw_thread_t thread;
};

/* A thread's result: 0 or a negative errno value, carried as a pointer. */
#define RESULT(rc)	((void *)(intptr_t)(rc))

static int fail(const char *what, int err)
{
	fprintf(stderr, "worker-pool: %s: %s\n", what, strerror(-err));
	return 1;
}

/* Sleep for @ns nanoseconds, signals or not; 0 or -errno. */
static int sleep_ns(long long ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000,
	};

	while (nanosleep(&ts, &ts))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct result r = { .worker = w->id };
	int job, rc;

	/* Each receive takes one job; many workers may wait at once. */
	while ((rc = lwsw_chan_recv(w->jobs, &job)) == 0) {
		if (job == SLOW_JOB) {
			rc = sleep_ns(SLOW_NS);
			if (rc)
				return RESULT(rc);
		}
		r.job = job;
		r.value = (long)job * job;
		rc = lwsw_chan_send(w->results, &r);
		if (rc)
			return RESULT(rc);
	}
	/* -EPIPE: the job channel is closed and empty, the normal end. */
	return RESULT(rc == -EPIPE ? 0 : rc);
}

int main(void)
{
	struct worker w[WORKERS];
	lwsw_chan_t *jobs, *results;
	struct lwsw_case cases[2];
	struct result r;
	int done[JOBS + 1] = { 0 }, per_worker[WORKERS] = { 0 };
	int next = 1, received = 0, timeouts = 0, in_a_row = 0;
	long total = 0;
	int i, rc;

	/* Room for WORKERS jobs: each worker finds its next job waiting. */
	rc = lwsw_chan_make(&jobs, sizeof(int), WORKERS);
	if (rc)
		return fail("lwsw_chan_make", rc);
	rc = lwsw_chan_make(&results, sizeof(struct result), 0);
	if (rc)
		return fail("lwsw_chan_make", rc);
	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){
			.id = i, .jobs = jobs, .results = results,
		};
		rc = lwsw_thread_create(&w[i].thread, worker, &w[i]);
		if (rc)
			return fail("lwsw_thread_create", rc);
	}

	/*
	 * Case 0 sends job `next' (the value is copied when the case is
	 * chosen); case 1 receives a result into r.  Cases must have their
	 * reserved fields zero: build them with designated initialisers.
	 */
	cases[0] = (struct lwsw_case){
		.ch = jobs, .op = LWSW_SEND, .elem = &next,
	};
	cases[1] = (struct lwsw_case){
		.ch = results, .op = LWSW_RECV, .elem = &r,
	};
	while (received < JOBS) {
		int n = lwsw_select(cases, 2, TIMEOUT_NS);

		if (n == -ETIMEDOUT) {
			printf("no result for %lld ms, %d job(s) running\n",
			       TIMEOUT_NS / 1000000, next - 1 - received);
			timeouts++;
			if (++in_a_row == MAX_TIMEOUTS)
				return fail("the workers stopped answering",
					    -ETIMEDOUT);
			continue;
		}
		if (n < 0)
			return fail("lwsw_select", n);
		in_a_row = 0;
		if (cases[n].closed)		/* neither channel is closed */
			return fail("lwsw_select", -EPIPE);
		if (n == 0) {
			/* Job `next' is in the channel. */
			if (++next > JOBS) {
				/*
				 * No more jobs.  A NULL channel is never ready,
				 * so case 0 drops out of the select; the close
				 * tells the workers to return once the jobs
				 * still buffered are taken.
				 */
				cases[0].ch = NULL;
				rc = lwsw_chan_close(jobs);
				if (rc)
					return fail("lwsw_chan_close", rc);
			}
			continue;
		}
		/* n == 1: a result. */
		if (r.job < 1 || r.job > JOBS || done[r.job] ||
		    r.value != (long)r.job * r.job ||
		    r.worker < 0 || r.worker >= WORKERS) {
			fprintf(stderr, "worker-pool: bad: job %d, worker %d: %ld\n",
				r.job, r.worker, r.value);
			return 1;
		}
		done[r.job] = 1;
		per_worker[r.worker]++;
		total += r.value;
		received++;
	}

	for (i = 0; i < WORKERS; i++) {
		void *ret;

		rc = lwsw_thread_join(w[i].thread, &ret);
		if (rc)
			return fail("lwsw_thread_join", rc);
		if (ret)
			return fail("a worker", (int)(intptr_t)ret);
		printf("worker %d did %d job(s)\n", i, per_worker[i]);
	}
	/* Nobody uses the channels any more: they can be freed. */
	rc = lwsw_chan_free(jobs);
	if (rc)
		return fail("lwsw_chan_free", rc);
	rc = lwsw_chan_free(results);
	if (rc)
		return fail("lwsw_chan_free", rc);

	printf("%s backend: %d jobs, sum of squares %ld, %d timeout(s)\n",
	       lwsw_backend(), received, total, timeouts);
	if (total != (long)JOBS * (JOBS + 1) * (2 * JOBS + 1) / 6) {
		fprintf(stderr, "worker-pool: wrong total\n");
		return 1;
	}
	if (timeouts == 0) {
		fprintf(stderr, "worker-pool: the select never timed out\n");
		return 1;
	}
	return 0;
}
