// SPDX-License-Identifier: GPL-2.0
/*
 * lws-host-boost: Boost.Context (Debian's libboost-context-dev) as a
 * coroutine peer (CSV rows, bench/common/benchutil.h, kernel column "host").
 *
 *   pingpong, impl boost-context, ns_per_roundtrip: the raw fcontext round
 *   trip: the main context jump_fcontext()s into a context made by
 *   make_fcontext() on a 64 KiB mmap'd stack, which jump_fcontext()s
 *   straight back (2 jumps; each saves the callee-saved registers, MXCSR
 *   and the x87 control word, as lwsw_ctx_switch() does).  Boost's own
 *   performance page measures this ("~9 ns / 19 cycles").
 *   pingpong, impl boost-context-fiber: the same round trip through the
 *   public boost::context::fiber API (resume() both ways; fixedsize_stack):
 *   still no scheduler (Boost.Fiber's scheduler is lws-boost-fiber's).
 * Each with cpu_ns_per_roundtrip beside it.  libboost_context is linked
 * statically, as liblwswitch is into the lwswitch programs (no PLT call).
 *
 *   lws-host-boost [-q] [-r REPS] [interleaved]
 *
 * interleaved: the coroutine core's yield round trip (two coroutines on
 * one worker yielding to each other, as lws-host-coro's coro row) and the
 * fcontext round trip above, measured in alternating windows of the same
 * thread, from inside a coroutine (a jump_fcontext() round trip leaves
 * and re-enters the coroutine's stack; the scheduler never sees it).
 * Before each pair of windows a short burst of independent additions
 * times the core's spare integer throughput: on this project's machine
 * (itself a virtual machine) it halves now and then for a few hundred
 * milliseconds, the signature of the physical core's other hardware
 * thread competing for the execution units, and the yield round trip
 * slows by far more than the bare switches then.  Rows (case pingpong,
 * impl coro):
 *   boost_ratio_interleaved        median over the windows of coro / fcontext
 *   boost_ratio_interleaved_quiet  the same over the windows whose burst
 *   boost_ratio_interleaved_busy   took < 1.5x / >= 1.5x the fastest burst
 *                                  of the run (each only with >= 5 windows;
 *                                  relative, so a run that never saw a quiet
 *                                  core calls its least busy windows quiet)
 *   busy_window_pct                the share of "busy" windows, %.
 * -r has no effect on it; -q: 150 pairs of windows instead of 600.
 */
#include <sys/mman.h>

#include <lwswitch.h>
#include <lwswitch_coro.h>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

extern "C" {
#include "../../host/hostutil.h"
}

namespace bctx = boost::context;
namespace bdet = boost::context::detail;

static bdet::fcontext_t peer;

static void bounce(bdet::transfer_t t)
{
	for (;;)
		t = bdet::jump_fcontext(t.fctx, nullptr);
}

static void pp_fcontext(long n)
{
	bdet::fcontext_t p = peer;

	for (long i = 0; i < n; i++)
		p = bdet::jump_fcontext(p, nullptr).fctx;
	peer = p;
}

static bctx::fiber fib;

static void pp_fiber(long n)
{
	for (long i = 0; i < n; i++)
		fib = std::move(fib).resume();
}

static void measure(const char *impl, void (*fn)(long), long n)
{
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];

	fn(n / 10);	/* warm-up */
	for (int r = 0; r < host_reps; r++) {
		uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();

		fn(n);
		wall[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = (double)(bench_cpu_ns() - c0) / (double)n;
	}
	bench_row("pingpong", impl, "ns_per_roundtrip", wall, host_reps, "ns");
	bench_row("pingpong", impl, "cpu_ns_per_roundtrip", cpu, host_reps, "ns");
}

/* ---- interleaved: the coroutine core and fcontext in the same windows ---- */

/* Eight independent additions per iteration: throughput-bound, so it
 * slows when another hardware thread competes for the integer units. */
static __attribute__((noinline)) uint64_t alu_burst(long n)
{
	uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;

	for (long i = 0; i < n; i++)
		__asm__ volatile("add %0, %1\n\tadd %2, %3\n\tadd %4, %5\n\tadd %6, %7\n\t"
				 "add %1, %0\n\tadd %3, %2\n\tadd %5, %4\n\tadd %7, %6"
				 : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g), "+r"(h));
	return a + b + c + d + e + f + g + h;
}

static const int IL_MAX = 1000;
static int il_windows;
static long il_n;
static double il_coro[IL_MAX], il_boost[IL_MAX], il_burst[IL_MAX];
static volatile int il_stop;
static uint64_t il_sink;
static int il_err;

static void *il_yielder(void *)
{
	while (!il_stop)
		lwsw_co_yield();
	return nullptr;
}

static void *il_main(void *)
{
	lwsw_co_id_t other;

	if ((il_err = lwsw_co_spawn(&other, il_yielder, nullptr)))
		return nullptr;
	lwsw_co_yield();		/* the other one has run: a stack, a frame */
	pp_fcontext(il_n / 10);	/* warm-up, both */
	for (long i = 0; i < il_n / 10; i++)
		lwsw_co_yield();
	for (int w = 0; w < il_windows; w++) {
		uint64_t t0 = bench_now_ns();

		il_sink += alu_burst(20000);
		il_burst[w] = (double)(bench_now_ns() - t0);
		/* Alternate which goes first, so neither always follows the burst. */
		for (int k = 0; k < 2; k++) {
			t0 = bench_now_ns();
			if ((w + k) % 2 == 0) {
				for (long i = 0; i < il_n; i++)
					lwsw_co_yield();
				il_coro[w] = (double)(bench_now_ns() - t0) / (double)il_n;
			} else {
				pp_fcontext(il_n);
				il_boost[w] = (double)(bench_now_ns() - t0) / (double)il_n;
			}
		}
	}
	il_stop = 1;
	il_err = lwsw_co_join(other, nullptr);
	return nullptr;
}

static void ratio_row(const char *metric, const double *ratio, const int *pick, int want)
{
	static double v[IL_MAX];
	int n = 0;

	for (int w = 0; w < il_windows; w++)
		if (pick[w] == want || want < 0)
			v[n++] = ratio[w];
	if (n >= 5)
		bench_row("pingpong", "coro", metric, v, n, "x");
}

static int run_interleaved(void)
{
	struct lwsw_co_config one = {};
	static double ratio[IL_MAX];
	static int busy[IL_MAX];
	double fastest;
	int rc, nbusy = 0;

	il_windows = host_quick ? 150 : 600;
	il_n = 20000;		/* about 0.3 ms of either */
	one.workers = 1;
	rc = lwsw_co_run(&one, il_main, nullptr, nullptr);
	if (rc || il_err) {
		std::fprintf(stderr, "lws-host-boost: interleaved: %s\n", std::strerror(-(rc ? rc : il_err)));
		return 1;
	}
	fastest = il_burst[0];
	for (int w = 1; w < il_windows; w++)
		if (il_burst[w] < fastest)
			fastest = il_burst[w];
	for (int w = 0; w < il_windows; w++) {
		ratio[w] = il_coro[w] / il_boost[w];
		busy[w] = il_burst[w] >= 1.5 * fastest;
		nbusy += busy[w];
	}
	ratio_row("boost_ratio_interleaved", ratio, busy, -1);
	ratio_row("boost_ratio_interleaved_quiet", ratio, busy, 0);
	ratio_row("boost_ratio_interleaved_busy", ratio, busy, 1);
	bench_row1("pingpong", "coro", "busy_window_pct", 100.0 * nbusy / il_windows, "%");
	std::fprintf(stderr, "host: interleaved: %d windows of %ld round trips each, %d busy "
		     "(integer burst >= 1.5x the fastest, %.0f ns)\n", il_windows, il_n, nbusy, fastest);
	return 0;
}

int main(int argc, char **argv)
{
	const size_t sz = 64 * 1024;
	bool interleaved = false;

	host_args(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "interleaved")) {
			std::fprintf(stderr, "lws-host-boost: unknown case %s\n", argv[i]);
			return 2;
		}
		interleaved = true;
	}
	void *stack = mmap(nullptr, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED) {
		std::perror("mmap");
		return 1;
	}
	/* make_fcontext() takes the top of the stack. */
	peer = bdet::make_fcontext(static_cast<char *>(stack) + sz, sz, bounce);
	peer = bdet::jump_fcontext(peer, nullptr).fctx;	/* enter bounce() */
	if (interleaved)
		return run_interleaved();
	measure("boost-context", pp_fcontext, host_n(10000000));

	fib = bctx::fiber(std::allocator_arg, bctx::fixedsize_stack(sz),
			  [](bctx::fiber &&c) {
				  for (;;)
					  c = std::move(c).resume();
				  return std::move(c);
			  });
	measure("boost-context-fiber", pp_fiber, host_n(10000000));
	/* Both contexts stay suspended in their loops; the process ends. */
	std::_Exit(0);
}
