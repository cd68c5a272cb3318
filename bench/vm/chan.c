// SPDX-License-Identifier: GPL-2.0
/*
 * lws-chan: liblwswitch's channels on native threads against the channel a
 * C programmer would write with a mutex and two condition variables.
 *
 *   chan-pingpong    two threads, a request and a reply channel (both
 *                    unbuffered), a strict request/reply loop; round trip.
 *                    threads-<backend>           lwsw_chan_sendrecv(): one
 *                                                wake-and-block per hop
 *                    threads-<backend>-send-recv lwsw_chan_send() then
 *                                                lwsw_chan_recv()
 *                    pthread-condvar             bench/common/condchan.h
 *                    raw-switchto                no channel: the bare
 *                                                SWITCHTO ping-pong, the
 *                                                reference the library's
 *                                                overhead is measured against
 *   chan-throughput  one producer, one consumer, capacity 128; messages/s.
 *
 * <backend> is what lwsw_backend() says: "switchto" with /dev/lwswitch,
 * "futex" without it or with LWSW_BACKEND=futex (run the program twice).
 * Repetitions are interleaved across the rows of a case (the first of
 * every row, then the second, ...), so that drift of the host's speed
 * hits every row alike.  Beside wall time: CPU time per operation (so that spinning shows),
 * voluntary context switches per hop (about 1 when every hop blocked) and
 * system calls per hop from the library's own counters.  --quick runs a
 * tenth of the rounds and messages (the slowest rows, cross-CPU, cost
 * ~0.4 ms a round trip in the VM).  --headline runs the threads-<backend>
 * chan-pingpong row alone: bench/vm/guest-bench.sh alternates it with the
 * Go peer's, process by process, for the headline ratio.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/lwswitch.h>
#include <lwswitch.h>

#include "../common/benchutil.h"
#include "../common/condchan.h"

static int reps = 5;
static long scale = 1;
static char impl_threads[64], impl_send_recv[80];

static void die(const char *what, int err)
{
	fprintf(stderr, "lws-chan: %s: %s\n", what, strerror(err > 0 ? err : -err));
	exit(1);
}

/* ---- chan-pingpong ---- */

enum pp_kind { PP_RAW, PP_SENDRECV, PP_SEND_RECV, PP_CONDVAR };

struct pp {
	enum pp_kind kind;
	long rounds;
	int fd;				/* PP_RAW: a domain of its own */
	uint32_t handle[2];
	pthread_barrier_t ready;
	lwsw_chan_t *req, *rep;
	struct condchan creq, crep;
	long vcsw[2];
	uint64_t syscalls[2], switchto[2];
	int bad;
};

static int raw_hop(struct pp *pp, unsigned long cmd, uint32_t target)
{
	struct lwswitch_hop h = { .target = target };

	return ioctl(pp->fd, cmd, &h) ? -errno : 0;
}

/* PP_RAW: register in the raw domain; both sides meet before the first hop. */
static void raw_register(struct pp *pp, int me)
{
	struct lwswitch_register r = { 0 };

	if (ioctl(pp->fd, LWSWITCH_IOC_REGISTER, &r))
		die("register", errno);
	pp->handle[me] = r.handle;
	pthread_barrier_wait(&pp->ready);
}

static void raw_unregister(struct pp *pp)
{
	struct lwswitch_register r = { 0 };

	ioctl(pp->fd, LWSWITCH_IOC_UNREGISTER, &r);
}

static void pp_count(struct pp *pp, int me, long v0)
{
	struct lwsw_stats st;
	long v1, iv;

	bench_thread_csw(&v1, &iv);
	pp->vcsw[me] = v1 - v0;
	if (pp->kind != PP_CONDVAR && pp->kind != PP_RAW && !lwsw_stats_get(&st)) {
		pp->switchto[me] = st.sys_switchto;
		pp->syscalls[me] = st.sys_switchto + st.sys_wake + st.sys_wait +
				   st.sys_futex_wake + st.sys_futex_wait;
	}
}

static void *pp_server(void *arg)
{
	struct pp *pp = arg;
	uint64_t v = 0, r;
	long v0, iv;
	int rc = 0;

	lwsw_stats_reset();
	bench_thread_csw(&v0, &iv);
	switch (pp->kind) {
	case PP_RAW:
		raw_register(pp, 1);
		rc = raw_hop(pp, LWSWITCH_IOC_WAIT, 0);
		for (long i = 0; !rc && i < pp->rounds - 1; i++)
			rc = raw_hop(pp, LWSWITCH_IOC_SWITCHTO, pp->handle[0]);
		if (!rc)
			rc = raw_hop(pp, LWSWITCH_IOC_WAKE, pp->handle[0]);
		raw_unregister(pp);
		break;
	case PP_SENDRECV:
		rc = lwsw_chan_recv(pp->req, &v);
		for (long i = 0; !rc && i < pp->rounds - 1; i++) {
			r = v + 1;
			rc = lwsw_chan_sendrecv(pp->rep, &r, pp->req, &v);
		}
		r = v + 1;
		if (!rc)
			rc = lwsw_chan_send(pp->rep, &r);
		break;
	case PP_SEND_RECV:
		for (long i = 0; !rc && i < pp->rounds; i++) {
			rc = lwsw_chan_recv(pp->req, &v);
			r = v + 1;
			if (!rc)
				rc = lwsw_chan_send(pp->rep, &r);
		}
		break;
	case PP_CONDVAR:
		for (long i = 0; i < pp->rounds; i++)
			condchan_send(&pp->crep, condchan_recv(&pp->creq) + 1);
		break;
	}
	if (rc)
		die("server", rc);
	pp_count(pp, 1, v0);
	return NULL;
}

static void pp_client(struct pp *pp)
{
	uint64_t v;
	long v0, iv;
	int rc = 0;

	lwsw_stats_reset();
	if (pp->kind == PP_RAW)
		raw_register(pp, 0);
	bench_thread_csw(&v0, &iv);
	for (uint64_t i = 0; i < (uint64_t)pp->rounds && !rc; i++) {
		switch (pp->kind) {
		case PP_RAW:
			rc = raw_hop(pp, LWSWITCH_IOC_SWITCHTO, pp->handle[1]);
			v = i + 1;
			break;
		case PP_SENDRECV:
			rc = lwsw_chan_sendrecv(pp->req, &i, pp->rep, &v);
			break;
		case PP_SEND_RECV:
			rc = lwsw_chan_send(pp->req, &i);
			if (!rc)
				rc = lwsw_chan_recv(pp->rep, &v);
			break;
		case PP_CONDVAR:
			condchan_send(&pp->creq, i);
			v = condchan_recv(&pp->crep);
			break;
		}
		if (!rc && v != i + 1 && !pp->bad)
			pp->bad = 1;
	}
	if (rc)
		die("client", rc);
	pp_count(pp, 0, v0);
	if (pp->kind == PP_RAW)
		raw_unregister(pp);
}

/* One repetition; returns wall ns per round trip, *cpu CPU ns per round trip. */
static double pp_run(struct pp *pp, double *cpu)
{
	pthread_t t;
	uint64_t t0, c0;

	if (pp->kind == PP_RAW)
		pthread_barrier_init(&pp->ready, NULL, 2);
	t0 = bench_now_ns();
	c0 = bench_cpu_ns();
	if (pthread_create(&t, NULL, pp_server, pp))
		die("pthread_create", errno);
	pp_client(pp);
	pthread_join(t, NULL);
	*cpu = (double)(bench_cpu_ns() - c0) / (double)pp->rounds;
	if (pp->kind == PP_RAW)
		pthread_barrier_destroy(&pp->ready);
	if (pp->bad)
		die("ping-pong", EPROTO);
	return (double)(bench_now_ns() - t0) / (double)pp->rounds;
}

struct pp_row {
	const char *impl;
	struct pp pp;
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
};

static void pp_init(struct pp_row *row, const char *impl, enum pp_kind kind, long rounds)
{
	struct pp *pp = &row->pp;
	double c;
	int rc;

	row->impl = impl;
	pp->kind = kind;
	if (kind == PP_RAW) {
		pp->fd = open("/dev/lwswitch", O_RDWR | O_CLOEXEC);
		if (pp->fd < 0)
			die("/dev/lwswitch", errno);
	} else if (kind == PP_CONDVAR) {
		if (condchan_init(&pp->creq, 0) || condchan_init(&pp->crep, 0))
			die("condchan", ENOMEM);
	} else if ((rc = lwsw_chan_make(&pp->req, sizeof(uint64_t), 0)) ||
		   (rc = lwsw_chan_make(&pp->rep, sizeof(uint64_t), 0))) {
		die("lwsw_chan_make", rc);
	}
	pp->rounds = rounds / scale / 10 + 1;
	pp_run(pp, &c);					/* warm-up */
	pp->rounds = rounds / scale;
}

static void pp_report(struct pp_row *row)
{
	struct pp *pp = &row->pp;
	double hops = 2.0 * (double)pp->rounds;

	bench_row("chan-pingpong", row->impl, "ns_per_roundtrip", row->wall, reps, "ns");
	bench_row("chan-pingpong", row->impl, "cpu_ns_per_roundtrip", row->cpu, reps, "ns");
	/* From the last repetition. */
	bench_row1("chan-pingpong", row->impl, "vcsw_per_hop",
		   (double)(pp->vcsw[0] + pp->vcsw[1]) / hops, "switches");
	if (pp->kind == PP_SENDRECV || pp->kind == PP_SEND_RECV) {
		bench_row1("chan-pingpong", row->impl, "syscalls_per_hop",
			   (double)(pp->syscalls[0] + pp->syscalls[1]) / hops, "calls");
		bench_row1("chan-pingpong", row->impl, "switchto_per_hop",
			   (double)(pp->switchto[0] + pp->switchto[1]) / hops, "calls");
		lwsw_chan_free(pp->req);
		lwsw_chan_free(pp->rep);
	} else if (pp->kind == PP_CONDVAR) {
		condchan_destroy(&pp->creq);
		condchan_destroy(&pp->crep);
	} else {
		close(pp->fd);
	}
}

/* All chan-pingpong rows (@only_threads: threads-<backend> alone),
 * repetitions interleaved. */
static void bench_pingpong(int baseline, int only_threads, long rounds)
{
	static struct pp_row rows[4];
	int n = 0;

	if (only_threads) {
		pp_init(&rows[n++], impl_threads, PP_SENDRECV, rounds);
		baseline = 0;
	} else {
		if (!strcmp(lwsw_backend(), "switchto"))
			pp_init(&rows[n++], "raw-switchto", PP_RAW, rounds);
		pp_init(&rows[n++], impl_threads, PP_SENDRECV, rounds);
		pp_init(&rows[n++], impl_send_recv, PP_SEND_RECV, rounds);
	}
	if (baseline)
		pp_init(&rows[n++], "pthread-condvar", PP_CONDVAR, rounds);
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			rows[i].wall[r] = pp_run(&rows[i].pp, &rows[i].cpu[r]);
	for (int i = 0; i < n; i++)
		pp_report(&rows[i]);
}

/* ---- chan-throughput ---- */

struct tp {
	int condvar;
	long msgs;
	lwsw_chan_t *ch;
	struct condchan cc;
	uint64_t sum;
};

static void *tp_consumer(void *arg)
{
	struct tp *tp = arg;
	uint64_t v, sum = 0;
	int rc;

	for (long i = 0; i < tp->msgs; i++) {
		if (tp->condvar) {
			v = condchan_recv(&tp->cc);
		} else if ((rc = lwsw_chan_recv(tp->ch, &v))) {
			die("consumer", rc);
		}
		sum += v;
	}
	tp->sum = sum;
	return NULL;
}

static double tp_run(struct tp *tp, double *cpu)
{
	pthread_t t;
	uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns(), want;
	int rc;

	if (pthread_create(&t, NULL, tp_consumer, tp))
		die("pthread_create", errno);
	for (uint64_t i = 1; i <= (uint64_t)tp->msgs; i++) {
		if (tp->condvar)
			condchan_send(&tp->cc, i);
		else if ((rc = lwsw_chan_send(tp->ch, &i)))
			die("producer", rc);
	}
	pthread_join(t, NULL);
	want = (uint64_t)tp->msgs * (uint64_t)(tp->msgs + 1) / 2;
	if (tp->sum != want)
		die("throughput: lost or doubled messages", EPROTO);
	*cpu = (double)(bench_cpu_ns() - c0) / (double)tp->msgs;
	return (double)tp->msgs * 1e9 / (double)(bench_now_ns() - t0);
}

static void tp_init(struct tp *tp, int condvar, long msgs)
{
	double c;
	int rc;

	tp->condvar = condvar;
	if (condvar) {
		if (condchan_init(&tp->cc, 128))
			die("condchan", ENOMEM);
	} else if ((rc = lwsw_chan_make(&tp->ch, sizeof(uint64_t), 128))) {
		die("lwsw_chan_make", rc);
	}
	tp->msgs = msgs / scale / 10 + 1;
	tp_run(tp, &c);
	tp->msgs = msgs / scale;
}

/* chan-throughput for the library and (with @baseline) the condvar channel. */
static void bench_throughput(int baseline, long msgs)
{
	static struct tp tps[2];
	static double rate[2][BENCH_MAX_REPS], cpu[2][BENCH_MAX_REPS];
	const char *impl[2] = { impl_threads, "pthread-condvar" };
	int n = baseline ? 2 : 1;

	for (int i = 0; i < n; i++)
		tp_init(&tps[i], i == 1, msgs);
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			rate[i][r] = tp_run(&tps[i], &cpu[i][r]);
	for (int i = 0; i < n; i++) {
		bench_row("chan-throughput", impl[i], "msgs_per_s", rate[i], reps, "msgs/s");
		bench_row("chan-throughput", impl[i], "cpu_ns_per_msg", cpu[i], reps, "ns");
		if (tps[i].condvar)
			condchan_destroy(&tps[i].cc);
		else
			lwsw_chan_free(tps[i].ch);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "baseline", no_argument, NULL, 'b' },
		{ "header", no_argument, NULL, 'H' },
		{ "host", no_argument, NULL, 'h' },
		{ "headline", no_argument, NULL, 'l' },
		{ 0 }
	};
	int c, baseline = 0, header = 0, host = 0, headline = 0, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': scale = 10; break;
		case 'r': reps = atoi(optarg); break;
		case 'b': baseline = 1; break;
		case 'H': header = 1; break;
		case 'h': host = 1; break;
		case 'l': headline = 1; break;
		default:
			fprintf(stderr, "usage: lws-chan [--quick] [--reps N] [--baseline] [--header] [--host]\n"
				"                [--headline]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > BENCH_MAX_REPS)
		return 2;
	rc = lwsw_init();
	if (rc && rc != -ENOENT)
		die("lwsw_init", rc);
	bench_set_kernel(host);
	snprintf(impl_threads, sizeof(impl_threads), "threads-%s", lwsw_backend());
	snprintf(impl_send_recv, sizeof(impl_send_recv), "%s-send-recv", impl_threads);
	if (header)
		bench_header();

	bench_pingpong(baseline, headline, 20000);
	if (!headline)
		bench_throughput(baseline, 200000);
	return 0;
}
