# SPDX-License-Identifier: GPL-2.0
# The in-VM test suite (tests/vm/README.md).  Included by the top Makefile.
#
#   make vm-test KERNEL=6.1|6.12   boot that kernel, insmod, run $(VM_TESTS),
#                                  rmmod; TAP files in $(RESULTS)/vm-$(KERNEL)/
#   make check-vm                  vm-test on both kernels, never fails
#   make vm-shell KERNEL=...       the same VM with a shell on the console
#   make vm-kernels                download and unpack both kernels now
#
# Variables (VM_ABI is set by vm-test to the ABI scripts/kernel-abi gives,
# so a command-line VM_MODULE='/tmp/x/$(VM_ABI)/x.ko' works):
#   VM_TESTS         static test binaries to run (fragments append with +=)
#   VM_MODULE        module to load (default: kmod.mk's build for VM_ABI)
#   VM_INSMOD_ARGS   its parameters
#   VM_RUN           the run's name: results in $(RESULTS)/vm-$(VM_RUN)/
#                    (default: the kernel series)
#   VM_TEST_TIMEOUT  seconds per test (100 scaled for the tcg group:
#                    tests/tap/limits.mk; the harness's own per-test
#                    limits inside are scaled by the same factor)
#   VM_TIMEOUT       seconds for the whole VM (empty: computed by run-vm)
#   VM_PAYLOAD       a directory copied to /payload in the guest
#   VM_ARGS          more tests/vm/run-vm options
#   VM_CACHE         kernel cache ($(BUILD)/vm)

RUN_VM		:= $(TOP)/tests/vm/run-vm
VM_CACHE	?= $(BUILD)/vm
VM_TESTS	?=
VM_MODULE	?= $(BUILD)/kmod/$(VM_ABI)/lwswitch.ko
VM_INSMOD_ARGS	?=
VM_RUN		?= $(KERNEL)
VM_TEST_GROUP	?= tcg
VM_TEST_TIMEOUT	?= $(call test_limit,$(VM_TEST_GROUP),100)
VM_TIMEOUT	?=
VM_PAYLOAD	?=
VM_ARGS		?=

export VM_CACHE

.PHONY: vm-test vm-test-abi check-vm vm-shell vm-shell-abi vm-kernels

# The ABI is only known at run time (apt), so the real work happens in a
# sub-make that has it.  An unresolvable ABI still produces results: run-vm
# records the failed setup as "not ok".
vm-test vm-shell:
	@abi=$$($(TOP)/scripts/kernel-abi $(KERNEL)) || abi=; \
	$(MAKE) --no-print-directory $@-abi VM_ABI="$$abi"

# Builds what the guest needs (a failed build becomes a failed test, not a
# stopped make), then boots.  Exits non-zero when anything failed.
vm-test-abi:
	@rm -rf $(RESULTS)/vm-$(VM_RUN)
	@mkdir -p $(RESULTS)/vm-$(VM_RUN)
	@if [ -n "$(VM_ABI)" ]; then \
	  $(MAKE) --no-print-directory -s -k $(VM_MODULE) $(VM_TESTS) || \
	    echo "vm-test: some of the guest's files failed to build" >&2; \
	fi
	@echo "  VM-TEST $(KERNEL) $(VM_ABI) $(VM_INSMOD_ARGS)"
	@$(RUN_VM) --kernel $(or $(VM_ABI),$(KERNEL)) --cache $(VM_CACHE) \
	  $(if $(VM_MODULE),--module $(VM_MODULE)) $(if $(VM_INSMOD_ARGS),--insmod-args '$(VM_INSMOD_ARGS)') \
	  --test-timeout $(VM_TEST_TIMEOUT) $(if $(VM_TIMEOUT),--timeout $(VM_TIMEOUT)) \
	  --test-scale $(call test_scale,$(VM_TEST_GROUP)) \
	  $(if $(VM_PAYLOAD),--payload $(VM_PAYLOAD)) \
	  --dir $(BUILD)/vm/run-$(VM_RUN) --tap-dir $(RESULTS)/vm-$(VM_RUN) \
	  $(VM_ARGS) $(VM_TESTS)

vm-shell-abi:
	@$(MAKE) --no-print-directory -s -k $(VM_MODULE) $(VM_TESTS) || true
	@$(RUN_VM) --kernel $(or $(VM_ABI),$(KERNEL)) --cache $(VM_CACHE) --shell \
	  $(if $(wildcard $(VM_MODULE)),--module $(VM_MODULE)) \
	  $(if $(VM_INSMOD_ARGS),--insmod-args '$(VM_INSMOD_ARGS)') \
	  $(if $(VM_PAYLOAD),--payload $(VM_PAYLOAD)) \
	  --dir $(BUILD)/vm/shell-$(KERNEL) $(VM_ARGS) $(wildcard $(VM_TESTS))

check-vm:
	@$(MAKE) --no-print-directory vm-test KERNEL=6.1 || true
	@$(MAKE) --no-print-directory vm-test KERNEL=6.12 || true

vm-kernels:
	@for s in 6.1 6.12; do $(TOP)/tests/vm/get-kernel $(VM_CACHE) $$s; done
