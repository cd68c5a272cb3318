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
#   make examples   build examples/; make check-examples runs them
#   make check-loaded  make check while one CPU-bound process per core runs
#   make distcheck  clone HEAD into an empty directory, make bench QUICK=1 there
#   make check-debug  the VM suite and a long fault/stress/fuzz campaign on
#                   lockdep+KASAN+kmemleak kernels built from linux-source-6.1
#                   and -6.12 (DEBUG_SERIES=6.12: one of them)
#   make man        the man pages, generated from the headers' kernel-doc, in
#                   build/man/ (make check-man checks them; make install
#                   installs them)
#   make install PREFIX=... DESTDIR=...
#   make deb        the Debian packages (lwswitch-dkms, liblwswitch0,
#                   liblwswitch-dev) in build/deb/, checked by lintian
#
# The kernel build reads ./Kbuild, not this file.  Each part of the tree
# adds its own rules through the fragments included below.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
SHELL := /bin/bash

TOP	:= $(CURDIR)
# The one version number: the library's, the module's, the packages'.
VERSION	:= $(shell cat $(TOP)/VERSION)
BUILD	?= $(TOP)/build
RESULTS	?= $(BUILD)/results
KERNEL	?= 6.12
KDIR	?= /lib/modules/$(shell uname -r)/build
PREFIX	?= /usr/local
DESTDIR	?=

CC	?= gcc
WARNINGS := -Wall -Wextra -Werror
CFLAGS	?= -O2 -g
# The kernel source files the build takes at build time (never committed):
# the kselftest harness, checkpatch.pl, kernel-doc.  One version, the
# package scripts/deps.d/kernel.txt installs, whatever other kernel
# sources are on the machine (check-debug installs 6.12's too).
KSRC_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
# The kselftest harness; see the `harness' rule below.
HARNESS_DIR := $(BUILD)/include/kselftest
HARNESS	:= $(HARNESS_DIR)/kselftest_harness.h
# Every test includes it through tests/tap/lwsw_harness.h, which scales its
# time limits (tests/tap/limits.mk).
LWSW_HARNESS := $(TOP)/tests/tap/lwsw_harness.h

RUN_TEST := $(TOP)/tests/tap/run-test
STEP	:= $(TOP)/tests/tap/step
include $(TOP)/tests/tap/limits.mk

# The test groups that `make check' runs on the host (fragments append).
HOST_CHECKS :=

.PHONY: all deps harness check check-loaded check-host check-vm bench clean install module

all:

# The package groups of scripts/deps.d that the tests need; `make bench'
# installs every group (the peers: Go, Boost.Context).
CHECK_DEPS := build kernel vm lib coro deb

deps:
	@$(TOP)/scripts/install-deps $(CHECK_DEPS)

harness: $(HARNESS)
$(HARNESS):
	@mkdir -p $(HARNESS_DIR)
	@src=$(KSRC_TARBALL); \
	  [ -f "$$src" ] || { echo "no $$src: run make deps" >&2; exit 1; }; \
	  top=$$(basename $$src .tar.xz); \
	  echo "  HARNESS $$src"; \
	  tar -xJf $$src -C $(HARNESS_DIR) --strip-components=4 \
	    $$top/tools/testing/selftests/kselftest_harness.h \
	    $$top/tools/testing/selftests/kselftest.h

include kmod/kmod.mk
-include lib/lib.mk
-include tests/lib/hardening.mk
-include lib/coro/coro.mk
-include man/man.mk
-include examples/examples.mk
-include tests/vm/vm.mk
-include tests/debug/debug.mk
-include bench/bench.mk
-include debian/deb.mk

HOST_CHECKS += check-lib-hardening check-sources check-harness

# The scaling of the harness's own limits (tests/tap/lwsw_harness.h), run
# with a factor of 3 whatever the group.
HARNESS_TEST := $(BUILD)/tests/tap/scale_test
$(HARNESS_TEST): $(TOP)/tests/tap/scale_test.c $(LWSW_HARNESS) $(HARNESS)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARNINGS) -Wno-unused-parameter -Wno-sign-compare \
	  -I$(HARNESS_DIR) -I$(TOP)/tests/tap -o $@ $<

.PHONY: check-harness
check-harness:
	@$(STEP) $(RESULTS)/host-tree build-scale_test $(MAKE) --no-print-directory $(HARNESS_TEST)
	@LWSW_TEST_SCALE=3 $(RUN_TEST) $(RESULTS)/host-tree 10 $(HARNESS_TEST)

# Every file the build names is tracked by git (tests/check-sources): what
# is not tracked is missing from every clean clone.  Outside a git work
# tree (a release tarball) there is nothing to compare with.
.PHONY: check-sources
check-sources:
	@if git -C $(TOP) rev-parse --is-inside-work-tree > /dev/null 2>&1; then \
	  $(STEP) $(RESULTS)/host-tree sources-tracked $(TOP)/tests/check-sources $(TOP); \
	else \
	  mkdir -p $(RESULTS)/host-tree; \
	  printf '1..1\nok 1 sources-tracked # SKIP not a git work tree\n' > $(RESULTS)/host-tree/sources-tracked.tap; \
	fi

# `make check': every group runs even when an earlier one fails; the
# summary counts all of them and decides the exit status.
check: deps
	@rm -rf $(RESULTS)
	@$(MAKE) --no-print-directory check-host || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.1 || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.12 || true
	@$(MAKE) --no-print-directory vm-test-modes || true
	@$(MAKE) --no-print-directory vm-test-users || true
	@$(TOP)/tests/tap/summarize $(RESULTS)

# The VM suite once more on each kernel in the SWITCHTO mode that is not
# its default (kmod/lwswitch_main.c: handoff), so that both modes run
# everything, the library's tests included, on both kernels.
.PHONY: vm-test-modes
vm-test-modes:
	@$(MAKE) --no-print-directory vm-test KERNEL=6.1 VM_RUN=6.1-block \
	  VM_INSMOD_ARGS=handoff=block || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.12 VM_RUN=6.12-yield \
	  VM_INSMOD_ARGS=handoff=yield || true

# The VM suite once more on each kernel as an unprivileged user in the
# device's group (tests/vm/run-vm --user): what a user the README gives
# access gets.  Tests that need root (the module's debugfs counters and
# parameters, other uids, cgroups) skip themselves and say so.
.PHONY: vm-test-users
vm-test-users:
	@$(MAKE) --no-print-directory vm-test KERNEL=6.1 VM_RUN=6.1-user VM_ARGS='--user 1000' || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.12 VM_RUN=6.12-user VM_ARGS='--user 1000' || true

# The same with every core kept busy by another process for the whole
# run (tests/tap/with-load): no test may depend on an idle machine.
check-loaded:
	@$(TOP)/scripts/install-deps load
	@$(TOP)/tests/tap/with-load $(MAKE) --no-print-directory check

# What a new user gets: a clone of the committed tree (HEAD) in an empty
# directory, and DISTCHECK run there (default: a short benchmark, which
# builds everything and boots the VM).  Uncommitted changes are not in it.
DISTCHECK ?= bench QUICK=1
.PHONY: distcheck
distcheck:
	@git -C $(TOP) diff --quiet HEAD -- || echo "distcheck: uncommitted changes are not in the clone" >&2
	@tmp=$$(mktemp -d /tmp/lwswitch-distcheck.XXXXXX) && \
	  git clone -q $(TOP) $$tmp/lwswitch && \
	  echo "distcheck: make $(DISTCHECK) in $$tmp/lwswitch ($$(git -C $$tmp/lwswitch log -1 --format=%h))" && \
	  if $(MAKE) -C $$tmp/lwswitch --no-print-directory $(DISTCHECK); then \
	    echo "distcheck: passed; removing $$tmp"; rm -rf $$tmp; \
	  else \
	    echo "distcheck: failed; the clone is kept in $$tmp/lwswitch" >&2; exit 1; \
	  fi

check-host:
	@for t in $(HOST_CHECKS); do $(MAKE) --no-print-directory $$t || true; done

clean:
	rm -rf $(BUILD)
	$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null || true

# Test programs that must run after every other one in the VM.
VM_TESTS += $(VM_TESTS_LAST)
