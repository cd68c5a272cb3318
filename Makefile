# SPDX-License-Identifier: GPL-2.0
#
# lwswitch — top-level Makefile.
#
#   make            build liblwswitch (shared + static)
#   make module     build lwswitch.ko against KDIR (default: running kernel)
#   make check      install what is needed, run every test (host + VM, both
#                   kernels); last line "N passed, N failed"
#   make bench      install what is needed, run the benchmark (KERNEL=6.12 by
#                   default, KERNEL=6.1 or KERNEL=both)
#   make vm-test KERNEL=6.1|6.12
#   make check-debug  the VM suite and a long fault/stress/fuzz campaign on a
#                   lockdep+KASAN+kmemleak kernel built from linux-source-6.1
#   make install PREFIX=... DESTDIR=...
#
# The kernel build reads ./Kbuild, not this file.  Each part of the tree
# adds its own rules through the fragments included below.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
SHELL := /bin/bash

TOP	:= $(CURDIR)
BUILD	?= $(TOP)/build
RESULTS	?= $(BUILD)/results
KERNEL	?= 6.12
KDIR	?= /lib/modules/$(shell uname -r)/build
PREFIX	?= /usr/local
DESTDIR	?=

CC	?= gcc
WARNINGS := -Wall -Wextra -Werror
CFLAGS	?= -O2 -g
# The kselftest harness, taken from Debian's linux-source package at build
# time (never committed); see the `harness' rule below.
HARNESS_DIR := $(BUILD)/include/kselftest
HARNESS	:= $(HARNESS_DIR)/kselftest_harness.h

RUN_TEST := $(TOP)/tests/tap/run-test
STEP	:= $(TOP)/tests/tap/step

# The test groups that `make check' runs on the host (fragments append).
HOST_CHECKS :=

.PHONY: all deps harness check check-host check-vm bench clean install module

all:

# The package groups of scripts/deps.d that the tests need; `make bench'
# installs every group (the peers: Go, Boost.Context).
CHECK_DEPS := build kernel vm lib coro

deps:
	@$(TOP)/scripts/install-deps $(CHECK_DEPS)

harness: $(HARNESS)
$(HARNESS):
	@mkdir -p $(HARNESS_DIR)
	@src=$$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1); \
	  [ -n "$$src" ] || { echo "no /usr/src/linux-source-*.tar.xz: run make deps" >&2; exit 1; }; \
	  top=$$(basename $$src .tar.xz); \
	  echo "  HARNESS $$src"; \
	  tar -xJf $$src -C $(HARNESS_DIR) --strip-components=4 \
	    $$top/tools/testing/selftests/kselftest_harness.h \
	    $$top/tools/testing/selftests/kselftest.h

include kmod/kmod.mk
-include lib/lib.mk
-include tests/lib/hardening.mk
-include lib/coro/coro.mk
-include tests/vm/vm.mk
-include tests/debug/debug.mk
-include bench/bench.mk

HOST_CHECKS += check-lib-hardening

# `make check': every group runs even when an earlier one fails; the
# summary counts all of them and decides the exit status.
check: deps
	@rm -rf $(RESULTS)
	@$(MAKE) --no-print-directory check-host || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.1 || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.12 || true
	@$(TOP)/tests/tap/summarize $(RESULTS)

check-host:
	@for t in $(HOST_CHECKS); do $(MAKE) --no-print-directory $$t || true; done

clean:
	rm -rf $(BUILD)
	$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null || true

# Test programs that must run after every other one in the VM.
VM_TESTS += $(VM_TESTS_LAST)
