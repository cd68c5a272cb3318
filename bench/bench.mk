# SPDX-License-Identifier: GPL-2.0
# bench/bench.mk — `make bench` (included by the top Makefile).
#
#   make bench [KERNEL=6.12|6.1|both] [QUICK=1]
#
# Runs the host part first (bench/host.mk: coroutines and their peers,
# kernel column "host"), then builds the module and the static benchmark
# programs, boots the test VM on each kernel (tests/vm/run-vm), runs
# bench/vm/guest-bench.sh there, writes $(BUILD)/bench/results.csv and
# prints the table.  Host rows and VM rows are never put in one ratio.

include $(TOP)/bench/host.mk

BENCH_DIR	:= $(BUILD)/bench
BENCH_PAYLOAD	:= $(BENCH_DIR)/payload
BENCH_KERNELS	= $(if $(filter both,$(KERNEL)),6.1 6.12,$(KERNEL))
BENCH_CFLAGS	:= -std=gnu11 -O2 -g $(WARNINGS) -static -pthread -I$(TOP)/include/uapi

.PHONY: bench bench-run bench-payload

BENCH_COMMON	:= $(wildcard $(TOP)/bench/common/*.h)

$(BENCH_PAYLOAD)/lws-pingpong: $(TOP)/bench/vm/pingpong.c $(BENCH_COMMON) \
			       $(TOP)/include/uapi/linux/lwswitch.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_PAYLOAD)/lws-chan: $(TOP)/bench/vm/chan.c $(BENCH_COMMON) $(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(TOP)/include -o $@ $< $(BUILD)/lib/liblwswitch.a

# Go's goroutines, built static (CGO_ENABLED=0) to run in the VM.
$(BENCH_PAYLOAD)/lws-go: $(wildcard $(TOP)/bench/peers/go/*.go) $(TOP)/bench/peers/go/go.mod \
			 $(TOP)/bench/peers/go/build.sh
	@mkdir -p $(@D)
	$(TOP)/bench/peers/go/build.sh $@ $(BUILD)/go-cache

bench-payload: $(BENCH_PAYLOAD)/lws-pingpong $(BENCH_PAYLOAD)/lws-chan $(BENCH_PAYLOAD)/lws-go
	@cp $(TOP)/bench/vm/guest-bench.sh $(BENCH_PAYLOAD)/

bench:
	@$(TOP)/scripts/install-deps
	@$(MAKE) --no-print-directory bench-run

# The driver (progress, results.csv, table, report.md and plots) is
# bench/run-bench; every kernel is tried even when one fails, and the run
# fails at the end.
bench-run: bench-payload
	@MAKE='$(MAKE)' $(TOP)/bench/run-bench --top $(TOP) --build $(BUILD) \
	  --kernels '$(BENCH_KERNELS)' $(if $(filter-out 0,$(QUICK)),--quick)
