// SPDX-License-Identifier: GPL-2.0
/*
 * lws-host-boost: Boost.Context (Debian's libboost-context-dev) as a
 * coroutine peer (CSV rows, bench/common/benchutil.h, kernel column "host").
 *
 *   pingpong, impl boost-context, ns_per_roundtrip: the raw fcontext round
 *   trip: the main context jump_fcontext()s into a context made by
 *   make_fcontext() on a 64 KiB mmap'd stack, which jump_fcontext()s
 *   straight back (2 jumps; each saves the callee-saved registers, MXCSR
 *   and the x87 control word, as lws_ctx_switch() does).  Boost's own
 *   performance page measures this ("~9 ns / 19 cycles").
 *   pingpong, impl boost-fiber: the same round trip through the public
 *   boost::context::fiber API (resume() both ways; fixedsize_stack).
 * Each with cpu_ns_per_roundtrip beside it.  libboost_context is linked
 * statically, as liblwswitch is into the lwswitch programs (no PLT call).
 */
#include <sys/mman.h>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>

#include <cstdio>
#include <cstdlib>
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

int main(int argc, char **argv)
{
	const size_t sz = 64 * 1024;

	host_args(&argc, &argv);
	void *stack = mmap(nullptr, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED) {
		std::perror("mmap");
		return 1;
	}
	/* make_fcontext() takes the top of the stack. */
	peer = bdet::make_fcontext(static_cast<char *>(stack) + sz, sz, bounce);
	peer = bdet::jump_fcontext(peer, nullptr).fctx;	/* enter bounce() */
	measure("boost-context", pp_fcontext, host_n(10000000));

	fib = bctx::fiber(std::allocator_arg, bctx::fixedsize_stack(sz),
			  [](bctx::fiber &&c) {
				  for (;;)
					  c = std::move(c).resume();
				  return std::move(c);
			  });
	measure("boost-fiber", pp_fiber, host_n(10000000));
	/* Both contexts stay suspended in their loops; the process ends. */
	std::_Exit(0);
}
