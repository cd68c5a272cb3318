// SPDX-License-Identifier: GPL-2.0
/*
 * lws-pingpong: strict two-thread ping-pong round trips, one hand-off
 * mechanism per row, measured in one process (so in one VM boot) so that
 * ratios between rows mean something.
 *
 *   switchto      LWSWITCH_IOC_SWITCHTO both ways (one system call per hop),
 *                 in the module's default hand-off mode
 *   switchto-block  the same with handoff=block: the caller sleeps at once
 *   switchto-yield  the same with handoff=yield (the directed hand-off);
 *                 both mode rows on every kernel, one of them repeating
 *                 the default, so that kernels compare mode by mode
 *   switchto-pinned  the same, both threads pinned to one CPU: the module's
 *                 hand-off with placement for free, which separates the
 *                 placement's cost from the rest
 *   futex         FUTEX_WAKE + FUTEX_WAIT, threads unpinned
 *   futex-pinned  the same, both threads pinned to one CPU
 *   yield-pinned  sched_yield() until it is my turn, both pinned to one CPU:
 *                 the floor for any kernel-mediated hand-off
 *   getppid       a null system call
 *
 * The hand-off mode is the module parameter handoff, writable at run time
 * and read by the module once per SWITCHTO: each repetition of a row sets
 * its mode before its threads start and puts the default back after.
 *
 * case=cotenant (without --only, or named in it): a CPU-bound thread
 * and a ping-pong pair, all three pinned to CPU 0, for 2 s of wall time;
 * metric hog_cpu_pct is the CPU-bound thread's share of that time, with
 * the pair's ns_per_roundtrip beside it, for switchto, switchto-block,
 * switchto-yield and futex-pinned.  A hand-off must not take more than
 * its share of a shared CPU: a runnable waiter is a queued task, and the
 * scheduler's fairness between it, its partner and the third thread
 * decides.
 *
 * Each row: one warm-up repetition, then --reps timed repetitions; the
 * median is reported with p10/p90 (nearest rank) and the count.  Proof
 * that each hop really blocked: context switches per hop (voluntary, or
 * for sched_yield, which the kernel counts as involuntary, all of them),
 * from getrusage(RUSAGE_THREAD) on both threads, in a separate untimed
 * repetition that also records, with getcpu(), how often the resumed
 * thread ran on the CPU of the thread that resumed it.  Strict
 * alternation: in the warm-up and that probe, the holder of the turn
 * counts each hop in a shared sequence and each side checks, on getting
 * the turn, that the sequence moved by exactly one hop of the peer's;
 * any other value (a stray wake-up, both running at once) fails the run.
 *
 * The clock is read by thread 0, which starts the first hop and gets the
 * last one back: not by the main thread, which under QEMU's icount (one
 * host thread running the vCPUs in turn) could sit on the other vCPU,
 * not yet run, while the pinned pair ran whole repetitions on theirs.
 *
 * Output: CSV rows "kernel,case,impl,metric,value,unit,p10,p90,runs".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/lwswitch.h>

#include "../common/benchutil.h"

static int reps = 5;
static long scale = 1;			/* divides iteration counts (--quick) */

static void die(const char *what, int err)
{
	fprintf(stderr, "lws-pingpong: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- the mechanisms: one hop = give the turn to the peer and wait ---- */

enum mech { M_SWITCHTO, M_FUTEX, M_YIELD };

struct pp {
	enum mech mech;
	int pinned;
	const char *handoff;		/* module mode for the run, or NULL */
	long iters;			/* round trips */
	int probe;			/* record CPUs and context switches */
	int check;			/* check strict alternation */
	/* switchto */
	int fd;
	uint32_t handle[2];
	/* futex and yield */
	uint32_t turn __attribute__((aligned(64)));
	/* the hops so far, counted by the turn's holder (with check) */
	long seq __attribute__((aligned(64)));
	/* thread 0's clock readings: wall and process CPU ns */
	uint64_t t0, t1, c0, c1;
	/* probe results */
	int last_cpu __attribute__((aligned(64)));
	long same_cpu[2], hops[2];
	long vcsw[2], ivcsw[2];
	/* cotenant: thread 0 stops at its turn once ->stop is set */
	volatile int stop, done;
	long rounds;
	pthread_barrier_t start;
};

#define HANDOFF_PARAM "/sys/module/lwswitch/parameters/handoff"

static char handoff_default[16];	/* "yield" or "block", or "" */

static void handoff_read_default(void)
{
	FILE *f = fopen(HANDOFF_PARAM, "r");

	if (!f)
		return;
	if (!fgets(handoff_default, sizeof(handoff_default), f))
		handoff_default[0] = 0;
	handoff_default[strcspn(handoff_default, "\n")] = 0;
	fclose(f);
}

static void handoff_set(const char *mode)
{
	int fd = open(HANDOFF_PARAM, O_WRONLY);

	if (fd < 0 || write(fd, mode, strlen(mode)) < 0)
		die("set " HANDOFF_PARAM, errno);
	close(fd);
}

static long sys_futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void hop_ioctl(struct pp *pp, unsigned long cmd, uint32_t target)
{
	struct lwswitch_hop h = { .target = target };

	if (ioctl(pp->fd, cmd, &h))
		die("switchto ioctl", errno);
}

/* Pass the turn from @me to the peer and return when it comes back. */
static void hand_over(struct pp *pp, int me, int last)
{
	uint32_t peer = !me;

	switch (pp->mech) {
	case M_SWITCHTO:
		hop_ioctl(pp, last ? LWSWITCH_IOC_WAKE : LWSWITCH_IOC_SWITCHTO,
			  pp->handle[peer]);
		break;
	case M_FUTEX:
		__atomic_store_n(&pp->turn, peer, __ATOMIC_RELEASE);
		sys_futex(&pp->turn, FUTEX_WAKE_PRIVATE, 1);
		if (last)
			break;
		while (__atomic_load_n(&pp->turn, __ATOMIC_ACQUIRE) != (uint32_t)me)
			sys_futex(&pp->turn, FUTEX_WAIT_PRIVATE, peer);
		break;
	case M_YIELD:
		__atomic_store_n(&pp->turn, peer, __ATOMIC_RELEASE);
		if (last)
			break;
		while (__atomic_load_n(&pp->turn, __ATOMIC_ACQUIRE) != (uint32_t)me)
			sched_yield();
		break;
	}
}

/* Wait for the first turn (thread 1 only). */
static void first_turn(struct pp *pp, int me)
{
	switch (pp->mech) {
	case M_SWITCHTO:
		hop_ioctl(pp, LWSWITCH_IOC_WAIT, 0);
		break;
	case M_FUTEX:
		while (__atomic_load_n(&pp->turn, __ATOMIC_ACQUIRE) != (uint32_t)me)
			sys_futex(&pp->turn, FUTEX_WAIT_PRIVATE, !me);
		break;
	case M_YIELD:
		while (__atomic_load_n(&pp->turn, __ATOMIC_ACQUIRE) != (uint32_t)me)
			sched_yield();
		break;
	}
}

/* Record, on waking, whether we run where our resumer ran. */
static inline void probe_wake(struct pp *pp, int me)
{
	pp->same_cpu[me] += sched_getcpu() == pp->last_cpu;
	pp->hops[me]++;
}

/* With the turn: the peer's hop must have been the last one, @want. */
static void check_turn(struct pp *pp, long want, int hop)
{
	long seq = __atomic_load_n(&pp->seq, __ATOMIC_RELAXED);

	if (seq != want) {
		fprintf(stderr, "lws-pingpong: the threads did not alternate: hop %ld where %ld was due\n",
			seq, want);
		exit(1);
	}
	if (hop)
		__atomic_store_n(&pp->seq, seq + 1, __ATOMIC_RELAXED);
}

static void *pp_thread(void *arg)
{
	struct pp *pp = ((void **)arg)[0];
	int me = (int)(long)((void **)arg)[1];
	long v0, i0, v1, i1;

	if (pp->pinned)
		bench_pin(0);
	if (pp->mech == M_SWITCHTO) {
		struct lwswitch_register r = { 0 };

		if (ioctl(pp->fd, LWSWITCH_IOC_REGISTER, &r))
			die("register", errno);
		pp->handle[me] = r.handle;
	}
	pthread_barrier_wait(&pp->start);
	bench_thread_csw(&v0, &i0);
	if (me == 0) {
		pp->t0 = bench_now_ns();
		pp->c0 = bench_cpu_ns();
	}
	if (me == 1) {
		first_turn(pp, me);
		if (pp->probe)
			probe_wake(pp, me);
	}
	for (long i = 0; i < pp->iters; i++) {
		int last = me == 1 && i == pp->iters - 1;

		if (pp->check)
			check_turn(pp, 2 * i + me, 1);
		if (pp->probe)
			pp->last_cpu = sched_getcpu();
		hand_over(pp, me, last);
		if (pp->probe && !last)
			probe_wake(pp, me);
	}
	if (me == 0) {
		pp->t1 = bench_now_ns();
		pp->c1 = bench_cpu_ns();
		if (pp->check)
			check_turn(pp, 2 * pp->iters, 0);
	}
	bench_thread_csw(&v1, &i1);
	pp->vcsw[me] = v1 - v0;
	pp->ivcsw[me] = i1 - i0;
	if (pp->mech == M_SWITCHTO) {
		struct lwswitch_register r = { 0 };

		ioctl(pp->fd, LWSWITCH_IOC_UNREGISTER, &r);
	}
	return NULL;
}

/* One repetition: returns wall ns per round trip; *cpu gets CPU ns. */
static double pp_run(struct pp *pp, double *cpu)
{
	pthread_t t[2];
	void *args[2][2] = { { pp, (void *)0L }, { pp, (void *)1L } };

	if (pp->handoff)
		handoff_set(pp->handoff);
	pp->turn = 0;
	pp->seq = 0;
	memset(pp->same_cpu, 0, sizeof(pp->same_cpu));
	memset(pp->hops, 0, sizeof(pp->hops));
	pthread_barrier_init(&pp->start, NULL, 3);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, pp_thread, args[i]))
			die("pthread_create", errno);
	pthread_barrier_wait(&pp->start);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	*cpu = (double)(pp->c1 - pp->c0) / (double)pp->iters;
	pthread_barrier_destroy(&pp->start);
	if (pp->handoff)
		handoff_set(handoff_default);
	return (double)(pp->t1 - pp->t0) / (double)pp->iters;
}

/*
 * One row of the comparison.  Repetitions are interleaved across rows
 * (the first repetition of every row, then the second, ...), so that a
 * drift of the host's speed during the run hits every row alike and the
 * same-run ratios stay meaningful.
 */
struct impl {
	const char *name;
	enum mech mech;		/* ignored for the null system call */
	int pinned, syscall;
	const char *handoff;	/* switchto: the mode, NULL for the default */
	long iters;
	struct pp pp;
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
};

/* One repetition of @im: a ping-pong, or a loop of null system calls. */
static double impl_run(struct impl *im, double *cpu)
{
	uint64_t t0, c0;

	if (!im->syscall)
		return pp_run(&im->pp, cpu);
	t0 = bench_now_ns();
	c0 = bench_cpu_ns();
	for (long i = 0; i < im->iters; i++)
		syscall(SYS_getppid);
	*cpu = (double)(bench_cpu_ns() - c0) / (double)im->iters;
	return (double)(bench_now_ns() - t0) / (double)im->iters;
}

static void impl_init(struct impl *im)
{
	double c;

	im->iters /= scale;
	im->pp = (struct pp){ .mech = im->mech, .pinned = im->pinned, .fd = -1,
			      .handoff = im->handoff };
	if (!im->syscall && im->mech == M_SWITCHTO) {
		im->pp.fd = open("/dev/lwswitch", O_RDWR | O_CLOEXEC);
		if (im->pp.fd < 0)
			die("/dev/lwswitch", errno);
	}
	/* Warm-up: a tenth of a repetition. */
	im->pp.iters = im->iters / 10 > 10 ? im->iters / 10 : 10;
	im->pp.check = 1;
	impl_run(im, &c);
	im->pp.check = 0;
	im->pp.iters = im->iters;
}

static void impl_report(struct impl *im)
{
	struct pp *pp = &im->pp;
	double c, hops;

	if (im->syscall) {
		bench_row("null-syscall", im->name, "ns", im->wall, reps, "ns");
		return;
	}
	bench_row("pingpong", im->name, "ns_per_roundtrip", im->wall, reps, "ns");
	bench_row("pingpong", im->name, "cpu_ns_per_roundtrip", im->cpu, reps, "ns");

	/* The untimed probe: placement and proof of blocking. */
	pp->probe = pp->check = 1;
	pp_run(pp, &c);
	hops = 2.0 * (double)pp->iters;
	bench_row1("pingpong", im->name, "same_cpu_pct",
		   100.0 * (double)(pp->same_cpu[0] + pp->same_cpu[1]) /
		   (double)(pp->hops[0] + pp->hops[1]), "%");
	bench_row1("pingpong", im->name, "vcsw_per_hop",
		   (double)(pp->vcsw[0] + pp->vcsw[1]) / hops, "switches");
	bench_row1("pingpong", im->name, "csw_per_hop",
		   (double)(pp->vcsw[0] + pp->vcsw[1] + pp->ivcsw[0] + pp->ivcsw[1]) / hops,
		   "switches");
	if (pp->fd >= 0)
		close(pp->fd);
}

/* ---- case=cotenant: a CPU-bound thread beside a ping-pong pair ---- */

#define COTENANT_NS	2000000000ull

struct hog {
	volatile int stop;
	uint64_t cpu_ns;
	pthread_barrier_t *start;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *hog_thread(void *arg)
{
	struct hog *h = arg;
	volatile unsigned long sink = 0;
	uint64_t c0;

	bench_pin(0);
	pthread_barrier_wait(h->start);
	c0 = thread_cpu_ns();
	while (!h->stop)
		sink++;
	h->cpu_ns = thread_cpu_ns() - c0;
	return NULL;
}

/* The pair: thread 0 ends it at its turn once ->stop is set. */
static void *co_thread(void *arg)
{
	struct pp *pp = ((void **)arg)[0];
	int me = (int)(long)((void **)arg)[1];

	bench_pin(0);
	if (pp->mech == M_SWITCHTO) {
		struct lwswitch_register r = { 0 };

		if (ioctl(pp->fd, LWSWITCH_IOC_REGISTER, &r))
			die("register", errno);
		pp->handle[me] = r.handle;
	}
	pthread_barrier_wait(&pp->start);
	if (me == 1) {
		first_turn(pp, me);
		while (!pp->done)
			hand_over(pp, me, 0);
	} else {
		for (;;) {
			if (pp->stop) {
				pp->done = 1;
				hand_over(pp, me, 1);
				break;
			}
			hand_over(pp, me, 0);
			pp->rounds++;
		}
	}
	if (pp->mech == M_SWITCHTO) {
		struct lwswitch_register r = { 0 };

		ioctl(pp->fd, LWSWITCH_IOC_UNREGISTER, &r);
	}
	return NULL;
}

static void cotenant_run(const char *name, enum mech mech, const char *handoff)
{
	struct pp pp = { .mech = mech, .pinned = 1, .fd = -1 };
	struct hog h = { .start = &pp.start };
	void *args[2][2] = { { &pp, (void *)0L }, { &pp, (void *)1L } };
	struct timespec ts = { .tv_sec = COTENANT_NS / 1000000000ull,
			       .tv_nsec = COTENANT_NS % 1000000000ull };
	pthread_t t[3];
	uint64_t t0, wall;

	if (mech == M_SWITCHTO) {
		pp.fd = open("/dev/lwswitch", O_RDWR | O_CLOEXEC);
		if (pp.fd < 0)
			die("/dev/lwswitch", errno);
	}
	if (handoff)
		handoff_set(handoff);
	pthread_barrier_init(&pp.start, NULL, 4);
	if (pthread_create(&t[2], NULL, hog_thread, &h))
		die("pthread_create", errno);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, co_thread, args[i]))
			die("pthread_create", errno);
	pthread_barrier_wait(&pp.start);
	t0 = bench_now_ns();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	pp.stop = 1;
	h.stop = 1;
	wall = bench_now_ns() - t0;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&pp.start);
	if (handoff)
		handoff_set(handoff_default);
	if (pp.fd >= 0)
		close(pp.fd);
	bench_row1("cotenant", name, "hog_cpu_pct",
		   100.0 * (double)h.cpu_ns / (double)wall, "%");
	bench_row1("cotenant", name, "ns_per_roundtrip",
		   pp.rounds ? (double)wall / (double)pp.rounds : 0.0, "ns");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lws-pingpong [--quick] [--reps N] [--only LIST] [--suffix S] [--header]\n"
		"  LIST: comma-separated of switchto,switchto-block,switchto-yield,\n"
		"        switchto-pinned,futex,futex-pinned,yield-pinned,getppid,cotenant\n");
	exit(2);
}

static int wanted(const char *only, const char *name)
{
	char buf[256], *tok, *save;

	if (!only)
		return 1;
	snprintf(buf, sizeof(buf), "%s", only);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "suffix", required_argument, NULL, 's' },
		{ "header", no_argument, NULL, 'H' },
		{ 0 }
	};
	static struct impl impls[] = {
		{ .name = "switchto", .mech = M_SWITCHTO, .iters = 20000 },
		{ .name = "switchto-block", .mech = M_SWITCHTO, .iters = 20000,
		  .handoff = "block" },
		{ .name = "switchto-yield", .mech = M_SWITCHTO, .iters = 20000,
		  .handoff = "yield" },
		{ .name = "switchto-pinned", .mech = M_SWITCHTO, .pinned = 1, .iters = 20000 },
		{ .name = "futex", .mech = M_FUTEX, .iters = 5000 },
		{ .name = "futex-pinned", .mech = M_FUTEX, .pinned = 1, .iters = 20000 },
		{ .name = "yield-pinned", .mech = M_YIELD, .pinned = 1, .iters = 20000 },
		{ .name = "getppid", .syscall = 1, .iters = 200000 },
	};
	struct impl *sel[sizeof(impls) / sizeof(impls[0])];
	const char *only = NULL;
	int c, n = 0, header = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': scale = 4; break;
		case 'r': reps = atoi(optarg); break;
		case 'o': only = optarg; break;
		case 's': bench_suffix = optarg; break;
		case 'H': header = 1; break;
		default: usage();
		}
	}
	if (reps < 1 || reps > BENCH_MAX_REPS)
		usage();
	bench_set_kernel(0);
	if (header)
		bench_header();
	handoff_read_default();

	for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
		const char *mode = impls[i].handoff;

		if (!wanted(only, impls[i].name))
			continue;
		/* A mode row needs the parameter. */
		if (mode && !handoff_default[0])
			continue;
		sel[n++] = &impls[i];
	}
	for (int i = 0; i < n; i++)
		impl_init(sel[i]);
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			sel[i]->wall[r] = impl_run(sel[i], &sel[i]->cpu[r]);
	for (int i = 0; i < n; i++)
		impl_report(sel[i]);
	if (wanted(only, "cotenant")) {
		cotenant_run("switchto", M_SWITCHTO, NULL);
		if (handoff_default[0]) {
			cotenant_run("switchto-block", M_SWITCHTO, "block");
			cotenant_run("switchto-yield", M_SWITCHTO, "yield");
		}
		cotenant_run("futex-pinned", M_FUTEX, NULL);
	}
	return 0;
}
