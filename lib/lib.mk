# SPDX-License-Identifier: GPL-2.0
#
# lib/lib.mk — liblwswitch (included by the top-level Makefile).
#
#   make lib               $(BUILD)/lib/liblwswitch.{so,a}, lwswitch.pc
#   make install-lib       (also via `make install') PREFIX=... DESTDIR=...
#                          [LIBDIR=$(PREFIX)/lib INCLUDEDIR=$(PREFIX)/include]
#   make check-lib         plain build: the static test binaries (the very
#                          ones the VM runs) on the host, plus the install
#                          and export checks
#   make check-lib-asan    ASan+UBSan build of the library and tests
#   make check-lib-tsan    TSan build
#   make check-lib-fakemod[-tsan]  the switchto backend on the host, against
#                          a user-space stand-in for the module
#
# Results go to $(RESULTS)/host-lib{,-asan,-tsan,-fakemod,-fakemod-tsan}/*.tap.
#
# Other fragments add library sources by appending to LIB_EXTRA_SRCS (.c
# or .S, paths relative to the top directory, e.g. lib/coro/sched.c; the
# coroutine core does); LIB_SRCS are this directory's own.  They may be
# included after this file: the library's prerequisites are expanded late
# (.SECONDEXPANSION).  Per-source flags: target-specific variables on
# $(BUILD)/lib*/obj/<path>.o, or LIB_CPPFLAGS +=.

LIB_VERSION	:= $(VERSION)
# lwswitch.h states the version for the preprocessor; it must be VERSION's.
LIB_HDR_VERSION := $(shell sed -n 's/^\#define LWSW_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*//p' \
		   $(TOP)/include/lwswitch.h | paste -sd.)
ifneq ($(LIB_HDR_VERSION),$(VERSION))
$(error include/lwswitch.h says version $(LIB_HDR_VERSION), VERSION says $(VERSION))
endif
LIB_SOVERSION	:= 0
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include

LIB_SRCS	+= lib/runtime.c lib/chan.c
# Public headers `make install' puts in $(INCLUDEDIR) (other fragments
# append theirs, e.g. include/lwswitch_coro.h).
LIB_HEADERS	+= include/lwswitch.h
LIB_CPPFLAGS	+= -I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/lib
LIB_CFLAGS	:= -std=gnu11 $(WARNINGS) -fvisibility=hidden -fPIC -pthread \
		   -MMD -MP

# Variants: flags for the library and its tests.
LIB_VARIANT_FLAGS_lib      := $(CFLAGS)
LIB_VARIANT_FLAGS_lib-asan := -O1 -g -fno-omit-frame-pointer \
			      -fsanitize=address,undefined -fno-sanitize-recover=all
LIB_VARIANT_FLAGS_lib-tsan := -O1 -g -fsanitize=thread

# The test programs (tests/lib/<name>.c -> lib-<name>), their base time
# limit on the host (seconds, scaled per group: tests/tap/limits.mk), and
# the group of each variant.
LIB_TESTS	:= chan errors select stress pipeline handoff lock
LIB_TEST_TIMEOUT := 120
LIB_GROUP_lib		  := native
LIB_GROUP_lib-asan	  := asan
LIB_GROUP_lib-tsan	  := tsan
LIB_GROUP_lib-fakemod	  := native
LIB_GROUP_lib-fakemod-tsan := tsan

# The static test binaries: the host's plain run and the VM run them.
LIB_VM_DIR	:= $(BUILD)/tests/vm
LIB_VM_TESTS	:= $(addprefix $(LIB_VM_DIR)/lib-,$(LIB_TESTS))
VM_TESTS	+= $(LIB_VM_TESTS)

HOST_CHECKS	+= check-lib check-lib-asan check-lib-tsan check-lib-fakemod \
		   check-lib-fakemod-tsan

# The shipped library (variant lib) has every source; the sanitizer
# variants test the channel library alone (the coroutine core has its own
# ASan/TSan groups, so each failure lands in the group that owns it).
LIB_VARIANT_SRCS_lib      = $(LIB_SRCS) $(LIB_EXTRA_SRCS)
LIB_VARIANT_SRCS_lib-asan = $(LIB_SRCS)
LIB_VARIANT_SRCS_lib-tsan = $(LIB_SRCS)
lib_objs = $(patsubst %,$(BUILD)/$(1)/obj/%.o,$(basename $(LIB_VARIANT_SRCS_$(1))))

.SECONDEXPANSION:
.PHONY: lib lib-tests-lib lib-tests-lib-asan lib-tests-lib-tsan install-lib \
	lib-tests-lib-fakemod lib-tests-lib-fakemod-tsan check-lib check-lib-asan \
	check-lib-tsan check-lib-fakemod check-lib-fakemod-tsan

all: lib
install: install-lib

lib: $(BUILD)/lib/liblwswitch.so $(BUILD)/lib/liblwswitch.a $(BUILD)/lib/lwswitch.pc

# Objects of every variant: $(BUILD)/<variant>/obj/<source path>.o
$(BUILD)/lib/obj/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib) -c -o $@ $<
$(BUILD)/lib/obj/%.o: $(TOP)/%.S
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib) -c -o $@ $<
$(BUILD)/lib-asan/obj/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib-asan) -c -o $@ $<
$(BUILD)/lib-asan/obj/%.o: $(TOP)/%.S
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib-asan) -c -o $@ $<
$(BUILD)/lib-tsan/obj/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib-tsan) -c -o $@ $<
$(BUILD)/lib-tsan/obj/%.o: $(TOP)/%.S
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(LIB_VARIANT_FLAGS_lib-tsan) -c -o $@ $<

-include $(shell find $(BUILD)/lib $(BUILD)/lib-asan $(BUILD)/lib-tsan \
	    -name '*.d' 2>/dev/null)

# Static libraries of every variant.
$(BUILD)/%/liblwswitch.a: $$(call lib_objs,$$*)
	@rm -f $@
	$(AR) rcs $@ $^

# LDFLAGS: the distribution's link flags (dpkg-buildflags: -z relro, -z
# now), empty otherwise.
$(BUILD)/lib/liblwswitch.so.$(LIB_VERSION): $$(call lib_objs,lib) $(TOP)/lib/liblwswitch.map
	$(CC) -shared -pthread -Wl,-soname,liblwswitch.so.$(LIB_SOVERSION) \
	  -Wl,--version-script=$(TOP)/lib/liblwswitch.map -Wl,-z,defs $(LDFLAGS) \
	  -o $@ $(call lib_objs,lib)
$(BUILD)/lib/liblwswitch.so: $(BUILD)/lib/liblwswitch.so.$(LIB_VERSION)
	ln -sf liblwswitch.so.$(LIB_VERSION) $(BUILD)/lib/liblwswitch.so.$(LIB_SOVERSION)
	ln -sf liblwswitch.so.$(LIB_VERSION) $@

$(BUILD)/lib/lwswitch.pc: $(TOP)/lib/lwswitch.pc.in FORCE_LIB_PC
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
	  $< > $@.tmp && { cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@; }
.PHONY: FORCE_LIB_PC

install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 644 $(addprefix $(TOP)/,$(LIB_HEADERS)) $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(TOP)/include/uapi/linux/lwswitch.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 644 $(BUILD)/lib/liblwswitch.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(BUILD)/lib/liblwswitch.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf liblwswitch.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/liblwswitch.so.$(LIB_SOVERSION)
	ln -sf liblwswitch.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/liblwswitch.so
	install -m 644 $(BUILD)/lib/lwswitch.pc $(DESTDIR)$(LIBDIR)/pkgconfig/lwswitch.pc

# ---------------------------------------------------------------- tests

# The harness's macros (TEST's unused `variant', ASSERT_EQ's mixed
# signedness) trip two of -Wextra's warnings in every test; off for tests.
LIB_TEST_CFLAGS := -std=gnu11 $(WARNINGS) -Wno-unused-parameter -Wno-sign-compare \
		   -pthread -I$(HARNESS_DIR) -I$(TOP)/include -I$(TOP)/tests/lib \
		   -I$(TOP)/tests/tap
# The shipped library has the coroutine core, the sanitizer variants not:
# tests that use it are compiled in only where it is (LWSW_TEST_CORO).
LIB_TEST_CORO	:= -DLWSW_TEST_CORO

$(LIB_VM_DIR)/lib-%: $(TOP)/tests/lib/%.c $(TOP)/tests/lib/testutil.h $(LWSW_HARNESS) \
		     $(BUILD)/lib/liblwswitch.a $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_TEST_CORO) $(LIB_VARIANT_FLAGS_lib) -static -o $@ $< \
	  $(BUILD)/lib/liblwswitch.a

$(BUILD)/lib-asan/tests/lib-%: $(TOP)/tests/lib/%.c $(TOP)/tests/lib/testutil.h $(LWSW_HARNESS) \
			       $(BUILD)/lib-asan/liblwswitch.a $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_VARIANT_FLAGS_lib-asan) -o $@ $< \
	  $(BUILD)/lib-asan/liblwswitch.a

$(BUILD)/lib-tsan/tests/lib-%: $(TOP)/tests/lib/%.c $(TOP)/tests/lib/testutil.h $(LWSW_HARNESS) \
			       $(BUILD)/lib-tsan/liblwswitch.a $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_VARIANT_FLAGS_lib-tsan) -o $@ $< \
	  $(BUILD)/lib-tsan/liblwswitch.a

# The switchto backend on the host: the same tests linked with a
# user-space stand-in for /dev/lwswitch (tests/lib/fake-lwswitch.c, by
# --wrap of open/ioctl/access), plain and TSan.
LIB_FAKE_LDFLAGS := -Wl,--wrap=open,--wrap=ioctl,--wrap=access
LIB_FAKE_DEPS	 := $(TOP)/tests/lib/testutil.h $(LWSW_HARNESS) $(TOP)/tests/lib/fake-lwswitch.c $(HARNESS)

$(BUILD)/lib-fakemod/tests/lib-%: $(TOP)/tests/lib/%.c $(LIB_FAKE_DEPS) \
				  $(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_TEST_CORO) -I$(TOP)/include/uapi $(LIB_VARIANT_FLAGS_lib) \
	  $(LIB_FAKE_LDFLAGS) -o $@ $< $(TOP)/tests/lib/fake-lwswitch.c \
	  $(BUILD)/lib/liblwswitch.a

$(BUILD)/lib-fakemod-tsan/tests/lib-%: $(TOP)/tests/lib/%.c $(LIB_FAKE_DEPS) \
				       $(BUILD)/lib-tsan/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) -I$(TOP)/include/uapi $(LIB_VARIANT_FLAGS_lib-tsan) \
	  $(LIB_FAKE_LDFLAGS) -o $@ $< $(TOP)/tests/lib/fake-lwswitch.c \
	  $(BUILD)/lib-tsan/liblwswitch.a

lib-tests-lib: lib $(LIB_VM_TESTS)
lib-tests-lib-asan: $(addprefix $(BUILD)/lib-asan/tests/lib-,$(LIB_TESTS))
lib-tests-lib-tsan: $(addprefix $(BUILD)/lib-tsan/tests/lib-,$(LIB_TESTS))
lib-tests-lib-fakemod: $(addprefix $(BUILD)/lib-fakemod/tests/lib-,$(LIB_TESTS))
lib-tests-lib-fakemod-tsan: $(addprefix $(BUILD)/lib-fakemod-tsan/tests/lib-,$(LIB_TESTS))

# Each group: the build is one test; every program runs even when the
# build or an earlier program failed (a missing binary is a failed test).
check-lib:
	@$(STEP) $(RESULTS)/host-lib build-lib $(MAKE) --no-print-directory lib-tests-lib
	@$(STEP) $(RESULTS)/host-lib install-lib $(TOP)/tests/lib/check-install \
	  $(BUILD)/lib-install-check $(MAKE) --no-print-directory -C $(TOP) BUILD=$(BUILD)
	@for t in $(LIB_TESTS); do \
	  $(call run_test,$(LIB_GROUP_lib),$(RESULTS)/host-lib,$(LIB_TEST_TIMEOUT)) \
	    $(LIB_VM_DIR)/lib-$$t; \
	done

check-lib-asan check-lib-tsan check-lib-fakemod check-lib-fakemod-tsan: check-%:
	@$(STEP) $(RESULTS)/host-$* build-$* $(MAKE) --no-print-directory lib-tests-$*
	@for t in $(LIB_TESTS); do \
	  $(call run_test,$(LIB_GROUP_$*),$(RESULTS)/host-$*,$(LIB_TEST_TIMEOUT)) \
	    $(BUILD)/$*/tests/lib-$$t; \
	done

# ------------------------------------------------------------ benchmark

# bench/lib/chan-pingpong: lwsw_chan_sendrecv vs send+recv vs the condvar
# and bare-futex baselines (static, so the VM can run it too).
# `make bench-lib' builds it and runs a short host round.
LIB_BENCH := $(BUILD)/bench/lib/chan-pingpong
.PHONY: bench-lib

$(LIB_BENCH): $(TOP)/bench/lib/chan-pingpong.c $(BUILD)/lib/liblwswitch.a
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARNINGS) $(CFLAGS) -pthread -static -I$(TOP)/include \
	  -o $@ $< $(BUILD)/lib/liblwswitch.a

bench-lib: $(LIB_BENCH)
	$(LIB_BENCH) -n 20000 -r 3
	LWSW_BACKEND=futex $(LIB_BENCH) -n 20000 -r 3 lws-sendrecv
