# SPDX-License-Identifier: GPL-2.0
# bench/bench.mk — `make bench` (included by the top Makefile).
#
#   make bench [KERNEL=6.12|6.1|both] [QUICK=1]
#
# Builds the static programs of the VM payload here (lws-pingpong,
# lws-chan, lws-scale, the Go peer lws-go, Boost.Fiber's lws-boost-fiber);
# bench/run-bench does the rest:
# the host part (bench/host.mk: coroutines and their peers, kernel column
# "host"), then per kernel the module and a VM boot (tests/vm/run-vm) that
# runs bench/vm/guest-bench.sh, then $(BUILD)/bench/results.csv, the
# table, report.md and its plots.  Host rows and VM rows are never put in
# one ratio.

include $(TOP)/bench/host.mk

BENCH_DIR	:= $(BUILD)/bench
BENCH_PAYLOAD	:= $(BENCH_DIR)/payload
BENCH_KERNELS	= $(if $(filter both,$(KERNEL)),6.1 6.12,$(KERNEL))
BENCH_CFLAGS	:= -std=gnu11 -O2 -g $(WARNINGS) -static -pthread -I$(TOP)/include/uapi

.PHONY: bench bench-run bench-payload bench-hop-profile bench-hop-profile-run bench-smoke

BENCH_COMMON	:= $(wildcard $(TOP)/bench/common/*.h)

$(BENCH_PAYLOAD)/lws-pingpong: $(TOP)/bench/vm/pingpong.c $(BENCH_COMMON) \
			       $(TOP)/include/uapi/linux/lwswitch.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_PAYLOAD)/lws-chan: $(TOP)/bench/vm/chan.c $(BENCH_COMMON) $(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(TOP)/include -o $@ $< $(BUILD)/lib/liblwswitch.a

$(BENCH_PAYLOAD)/lws-scale: $(TOP)/bench/vm/scale.c $(BENCH_COMMON) $(BUILD)/lib/liblwswitch.a \
			    $(TOP)/include/lwswitch.h $(TOP)/include/lwswitch_coro.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(TOP)/include -o $@ $< $(BUILD)/lib/liblwswitch.a

# Go's goroutines, built static (CGO_ENABLED=0) to run in the VM.
$(BENCH_PAYLOAD)/lws-go: $(wildcard $(TOP)/bench/peers/go/*.go) $(TOP)/bench/peers/go/go.mod \
			 $(TOP)/bench/peers/go/build.sh
	@mkdir -p $(@D)
	$(TOP)/bench/peers/go/build.sh $@ $(BUILD)/go-cache

# Boost.Fiber beside the coroutine core and Go in the same boot.
$(BENCH_PAYLOAD)/lws-boost-fiber: $(TOP)/bench/peers/boost/fiber.cpp $(HOST_BENCH_DEPS)
	@mkdir -p $(@D)
	$(BOOST_FIBER_BUILD)

bench-payload: $(BENCH_PAYLOAD)/lws-pingpong $(BENCH_PAYLOAD)/lws-chan $(BENCH_PAYLOAD)/lws-scale \
	       $(BENCH_PAYLOAD)/lws-go $(BENCH_PAYLOAD)/lws-boost-fiber
	@cp $(TOP)/bench/vm/guest-bench.sh $(BENCH_PAYLOAD)/

# The package groups of scripts/deps.d the benchmark needs: the tests'
# and the peers'.
BENCH_DEPS	:= $(CHECK_DEPS) bench go

bench:
	@$(TOP)/scripts/install-deps $(BENCH_DEPS)
	@$(MAKE) --no-print-directory bench-run

# The driver (progress, results.csv, table, report.md and plots) is
# bench/run-bench; every kernel is tried even when one fails, and the run
# fails at the end.
bench-run: bench-payload
	@MAKE='$(MAKE)' $(TOP)/bench/run-bench --top $(TOP) --build $(BUILD) \
	  --kernels '$(BENCH_KERNELS)' $(if $(filter-out 0,$(QUICK)),--quick)

# The main job as one test (CI runs it after make check): a short run on
# one kernel, then bench/check-smoke looks for the files and the rows every
# run must have.  No figure is compared with a target.  The result is
# $(RESULTS)/bench/smoke.tap, counted by tests/tap/summarize with the rest.
SMOKE_KERNEL	?= 6.12
bench-smoke:
	@$(STEP) $(RESULTS)/bench smoke sh -c '$(MAKE) --no-print-directory bench QUICK=1 KERNEL=$(SMOKE_KERNEL) && \
	  $(TOP)/bench/check-smoke $(BENCH_DIR) $(SMOKE_KERNEL)'

# Which kernel functions one hop of each ping-pong row runs, counted with
# the function tracer in one VM boot (bench/vm/hop-profile.sh): where a
# SWITCHTO round trip's time goes next to a futex hand-off and sched_yield.
# A diagnostic, not part of `make bench'.  HOP_KERNEL=6.1 by default: see
# the script about 6.12.  Two boots: calls per hop per function with the
# function tracer (hop-profile.sh), then, under QEMU icount, instructions
# per hop per phase with function_graph (hop-phases.sh).  Writes
# $(BENCH_DIR)/hop-profile/hop-{profile,phases}-<kernel>.csv.
HOP_KERNEL	?= 6.1
HOP_DIR		:= $(BENCH_DIR)/hop-profile
bench-hop-profile:
	@$(TOP)/scripts/install-deps $(BENCH_DEPS)
	@$(MAKE) --no-print-directory bench-hop-profile-run

bench-hop-profile-run: $(BENCH_PAYLOAD)/lws-pingpong
	@abi=$$($(TOP)/scripts/kernel-abi $(HOP_KERNEL)) && \
	  $(MAKE) --no-print-directory $(BUILD)/kmod/$$abi/lwswitch.ko && \
	  rm -rf $(HOP_DIR)/payload && mkdir -p $(HOP_DIR)/payload && \
	  cp $(BENCH_PAYLOAD)/lws-pingpong $(TOP)/bench/vm/hop-profile.sh \
	    $(TOP)/bench/vm/hop-phases.sh $(HOP_DIR)/payload/ && \
	  $(TOP)/tests/vm/run-vm --kernel $(HOP_KERNEL) --module $(BUILD)/kmod/$$abi/lwswitch.ko \
	    --payload $(HOP_DIR)/payload --dir $(HOP_DIR)/vm-$(HOP_KERNEL) \
	    --cmd 'sh /payload/hop-profile.sh' --cmd-timeout 900 \
	    --out $(HOP_DIR)/hop-profile-$(HOP_KERNEL).csv > $(HOP_DIR)/vm-$(HOP_KERNEL).log || \
	  { echo "bench-hop-profile: failed; see $(HOP_DIR)/vm-$(HOP_KERNEL).log" >&2; exit 1; }
	@grep -E '^(hops|total),' $(HOP_DIR)/hop-profile-$(HOP_KERNEL).csv
	@echo "bench-hop-profile: wrote $(HOP_DIR)/hop-profile-$(HOP_KERNEL).csv"
	@abi=$$($(TOP)/scripts/kernel-abi $(HOP_KERNEL)) && \
	  $(TOP)/tests/vm/run-vm --kernel $(HOP_KERNEL) --module $(BUILD)/kmod/$$abi/lwswitch.ko \
	    --icount --boot-timeout 120 \
	    --payload $(HOP_DIR)/payload --dir $(HOP_DIR)/vm-$(HOP_KERNEL)-icount \
	    --cmd 'sh /payload/hop-phases.sh' --cmd-timeout 900 \
	    --out $(HOP_DIR)/hop-phases-$(HOP_KERNEL).csv > $(HOP_DIR)/vm-$(HOP_KERNEL)-icount.log || \
	  { echo "bench-hop-profile: failed; see $(HOP_DIR)/vm-$(HOP_KERNEL)-icount.log" >&2; exit 1; }
	@awk -f $(TOP)/bench/phases.awk $(HOP_DIR)/hop-phases-$(HOP_KERNEL).csv | \
	  tee $(HOP_DIR)/hop-phases-$(HOP_KERNEL).txt
	@echo "bench-hop-profile: wrote $(HOP_DIR)/hop-phases-$(HOP_KERNEL).csv"
