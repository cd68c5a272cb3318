# SPDX-License-Identifier: GPL-2.0
# tests/debug/debug.mk — `make check-debug`: the whole in-VM suite plus the
# long fault/stress/fuzz campaign on debug kernels (lockdep, KASAN,
# kmemleak, DEBUG_OBJECTS, ...) built from Debian's linux-source-6.1 and
# linux-source-6.12 by scripts/debug-kernel and cached outside the
# repository.  Included by the top Makefile after tests/vm/vm.mk and
# kmod/kmod.mk.
#
#   make check-debug [DEBUG_SERIES="6.1 6.12"] [DEBUG_MODES="default other"]
#                    [DEBUG_FUZZ_SECONDS=120 DEBUG_STRESS_SECONDS=60]
#   make check-debug-run DEBUG_SERIES=6.12 [DEBUG_INSMOD_ARGS=handoff=yield]
#                    one run, without clearing $(RESULTS) or summarizing
#
# check-debug runs, for each series of DEBUG_SERIES, the module in its
# default SWITCHTO mode and (DEBUG_MODES "other") in the other one, as
# `make check` does (vm-test-modes): handoff=block on 6.1, handoff=yield
# on 6.12.  Results: $(RESULTS)/vm-debug-<series>/*.tap and
# $(RESULTS)/vm-debug-<series>-<mode>/*.tap, logs in
# $(BUILD)/vm/run-debug-<series>[-<mode>]/; a run fails on any test
# failure and on any kernel splat (run-vm scans the console for lockdep,
# KASAN, UBSAN, WARNING, BUG, ...), and the campaign fails on any kmemleak
# report.

DEBUG_KERNEL_CACHE   ?= /var/cache/lwswitch/debug-kernel
DEBUG_SERIES         ?= 6.1 6.12
DEBUG_MODES          ?= default other
DEBUG_FUZZ_SECONDS   ?= 120
DEBUG_STRESS_SECONDS ?= 60
DEBUG_TEST_TIMEOUT   ?= $(call test_limit,tcg-debug,60)
DEBUG_INSMOD_ARGS    ?=
# The mode that is not the module's default on each series
# (kmod/lwswitch_main.c: LWS_HANDOFF_DEFAULT).
DEBUG_OTHER_MODE_6.1  := block
DEBUG_OTHER_MODE_6.12 := yield
# check-debug-run's own: one series, the run's name.
DEBUG_RUN            ?= debug-$(DEBUG_SERIES)
DEBUG_MODULE_DIR      = $(BUILD)/kmod/debug-$(DEBUG_SERIES)

.PHONY: check-debug check-debug-run
check-debug:
	@$(TOP)/scripts/install-deps $(CHECK_DEPS) debug
	@rm -rf $(RESULTS)
	@for s in $(DEBUG_SERIES); do \
	  case " $(DEBUG_MODES) " in *" default "*) \
	    $(MAKE) --no-print-directory check-debug-run DEBUG_SERIES=$$s || true ;; \
	  esac; \
	  case " $(DEBUG_MODES) " in *" other "*) \
	    case $$s in 6.1) m=$(DEBUG_OTHER_MODE_6.1) ;; *) m=$(DEBUG_OTHER_MODE_6.12) ;; esac; \
	    $(MAKE) --no-print-directory check-debug-run DEBUG_SERIES=$$s \
	      DEBUG_RUN=debug-$$s-$$m DEBUG_INSMOD_ARGS=handoff=$$m || true ;; \
	  esac; \
	done
	@$(TOP)/tests/tap/summarize $(RESULTS)

# The VM boots the debug kernel's bzImage (the boot protocol), not its
# vmlinux through PVH as for Debian's kernels: 6.1's PVH entry code
# (xen_prepare_pvh) is KASAN-instrumented and touches the shadow before
# KASAN has set it up, a triple fault at once.  6.12 builds
# arch/x86/platform/pvh/ with KASAN_SANITIZE := n, but both series boot
# the same way here.
#
# The module is built against the debug kernel itself (its tree is a
# KDIR), from a copy of its sources as kmod.mk does; a module that fails
# to build fails the run (run-vm: "module ... not found").
check-debug-run:
	@case "$(DEBUG_SERIES)" in 6.1|6.12) ;; \
	  *) echo "check-debug-run: DEBUG_SERIES must be one of 6.1, 6.12 (got '$(DEBUG_SERIES)')" >&2; exit 2 ;; \
	esac
	@rm -rf $(RESULTS)/vm-$(DEBUG_RUN) && mkdir -p $(RESULTS)/vm-$(DEBUG_RUN)
	@kdir=$$($(TOP)/scripts/debug-kernel --series $(DEBUG_SERIES) --cache $(DEBUG_KERNEL_CACHE)) || \
	  { printf '1..1\nnot ok 1 debug kernel %s build\n' $(DEBUG_SERIES) > $(RESULTS)/vm-$(DEBUG_RUN)/debug-kernel.tap; exit 1; }; \
	rm -rf $(DEBUG_MODULE_DIR)/src && mkdir -p $(DEBUG_MODULE_DIR)/src && \
	cp -r $(TOP)/Kbuild $(TOP)/VERSION $(TOP)/kmod $(TOP)/include $(DEBUG_MODULE_DIR)/src/ && \
	$(MAKE) -C $$kdir M=$(DEBUG_MODULE_DIR)/src $(KMOD_MAKEFLAGS) modules || \
	  echo "check-debug: the module failed to build against $$kdir" >&2; \
	$(MAKE) --no-print-directory -s -k $(VM_TESTS) || \
	  echo "check-debug: some of the guest's files failed to build" >&2; \
	echo "  VM-TEST $(DEBUG_RUN) $$kdir $(DEBUG_INSMOD_ARGS)"; \
	$(RUN_VM) --vmlinuz $$kdir/arch/x86/boot/bzImage --module $(DEBUG_MODULE_DIR)/src/kmod/lwswitch.ko \
	  $(if $(DEBUG_INSMOD_ARGS),--insmod-args '$(DEBUG_INSMOD_ARGS)') \
	  --test-timeout $(DEBUG_TEST_TIMEOUT) --test-scale $(call test_scale,tcg-debug) \
	  --cmd-timeout 3600 \
	  --payload $(TOP)/tests/debug/payload \
	  --cmd 'LWSW_FUZZ_SECONDS=$(DEBUG_FUZZ_SECONDS) LWSW_STRESS_SECONDS=$(DEBUG_STRESS_SECONDS) debug-campaign' \
	  --append 'kmemleak=on' \
	  --dir $(BUILD)/vm/run-$(DEBUG_RUN) --tap-dir $(RESULTS)/vm-$(DEBUG_RUN) $(VM_TESTS)
