// SPDX-License-Identifier: GPL-2.0
/*
 * lws-host-coro: the coroutine core of liblwswitch on the host, as CSV rows
 * (bench/common/benchutil.h; kernel column "host").
 *
 *   lws-host-coro [-q] [-r REPS] CASE...      CASE: pingpong chan create memory
 *
 * pingpong (one worker: lwsw_co_start() with workers = 1), ns_per_roundtrip:
 *   coro          two coroutines on the one worker alternating through
 *                 lwsw_co_yield(): a round trip is A yields to B and B
 *                 yields to A, each one direct switch from coroutine to
 *                 coroutine with the local run queue's bookkeeping (the
 *                 fast path, lib/coro/yield-x86_64.S), no trip through the
 *                 scheduler loop.  This is the cheapest hand-off to
 *                 another coroutine that the public API (lwswitch_coro.h)
 *                 offers.
 *   coro-handoff  the same two coroutines handing the turn back and forth
 *                 with the library's internal hand-off (lib/park.h
 *                 lwsw_handoff(): unpark the peer and park self in one
 *                 direct coroutine-to-coroutine switch, the path
 *                 lwsw_chan_sendrecv() takes): 2 switches per round trip;
 *                 the scheduler loop gets a turn only when something else
 *                 may want it (HANDOFF_MAX).  Not public API.
 *   In both, the timed runs' loops are the bare call, as Boost.Context's
 *   are; only the warm-up run (the same code path) checks strict
 *   alternation on every hop with a shared turn counter, which on the
 *   critical path cost about 0.7 ns of a ~14 ns round trip.
 *   coro-ctx      the bare assembly switch, lwsw_ctx_switch(), from the main
 *                 thread into a bare context and back: no scheduler, no
 *                 coroutine bookkeeping.  The same thing Boost.Context's
 *                 jump_fcontext() round trip measures (bench/peers/boost).
 * chan-pingpong (one worker), ns_per_roundtrip: a client and a server
 *   coroutine, a request and a reply channel (unbuffered, 8-byte elements),
 *   strict request/reply, every reply checked:
 *   coro            lwsw_chan_sendrecv() on both sides
 *   coro-send-recv  lwsw_chan_send() then lwsw_chan_recv()
 * create (the default number of workers), ns_per_unit: a main coroutine
 *   runs lwsw_co_spawn() of a coroutine that returns at once, then
 *   lwsw_co_join() of it, one at a time.
 * memory (default workers), bytes_per_unit: 100,000 coroutines spawned from
 *   the main thread, each blocked in lwsw_chan_recv() on one shared
 *   unbuffered channel; (RSS with all of them parked - RSS before) / N
 *   (/proc/self/statm).  Raises vm.max_map_count to 262144 for the run
 *   when it is lower (each live stack is two mappings) and restores it;
 *   when it cannot, runs the largest N that fits and says so on stderr and
 *   in the unit column ("bytes@n=N").  Also kernel_bytes_per_unit:
 *   KernelStack + PageTables of /proc/meminfo (system-wide), same delta,
 *   and units: N.  LWSW_BENCH_NO_SYSCTL=1 tests the reduced-N path.
 *
 * Every timed figure: one warm-up run, then REPS runs (7; -q: 5, shorter);
 * median, p10, p90; beside it cpu_<metric>: user + system CPU time of the
 * process per operation (the worker thread's time: the main thread sleeps
 * in the join), so that spinning would show.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <lwswitch.h>
#include <lwswitch_coro.h>

#include "arch/ctx.h"	/* internal: lwsw_ctx_switch(), for coro-ctx */
#include "park.h"	/* internal: lwsw_handoff(), for coro-handoff */

#include "hostutil.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "lws-host-coro: %s: %s\n", what, strerror(err > 0 ? err : -err));
	exit(1);
}

/* Set during measure()'s warm-up run: the ping-pongs check their order. */
static int checking;

/* A timed loop: fn(n) does n operations. */
static void measure(const char *cas, const char *impl, const char *metric,
		    void (*fn)(long), long n)
{
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
	char cpu_metric[64];

	checking = 1;			/* the warm-up run checks the order */
	fn(n / 10 > 0 ? n / 10 : 1);
	checking = 0;
	for (int r = 0; r < host_reps; r++) {
		uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();

		fn(n);
		wall[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = (double)(bench_cpu_ns() - c0) / (double)n;
	}
	snprintf(cpu_metric, sizeof(cpu_metric), "cpu_%s", metric);
	bench_row(cas, impl, metric, wall, host_reps, "ns");
	bench_row(cas, impl, cpu_metric, cpu, host_reps, "ns");
}

/* Spawn a and b (in that order: FIFO on this one worker), join both. */
static void run_pair(void *(*a)(void *), void *(*b)(void *), long n)
{
	lwsw_co_id_t ia, ib;
	int rc;

	rc = lwsw_co_spawn(&ia, a, (void *)(intptr_t)n);
	if (rc)
		die("lwsw_co_spawn", rc);
	rc = lwsw_co_spawn(&ib, b, (void *)(intptr_t)n);
	if (rc)
		die("lwsw_co_spawn", rc);
	if ((rc = lwsw_co_join(ia, NULL)) || (rc = lwsw_co_join(ib, NULL)))
		die("lwsw_co_join", rc);
}

/* The turn counter both sides of a ping-pong check: strict alternation.
 * Plain variables: both coroutines run on the one worker.  Kept only
 * while @checking (the warm-up run). */
static long turn, bad;

static void check_strict(const char *what)
{
	if (bad) {
		fprintf(stderr, "lws-host-coro: %s: %ld hops out of turn\n", what, bad);
		exit(1);
	}
}

/* ---- pingpong: coro (lwsw_co_yield) ---- */

static void *yield_a(void *arg)
{
	long n = (long)(intptr_t)arg;

	if (checking)
		for (long i = 0; i < n; i++) {
			bad += turn != 2 * i;
			turn++;
			lwsw_co_yield();
		}
	else
		for (long i = 0; i < n; i++)
			lwsw_co_yield();
	return NULL;
}

static void *yield_b(void *arg)
{
	long n = (long)(intptr_t)arg;

	if (checking)
		for (long i = 0; i < n; i++) {
			bad += turn != 2 * i + 1;
			turn++;
			lwsw_co_yield();
		}
	else
		for (long i = 0; i < n; i++)
			lwsw_co_yield();
	return NULL;
}

/* After a checked ping-pong of @n round trips: every turn, in order. */
static void check_turns(const char *what, long n)
{
	if (!checking)
		return;
	check_strict(what);
	if (turn != 2 * n)
		die(what, EPROTO);
}

static void pp_yield(long n)
{
	turn = 0;
	run_pair(yield_a, yield_b, n);
	check_turns("pingpong coro", n);
}

/* ---- pingpong: coro-handoff (lib/park.h) ---- */

static struct lwsw_parker *hp[2];

static void *handoff_a(void *arg)
{
	long n = (long)(intptr_t)arg;
	struct lwsw_parker *me = lwsw_parker_current();
	int rc;

	hp[0] = me;
	while (!hp[1])
		lwsw_co_yield();
	for (long i = 0; i < n; i++) {
		if (checking) {
			bad += turn != 2 * i;
			turn++;
		}
		rc = lwsw_handoff(me, hp[1], -1);
		if (rc)
			die("lwsw_handoff", rc);
	}
	return NULL;
}

static void *handoff_b(void *arg)
{
	long n = (long)(intptr_t)arg;
	struct lwsw_parker *me = lwsw_parker_current();
	int rc;

	hp[1] = me;
	while (!hp[0])
		lwsw_co_yield();
	rc = lwsw_park(me, -1);
	for (long i = 0; !rc && i < n; i++) {
		if (checking) {
			bad += turn != 2 * i + 1;
			turn++;
		}
		if (i < n - 1)
			rc = lwsw_handoff(me, hp[0], -1);
		else
			lwsw_unpark(hp[0]);
	}
	if (rc)
		die("lwsw_park/lwsw_handoff", rc);
	return NULL;
}

static void pp_handoff(long n)
{
	turn = 0;
	hp[0] = hp[1] = NULL;
	run_pair(handoff_a, handoff_b, n);
	check_turns("pingpong coro-handoff", n);
}

/* ---- pingpong: coro-ctx (bare lwsw_ctx_switch, main thread) ---- */

static void *ctx_main_sp, *ctx_co_sp;

static void ctx_bounce(void *arg)
{
	(void)arg;
	for (;;)
		lwsw_ctx_switch(&ctx_co_sp, ctx_main_sp);
}

static void pp_ctx(long n)
{
	for (long i = 0; i < n; i++)
		lwsw_ctx_switch(&ctx_main_sp, ctx_co_sp);
}

/* ---- chan-pingpong ---- */

static lwsw_chan_t *req, *rep;

static void *sr_client(void *arg)
{
	long n = (long)(intptr_t)arg;
	uint64_t v;
	int rc = 0;

	for (uint64_t i = 0; !rc && i < (uint64_t)n; i++) {
		rc = lwsw_chan_sendrecv(req, &i, rep, &v);
		bad += !rc && v != i + 1;
	}
	if (rc)
		die("client lwsw_chan_sendrecv", rc);
	return NULL;
}

static void *sr_server(void *arg)
{
	long n = (long)(intptr_t)arg;
	uint64_t v = 0, r;
	int rc;

	rc = lwsw_chan_recv(req, &v);
	for (long i = 0; !rc && i < n - 1; i++) {
		r = v + 1;
		rc = lwsw_chan_sendrecv(rep, &r, req, &v);
	}
	r = v + 1;
	if (!rc)
		rc = lwsw_chan_send(rep, &r);
	if (rc)
		die("server lwsw_chan_sendrecv", rc);
	return NULL;
}

static void *sx_client(void *arg)
{
	long n = (long)(intptr_t)arg;
	uint64_t v;
	int rc = 0;

	for (uint64_t i = 0; !rc && i < (uint64_t)n; i++) {
		rc = lwsw_chan_send(req, &i);
		if (!rc)
			rc = lwsw_chan_recv(rep, &v);
		bad += !rc && v != i + 1;
	}
	if (rc)
		die("client lwsw_chan_send/recv", rc);
	return NULL;
}

static void *sx_server(void *arg)
{
	long n = (long)(intptr_t)arg;
	uint64_t v = 0;
	int rc = 0;

	for (long i = 0; !rc && i < n; i++) {
		rc = lwsw_chan_recv(req, &v);
		v++;
		if (!rc)
			rc = lwsw_chan_send(rep, &v);
	}
	if (rc)
		die("server lwsw_chan_send/recv", rc);
	return NULL;
}

static void chan_sendrecv(long n)
{
	run_pair(sr_client, sr_server, n);
	check_strict("chan-pingpong coro");
}

static void chan_send_recv(long n)
{
	run_pair(sx_client, sx_server, n);
	check_strict("chan-pingpong coro-send-recv");
}

/* ---- create ---- */

static void *noop(void *arg)
{
	return arg;
}

static void create_join(long n)
{
	lwsw_co_id_t id;
	void *res;
	int rc;

	for (long i = 0; i < n; i++) {
		rc = lwsw_co_spawn(&id, noop, (void *)(intptr_t)i);
		if (rc)
			die("lwsw_co_spawn", rc);
		rc = lwsw_co_join(id, &res);
		if (rc)
			die("lwsw_co_join", rc);
		bad += res != (void *)(intptr_t)i;
	}
}

/* ---- the scheduled parts ---- */

static int want_pingpong, want_chan, want_create;

static void *one_worker_main(void *arg)
{
	int rc;

	(void)arg;
	if (lwsw_co_workers() != 1)
		die("expected one worker", EPROTO);
	fprintf(stderr, "host: pingpong, chan-pingpong coro: 1 worker, nothing pinned\n");
	if (want_pingpong) {
		measure("pingpong", "coro", "ns_per_roundtrip", pp_yield, host_n(1000000));
		measure("pingpong", "coro-handoff", "ns_per_roundtrip", pp_handoff,
			host_n(1000000));
	}
	if (want_chan) {
		if ((rc = lwsw_chan_make(&req, sizeof(uint64_t), 0)) ||
		    (rc = lwsw_chan_make(&rep, sizeof(uint64_t), 0)))
			die("lwsw_chan_make", rc);
		measure("chan-pingpong", "coro", "ns_per_roundtrip", chan_sendrecv,
			host_n(500000));
		measure("chan-pingpong", "coro-send-recv", "ns_per_roundtrip", chan_send_recv,
			host_n(500000));
		lwsw_chan_free(req);
		lwsw_chan_free(rep);
	}
	return NULL;
}

static void *create_main(void *arg)
{
	(void)arg;
	fprintf(stderr, "host: create coro: %u workers (the default)\n", lwsw_co_workers());
	measure("create", "coro", "ns_per_unit", create_join, host_n(200000));
	check_strict("create coro");
	return NULL;
}

static void run_ctx(void)
{
	size_t sz = 64 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED)
		die("mmap", errno);
	ctx_co_sp = lwsw_ctx_make(stack + sz, ctx_bounce, NULL, lwsw_ctx_fpctl());
	measure("pingpong", "coro-ctx", "ns_per_roundtrip", pp_ctx, host_n(10000000));
	/* The bare context is left suspended in its loop: not freed. */
}

/* ---- memory ---- */

#define MAPS_PATH "/proc/sys/vm/max_map_count"
#define MAPS_WANT 262144L

static long maps_old = -1;	/* to restore, or -1 */

static void maps_restore(void)
{
	if (maps_old > 0 && bench_write_long(MAPS_PATH, maps_old) == 0)
		fprintf(stderr, "host: vm.max_map_count restored to %ld\n", maps_old);
	maps_old = -1;
}

static void maps_signal(int sig)
{
	if (maps_old > 0) {
		char buf[32];
		int fd = open(MAPS_PATH, O_WRONLY), len;

		len = snprintf(buf, sizeof(buf), "%ld\n", maps_old);
		if (fd >= 0 && write(fd, buf, (size_t)len) < 0) {
			/* dying anyway */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static lwsw_chan_t *park_ch;
static _Atomic long nstarted;

static void *idle_co(void *arg)
{
	uint64_t v;

	(void)arg;
	atomic_fetch_add(&nstarted, 1);
	return (void *)(intptr_t)lwsw_chan_recv(park_ch, &v);	/* -EPIPE at the end */
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void run_memory(void)
{
	long want = 100000, n = want, cur = bench_read_long(MAPS_PATH), nmaps;
	long rss0, rss1, k0, k1;
	char unit[32] = "bytes";
	int rc;

	signal(SIGINT, maps_signal);
	signal(SIGTERM, maps_signal);
	signal(SIGHUP, maps_signal);
	nmaps = bench_nmaps();
	if (cur >= 0 && cur < nmaps + 2 * want + 4096) {
		/* LWSW_BENCH_NO_SYSCTL=1: behave as if it could not be raised. */
		if (!getenv("LWSW_BENCH_NO_SYSCTL") && bench_write_long(MAPS_PATH, MAPS_WANT) == 0) {
			maps_old = cur;
			atexit(maps_restore);
			fprintf(stderr, "host: vm.max_map_count raised from %ld to %ld\n", cur,
				MAPS_WANT);
		} else {
			n = (cur - nmaps - 4096) / 2;
			if (n < 1000)
				die("vm.max_map_count too low", ENOMEM);
			fprintf(stderr,
				"host: memory coro: cannot raise vm.max_map_count (%ld): N = %ld, not %ld\n",
				cur, n, want);
			snprintf(unit, sizeof(unit), "bytes@n=%ld", n);
		}
	}

	if ((rc = lwsw_co_start(NULL)))
		die("lwsw_co_start", rc);
	if ((rc = lwsw_chan_make(&park_ch, sizeof(uint64_t), 0)))
		die("lwsw_chan_make", rc);
	sleep_ms(50);
	rss0 = bench_rss();
	k0 = bench_kmem();
	for (long i = 0; i < n; i++) {
		rc = lwsw_co_spawn(NULL, idle_co, NULL);
		if (rc)
			die("lwsw_co_spawn", rc);
	}
	while (atomic_load(&nstarted) < n)
		sleep_ms(5);
	/* Each one increments before it parks: let the last ones park. */
	rss1 = bench_rss_settled();
	k1 = bench_kmem();
	fprintf(stderr, "host: memory coro: %ld coroutines parked on a channel, %u workers: "
		"RSS %ld -> %ld KiB, %ld mappings\n", n, lwsw_co_workers(), rss0 >> 10,
		rss1 >> 10, bench_nmaps());
	bench_row1("memory", "coro", "bytes_per_unit", (double)(rss1 - rss0) / (double)n, unit);
	if (k0 >= 0 && k1 >= 0)
		bench_row1("memory", "coro", "kernel_bytes_per_unit",
			   (double)(k1 - k0) / (double)n, unit);
	bench_row1("memory", "coro", "units", (double)n, "count");

	lwsw_chan_close(park_ch);
	if ((rc = lwsw_co_stop()))
		die("lwsw_co_stop", rc);
	lwsw_chan_free(park_ch);
	maps_restore();
}

int main(int argc, char **argv)
{
	struct lwsw_co_config one = { .workers = 1 };
	int rc;

	host_args(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "pingpong"))
			want_pingpong = 1;
		else if (!strcmp(argv[i], "chan"))
			want_chan = 1;
		else if (!strcmp(argv[i], "create"))
			want_create = 1;
		else if (strcmp(argv[i], "memory"))
			die(argv[i], EINVAL);
	}
	if (want_pingpong)
		run_ctx();
	if (want_pingpong || want_chan) {
		rc = lwsw_co_run(&one, one_worker_main, NULL, NULL);
		if (rc)
			die("lwsw_co_run", rc);
	}
	if (want_create) {
		rc = lwsw_co_run(NULL, create_main, NULL, NULL);
		if (rc)
			die("lwsw_co_run", rc);
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "memory"))
			run_memory();
	return 0;
}
