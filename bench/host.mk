# SPDX-License-Identifier: GPL-2.0
# bench/host.mk — the host part of `make bench': the coroutine rows
# (included by bench/bench.mk).
#
#   make bench-host [QUICK=1]
#
# Builds the host benchmark programs (bench/host: the coroutine core of
# $(BUILD)/lib/liblwswitch.a; bench/peers: Boost.Context, Boost.Fiber,
# glibc ucontext, pthreads), runs them on this machine and writes their CSV rows (no
# header line; kernel column "host") to $(BUILD)/bench/host.csv, then
# prints the coroutine targets (same-run ratios) to stderr.  Each program
# runs even when an earlier one failed; the target fails at the end if
# any did (a missed performance target does not fail it).  QUICK=1: 5
# repetitions of runs a fifth as long (~5 s in all; full: ~15 s).
# The memory row raises vm.max_map_count for its run (root) and restores it.

HOST_BENCH_BIN	:= $(BUILD)/bench/host
HOST_BENCH_CSV	:= $(BUILD)/bench/host.csv
HOST_BENCH_CXX	?= g++
HOST_BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -pthread
HOST_BENCH_CXXFLAGS := -std=gnu++17 -O2 -g -Wall -Wextra -Werror -pthread
HOST_BENCH_ARGS	= $(if $(filter-out 0,$(QUICK)),-q)
# A program that hangs must not hang `make bench'.
HOST_BENCH_TIMEOUT := 600
HOST_BENCH_DEPS	:= $(TOP)/bench/host/hostutil.h $(wildcard $(TOP)/bench/common/*.h)
HOST_BENCH_PROGS := $(addprefix $(HOST_BENCH_BIN)/lws-host-,coro boost ucontext pthread) \
		    $(HOST_BENCH_BIN)/lws-boost-fiber

.PHONY: bench-host bench-host-build

bench-host-build: $(HOST_BENCH_PROGS)

$(HOST_BENCH_BIN)/lws-host-coro: $(TOP)/bench/host/coro.c $(HOST_BENCH_DEPS) \
				 $(BUILD)/lib/liblwswitch.a $(TOP)/include/lwswitch.h \
				 $(TOP)/include/lwswitch_coro.h $(TOP)/lib/arch/ctx.h $(TOP)/lib/park.h
	@mkdir -p $(@D)
	$(CC) $(HOST_BENCH_CFLAGS) -I$(TOP)/include -I$(TOP)/lib -o $@ $< \
	  $(BUILD)/lib/liblwswitch.a

$(HOST_BENCH_BIN)/lws-host-boost: $(TOP)/bench/peers/boost/boost.cpp $(HOST_BENCH_DEPS) \
				  $(BUILD)/lib/liblwswitch.a $(TOP)/include/lwswitch.h \
				  $(TOP)/include/lwswitch_coro.h
	@mkdir -p $(@D)
	$(HOST_BENCH_CXX) $(HOST_BENCH_CXXFLAGS) -I$(TOP)/include -o $@ $< \
	  $(BUILD)/lib/liblwswitch.a -Wl,-Bstatic -lboost_context -Wl,-Bdynamic

# Boost.Fiber, the coroutine core's like-for-like peer (a scheduler with
# channels); static, so that the same build runs in the VM payload too.
BOOST_FIBER_BUILD = $(HOST_BENCH_CXX) $(HOST_BENCH_CXXFLAGS) -static -o $@ $< \
		    -lboost_fiber -lboost_context

$(HOST_BENCH_BIN)/lws-boost-fiber: $(TOP)/bench/peers/boost/fiber.cpp $(HOST_BENCH_DEPS)
	@mkdir -p $(@D)
	$(BOOST_FIBER_BUILD)

$(HOST_BENCH_BIN)/lws-host-ucontext: $(TOP)/bench/peers/ucontext/ucontext.c $(HOST_BENCH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_BENCH_CFLAGS) -o $@ $<

$(HOST_BENCH_BIN)/lws-host-pthread: $(TOP)/bench/peers/pthread/pthread.c $(HOST_BENCH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_BENCH_CFLAGS) -o $@ $<

# The turns: lws-host-coro (pingpong, chan) and lws-host-boost again,
# HOST_TURNS times one after the other, HOST_TURN_REPS repetitions each
# (bench/host/paired.awk: lws-host-coro's scheduler paths run at one of
# two speeds for stretches of a few hundred milliseconds, so the coroutine
# targets are judged on many processes, not one).  Then both in
# alternating windows of one thread (lws-host-boost interleaved).
HOST_TURNS	= $(if $(filter-out 0,$(QUICK)),7,15)
HOST_TURN_REPS	:= 3

# Order: the pingpong impls close together in time; memory last, each in
# its own process (a clean RSS baseline).
bench-host: $(HOST_BENCH_PROGS)
	@mkdir -p $(dir $(HOST_BENCH_CSV))
	@fail=; start=$$(date +%s); : > $(HOST_BENCH_CSV).tmp; \
	run() { \
	  echo "bench-host: $${*#$(HOST_BENCH_BIN)/}" >&2; \
	  timeout $(HOST_BENCH_TIMEOUT) "$$@" >> $(HOST_BENCH_CSV).tmp || \
	    { echo "bench-host: FAILED ($$?): $$*" >&2; fail=1; }; \
	}; \
	run $(HOST_BENCH_BIN)/lws-host-coro $(HOST_BENCH_ARGS) pingpong chan create; \
	run $(HOST_BENCH_BIN)/lws-host-boost $(HOST_BENCH_ARGS); \
	run $(HOST_BENCH_BIN)/lws-host-ucontext $(HOST_BENCH_ARGS); \
	run $(HOST_BENCH_BIN)/lws-boost-fiber $(HOST_BENCH_ARGS) pingpong chan-pingpong; \
	run $(HOST_BENCH_BIN)/lws-boost-fiber $(HOST_BENCH_ARGS) chan-pingpong-ws; \
	turns() { \
	  echo "bench-host: lws-host-coro and lws-host-boost taking turns" >&2; \
	  : > $(HOST_BENCH_CSV).turns; i=0; \
	  while [ $$i -lt $(HOST_TURNS) ]; do \
	    i=$$((i + 1)); echo "bench-host: turn $$i/$(HOST_TURNS)" >&2; \
	    for p in "$$@"; do \
	      timeout $(HOST_BENCH_TIMEOUT) $$p $(HOST_BENCH_ARGS) -r $(HOST_TURN_REPS) \
	        $$(case $$p in *coro) echo pingpong chan;; esac) \
	        > $(HOST_BENCH_CSV).turn 2> $(HOST_BENCH_CSV).err || \
	        { rc=$$?; cat $(HOST_BENCH_CSV).err >&2; \
	          echo "bench-host: FAILED ($$rc): $$p (turn $$i)" >&2; fail=1; }; \
	      sed "s/^/$$i,/" $(HOST_BENCH_CSV).turn >> $(HOST_BENCH_CSV).turns; \
	    done; \
	  done; \
	  awk -f $(TOP)/bench/host/paired.awk $(HOST_BENCH_CSV).turns >> $(HOST_BENCH_CSV).tmp; \
	  rm -f $(HOST_BENCH_CSV).turn $(HOST_BENCH_CSV).turns $(HOST_BENCH_CSV).err; \
	}; \
	turns $(HOST_BENCH_BIN)/lws-host-coro $(HOST_BENCH_BIN)/lws-host-boost; \
	run $(HOST_BENCH_BIN)/lws-host-boost $(HOST_BENCH_ARGS) interleaved; \
	run $(HOST_BENCH_BIN)/lws-host-pthread $(HOST_BENCH_ARGS) create; \
	run $(HOST_BENCH_BIN)/lws-host-coro $(HOST_BENCH_ARGS) memory; \
	run $(HOST_BENCH_BIN)/lws-host-pthread $(HOST_BENCH_ARGS) memory; \
	mv $(HOST_BENCH_CSV).tmp $(HOST_BENCH_CSV); \
	awk -f $(TOP)/bench/host/targets.awk $(HOST_BENCH_CSV) >&2; \
	echo "bench-host: wrote $(HOST_BENCH_CSV) ($$(wc -l < $(HOST_BENCH_CSV)) rows)" \
	  "in $$(( $$(date +%s) - start )) s" >&2; \
	[ -z "$$fail" ]
