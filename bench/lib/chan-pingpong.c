// SPDX-License-Identifier: GPL-2.0
/*
 * chan-pingpong.c — round trips of a strict two-thread ping-pong, through
 * liblwswitch and through the baselines, in one run:
 *
 *   lws-sendrecv   lwsw_chan_sendrecv() on both sides: one wake-and-block
 *                  per hop (one SWITCHTO on the switchto backend)
 *   lws-send-recv  lwsw_chan_send() + lwsw_chan_recv(): a wake, then a wait
 *   condvar        pthread mutex + condition variable hand-off
 *   futex          a bare FUTEX_WAKE + FUTEX_WAIT hand-off
 *
 * Usage: chan-pingpong [-n ROUNDS] [-r REPS] [MODE...]
 *
 * One line per mode, key=value, e.g.
 *   mode=lws-sendrecv backend=futex rounds=20000 reps=5 rtt_ns_median=...
 *   rtt_ns_min=... rtt_ns_max=... vcsw_per_hop=... switchto_per_hop=...
 * vcsw_per_hop is the voluntary context switches of both threads per hop:
 * about 1 when every hop really blocked (a ping-pong that leaves a stray
 * token runs both threads in parallel and measures nothing).  Only ratios
 * between rows of the same run mean anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lwswitch.h>

static long rounds = 20000;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long vcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

struct peer {
	int mode;
	long vcsw;
	uint64_t switchto;
};

enum { M_SENDRECV, M_SENDRECV2, M_CONDVAR, M_FUTEX, M_N };
static const char *const mode_names[M_N] = {
	"lws-sendrecv", "lws-send-recv", "condvar", "futex",
};

static lwsw_chan_t *req, *rep;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;		/* condvar: 0 client's, 1 server's */
static uint32_t fword;		/* futex: 0 client's turn, 1 server's */

static void futex_pass(uint32_t to, uint32_t mine)
{
	__atomic_store_n(&fword, to, __ATOMIC_RELEASE);
	syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) != mine)
		syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, to, NULL, NULL, 0);
}

static void *server(void *p)
{
	struct peer *pe = p;
	struct lwsw_stats st;
	long v0 = vcsw();
	int64_t v;

	lwsw_stats_reset();
	switch (pe->mode) {
	case M_SENDRECV:
		if (lwsw_chan_recv(req, &v))
			break;
		while (lwsw_chan_sendrecv(rep, &v, req, &v) == 0)
			;
		break;
	case M_SENDRECV2:
		while (lwsw_chan_recv(req, &v) == 0)
			lwsw_chan_send(rep, &v);
		break;
	case M_CONDVAR:
		pthread_mutex_lock(&mu);
		for (long i = 0; i < rounds; i++) {
			while (turn != 1)
				pthread_cond_wait(&cv, &mu);
			turn = 0;
			pthread_cond_signal(&cv);
		}
		pthread_mutex_unlock(&mu);
		break;
	case M_FUTEX:
		while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) != 1)
			syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		for (long i = 0; i < rounds; i++)
			if (i + 1 < rounds)
				futex_pass(0, 1);
		__atomic_store_n(&fword, 0, __ATOMIC_RELEASE);
		syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		break;
	}
	lwsw_stats_get(&st);
	pe->vcsw = vcsw() - v0;
	pe->switchto = st.sys_switchto;
	return NULL;
}

/* One timed run: ns per round trip, and the per-hop counters. */
static double run(int mode, double *vcsw_hop, double *switchto_hop)
{
	struct peer pe = { .mode = mode };
	struct lwsw_stats st;
	lwsw_thread_t t;
	int64_t t0, t1, v = 0, r;
	long v0;

	if (mode <= M_SENDRECV2) {
		lwsw_chan_make(&req, sizeof(int64_t), 0);
		lwsw_chan_make(&rep, sizeof(int64_t), 0);
	}
	turn = 0;
	fword = 0;
	lwsw_thread_create(&t, server, &pe);
	usleep(10000);		/* let the server block first */
	lwsw_stats_reset();
	v0 = vcsw();
	t0 = now_ns();
	switch (mode) {
	case M_SENDRECV:
		for (long i = 0; i < rounds; i++)
			lwsw_chan_sendrecv(req, &v, rep, &r);
		break;
	case M_SENDRECV2:
		for (long i = 0; i < rounds; i++) {
			lwsw_chan_send(req, &v);
			lwsw_chan_recv(rep, &r);
		}
		break;
	case M_CONDVAR:
		pthread_mutex_lock(&mu);
		for (long i = 0; i < rounds; i++) {
			turn = 1;
			pthread_cond_signal(&cv);
			while (turn != 0)
				pthread_cond_wait(&cv, &mu);
		}
		pthread_mutex_unlock(&mu);
		break;
	case M_FUTEX:
		for (long i = 0; i < rounds; i++)
			futex_pass(1, 0);
		break;
	}
	t1 = now_ns();
	lwsw_stats_get(&st);
	v0 = vcsw() - v0;
	if (mode <= M_SENDRECV2)
		lwsw_chan_close(req);
	lwsw_thread_join(t, NULL);
	if (mode <= M_SENDRECV2) {
		lwsw_chan_free(req);
		lwsw_chan_free(rep);
	}
	*vcsw_hop = (double)(v0 + pe.vcsw) / (2.0 * rounds);
	*switchto_hop = (double)(st.sys_switchto + pe.switchto) / (2.0 * rounds);
	return (double)(t1 - t0) / rounds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int reps = 5, opt, want[M_N] = { 0 }, any = 0;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			rounds = atol(optarg);
		else if (opt == 'r')
			reps = atoi(optarg);
		else
			goto usage;
	}
	if (rounds < 1 || reps < 1)
		goto usage;
	for (int i = optind; i < argc; i++) {
		int m;

		for (m = 0; m < M_N && strcmp(argv[i], mode_names[m]); m++)
			;
		if (m == M_N)
			goto usage;
		want[m] = any = 1;
	}
	lwsw_init();
	for (int m = 0; m < M_N; m++) {
		double rtt[reps], vh = 0, sh = 0;

		if (any && !want[m])
			continue;
		for (int i = 0; i < reps; i++)
			rtt[i] = run(m, &vh, &sh);
		qsort(rtt, reps, sizeof(rtt[0]), cmp_double);
		printf("mode=%s backend=%s rounds=%ld reps=%d rtt_ns_median=%.0f "
		       "rtt_ns_min=%.0f rtt_ns_max=%.0f vcsw_per_hop=%.2f switchto_per_hop=%.2f\n",
		       mode_names[m], m <= M_SENDRECV2 ? lwsw_backend() : "-", rounds, reps,
		       rtt[reps / 2], rtt[0], rtt[reps - 1], vh, sh);
		fflush(stdout);
	}
	return 0;
usage:
	fprintf(stderr, "usage: %s [-n ROUNDS] [-r REPS] [lws-sendrecv|lws-send-recv|condvar|futex...]\n",
		argv[0]);
	return 2;
}
