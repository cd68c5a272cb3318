# SPDX-License-Identifier: GPL-2.0
# tests/tap/limits.mk — how long each test group may take, in one place.
#
# A group is a way of running the tests: natively, under a sanitizer,
# under Valgrind, under qemu-user, or in the TCG VM.  Every rule that runs
# a test program gives a base limit (seconds, right for a native run on an
# idle machine) and its group; the limit it gets is
#
#	base * TEST_FACTOR_<group> * TEST_LOAD
#
# for the program as a whole (tests/tap/run-test, tests/vm/run-vm) and for
# each of its tests (the kselftest harness's own limits, scaled by
# tests/tap/lwsw_harness.h from LWSW_TEST_SCALE).  The factor is how much
# slower the group's tool runs the same work; TEST_LOAD is the headroom
# for a machine whose every core is busy with other work (`make
# check-loaded' runs the whole suite so).  A limit is a backstop against
# a hang, never a performance check.
#
# Groups marked reduced also get LWSW_TEST_REDUCED=1: their tests run
# fewer iterations where the count is not what the test is about.

TEST_LOAD		?= 2

TEST_FACTOR_native	:= 1
TEST_FACTOR_asan	:= 2
TEST_FACTOR_tsan	:= 4
TEST_FACTOR_valgrind	:= 8
TEST_FACTOR_qemu-user	:= 4
TEST_FACTOR_tcg		:= 3
TEST_FACTOR_tcg-debug	:= 8

TEST_REDUCED_tsan	:= 1
TEST_REDUCED_valgrind	:= 1
TEST_REDUCED_qemu-user	:= 1

# $(call test_scale,GROUP): the multiplier of GROUP's limits.
test_scale = $(shell echo $$(( $(or $(TEST_FACTOR_$(1)),$(error no TEST_FACTOR_$(1))) * $(TEST_LOAD) )))
# $(call test_limit,GROUP,BASE): a scaled limit in seconds.
test_limit = $(shell echo $$(( $(2) * $(call test_scale,$(1)) )))
# $(call test_env,GROUP): the environment tests/tap/run-test passes on.
test_env = LWSW_TEST_SCALE=$(call test_scale,$(1))$(if $(TEST_REDUCED_$(1)), LWSW_TEST_REDUCED=1)
# $(call run_test,GROUP,RESULT_DIR,BASE_LIMIT): the runner for one program
# (the program and its arguments follow).
run_test = $(call test_env,$(1)) $(RUN_TEST) $(2) $(3)
