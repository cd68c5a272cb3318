# SPDX-License-Identifier: GPL-2.0
# tests/lib/hardening.mk — the library's randomized channel/select stress
# (tests/lib/chan_stress.c) under ThreadSanitizer and under Valgrind.
# Included by the top Makefile after lib/lib.mk (it uses lib.mk's rules).
#
#   make check-lib-hardening     TSan (futex backend), TSan (switchto backend
#                                against the fake module), Valgrind memcheck;
#                                TAP in $(RESULTS)/host-lib-hardening/
#   LIB_HARD_SECONDS=N           length of each run (default 6)
#
# TSan is the race detector that fits the library: its channel lock and
# parkers are GCC __atomic operations plus futexes, and TSan models the
# atomics exactly (acquire/release), so a missing barrier or an access
# outside the lock is reported.  Valgrind's race detectors do not fit:
# Helgrind and DRD only know the synchronization of the POSIX primitives
# they intercept (mutexes, condvars, semaphores, barriers), not atomic
# instructions or futexes (Valgrind manual, Helgrind "Hints and Tips":
# hand-made primitives need ANNOTATE_HAPPENS_BEFORE/AFTER client requests,
# which the library does not have), so every access under the spinlock is
# a report — false positives by construction, which only a suppression of
# everything would hide.  Valgrind therefore runs memcheck, which needs no
# model of the synchronization: invalid reads/writes, uses of uninitialised
# memory and leaks on the same randomized interleavings (Valgrind
# serializes threads; --fair-sched=yes rotates them).  No suppressions are
# used by either run.

LIB_HARD_DIR	  := $(BUILD)/lib-hardening
LIB_HARD_TSAN	  := $(BUILD)/lib-tsan/tests/lib-chan_stress
# The same under TSan on the switchto backend, against lib.mk's user-space
# stand-in for /dev/lwswitch (tests/lib/fake-lwswitch.c).
LIB_HARD_FTSAN	  := $(BUILD)/lib-fakemod-tsan/tests/lib-chan_stress
LIB_HARD_VG	  := $(LIB_HARD_DIR)/lib-chan_stress
LIB_HARD_SECONDS  ?= 6
LIB_HARD_TIMEOUT  := 30

# The Valgrind binary: dynamically linked (Valgrind's preloads need it),
# against the shipped build of the library.
$(LIB_HARD_VG): $(TOP)/tests/lib/chan_stress.c $(TOP)/tests/lib/testutil.h $(LWSW_HARNESS) \
		$(BUILD)/lib/liblwswitch.a $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) -O1 -g -o $@ $< $(BUILD)/lib/liblwswitch.a

# Keep the TSan library between runs (make would delete it as an
# intermediate of the pattern rules when only this fragment asks for it).
.SECONDARY: $(BUILD)/lib-tsan/liblwswitch.a $(call lib_objs,lib-tsan)

.PHONY: check-lib-hardening lib-hardening-tests
lib-hardening-tests: $(LIB_HARD_TSAN) $(LIB_HARD_FTSAN) $(LIB_HARD_VG)

check-lib-hardening:
	@$(STEP) $(RESULTS)/host-lib-hardening build $(MAKE) --no-print-directory lib-hardening-tests
	@TAP_NAME=chan_stress-tsan LWSW_STRESS_SECONDS=$(LIB_HARD_SECONDS) \
	  TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
	  $(call run_test,tsan,$(RESULTS)/host-lib-hardening,$(LIB_HARD_TIMEOUT)) $(LIB_HARD_TSAN)
	@TAP_NAME=chan_stress-tsan-switchto LWSW_STRESS_SECONDS=$(LIB_HARD_SECONDS) \
	  TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
	  $(call run_test,tsan,$(RESULTS)/host-lib-hardening,$(LIB_HARD_TIMEOUT)) $(LIB_HARD_FTSAN)
	@TAP_NAME=chan_stress-memcheck LWSW_STRESS_SECONDS=$(LIB_HARD_SECONDS) \
	  $(call run_test,valgrind,$(RESULTS)/host-lib-hardening,$(LIB_HARD_TIMEOUT)) \
	  valgrind -q --error-exitcode=99 --fair-sched=yes --leak-check=full \
	    --errors-for-leak-kinds=definite $(LIB_HARD_VG)
