// SPDX-License-Identifier: GPL-2.0
/*
 * lws-boost-fiber: Boost.Fiber (Debian's libboost-fiber-dev) as the
 * like-for-like peer of the coroutine core: a scheduler of stackful
 * fibers with channels, as lwswitch_coro.h is (CSV rows,
 * bench/common/benchutil.h).  Boost.Context's bare jump_fcontext() is the
 * peer of the core's bare switch (coro-ctx, lws-host-boost); this one is
 * the peer of its scheduler and its channels.
 *
 *   lws-boost-fiber [-q] [-r REPS] [vm] CASE...
 *
 *   pingpong       impl boost-fiber-sched, ns_per_roundtrip: two fibers on
 *                  one thread (the round_robin scheduler, Boost.Fiber's
 *                  default) alternating through boost::this_fiber::yield():
 *                  a round trip is two yields, as lws-host-coro's coro row
 *                  (two coroutines on one worker, lwsw_co_yield()).
 *   chan-pingpong  impl boost-fiber-sched, ns_per_roundtrip: a client and a
 *                  server fiber on one thread, a request and a reply
 *                  boost::fibers::unbuffered_channel<uint64_t>, strict
 *                  request/reply, every reply checked: lws-host-coro's and
 *                  lws-scale's coro chan-pingpong on one worker.
 *   chan-pingpong-ws  impl boost-fiber-ws: the same on the work_stealing
 *                  scheduler over one thread per online CPU (idle threads
 *                  sleep: work_stealing(n, true)), so the two fibers may
 *                  run on different threads as goroutines may under
 *                  GOMAXPROCS = vCPUs.  Boost.Fiber lets a process install
 *                  work_stealing once, so this case must run alone in its
 *                  process.
 *
 * Each with cpu_ns_per_roundtrip beside it (user + system time of the
 * process per round trip: a spinning idle thread would show).  vm: the
 * kernel column is the running kernel's release (the VM payload), not
 * "host".  One warm-up run, then REPS runs (7; -q: 5, shorter).
 */
#include <boost/fiber/all.hpp>
#include <boost/version.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

extern "C" {
#include "../../host/hostutil.h"
}

namespace bf = boost::fibers;

static void die(const char *what)
{
	std::fprintf(stderr, "lws-boost-fiber: %s\n", what);
	std::exit(1);
}

/* Runs fn(n) once to warm up, then host_reps times, timed. */
static void measure(const char *cas, const char *impl, void (*fn)(long), long n)
{
	double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];

	fn(n / 10);
	for (int r = 0; r < host_reps; r++) {
		uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();

		fn(n);
		wall[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = (double)(bench_cpu_ns() - c0) / (double)n;
	}
	bench_row(cas, impl, "ns_per_roundtrip", wall, host_reps, "ns");
	bench_row(cas, impl, "cpu_ns_per_roundtrip", cpu, host_reps, "ns");
}

/* ---- pingpong: two fibers yielding to each other ---- */

static void pp_yield(long n)
{
	bool stop = false;
	long peer_turns = 0;
	bf::fiber peer([&] {
		while (!stop) {
			peer_turns++;
			boost::this_fiber::yield();
		}
	});

	boost::this_fiber::yield();		/* the peer is in its loop */
	for (long i = 0; i < n; i++)
		boost::this_fiber::yield();
	stop = true;
	peer.join();
	/* One turn of the peer per yield of ours, plus the first and last. */
	if (peer_turns != n + 1)
		die("pingpong: the fibers did not alternate");
}

/* ---- chan-pingpong: request/reply over two unbuffered channels ---- */

static void pp_chan(long n)
{
	bf::unbuffered_channel<uint64_t> req, rep;
	bool bad = false;
	bf::fiber server([&] {
		uint64_t v;

		while (req.pop(v) == bf::channel_op_status::success)
			if (rep.push(v + 1) != bf::channel_op_status::success)
				bad = true;
	});
	bf::fiber client([&] {
		uint64_t got;

		for (long i = 0; i < n; i++) {
			if (req.push((uint64_t)i) != bf::channel_op_status::success ||
			    rep.pop(got) != bf::channel_op_status::success ||
			    got != (uint64_t)i + 1) {
				bad = true;
				break;
			}
		}
		req.close();
	});

	client.join();
	server.join();
	if (bad)
		die("chan-pingpong: a reply was lost or wrong");
}

/* ---- chan-pingpong-ws: the same on work stealing over every CPU ---- */

static bf::mutex ws_lock;
static bf::condition_variable_any ws_cv;
static bool ws_done;

static void ws_helper(unsigned int nthreads)
{
	bf::use_scheduling_algorithm<bf::algo::work_stealing>(nthreads, true);
	std::unique_lock<bf::mutex> lk(ws_lock);
	ws_cv.wait(lk, [] { return ws_done; });
}

static int run_ws(long n)
{
	unsigned int nthreads = std::thread::hardware_concurrency();
	std::vector<std::thread> helpers;

	if (nthreads < 2) {
		std::fprintf(stderr, "lws-boost-fiber: chan-pingpong-ws: one CPU, skipped\n");
		return 0;
	}
	for (unsigned int i = 1; i < nthreads; i++)
		helpers.emplace_back(ws_helper, nthreads);
	bf::use_scheduling_algorithm<bf::algo::work_stealing>(nthreads, true);
	measure("chan-pingpong", "boost-fiber-ws", pp_chan, n);
	{
		std::unique_lock<bf::mutex> lk(ws_lock);
		ws_done = true;
	}
	ws_cv.notify_all();
	for (auto &t : helpers)
		t.join();
	return 0;
}

int main(int argc, char **argv)
{
	bool ws = false, any = false;

	host_args(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (!std::strcmp(argv[i], "vm"))
			bench_set_kernel(0);
	std::fprintf(stderr, "lws-boost-fiber: Boost %d.%d.%d\n", BOOST_VERSION / 100000,
		     BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "vm")) {
			continue;
		} else if (!std::strcmp(argv[i], "pingpong")) {
			measure("pingpong", "boost-fiber-sched", pp_yield, host_n(2000000));
			any = true;
		} else if (!std::strcmp(argv[i], "chan-pingpong")) {
			measure("chan-pingpong", "boost-fiber-sched", pp_chan, host_n(1000000));
			any = true;
		} else if (!std::strcmp(argv[i], "chan-pingpong-ws")) {
			ws = true;
		} else {
			std::fprintf(stderr, "lws-boost-fiber: unknown case %s\n", argv[i]);
			return 2;
		}
	}
	if (ws) {
		if (any)
			die("chan-pingpong-ws must run alone in its process");
		return run_ws(host_n(200000));
	}
	if (!any)
		die("no case given");
	return 0;
}
