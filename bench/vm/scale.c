// SPDX-License-Identifier: GPL-2.0
/*
 * lws-scale: how the cost of a hand-off, a spawn and an idle unit grows
 * with the number of units, for native threads on liblwswitch's channels,
 * the mutex+condvar channel and the coroutine core, in the rows of the Go
 * peer (bench/peers/go/main.go: same case and metric names), so that they
 * are measured in the same VM boot and line up.
 *
 *   lws-scale [--quick] [--reps N] [--header] [--host] [--big-n N]
 *             [--only CASE,...] [--impls threads,condvar,coro]
 *
 * Impls (--impls; default all three):
 *   threads   "threads-<backend>": pthreads (64 KiB stacks, so that
 *             100,000 of them fit in the VM) on lws channels; <backend> is
 *             lwsw_backend(): "switchto" with /dev/lwswitch, "futex"
 *             without it or with LWSW_BACKEND=futex (run the program twice)
 *   condvar   "pthread-condvar": the same pthreads on the mutex+condvar
 *             channel of bench/common/condchan.h (capacity 0 served as 1)
 *   coro      "coro": coroutines of the coroutine core (lwswitch_coro.h),
 *             workers = online CPUs, on lws channels; every timed loop runs
 *             in a coroutine (a driver spawned per repetition)
 *
 * Cases (--only; default all; run in the order fanout, create,
 * chan-throughput, chan-pingpong, work-per-hop, ring, memory):
 *   ring             ns_per_hop_n<N>, N = 2, 16, 128, 1024, 10000 (--quick:
 *                    up to 1024), and for threads-switchto and coro also
 *                    N = 100,000 (the big ring: --big-n N sets its size, 0
 *                    drops it; none under --quick unless --big-n is given),
 *                    built and measured after every impl's smaller rings,
 *                    with the N = 2 ring measured again beside it
 *                    (ns_per_hop_n2_beside<N>): N units in a ring, each
 *                    blocked in a
 *                    receive on its own unbuffered channel, pass one token
 *                    (a hop budget, decremented per hop); a member forwards
 *                    it with lwsw_chan_sendrecv(next, v - 1, own) (condvar:
 *                    send then receive), i.e. one SWITCHTO per hop on the
 *                    switchto backend.  Per impl the rings are built once
 *                    and stay alive together, and repetitions are
 *                    interleaved across N (as the Go peer does).  A run
 *                    starts at the member after the one the last run ended
 *                    at, so that the members of a run have not run for a
 *                    lap.  Checked per run: the member the token ends at
 *                    and the exact number of receipts (n + 1).  Threads also
 *                    get vcsw_per_hop_n<N> (voluntary context switches of
 *                    the members per hop: about 1 when every hop blocked)
 *                    and, on lws channels, switchto_per_hop_n<N> and
 *                    syscalls_per_hop_n<N> (the library's counters), over
 *                    the timed and warm-up runs, collected by one more lap
 *                    of the token (the census).
 *   memory           the members of the impl's largest ring (threads,
 *                    condvar: 10,000, --quick 1,024; threads-switchto and
 *                    coro: the big ring), each first blocked in a receive
 *                    on one shared unbuffered channel, as the Go peer's
 *                    goroutines; coroutines without a big ring (--quick):
 *                    10,000 blocked on one shared channel, measured last.
 *                    bytes_per_unit: (RSS with all of them blocked - RSS
 *                    before) / N from /proc/self/statm;
 *                    kernel_bytes_per_unit: KernelStack + PageTables of
 *                    /proc/meminfo (system wide), same delta: what RSS
 *                    does not show of a thread; system_bytes_per_unit: the
 *                    fall of MemFree (everything: RSS, kernel stacks, page
 *                    tables, the kernel's task structures), same delta;
 *                    create_ns_per_unit (and cpu_): from the first spawn
 *                    until all N are blocked, per unit; maps_per_unit: new
 *                    memory mappings per unit (vm.max_map_count); units: N
 *                    (a unit "bytes@n=N" when N is not the impl's full-run
 *                    N: 10,000, or 100,000 for threads-switchto and coro).
 *   work-per-hop     ns_per_hop_w<W> and overhead_pct_w<W> (W > 0), W = 0,
 *                    100, 1000, 10000 and 100000 ns: hand-offs with W ns of
 *                    real work before each (bench/common/work.h, calibrated
 *                    once per process against the thread's CPU time: the
 *                    fastest of 7 runs of 10 ms (--quick: 5 ms); row
 *                    work_steps_per_us): a ping-pong of two units (each
 *                    works W, then lwsw_chan_sendrecv() to the other; a hop
 *                    is one direction), and, as ring_ns_per_hop_w<W> and
 *                    ring_overhead_pct_w<W>, a ring of 16 units where each
 *                    works W before forwarding.  overhead_pct = (ns_per_hop
 *                    - W) / W * 100, W being what the steps done take by the
 *                    calibration.  Sized by time, not hops: a repetition
 *                    is about 40 ms (--quick: 8 ms), so W = 100 us costs no
 *                    more than W = 0.
 *   fanout           ns_per_msg_n<N>, N = 1, 4, 16, 64: one producer sends
 *                    1..n on one unbuffered channel, N consumers (started
 *                    before the clock; the channel closed after it)
 *                    receive; count and sum checked exactly.
 *   create           ns_per_unit: spawn a unit that sends i on a channel of
 *                    capacity 1, receive it (checked), join the unit.
 *   chan-throughput  capacity 128, n messages in all, every consumer's sum
 *                    checked; msgs_per_s (1 pair) only for coro (lws-chan
 *                    has the threads' and condvar's), msgs_per_s_pairs4 (4
 *                    pairs on 4 channels) for every impl.
 *   chan-pingpong    coro only (lws-chan has the threads'): a client and a
 *                    server coroutine, request and reply channels
 *                    (unbuffered), lwsw_chan_sendrecv() on both sides, every
 *                    reply checked; ns_per_roundtrip.
 *
 * Nothing is torn down: rings and idle units stay blocked until the process
 * exits (exit_group ends them at once; under TCG 10,000 threads or 100,000
 * coroutine stacks released one by one cost tens of seconds).  So that
 * every impl's rings fit, kernel.threads-max, kernel.pid_max and
 * vm.max_map_count are raised for the run when lower, and restored at exit
 * (bench/vm/guest-bench.sh raises them for the whole run first).
 *
 * Every timed row has a cpu_ row: user + system CPU time of the process per
 * operation (so that spinning shows).  Repetitions: each row is warmed up
 * and calibrated (runs of growing size until one takes a tenth of the
 * target time), then --reps (5) repetitions of about the target time
 * (0.2 s; --quick: 0.02 s; work-per-hop: see there), interleaved across
 * the rows of a case; ring runs are at least 2,000 hops and 2 N (--quick:
 * 500 and N), in rings larger than 10,000 at least 10,000 hops (--quick:
 * 2,000).
 * Progress goes to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <lwswitch.h>
#include <lwswitch_coro.h>

#include "../common/benchutil.h"
#include "../common/procmem.h"
#include "../common/condchan.h"
#include "../common/work.h"

#define THREAD_STACK	(64 * 1024)
#define EXIT_TOKEN	UINT64_MAX	/* condvar channels: "closed" */

enum kind { K_THREADS, K_CONDVAR, K_CORO };

struct impl {
	enum kind kind;
	char name[64];
};

static struct impl impls[3];
static int nimpls;
static int reps = 5, quick;
static double target_ns = 200e6;
static pthread_attr_t tattr;
static uint64_t prog_t0;
static volatile uint64_t work_sink;	/* work-per-hop: the work's results */

static void die(const char *what, int err)
{
	fprintf(stderr, "lws-scale: %s: %s\n", what, strerror(err > 0 ? err : -err));
	exit(1);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("lws-scale: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "lws-scale: [%5.1f s] ", (double)(bench_now_ns() - prog_t0) / 1e9);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- one channel API over lws channels and condchan ---- */

struct xch {
	enum kind kind;
	lwsw_chan_t *lc;
	struct condchan cc;
};

static void xmake(struct xch *c, enum kind kind, size_t cap)
{
	int rc;

	c->kind = kind;
	if (kind == K_CONDVAR) {
		if (condchan_init(&c->cc, cap))
			die("condchan", ENOMEM);
	} else if ((rc = lwsw_chan_make(&c->lc, sizeof(uint64_t), cap))) {
		die("lwsw_chan_make", rc);
	}
}

static void xfree(struct xch *c)
{
	if (c->kind == K_CONDVAR)
		condchan_destroy(&c->cc);
	else
		lwsw_chan_free(c->lc);
}

static int xsend(struct xch *c, uint64_t v)
{
	if (c->kind != K_CONDVAR)
		return lwsw_chan_send(c->lc, &v);
	condchan_send(&c->cc, v);
	return 0;
}

/* -EPIPE: closed (condvar: EXIT_TOKEN received). */
static int xrecv(struct xch *c, uint64_t *v)
{
	if (c->kind != K_CONDVAR)
		return lwsw_chan_recv(c->lc, v);
	*v = condchan_recv(&c->cc);
	return *v == EXIT_TOKEN ? -EPIPE : 0;
}

static int xsendrecv(struct xch *tx, uint64_t out, struct xch *rx, uint64_t *in)
{
	if (tx->kind != K_CONDVAR)
		return lwsw_chan_sendrecv(tx->lc, &out, rx->lc, in);
	condchan_send(&tx->cc, out);
	return xrecv(rx, in);
}

/* Close @c for its @nrecv receivers (condvar: one EXIT_TOKEN each). */
static void xclose(struct xch *c, long nrecv)
{
	int rc;

	if (c->kind != K_CONDVAR) {
		if ((rc = lwsw_chan_close(c->lc)))
			die("lwsw_chan_close", rc);
		return;
	}
	for (long i = 0; i < nrecv; i++)
		condchan_send(&c->cc, EXIT_TOKEN);
}

/* ---- units: threads or coroutines ---- */

struct unit {
	pthread_t t;
	lwsw_co_id_t co;
};

static void spawn(enum kind kind, struct unit *u, void *(*fn)(void *), void *arg)
{
	int rc;

	if (kind == K_CORO) {
		if ((rc = lwsw_co_spawn(&u->co, fn, arg)))
			die("lwsw_co_spawn", rc);
	} else if ((rc = pthread_create(&u->t, &tattr, fn, arg))) {
		die("pthread_create", rc);
	}
}

static void *join(enum kind kind, struct unit *u)
{
	void *res = NULL;
	int rc;

	if (kind == K_CORO)
		rc = lwsw_co_join(u->co, &res);
	else
		rc = pthread_join(u->t, &res);
	if (rc)
		die("join", rc);
	return res;
}

/* Run fn(arg) in the calling thread, or in a coroutine for K_CORO. */
struct call {
	void (*fn)(void *);
	void *arg;
};

static void *call_tramp(void *p)
{
	struct call *c = p;

	c->fn(c->arg);
	return NULL;
}

static void in_ctx(enum kind kind, void (*fn)(void *), void *arg)
{
	struct call c = { fn, arg };
	struct unit u;

	if (kind != K_CORO) {
		fn(arg);
		return;
	}
	spawn(K_CORO, &u, call_tramp, &c);
	join(K_CORO, &u);
}

/* ---- rows: calibration by time, repetitions interleaved ---- */

struct row {
	const struct impl *impl;
	char metric[48], cpu_metric[48];
	int rate;		/* report n per second instead of ns per op */
	double target;		/* ns per repetition; 0: target_ns */
	long min_n, mult_n;
	void (*run)(void *row);	/* cur_n operations; sets w, c (ns) */
	void *ctx;
	long cur_n;
	uint64_t w, c;
	long n;			/* calibrated */
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
};

static void row_init(struct row *r, const struct impl *impl, const char *metric,
		     const char *cpu_metric, void (*run)(void *), void *ctx, long min_n)
{
	memset(r, 0, sizeof(*r));
	r->impl = impl;
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	snprintf(r->cpu_metric, sizeof(r->cpu_metric), "%s", cpu_metric);
	r->run = run;
	r->ctx = ctx;
	r->min_n = min_n;
	r->mult_n = 1;
}

static long round_n(struct row *r, double n)
{
	long v = n < (double)r->min_n ? r->min_n : (long)n;

	return (v + r->mult_n - 1) / r->mult_n * r->mult_n;
}

static void row_once(struct row *r, long n)
{
	r->cur_n = n;
	in_ctx(r->impl->kind, r->run, r);
	if (r->w < 1)
		r->w = 1;
}

static void calibrate(struct row *r)
{
	double target = r->target > 0 ? r->target : target_ns, tenth = target / 10, grow;
	long n = round_n(r, (double)r->min_n);

	for (;;) {
		row_once(r, n);
		if ((double)r->w >= tenth) {
			r->n = round_n(r, (double)n * target / (double)r->w);
			return;
		}
		grow = 1.5 * tenth / (double)r->w;
		grow = grow < 2 ? 2 : grow > 10 ? 10 : grow;
		n = round_n(r, (double)n * grow);
	}
}

static void run_case(const char *cas, struct row *rows, int nrows)
{
	for (int i = 0; i < nrows; i++)
		calibrate(&rows[i]);
	for (int k = 0; k < reps; k++)
		for (int i = 0; i < nrows; i++) {
			struct row *r = &rows[i];

			row_once(r, r->n);
			r->wall[k] = r->rate ? (double)r->n * 1e9 / (double)r->w :
					       (double)r->w / (double)r->n;
			r->cpu[k] = (double)r->c / (double)r->n;
		}
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		bench_row(cas, r->impl->name, r->metric, r->wall, reps, r->rate ? "msgs/s" : "ns");
		bench_row(cas, r->impl->name, r->cpu_metric, r->cpu, reps, "ns");
	}
}

/*
 * The wall clock inside the CPU time's readings: getrusage(RUSAGE_SELF)
 * sums over every thread of the process, which with 100,000 of them costs
 * more than a whole run of a small ring.
 */
static void clock_start(uint64_t *t0, uint64_t *c0)
{
	*c0 = bench_cpu_ns();
	*t0 = bench_now_ns();
}

static void clock_stop(struct row *r, uint64_t t0, uint64_t c0)
{
	r->w = bench_now_ns() - t0;
	r->c = bench_cpu_ns() - c0;
}

/* ---- /proc helpers ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Kernel limits the run needs beyond the defaults of a 2 GiB VM: memory
 * mappings (two per thread or coroutine stack: 65,530 by default),
 * threads (kernel.threads-max: 16,384 there), process ids (one per
 * thread; kernel.pid_max: 32,768 below 32 CPUs) and the module's members
 * (one per thread on the switchto backend: max_members, 16,384 per
 * domain, and max_user_members, 65,536 per user).  Raised for the run
 * when lower, restored at exit (also on SIGINT/SIGTERM/SIGHUP).
 */
struct sysctl {
	const char *path, *name;
	long old;
};

static struct sysctl sysctls[] = {
	{ "/proc/sys/vm/max_map_count", "vm.max_map_count", -1 },
	{ "/proc/sys/kernel/threads-max", "kernel.threads-max", -1 },
	{ "/proc/sys/kernel/pid_max", "kernel.pid_max", -1 },
	{ "/sys/module/lwswitch/parameters/max_members", "lwswitch max_members", -1 },
	{ "/sys/module/lwswitch/parameters/max_user_members", "lwswitch max_user_members", -1 },
};
#define NSYSCTL (int)(sizeof(sysctls) / sizeof(sysctls[0]))

static void sysctl_restore(void)
{
	for (int i = 0; i < NSYSCTL; i++)
		if (sysctls[i].old > 0 && bench_write_long(sysctls[i].path, sysctls[i].old) == 0)
			note("%s restored to %ld", sysctls[i].name, sysctls[i].old);
}

static void sysctl_signal(int sig)
{
	for (int i = 0; i < NSYSCTL; i++)
		if (sysctls[i].old > 0) {
			char buf[32];
			int fd = open(sysctls[i].path, O_WRONLY), len;

			len = snprintf(buf, sizeof(buf), "%ld\n", sysctls[i].old);
			if (fd >= 0 && write(fd, buf, (size_t)len) < 0) {
				/* dying anyway */
			}
		}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Make sysctl @i at least @want; returns the value in force. */
static long sysctl_at_least(int i, long want)
{
	static int hooked;
	long cur = bench_read_long(sysctls[i].path);

	if (cur < 0 || cur >= want)
		return cur;
	if (bench_write_long(sysctls[i].path, want)) {
		note("cannot raise %s from %ld to %ld", sysctls[i].name, cur, want);
		return cur;
	}
	if (sysctls[i].old < 0)
		sysctls[i].old = cur;
	if (!hooked) {
		hooked = 1;
		atexit(sysctl_restore);
		signal(SIGINT, sysctl_signal);
		signal(SIGTERM, sysctl_signal);
		signal(SIGHUP, sysctl_signal);
	}
	note("%s raised from %ld to %ld", sysctls[i].name, cur, want);
	return want;
}

/* Room for @want more units of @per_unit mappings; returns how many fit. */
static long maps_make_room(long want, long per_unit)
{
	long have = bench_nmaps(), cur = sysctl_at_least(0, have + per_unit * want + 4096);

	if (cur < 0 || (cur - have - 4096) / per_unit >= want)
		return want;
	return (cur - have - 4096) / per_unit;
}

/* ---- memory (coroutines) ---- */

static struct xch mem_ch;
static _Atomic long mem_started;

static void *mem_unit(void *arg)
{
	uint64_t v;

	(void)arg;
	atomic_fetch_add(&mem_started, 1);
	xrecv(&mem_ch, &v);		/* never returns: left parked */
	return NULL;
}

/* What the memory rows compare, before and after the units are made. */
struct memsnap {
	long rss, kmem, mfree, maps;
	uint64_t t, c;
};

static void mem_before(struct memsnap *s)
{
	sleep_ms(50);
	s->maps = bench_nmaps();
	s->rss = bench_rss();
	s->kmem = bench_kmem();
	s->mfree = bench_meminfo("MemFree");
	clock_start(&s->t, &s->c);
}

/* Right after the last unit has blocked: the clocks first, wall first. */
static void mem_after(struct memsnap *s)
{
	s->t = bench_now_ns();
	s->c = bench_cpu_ns();
	s->rss = bench_rss_settled();
	s->kmem = bench_kmem();
	s->mfree = bench_meminfo("MemFree");
	s->maps = bench_nmaps();
}

static void memory_rows(const struct impl *im, long n, long want, const struct memsnap *s0,
			const struct memsnap *s1)
{
	char unit[32] = "bytes";
	double dn = (double)n;

	if (n != want)
		snprintf(unit, sizeof(unit), "bytes@n=%ld", n);
	note("memory %s: %ld units made in %.1f s and blocked in a receive: RSS %ld -> %ld KiB, "
	     "kernel stacks + page tables %ld -> %ld KiB, MemFree %ld -> %ld KiB, "
	     "%ld -> %ld mappings", im->name, n, (double)(s1->t - s0->t) / 1e9,
	     s0->rss >> 10, s1->rss >> 10, s0->kmem >> 10, s1->kmem >> 10,
	     s0->mfree >> 10, s1->mfree >> 10, s0->maps, s1->maps);
	bench_row1("memory", im->name, "bytes_per_unit", (double)(s1->rss - s0->rss) / dn, unit);
	if (s0->kmem >= 0 && s1->kmem >= 0)
		bench_row1("memory", im->name, "kernel_bytes_per_unit",
			   (double)(s1->kmem - s0->kmem) / dn, unit);
	if (s0->mfree >= 0 && s1->mfree >= 0)
		bench_row1("memory", im->name, "system_bytes_per_unit",
			   (double)(s0->mfree - s1->mfree) / dn, unit);
	bench_row1("memory", im->name, "create_ns_per_unit", (double)(s1->t - s0->t) / dn, "ns");
	bench_row1("memory", im->name, "cpu_create_ns_per_unit", (double)(s1->c - s0->c) / dn, "ns");
	if (s0->maps >= 0 && s1->maps >= 0)
		bench_row1("memory", im->name, "maps_per_unit", (double)(s1->maps - s0->maps) / dn,
			   "maps");
	bench_row1("memory", im->name, "units", dn, "count");
}

/*
 * Without a big ring (--quick): 10,000 coroutines (100,000 with --big-n 0)
 * each blocked in a receive on one shared unbuffered channel.  They are
 * left parked: the process exits without tearing them down (under TCG
 * unmapping 100,000 stacks one by one costs half a minute), so this runs
 * last.
 */
static void bench_memory_coro(const struct impl *im)
{
	long want = quick ? 10000 : 100000, n;
	struct lwsw_co_attr attr;
	struct memsnap s0, s1;
	int rc;

	n = maps_make_room(want, 2);
	if (n < 1000)
		die("memory: vm.max_map_count too low", ENOMEM);
	lwsw_co_attr_init(&attr);
	attr.flags = LWSW_CO_DETACHED;
	xmake(&mem_ch, im->kind, 0);
	mem_before(&s0);
	for (long i = 0; i < n; i++)
		if ((rc = lwsw_co_spawn_attr(NULL, &attr, mem_unit, NULL)))
			die("lwsw_co_spawn", rc);
	while (atomic_load(&mem_started) < n)
		sleep_ms(1);
	mem_after(&s1);
	memory_rows(im, n, 100000, &s0, &s1);
}

/* ---- ring (and memory of threads) ---- */

static const int ring_sizes[] = { 2, 16, 128, 1024, 10000 };
#define NRING_STD (int)(sizeof(ring_sizes) / sizeof(ring_sizes[0]))
#define NRING_MAX (NRING_STD + 1)
#define BIG_N_FULL 100000
static int nring = NRING_STD;		/* --quick: up to 1024 */
static int big_n = -1;			/* --big-n; -1: BIG_N_FULL, none under --quick */

/* The impls that get the big ring: threads on SWITCHTO, coroutines. */
static int impl_big(const struct impl *im)
{
	return im->kind == K_CORO || (im->kind == K_THREADS && !strcmp(lwsw_backend(), "switchto"));
}

/* The ring sizes of @im, ascending, into @sizes; returns how many. */
static int ring_list(const struct impl *im, int *sizes)
{
	int n = 0;

	for (int i = 0; i < nring; i++)
		sizes[n++] = ring_sizes[i];
	if (big_n > 0 && impl_big(im))
		sizes[n++] = big_n;
	return n;
}

/* The memory rows' N in a full run with the defaults. */
static long mem_want(const struct impl *im)
{
	return impl_big(im) ? BIG_N_FULL : ring_sizes[NRING_STD - 1];
}

/* The census: a token flag; each member records its counters (since the
 * previous census) and passes it on; the value below the flag counts the
 * members still to visit. */
#define CENSUS		(1ull << 62)

struct ring;

struct member {
	struct ring *ring;
	int id;
	struct xch ch;
	struct unit u;
	uint64_t hops;		/* receipts, written by the token holder only */
	uint64_t sink;		/* the result of its work (work-per-hop) */
	long vcsw;		/* at the census */
	uint64_t sys_switchto, syscalls;
} __attribute__((aligned(64)));

struct ring {
	enum kind kind;
	int n;
	struct member *m;
	struct xch done;
	struct xch *gate;	/* the memory case: receive on it first */
	_Atomic long started;
	int next;		/* where the next run starts */
	uint64_t work;		/* steps of work before each forward (work-per-hop) */
	uint64_t receipts;	/* sum of m[].hops after the last run */
	uint64_t hops;		/* member-to-member hops of all runs */
};

static void *ring_member(void *arg)
{
	struct member *m = arg;
	struct ring *rg = m->ring;
	struct xch *next = &rg->m[(m->id + 1) % rg->n].ch;
	long v0 = 0, v1, iv;
	uint64_t v;
	int rc;

	if (rg->kind != K_CORO) {
		lwsw_stats_reset();
		bench_thread_csw(&v0, &iv);
	}
	atomic_fetch_add(&rg->started, 1);
	if (rg->gate && (rc = xrecv(rg->gate, &v)) != -EPIPE)
		die("ring member: gate", rc);
	rc = xrecv(&m->ch, &v);
	while (!rc) {
		if (v & CENSUS) {
			struct lwsw_stats st;

			if (rg->kind != K_CORO) {
				bench_thread_csw(&v1, &iv);
				m->vcsw = v1 - v0;
			}
			if (rg->kind == K_THREADS && !lwsw_stats_get(&st)) {
				m->sys_switchto = st.sys_switchto;
				m->syscalls = st.sys_switchto + st.sys_wake + st.sys_wait +
					      st.sys_futex_wake + st.sys_futex_wait;
			}
			if (v == CENSUS)
				rc = xsendrecv(&rg->done, (uint64_t)m->id, &m->ch, &v);
			else
				rc = xsendrecv(next, v - 1, &m->ch, &v);
			/* Count from here: the next census sees the runs only. */
			if (rg->kind != K_CORO) {
				lwsw_stats_reset();
				bench_thread_csw(&v0, &iv);
			}
			continue;
		}
		m->hops++;
		if (v == 0) {
			rc = xsendrecv(&rg->done, (uint64_t)m->id, &m->ch, &v);
		} else {
			if (rg->work)
				m->sink = bench_work(m->sink, rg->work);
			rc = xsendrecv(next, v - 1, &m->ch, &v);
		}
	}
	die("ring member", rc);
	return NULL;
}

static struct ring *ring_alloc(enum kind kind, int n)
{
	struct ring *rg = calloc(1, sizeof(*rg));

	if (!rg || !(rg->m = aligned_alloc(64, sizeof(*rg->m) * (size_t)n)))
		die("ring", ENOMEM);
	memset(rg->m, 0, sizeof(*rg->m) * (size_t)n);
	rg->kind = kind;
	rg->n = n;
	xmake(&rg->done, kind, 0);
	for (int i = 0; i < n; i++) {
		rg->m[i].ring = rg;
		rg->m[i].id = i;
		xmake(&rg->m[i].ch, kind, 0);
	}
	return rg;
}

/*
 * Ring threads get stacks of their own (64 KiB and a guard page, never
 * freed: they never exit), not glibc's: its cache of stacks of earlier
 * threads, touched already, would hide part of the memory case's cost.
 */
static void ring_spawn_thread(struct member *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *stk = mmap(NULL, THREAD_STACK + page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pthread_attr_t a;
	int rc;

	if (stk == MAP_FAILED)
		die("mmap", errno);
	if (mprotect(stk, page, PROT_NONE))
		die("mprotect", errno);
	pthread_attr_init(&a);
	if ((rc = pthread_attr_setstack(&a, stk + page, THREAD_STACK)) ||
	    (rc = pthread_create(&m->u.t, &a, ring_member, m)))
		die("pthread_create", rc);
	pthread_attr_destroy(&a);
}

static void ring_start(struct ring *rg)
{
	for (int i = 0; i < rg->n; i++)
		if (rg->kind == K_CORO)
			spawn(rg->kind, &rg->m[i].u, ring_member, &rg->m[i]);
		else
			ring_spawn_thread(&rg->m[i]);
	while (atomic_load(&rg->started) < rg->n)
		sleep_ms(1);
}

/* One run: r->cur_n hops, from where the last run ended. */
static void ring_run(void *p)
{
	struct row *r = p;
	struct ring *rg = r->ctx;
	uint64_t t0, c0, id = UINT64_MAX, sum = 0;
	long end = (rg->next + r->cur_n) % rg->n;
	int rc;

	clock_start(&t0, &c0);
	rc = xsendrecv(&rg->m[rg->next].ch, (uint64_t)r->cur_n, &rg->done, &id);
	clock_stop(r, t0, c0);
	if (rc)
		die("ring: start", rc);
	if (id != (uint64_t)end)
		fail("ring n=%d: the token ended at member %llu, want %ld", rg->n,
		     (unsigned long long)id, end);
	rg->next = (int)((end + 1) % rg->n);
	for (int i = 0; i < rg->n; i++)
		sum += rg->m[i].hops;
	if (sum - rg->receipts != (uint64_t)r->cur_n + 1)
		fail("ring n=%d: %llu receipts for %ld hops, want %ld", rg->n,
		     (unsigned long long)(sum - rg->receipts), r->cur_n, r->cur_n + 1);
	rg->receipts = sum;
	rg->hops += (uint64_t)r->cur_n;
}

static void census_run(void *p)
{
	struct ring *rg = p;
	uint64_t id;
	int rc;

	if ((rc = xsendrecv(&rg->m[0].ch, CENSUS | (uint64_t)(rg->n - 1), &rg->done, &id)))
		die("ring: census", rc);
	if (id != (uint64_t)(rg->n - 1))
		fail("ring n=%d: the census ended at member %llu", rg->n, (unsigned long long)id);
}

/*
 * The counters of the members (one more lap, the census).  The rings are
 * left blocked until the process exits: under TCG the exit of 10,000
 * threads one by one costs tens of seconds.
 */
static void ring_report(struct ring *rg, const struct impl *im)
{
	double hops = (double)rg->hops;
	long vcsw = 0;
	uint64_t sw = 0, sys = 0;
	char metric[48];

	if (rg->kind == K_CORO || !rg->hops)
		return;
	in_ctx(rg->kind, census_run, rg);
	for (int i = 0; i < rg->n; i++) {
		vcsw += rg->m[i].vcsw;
		sw += rg->m[i].sys_switchto;
		sys += rg->m[i].syscalls;
	}
	snprintf(metric, sizeof(metric), "vcsw_per_hop_n%d", rg->n);
	bench_row1("ring", im->name, metric, (double)vcsw / hops, "switches");
	if (rg->kind == K_THREADS) {
		snprintf(metric, sizeof(metric), "switchto_per_hop_n%d", rg->n);
		bench_row1("ring", im->name, metric, (double)sw / hops, "calls");
		snprintf(metric, sizeof(metric), "syscalls_per_hop_n%d", rg->n);
		bench_row1("ring", im->name, metric, (double)sys / hops, "calls");
	}
}

/* The min_n of a ring row of @n members. */
static long ring_min_n(int n)
{
	/*
	 * Every member at least twice per run (once under --quick), and
	 * enough hops that the start and the end of a run (a hand-off from
	 * and back to the driver, which may wait for a sleeping CPU) do not
	 * count: calibration by time alone would stop at a few hops when
	 * they take a tenth of the target.  A big ring is not gone round in
	 * every run (under TCG a lap of 100,000 threads takes seconds);
	 * since each run starts where the last one ended, its members have
	 * not run for a lap either.
	 */
	if (n > ring_sizes[NRING_STD - 1])
		return quick ? 2000 : 10000;
	return quick ? (n > 500 ? n : 500) : (2L * n > 2000 ? 2L * n : 2000);
}

/* Build and start a ring of @n; with @memory, the memory rows of it. */
static struct ring *ring_make(const struct impl *im, int n, int memory)
{
	struct ring *rg = ring_alloc(im->kind, n);
	struct memsnap s0, s1;
	struct xch gate;

	if (memory) {
		xmake(&gate, im->kind, 0);
		rg->gate = &gate;
		mem_before(&s0);
	}
	ring_start(rg);
	if (memory) {
		mem_after(&s1);
		memory_rows(im, n, mem_want(im), &s0, &s1);
		xclose(&gate, n);
		/* Every member past the gate (blocked on its own channel). */
		in_ctx(im->kind, census_run, rg);
		xfree(&gate);
		rg->gate = NULL;
	}
	return rg;
}

/* Each impl's rings, by size (NULL: not built). */
static struct ring *impl_rings[3][NRING_MAX];

/*
 * The rings of impl @ii, repetitions interleaved across N.  With @memory
 * the largest ring is also the memory case: its members first block in a
 * receive on one shared unbuffered channel (the gate, as the Go peer's
 * memory case), memory is read, then the gate is closed and they take
 * their places in the ring.  Phase 1: the rings up to 10,000, every impl
 * before any big ring exists.  Phase 2: the big ring, after every impl's
 * phase 1 (a process holding 100,000 threads makes every hop dearer, so
 * the smaller rings are measured without them), and the N = 2 ring again
 * beside it, as ns_per_hop_n2_beside<N>.
 */
static void bench_ring_impl(int ii, int ring, int memory, int phase)
{
	static struct row rows[NRING_MAX];
	const struct impl *im = &impls[ii];
	struct ring **rings = impl_rings[ii];
	char metric[48], cpu_metric[48];
	uint64_t t0 = bench_now_ns();
	int sizes[NRING_MAX], n = ring_list(im, sizes), big = n > nring, total = 0, nr = 0;

	if (phase == 1) {
		int last = nring - 1, first = ring ? 0 : last;

		if (!ring && big)
			return;		/* memory comes with the big ring */

		for (int i = first; i <= last; i++) {
			rings[i] = ring_make(im, sizes[i], memory && !big && i == last);
			total += sizes[i];
			snprintf(metric, sizeof(metric), "ns_per_hop_n%d", sizes[i]);
			snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ns_per_hop_n%d", sizes[i]);
			row_init(&rows[nr++], im, metric, cpu_metric, ring_run, rings[i],
				 ring_min_n(sizes[i]));
		}
	} else {
		if (!big)
			return;
		rings[nring] = ring_make(im, sizes[nring], memory);
		total = sizes[nring];
		snprintf(metric, sizeof(metric), "ns_per_hop_n%d", sizes[nring]);
		snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ns_per_hop_n%d", sizes[nring]);
		row_init(&rows[nr++], im, metric, cpu_metric, ring_run, rings[nring],
			 ring_min_n(sizes[nring]));
		if (rings[0]) {
			snprintf(metric, sizeof(metric), "ns_per_hop_n%d_beside%d", sizes[0], sizes[nring]);
			snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ns_per_hop_n%d_beside%d", sizes[0],
				 sizes[nring]);
			row_init(&rows[nr++], im, metric, cpu_metric, ring_run, rings[0],
				 ring_min_n(sizes[0]));
		}
	}
	note("ring %s: %d members started in %.1f s", im->name, total,
	     (double)(bench_now_ns() - t0) / 1e9);
	if (!ring)
		return;
	run_case("ring", rows, nr);
	/* The counters of each ring once (not of the N = 2 ring again). */
	ring_report(rows[0].ctx, im);
	for (int i = 1; i < nr && phase == 1; i++)
		ring_report(rows[i].ctx, im);
}

/* ---- work-per-hop ---- */

static const long work_ns[] = { 0, 100, 1000, 10000, 100000 };
#define NWORK (int)(sizeof(work_ns) / sizeof(work_ns[0]))
#define WORK_RING 16

/* The ping-pong: the driver (client) and a server unit spawned per run. */
struct wpp {
	enum kind kind;
	struct xch req, rep;
	uint64_t work;		/* steps before each hop */
	long rounds;
	uint64_t sink[2];
};

static void *wpp_server(void *arg)
{
	struct wpp *w = arg;
	uint64_t v = 0, x = w->sink[1];
	int rc;

	rc = xrecv(&w->req, &v);
	for (long i = 0; !rc && i < w->rounds - 1; i++) {
		x = bench_work(x, w->work);
		rc = xsendrecv(&w->rep, v + 1, &w->req, &v);
	}
	x = bench_work(x, w->work);
	if (!rc)
		rc = xsend(&w->rep, v + 1);
	if (rc)
		die("work-per-hop: server", rc);
	w->sink[1] = x;
	return NULL;
}

/* One run: r->cur_n hops (cur_n / 2 round trips), each after the work. */
static void wpp_run(void *p)
{
	struct row *r = p;
	struct wpp *w = r->ctx;
	struct unit u;
	uint64_t t0, c0, v = 0, x = w->sink[0];
	int rc = 0;

	w->rounds = r->cur_n / 2;
	spawn(w->kind, &u, wpp_server, w);
	clock_start(&t0, &c0);
	for (uint64_t i = 0; !rc && i < (uint64_t)w->rounds; i++) {
		x = bench_work(x, w->work);
		rc = xsendrecv(&w->req, i, &w->rep, &v);
		if (!rc && v != i + 1)
			fail("work-per-hop %s: reply %llu to request %llu", r->impl->name,
			     (unsigned long long)v, (unsigned long long)i);
	}
	clock_stop(r, t0, c0);
	if (rc)
		die("work-per-hop: client", rc);
	join(w->kind, &u);
	w->sink[0] = x;
}

/* overhead_pct rows from the (sorted) wall times of @r: W = @work_ns. */
static void overhead_row(struct row *r, const char *metric, double work)
{
	double pct[BENCH_MAX_REPS];

	for (int k = 0; k < reps; k++)
		pct[k] = (r->wall[k] - work) / work * 100;
	bench_row("work-per-hop", r->impl->name, metric, pct, reps, "%");
}

/*
 * Per impl and W, the ping-pong and a ring of WORK_RING units (rings of
 * their own, left parked like the others), every row in one case so that
 * their repetitions interleave.
 */
static void bench_work_per_hop(void)
{
	static struct row rows[3 * 2 * NWORK];
	static struct wpp wpp[3 * NWORK];
	static struct ring *wrings[3 * NWORK];
	double wratio, work[3 * 2 * NWORK];
	long wns[3 * 2 * NWORK];
	char metric[48], cpu_metric[48];
	uint64_t sink = 0;
	int nr = 0, nw = 0;

	bench_work_calibrate(quick ? 5e6 : 10e6, &wratio, &sink);
	note("work-per-hop: %.3f ns per step (wall / CPU time %.2f while calibrating)",
	     bench_work_ns_per_iter, wratio);
	for (int i = 0; i < nimpls; i++) {
		const struct impl *im = &impls[i];

		bench_row1("work-per-hop", im->name, "work_steps_per_us",
			   1000 / bench_work_ns_per_iter, "steps/us");
		for (int j = 0; j < NWORK; j++) {
			uint64_t steps = bench_work_iters((double)work_ns[j]);
			struct wpp *w = &wpp[nw++];
			struct ring *rg;

			w->kind = im->kind;
			w->work = steps;
			w->sink[0] = w->sink[1] = (uint64_t)j;
			xmake(&w->req, im->kind, 0);
			xmake(&w->rep, im->kind, 0);
			snprintf(metric, sizeof(metric), "ns_per_hop_w%ld", work_ns[j]);
			snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ns_per_hop_w%ld", work_ns[j]);
			work[nr] = bench_work_ns(steps);
			wns[nr] = work_ns[j];
			row_init(&rows[nr], im, metric, cpu_metric, wpp_run, w, 20);
			rows[nr].mult_n = 2;
			rows[nr++].target = quick ? 8e6 : 40e6;

			rg = wrings[nw - 1] = ring_alloc(im->kind, WORK_RING);
			rg->work = steps;
			ring_start(rg);
			snprintf(metric, sizeof(metric), "ring_ns_per_hop_w%ld", work_ns[j]);
			snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ring_ns_per_hop_w%ld", work_ns[j]);
			work[nr] = bench_work_ns(steps);
			wns[nr] = work_ns[j];
			row_init(&rows[nr], im, metric, cpu_metric, ring_run, rg, 2 * WORK_RING);
			rows[nr++].target = quick ? 8e6 : 40e6;
		}
	}
	run_case("work-per-hop", rows, nr);
	for (int i = 0; i < nr; i++) {
		if (work[i] <= 0)
			continue;
		snprintf(metric, sizeof(metric), "%soverhead_pct_w%ld",
			 rows[i].run == ring_run ? "ring_" : "", wns[i]);
		overhead_row(&rows[i], metric, work[i]);
	}
	/* The work's results, kept live. */
	for (int i = 0; i < nw; i++) {
		sink += wpp[i].sink[0] + wpp[i].sink[1];
		for (int k = 0; k < WORK_RING; k++)
			sink += wrings[i]->m[k].sink;
	}
	work_sink = sink;
}

/* ---- fanout ---- */

static const int fan_sizes[] = { 1, 4, 16, 64 };
#define NFAN (int)(sizeof(fan_sizes) / sizeof(fan_sizes[0]))

struct fan_consumer {
	struct xch *ch;
	uint64_t cnt, sum;
	struct unit u;
};

static void *fan_consumer(void *arg)
{
	struct fan_consumer *fc = arg;
	uint64_t v, cnt = 0, sum = 0;
	int rc;

	while (!(rc = xrecv(fc->ch, &v))) {
		cnt++;
		sum += v;
	}
	if (rc != -EPIPE)
		die("fanout consumer", rc);
	fc->cnt = cnt;
	fc->sum = sum;
	return NULL;
}

static void fan_run(void *p)
{
	struct row *r = p;
	int nc = (int)(intptr_t)r->ctx;
	enum kind kind = r->impl->kind;
	struct fan_consumer fc[64];
	uint64_t t0, c0, cnt = 0, sum = 0, n = (uint64_t)r->cur_n;
	struct xch ch;
	int rc;

	xmake(&ch, kind, 0);
	for (int k = 0; k < nc; k++) {
		fc[k].ch = &ch;
		spawn(kind, &fc[k].u, fan_consumer, &fc[k]);
	}
	clock_start(&t0, &c0);
	for (uint64_t i = 1; i <= n; i++)
		if ((rc = xsend(&ch, i)))
			die("fanout send", rc);
	clock_stop(r, t0, c0);
	xclose(&ch, nc);
	for (int k = 0; k < nc; k++) {
		join(kind, &fc[k].u);
		cnt += fc[k].cnt;
		sum += fc[k].sum;
	}
	if (cnt != n || sum != n * (n + 1) / 2)
		fail("fanout n=%d %s: %llu messages (sum %llu) received, %llu sent", nc,
		     r->impl->name, (unsigned long long)cnt, (unsigned long long)sum,
		     (unsigned long long)n);
	xfree(&ch);
}

static void bench_fanout(void)
{
	static struct row rows[3 * NFAN];
	char metric[48], cpu_metric[48];
	int nr = 0;

	for (int i = 0; i < nimpls; i++)
		for (int j = 0; j < NFAN; j++) {
			snprintf(metric, sizeof(metric), "ns_per_msg_n%d", fan_sizes[j]);
			snprintf(cpu_metric, sizeof(cpu_metric), "cpu_ns_per_msg_n%d", fan_sizes[j]);
			row_init(&rows[nr++], &impls[i], metric, cpu_metric, fan_run,
				 (void *)(intptr_t)fan_sizes[j], quick ? 200 : 1000);
		}
	run_case("fanout", rows, nr);
}

/* ---- create ---- */

struct create_arg {
	struct xch *done;
	uint64_t v;
};

static void *create_child(void *arg)
{
	struct create_arg *a = arg;
	int rc = xsend(a->done, a->v);

	if (rc)
		die("create: send", rc);
	return NULL;
}

static void create_run(void *p)
{
	struct row *r = p;
	enum kind kind = r->impl->kind;
	struct create_arg a;
	struct xch done;
	struct unit u;
	uint64_t t0, c0, v;
	int rc;

	xmake(&done, kind, 1);
	a.done = &done;
	clock_start(&t0, &c0);
	for (long i = 0; i < r->cur_n; i++) {
		a.v = (uint64_t)i;
		spawn(kind, &u, create_child, &a);
		if ((rc = xrecv(&done, &v)))
			die("create: receive", rc);
		if (v != (uint64_t)i)
			fail("create %s: got %llu from unit %ld", r->impl->name,
			     (unsigned long long)v, i);
		join(kind, &u);
	}
	clock_stop(r, t0, c0);
	xfree(&done);
}

static void bench_create(void)
{
	static struct row rows[3];

	for (int i = 0; i < nimpls; i++)
		row_init(&rows[i], &impls[i], "ns_per_unit", "cpu_ns_per_unit", create_run,
			 NULL, quick ? 20 : 100);
	run_case("create", rows, nimpls);
}

/* ---- chan-throughput ---- */

struct tp_unit {
	struct xch *ch;
	uint64_t n, sum;
	struct unit u;
};

static void *tp_producer(void *arg)
{
	struct tp_unit *t = arg;
	int rc;

	for (uint64_t i = 1; i <= t->n; i++)
		if ((rc = xsend(t->ch, i)))
			die("chan-throughput: send", rc);
	return NULL;
}

static void *tp_consumer(void *arg)
{
	struct tp_unit *t = arg;
	uint64_t v, s = 0;
	int rc;

	for (uint64_t i = 0; i < t->n; i++) {
		if ((rc = xrecv(t->ch, &v)))
			die("chan-throughput: receive", rc);
		s += v;
	}
	t->sum = s;
	return NULL;
}

static void tp_run(void *p)
{
	struct row *r = p;
	int pairs = (int)(intptr_t)r->ctx;
	enum kind kind = r->impl->kind;
	struct tp_unit prod[4], cons[4];
	struct xch ch[4];
	uint64_t t0, c0, per = (uint64_t)r->cur_n / (uint64_t)pairs;

	for (int k = 0; k < pairs; k++) {
		xmake(&ch[k], kind, 128);
		prod[k] = (struct tp_unit){ .ch = &ch[k], .n = per };
		cons[k] = (struct tp_unit){ .ch = &ch[k], .n = per };
	}
	clock_start(&t0, &c0);
	for (int k = 0; k < pairs; k++) {
		spawn(kind, &cons[k].u, tp_consumer, &cons[k]);
		spawn(kind, &prod[k].u, tp_producer, &prod[k]);
	}
	for (int k = 0; k < pairs; k++) {
		join(kind, &cons[k].u);
		join(kind, &prod[k].u);
	}
	clock_stop(r, t0, c0);
	for (int k = 0; k < pairs; k++) {
		if (cons[k].sum != per * (per + 1) / 2)
			fail("chan-throughput %s: sum %llu, want %llu: lost or doubled messages",
			     r->impl->name, (unsigned long long)cons[k].sum,
			     (unsigned long long)(per * (per + 1) / 2));
		xfree(&ch[k]);
	}
}

static void bench_throughput(void)
{
	static struct row rows[4];
	int nr = 0;

	for (int i = 0; i < nimpls; i++) {
		if (impls[i].kind == K_CORO) {
			/* lws-chan has the 1-pair row of the threads and condvar. */
			row_init(&rows[nr], &impls[i], "msgs_per_s", "cpu_ns_per_msg", tp_run,
				 (void *)(intptr_t)1, 10000);
			rows[nr++].rate = 1;
		}
		row_init(&rows[nr], &impls[i], "msgs_per_s_pairs4", "cpu_ns_per_msg_pairs4",
			 tp_run, (void *)(intptr_t)4, 10000);
		rows[nr].mult_n = 4;
		rows[nr++].rate = 1;
	}
	run_case("chan-throughput", rows, nr);
}

/* ---- chan-pingpong (coro) ---- */

struct pp {
	lwsw_chan_t *req, *rep;
	long rounds;
};

static void *pp_server(void *arg)
{
	struct pp *pp = arg;
	uint64_t v = 0, r;
	int rc;

	rc = lwsw_chan_recv(pp->req, &v);
	for (long i = 0; !rc && i < pp->rounds - 1; i++) {
		r = v + 1;
		rc = lwsw_chan_sendrecv(pp->rep, &r, pp->req, &v);
	}
	r = v + 1;
	if (!rc)
		rc = lwsw_chan_send(pp->rep, &r);
	if (rc)
		die("chan-pingpong server", rc);
	return NULL;
}

static void pp_run(void *p)
{
	struct row *r = p;
	struct pp *pp = r->ctx;
	struct unit u;
	uint64_t t0, c0, v;
	int rc = 0;

	pp->rounds = r->cur_n;
	spawn(K_CORO, &u, pp_server, pp);
	clock_start(&t0, &c0);
	for (uint64_t i = 0; !rc && i < (uint64_t)r->cur_n; i++) {
		rc = lwsw_chan_sendrecv(pp->req, &i, pp->rep, &v);
		if (!rc && v != i + 1)
			fail("chan-pingpong coro: reply %llu to request %llu",
			     (unsigned long long)v, (unsigned long long)i);
	}
	clock_stop(r, t0, c0);
	if (rc)
		die("chan-pingpong client", rc);
	join(K_CORO, &u);
}

static void bench_pingpong(void)
{
	static struct row row;
	struct pp pp;
	int rc;

	for (int i = 0; i < nimpls; i++) {
		if (impls[i].kind != K_CORO)
			continue;
		if ((rc = lwsw_chan_make(&pp.req, sizeof(uint64_t), 0)) ||
		    (rc = lwsw_chan_make(&pp.rep, sizeof(uint64_t), 0)))
			die("lwsw_chan_make", rc);
		row_init(&row, &impls[i], "ns_per_roundtrip", "cpu_ns_per_roundtrip", pp_run,
			 &pp, 1000);
		run_case("chan-pingpong", &row, 1);
		lwsw_chan_free(pp.req);
		lwsw_chan_free(pp.rep);
	}
}

/* ---- main ---- */

static int in_list(const char *list, const char *name)
{
	char buf[256], *save, *tok;

	if (!list)
		return 1;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: lws-scale [--quick] [--reps N] [--header] [--host] [--big-n N] "
		"[--only memory,ring,fanout,create,chan-throughput,chan-pingpong,work-per-hop] "
		"[--impls threads,condvar,coro]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "header", no_argument, NULL, 'H' },
		{ "host", no_argument, NULL, 'h' },
		{ "only", required_argument, NULL, 'o' },
		{ "impls", required_argument, NULL, 'i' },
		{ "big-n", required_argument, NULL, 'b' },
		{ 0 }
	};
	static const char *const cases[] = { "memory", "ring", "fanout", "create",
					     "chan-throughput", "chan-pingpong", "work-per-hop" };
	const char *only = NULL, *want = "threads,condvar,coro";
	int c, header = 0, host = 0, rc, coro = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quick = 1; break;
		case 'r': reps = atoi(optarg); break;
		case 'H': header = 1; break;
		case 'h': host = 1; break;
		case 'o': only = optarg; break;
		case 'i': want = optarg; break;
		case 'b': big_n = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || reps < 1 || reps > BENCH_MAX_REPS)
		usage();
	if (only) {
		char buf[256], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", only);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			size_t i = 0;

			while (i < sizeof(cases) / sizeof(cases[0]) && strcmp(cases[i], tok))
				i++;
			if (i == sizeof(cases) / sizeof(cases[0]))
				usage();
		}
	}
	target_ns = quick ? 20e6 : 200e6;
	nring = quick ? NRING_STD - 1 : NRING_STD;
	if (big_n < 0)
		big_n = quick ? 0 : BIG_N_FULL;
	if (big_n > 0 && big_n <= ring_sizes[nring - 1])
		usage();
	prog_t0 = bench_now_ns();
	rc = lwsw_init();
	if (rc && rc != -ENOENT)
		die("lwsw_init", rc);
	bench_set_kernel(host);

	if (in_list(want, "threads")) {
		impls[nimpls].kind = K_THREADS;
		snprintf(impls[nimpls++].name, sizeof(impls[0].name), "threads-%s", lwsw_backend());
	}
	if (in_list(want, "condvar")) {
		impls[nimpls].kind = K_CONDVAR;
		snprintf(impls[nimpls++].name, sizeof(impls[0].name), "pthread-condvar");
	}
	if (in_list(want, "coro")) {
		impls[nimpls].kind = K_CORO;
		snprintf(impls[nimpls++].name, sizeof(impls[0].name), "coro");
		coro = 1;
	}
	if (!nimpls)
		usage();
	pthread_attr_init(&tattr);
	if ((rc = pthread_attr_setstacksize(&tattr, THREAD_STACK)))
		die("pthread_attr_setstacksize", rc);
	if (coro && (rc = lwsw_co_start(NULL)))
		die("lwsw_co_start", rc);
	{
		/* Everything stays alive to the end: every impl's rings. */
		long units = 0, threads = 0;

		for (int i = 0; i < nimpls; i++) {
			int sizes[NRING_MAX], nr = ring_list(&impls[i], sizes);
			long u = in_list(only, "work-per-hop") ? NWORK * (WORK_RING + 1) : 0;

			for (int j = 0; j < nr; j++)
				u += sizes[j];
			units += u;
			threads += impls[i].kind != K_CORO ? u : 0;
		}
		sysctl_at_least(1, threads + 4096);
		sysctl_at_least(2, threads + 32768);
		if (!strcmp(lwsw_backend(), "switchto")) {
			sysctl_at_least(3, threads + 1024);
			sysctl_at_least(4, threads + 1024);
		}
		maps_make_room(units, 2);
	}
	if (header)
		bench_header();
	note("backend %s, %s, %ld CPUs, coroutine workers %u, thread stacks %d KiB",
	     lwsw_backend(), quick ? "quick" : "full", sysconf(_SC_NPROCESSORS_ONLN),
	     lwsw_co_workers(), THREAD_STACK / 1024);

	if (in_list(only, "fanout")) {
		note("fanout ...");
		bench_fanout();
	}
	if (in_list(only, "create")) {
		note("create ...");
		bench_create();
	}
	if (in_list(only, "chan-throughput")) {
		note("chan-throughput ...");
		bench_throughput();
	}
	if (in_list(only, "chan-pingpong")) {
		note("chan-pingpong ...");
		bench_pingpong();
	}
	if (in_list(only, "work-per-hop")) {
		note("work-per-hop ...");
		bench_work_per_hop();
	}
	/*
	 * The rings last: their parked threads stay to the end, so the cases
	 * that spawn threads (fanout, create, chan-throughput, work-per-hop)
	 * run before, in a process without 100,000 parked threads.  Memory
	 * comes with the largest ring (its members), for coroutines when they
	 * have a big ring.
	 */
	for (int phase = 1; phase <= 2; phase++)
		for (int i = 0; i < nimpls; i++) {
			int ring = in_list(only, "ring"), mem = in_list(only, "memory");

			mem = mem && (impls[i].kind != K_CORO || big_n > 0);
			if ((!ring && !mem) || (phase == 2 && !(big_n > 0 && impl_big(&impls[i]))))
				continue;
			note("ring %s%s ...", impls[i].name, phase == 2 ? " (the big ring)" : "");
			bench_ring_impl(i, ring, mem, phase);
		}
	if (coro && big_n <= 0 && in_list(only, "memory")) {
		note("memory coro ...");
		bench_memory_coro(&impls[nimpls - 1]);
	}
	/*
	 * Nothing is torn down: the rings (and the coroutines of the memory
	 * case) stay blocked until exit_group() ends them all at once.
	 */
	note("done");
	fflush(stdout);
	exit(0);
}
