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

# Every kernel is tried even when one fails; the run fails at the end.
bench-run: bench-payload
	@mkdir -p $(BENCH_DIR)
	@fail=; \
	echo "bench: host part (coroutines, Boost.Context, ucontext, pthreads) ..."; \
	$(MAKE) --no-print-directory bench-host || fail=1; \
	for k in $(BENCH_KERNELS); do \
	  abi=$$($(TOP)/scripts/kernel-abi $$k) && \
	  $(MAKE) --no-print-directory $(BUILD)/kmod/$$abi/lwswitch.ko && \
	  cp $(BUILD)/kmod/$$abi/lwswitch.ko $(BENCH_PAYLOAD)/lwswitch.ko || { fail=1; continue; }; \
	  echo "bench: kernel $$k ($$abi): booting the VM ..."; \
	  start=$$(date +%s); \
	  $(TOP)/tests/vm/run-vm --kernel $$k --module $(BUILD)/kmod/$$abi/lwswitch.ko \
	    --payload $(BENCH_PAYLOAD) --dir $(BENCH_DIR)/vm-$$k \
	    --cmd "QUICK=$(QUICK) sh /payload/guest-bench.sh" --cmd-timeout 1500 \
	    --out $(BENCH_DIR)/vm-$$k.csv || { echo "bench: kernel $$k: the VM run failed" >&2; fail=1; }; \
	  echo "bench: kernel $$k done in $$(( $$(date +%s) - start )) s"; \
	done; \
	{ echo "kernel,case,impl,metric,value,unit,p10,p90,runs"; \
	  [ -f $(HOST_BENCH_CSV) ] && awk -F, 'NF == 9' $(HOST_BENCH_CSV); \
	  for k in $(BENCH_KERNELS); do \
	    [ -f $(BENCH_DIR)/vm-$$k.csv ] && awk -F, 'NF == 9 && $$1 != "kernel"' $(BENCH_DIR)/vm-$$k.csv; \
	  done; \
	} > $(BENCH_DIR)/results.csv; \
	awk -f $(TOP)/bench/table.awk $(BENCH_DIR)/results.csv | tee $(BENCH_DIR)/table.txt; \
	echo "bench: wrote $(BENCH_DIR)/results.csv"; \
	[ -z "$$fail" ]
