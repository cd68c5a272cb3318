# SPDX-License-Identifier: GPL-2.0
#
# lib/coro/coro.mk — the coroutine core (included by the top-level Makefile,
# after lib/lib.mk).
#
#   make coro                   $(BUILD)/coro/liblwswitch-coro.a (host)
#   make check-coro             plain build, every test, 1 and 2 workers
#   make check-coro-asan        ASan+UBSan build, every test
#   make check-coro-tsan        TSan build, reduced counts
#   make check-coro-valgrind    plain -O1 build under Valgrind memcheck, reduced
#   make check-coro-aarch64     aarch64 cross build (gcc-aarch64-linux-gnu,
#                               static) run under qemu-aarch64-static
#   make bench-coro             bench/coro/switch: switch and yield costs
#
# Results go to $(RESULTS)/coro-<variant>/*.tap.
#
# For liblwswitch: CORO_SRCS are the coroutine core's sources (each .S
# assembles to nothing on the other architecture, so all of them can be
# listed everywhere); they are also appended to LIB_EXTRA_SRCS.  The
# public API is in include/lwswitch_coro.h, every entry point is lwsw_co_*
# with default visibility, the rest is hidden.

CORO_SRCS	:= lib/coro/sched.c lib/coro/stack.c lib/coro/yield-x86_64.S \
		   lib/arch/ctx-x86_64.S lib/arch/ctx-aarch64.S
LIB_EXTRA_SRCS	+= $(CORO_SRCS)
LIB_HEADERS	+= include/lwswitch_coro.h
CORO_HDRS	:= $(TOP)/include/lwswitch_coro.h $(TOP)/lib/coro/coro.h $(TOP)/lib/coro/offsets.h \
		   $(TOP)/lib/arch/ctx.h $(TOP)/lib/park.h

# The channel library (lib/lib.mk's sources, without ours): the channel
# tests link it; without it the tests use a stand-in for its
# lwsw_parker_current()/lwsw_parker_set_current().
CORO_LIBCHAN_SRCS := $(filter-out $(CORO_SRCS) $(LIB_EXTRA_SRCS),$(LIB_SRCS))
ifneq ($(CORO_LIBCHAN_SRCS),)
CORO_PARK_SRCS	:= $(CORO_LIBCHAN_SRCS)
CORO_CHAN_TESTS	:= chan_test
else
CORO_PARK_SRCS	:= tests/coro/park_stub.c
CORO_CHAN_TESTS	:=
endif

CORO_TESTS	:= ctx_test sched_test park_test overflow_test $(CORO_CHAN_TESTS)

CORO_CPPFLAGS	:= -I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/lib
CORO_BASE_CFLAGS := -std=gnu11 $(WARNINGS) -pthread -fvisibility=hidden
CORO_TEST_CFLAGS := -std=gnu11 $(WARNINGS) -Wno-unused-parameter -Wno-sign-compare \
		    -pthread -I$(HARNESS_DIR) -I$(TOP)/tests/coro -I$(TOP)/tests/tap \
		    $(CORO_CPPFLAGS)

# Per variant: compiler, flags, how to run a test, its test group (which
# scales the base time limit of a program, CORO_TIMEOUT seconds, and of
# each test in it, and reduces the counts of some: tests/tap/limits.mk).
CORO_TIMEOUT		:= 60

CORO_CC_coro		:= $(CC)
CORO_FLAGS_coro		:= -O2 -g
CORO_RUN_coro		:=
CORO_GROUP_coro		:= native

CORO_CC_coro-asan	:= $(CC)
CORO_FLAGS_coro-asan	:= -O1 -g -fno-omit-frame-pointer \
			   -fsanitize=address,undefined -fno-sanitize-recover=all
CORO_RUN_coro-asan	:= env ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1 \
			   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
CORO_GROUP_coro-asan	:= asan

CORO_CC_coro-tsan	:= $(CC)
CORO_FLAGS_coro-tsan	:= -O1 -g -fsanitize=thread
CORO_RUN_coro-tsan	:= env TSAN_OPTIONS=halt_on_error=1:exitcode=66
CORO_GROUP_coro-tsan	:= tsan

CORO_CC_coro-valgrind	:= $(CC)
CORO_FLAGS_coro-valgrind := -O1 -g
# --fair-sched=yes: Valgrind runs one thread at a time under a lock that is
# not fair by default; coroutines yielding in a loop on two workers can
# then keep a third thread (the test's main) from running for minutes on a
# busy machine (sched.w2.alive_at_once timed out so).  The fair lock hands
# it over in turn, as tests/lib/hardening.mk's memcheck run does.
CORO_RUN_coro-valgrind	:= valgrind -q --error-exitcode=99 --fair-sched=yes \
			   --leak-check=full --errors-for-leak-kinds=definite \
			   --max-stackframe=4194304
CORO_GROUP_coro-valgrind := valgrind

CORO_CC_coro-aarch64	:= aarch64-linux-gnu-gcc
CORO_FLAGS_coro-aarch64	:= -O2 -g -static -idirafter $(BUILD)/coro-aarch64/urcu-inc
CORO_RUN_coro-aarch64	:= qemu-aarch64-static
CORO_GROUP_coro-aarch64 := qemu-user

CORO_VARIANTS	:= coro coro-asan coro-tsan coro-valgrind coro-aarch64
HOST_CHECKS	+= check-coro check-coro-asan check-coro-tsan check-coro-valgrind \
		   check-coro-aarch64

.PHONY: coro bench-coro $(addprefix check-,$(CORO_VARIANTS)) \
	$(addprefix coro-tests-,$(CORO_VARIANTS))

coro_objs = $(patsubst %,$(BUILD)/$(1)/obj/%.o,$(basename $(2)))

all: coro
coro: $(BUILD)/coro/liblwswitch-coro.a

# Objects: $(BUILD)/<variant>/obj/<source path>.o
define CORO_VARIANT_RULES
$(BUILD)/$(1)/obj/%.o: $(TOP)/%.c $(CORO_HDRS)
	@mkdir -p $$(@D)
	$$(CORO_CC_$(1)) $(CORO_CPPFLAGS) $(CORO_BASE_CFLAGS) $$(CORO_FLAGS_$(1)) -c -o $$@ $$<
$(BUILD)/$(1)/obj/%.o: $(TOP)/%.S $(CORO_HDRS)
	@mkdir -p $$(@D)
	$$(CORO_CC_$(1)) $(CORO_CPPFLAGS) $(CORO_BASE_CFLAGS) $$(CORO_FLAGS_$(1)) -c -o $$@ $$<

$(BUILD)/$(1)/liblwswitch-coro.a: $(call coro_objs,$(1),$(CORO_SRCS))
	@rm -f $$@
	$$(if $$(filter coro-aarch64,$(1)),aarch64-linux-gnu-ar,$(AR)) rcs $$@ $$^

$(BUILD)/$(1)/%: $(TOP)/tests/coro/%.c $(TOP)/tests/coro/common.h $(LWSW_HARNESS) \
		 $(BUILD)/$(1)/liblwswitch-coro.a \
		 $(call coro_objs,$(1),$(CORO_PARK_SRCS)) $(HARNESS)
	$$(CORO_CC_$(1)) $(CORO_TEST_CFLAGS) $$(CORO_FLAGS_$(1)) -o $$@ $$< \
	  $(call coro_objs,$(1),$(CORO_PARK_SRCS)) $(BUILD)/$(1)/liblwswitch-coro.a -lm

coro-tests-$(1): $(addprefix $(BUILD)/$(1)/,$(CORO_TESTS))

check-$(1): $(HARNESS)
	@$(STEP) $(RESULTS)/$(1) build-$(1) $(MAKE) --no-print-directory coro-tests-$(1)
	@for t in $(CORO_TESTS); do \
	  TAP_NAME=$$$$t $$(call run_test,$$(CORO_GROUP_$(1)),$(RESULTS)/$(1),$(CORO_TIMEOUT)) \
	    $$(CORO_RUN_$(1)) \
	    $(BUILD)/$(1)/$$$$t; \
	done
endef

$(foreach v,$(CORO_VARIANTS),$(eval $(call CORO_VARIANT_RULES,$(v))))

# The plain group also checks the assembly's build properties (no
# executable stack; endbr64/notrack/IBT note under -fcf-protection).
check-coro: check-coro-asm
check-coro-asm: check-coro-asm-deps
	@$(STEP) $(RESULTS)/coro asm-properties $(TOP)/tests/coro/check-asm.sh $(CC) \
	  $(BUILD)/coro/ctx_test
.PHONY: check-coro-asm check-coro-asm-deps
check-coro-asm-deps:
	@$(MAKE) --no-print-directory $(BUILD)/coro/ctx_test >/dev/null 2>&1 || true

# Keep the channel-library objects (only prerequisites, never targets).
.SECONDARY: $(foreach v,$(CORO_VARIANTS),$(call coro_objs,$(v),$(CORO_PARK_SRCS)))

# The cross compiler does not search the host's /usr/include; the liburcu
# headers the channel code uses (compiler.h, list.h) are architecture-
# independent, so expose just that directory (multiarch path on Debian).
CORO_URCU_DIR := $(firstword $(wildcard /usr/include/urcu \
		   /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)/urcu))
$(BUILD)/coro-aarch64/urcu-inc/urcu:
	@mkdir -p $(@D)
	ln -sfn $(CORO_URCU_DIR) $@
$(call coro_objs,coro-aarch64,$(CORO_SRCS) $(CORO_PARK_SRCS)): \
	| $(BUILD)/coro-aarch64/urcu-inc/urcu


# A quick benchmark: raw switch and scheduler round trips.
$(BUILD)/coro/bench-switch: $(TOP)/bench/coro/switch.c $(BUILD)/coro/liblwswitch-coro.a \
			    $(call coro_objs,coro,$(CORO_PARK_SRCS))
	$(CC) -std=gnu11 $(WARNINGS) -O2 -g -pthread $(CORO_CPPFLAGS) \
	  $(if $(CORO_CHAN_TESTS),-DLWSW_BENCH_CHAN) -o $@ $< \
	  $(call coro_objs,coro,$(CORO_PARK_SRCS)) $(BUILD)/coro/liblwswitch-coro.a

bench-coro: $(BUILD)/coro/bench-switch
	$(BUILD)/coro/bench-switch
