# SPDX-License-Identifier: GPL-2.0
#
# examples/examples.mk — the example programs (included by the top-level
# Makefile, after lib/lib.mk and lib/coro/coro.mk; examples/README.md).
#
#   make examples          $(BUILD)/examples/<name>: each example as a user
#                          builds it, against the in-tree static library
#   make check-examples    each example once, as one TAP test, on the host;
#                          results in $(RESULTS)/host-examples/
#
# Tests: $(BUILD)/tests/vm/example-<name> is the same program, static,
# linked with examples/tap-main.c around its main() (ld --wrap=main),
# which reports its exit status as TAP (77 without /dev/lwswitch: a
# skip).  `make check-examples' runs them on the host (futex backend;
# raw-ioctl skips) and `make vm-test' in the VM with the module loaded
# (switchto backend; raw-ioctl runs): they are in VM_TESTS.  Another step
# installs the library into a scratch DESTDIR and builds every example
# there the way examples/README.md says, through pkg-config.

EXAMPLES	:= request-reply worker-pool prime-sieve mixed-pipeline raw-ioctl
# Those that use liblwswitch; raw-ioctl needs the UAPI header alone.
EXAMPLES_LIB	:= request-reply worker-pool prime-sieve mixed-pipeline
EXAMPLE_TIMEOUT	:= 60

EXAMPLE_CFLAGS	:= -std=gnu11 $(WARNINGS) $(CFLAGS) -pthread
EXAMPLE_HDRS	:= $(TOP)/include/lwswitch.h $(TOP)/include/lwswitch_coro.h
EXAMPLE_UAPI	:= $(TOP)/include/uapi/linux/lwswitch.h
EXAMPLE_DIR	:= $(BUILD)/examples
EXAMPLE_TEST_DIR := $(BUILD)/tests/vm
EXAMPLE_PROGS	:= $(addprefix $(EXAMPLE_DIR)/,$(EXAMPLES))
EXAMPLE_TESTS	:= $(addprefix $(EXAMPLE_TEST_DIR)/example-,$(EXAMPLES))
EXAMPLE_WRAP	:= $(TOP)/examples/tap-main.c -Wl,--wrap=main

VM_TESTS	+= $(EXAMPLE_TESTS)
HOST_CHECKS	+= check-examples

.PHONY: examples example-tests check-examples
examples: $(EXAMPLE_PROGS)
example-tests: $(EXAMPLE_TESTS)

$(addprefix $(EXAMPLE_DIR)/,$(EXAMPLES_LIB)): $(EXAMPLE_DIR)/%: \
		$(TOP)/examples/%.c $(EXAMPLE_HDRS) $(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -I$(TOP)/include -o $@ $< $(BUILD)/lib/liblwswitch.a

$(addprefix $(EXAMPLE_TEST_DIR)/example-,$(EXAMPLES_LIB)): $(EXAMPLE_TEST_DIR)/example-%: \
		$(TOP)/examples/%.c $(TOP)/examples/tap-main.c $(EXAMPLE_HDRS) \
		$(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -I$(TOP)/include -static -o $@ $< $(EXAMPLE_WRAP) \
	  $(BUILD)/lib/liblwswitch.a

$(EXAMPLE_DIR)/raw-ioctl: $(TOP)/examples/raw-ioctl.c $(EXAMPLE_UAPI)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -I$(TOP)/include/uapi -o $@ $<

$(EXAMPLE_TEST_DIR)/example-raw-ioctl: $(TOP)/examples/raw-ioctl.c $(TOP)/examples/tap-main.c \
				       $(EXAMPLE_UAPI)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -I$(TOP)/include/uapi -static -o $@ $< $(EXAMPLE_WRAP)

# What examples/README.md tells a user to run, against an installed
# library: install-lib into a scratch DESTDIR, then cc ... $(pkg-config
# --cflags --libs lwswitch), with this tree's warnings as errors; raw-ioctl
# with the installed UAPI header (pkg-config --cflags) and no library.
EXAMPLE_PC_DIR	:= $(BUILD)/examples-pkg-config
.PHONY: examples-pkg-config
examples-pkg-config:
	@rm -rf $(EXAMPLE_PC_DIR) && mkdir -p $(EXAMPLE_PC_DIR)
	$(MAKE) --no-print-directory -s install-lib DESTDIR=$(EXAMPLE_PC_DIR)/dest PREFIX=/usr/local
	export PKG_CONFIG_PATH=$(EXAMPLE_PC_DIR)/dest/usr/local/lib/pkgconfig \
	  PKG_CONFIG_SYSROOT_DIR=$(EXAMPLE_PC_DIR)/dest && \
	for e in $(EXAMPLES_LIB); do \
	  cc $(WARNINGS) -o $(EXAMPLE_PC_DIR)/$$e $(TOP)/examples/$$e.c \
	    $$(pkg-config --cflags --libs lwswitch) || exit 1; \
	done && \
	cc $(WARNINGS) -pthread $$(pkg-config --cflags lwswitch) -o $(EXAMPLE_PC_DIR)/raw-ioctl \
	  $(TOP)/examples/raw-ioctl.c
	LD_LIBRARY_PATH=$(EXAMPLE_PC_DIR)/dest/usr/local/lib $(EXAMPLE_PC_DIR)/request-reply

# The build is one test, the pkg-config build another, each example one
# more; every example runs even when a build failed (a missing binary is
# a failed test).
check-examples:
	@$(STEP) $(RESULTS)/host-examples build-examples \
	  $(MAKE) --no-print-directory examples example-tests
	@$(STEP) $(RESULTS)/host-examples build-pkg-config \
	  $(MAKE) --no-print-directory examples-pkg-config
	@$(STEP) $(RESULTS)/host-examples readme-example $(TOP)/examples/check-readme $(TOP)
	@for e in $(EXAMPLES); do \
	  $(call run_test,native,$(RESULTS)/host-examples,$(EXAMPLE_TIMEOUT)) \
	    $(EXAMPLE_TEST_DIR)/example-$$e; \
	done
