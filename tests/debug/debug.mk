# SPDX-License-Identifier: GPL-2.0
# tests/debug/debug.mk — `make check-debug`: the whole in-VM suite plus the
# long fault/stress/fuzz campaign on a debug kernel (lockdep, KASAN,
# kmemleak, DEBUG_OBJECTS, ...) built from Debian's linux-source-6.1 by
# scripts/debug-kernel and cached outside the repository.  Included by
# the top Makefile after tests/vm/vm.mk and kmod/kmod.mk.
#
#   make check-debug [DEBUG_FUZZ_SECONDS=300 DEBUG_STRESS_SECONDS=120]
#
# Results: $(RESULTS)/vm-debug/*.tap; the run fails on any test failure and
# on any kernel splat (run-vm scans the console for lockdep, KASAN, UBSAN,
# WARNING, BUG, ...), and the campaign fails on any kmemleak report.

DEBUG_KERNEL_CACHE   ?= /var/cache/lwswitch/debug-kernel
DEBUG_FUZZ_SECONDS   ?= 120
DEBUG_STRESS_SECONDS ?= 60
DEBUG_TEST_TIMEOUT   ?= $(call test_limit,tcg-debug,60)
DEBUG_MODULE_DIR     := $(BUILD)/kmod/debug

.PHONY: check-debug check-debug-run
check-debug:
	@$(TOP)/scripts/install-deps $(CHECK_DEPS) debug
	@rm -rf $(RESULTS)
	@$(MAKE) --no-print-directory check-debug-run || true
	@$(TOP)/tests/tap/summarize $(RESULTS)

# The VM boots the debug kernel's bzImage (the boot protocol), not its
# vmlinux through PVH as for Debian's kernels: 6.1's PVH entry code
# (xen_prepare_pvh) is KASAN-instrumented and touches the shadow before
# KASAN has set it up, a triple fault at once.
check-debug-run:
	@mkdir -p $(RESULTS)/vm-debug
	@kdir=$$($(TOP)/scripts/debug-kernel --cache $(DEBUG_KERNEL_CACHE)) || \
	  { echo "not ok 1 debug kernel build" > $(RESULTS)/vm-debug/debug-kernel.tap; exit 1; }; \
	rm -rf $(DEBUG_MODULE_DIR)/src && mkdir -p $(DEBUG_MODULE_DIR)/src && \
	cp -r $(TOP)/Kbuild $(TOP)/kmod $(TOP)/include $(DEBUG_MODULE_DIR)/src/ && \
	$(MAKE) -C $$kdir M=$(DEBUG_MODULE_DIR)/src $(KMOD_MAKEFLAGS) modules || \
	  echo "check-debug: the module failed to build against $$kdir" >&2; \
	$(MAKE) --no-print-directory -s -k $(VM_TESTS) || \
	  echo "check-debug: some of the guest's files failed to build" >&2; \
	echo "  VM-TEST debug $$kdir"; \
	$(RUN_VM) --vmlinuz $$kdir/arch/x86/boot/bzImage --module $(DEBUG_MODULE_DIR)/src/kmod/lwswitch.ko \
	  --test-timeout $(DEBUG_TEST_TIMEOUT) --test-scale $(call test_scale,tcg-debug) \
	  --cmd-timeout 3600 \
	  --payload $(TOP)/tests/debug/payload \
	  --cmd 'LWSW_FUZZ_SECONDS=$(DEBUG_FUZZ_SECONDS) LWSW_STRESS_SECONDS=$(DEBUG_STRESS_SECONDS) debug-campaign' \
	  --append 'kmemleak=on' \
	  --dir $(BUILD)/vm/run-debug --tap-dir $(RESULTS)/vm-debug $(VM_TESTS)
