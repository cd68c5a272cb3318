# SPDX-License-Identifier: GPL-2.0
# kmod/kmod.mk — building lwswitch.ko (included by the top Makefile).
#
#   make module KDIR=/lib/modules/<abi>/build   in-tree build (./kmod/lwswitch.ko)
#   make $(BUILD)/kmod/<abi>/lwswitch.ko        out-of-source build for a kernel
#                                               whose headers are installed
#   make checkpatch                             the kernel's checkpatch.pl on kmod/
#   make install-udev [DESTDIR=...]             (also via `make install') the
#                                               device's udev rule, into
#                                               UDEVRULESDIR, and the group
#                                               lwswitch when DESTDIR is empty
#   make dkms-source [DESTDIR=...]              the module's DKMS source tree,
#                                               /usr/src/lwswitch-<VERSION>
#                                               (dkms add -m lwswitch -v <VERSION>)

KMOD_SRCS := $(TOP)/Kbuild $(TOP)/kmod/Kbuild $(wildcard $(TOP)/kmod/*.[ch]) \
	     $(TOP)/include/uapi/linux/lwswitch.h $(TOP)/VERSION
# W=1 clean is a requirement of ours, not of users building with dkms.
KMOD_MAKEFLAGS := W=1 KCFLAGS=-Werror

.PHONY: module module-clean checkpatch install-udev
module:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KMOD_MAKEFLAGS) modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean

# Kbuild of 6.1 cannot put an external module's objects outside its source
# tree, so each kernel gets a copy of the sources to build in.
$(BUILD)/kmod/%/lwswitch.ko: $(KMOD_SRCS)
	@test -d /lib/modules/$*/build || { echo "no headers for $*: run make deps" >&2; exit 1; }
	@rm -rf $(BUILD)/kmod/$*/src && mkdir -p $(BUILD)/kmod/$*/src
	@cp -r $(TOP)/Kbuild $(TOP)/VERSION $(TOP)/kmod $(TOP)/include $(BUILD)/kmod/$*/src/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/kmod/$*/src $(KMOD_MAKEFLAGS) modules
	cp $(BUILD)/kmod/$*/src/kmod/lwswitch.ko $@

# checkpatch.pl and its data files come from the kernel source package.
CHECKPATCH_DIR := $(BUILD)/checkpatch
$(CHECKPATCH_DIR)/checkpatch.pl:
	@mkdir -p $(CHECKPATCH_DIR)
	@src=$(KSRC_TARBALL); \
	  [ -f "$$src" ] || { echo "no $$src: run make deps" >&2; exit 1; }; \
	  top=$$(basename $$src .tar.xz); \
	  tar -xJf $$src -C $(CHECKPATCH_DIR) --strip-components=2 \
	    $$top/scripts/checkpatch.pl $$top/scripts/spelling.txt \
	    $$top/scripts/const_structs.checkpatch
	@touch $@

# An out-of-tree module built for two kernel series must test the version
# (LINUX_VERSION_CODE, and the comparison checkpatch wants reversed).
checkpatch: $(CHECKPATCH_DIR)/checkpatch.pl
	perl $(CHECKPATCH_DIR)/checkpatch.pl --no-tree --show-types \
	  --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	  -f $(filter %.c %.h,$(KMOD_SRCS))

# Who may open /dev/lwswitch is the system's policy: the rule gives the
# device to the group lwswitch, mode 0660 (README, "Who may use the
# device").  A local install's rules go to /etc; packages use /lib/udev.
UDEVRULESDIR ?= /etc/udev/rules.d
install: install-udev
install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 644 $(TOP)/udev/60-lwswitch.rules $(DESTDIR)$(UDEVRULESDIR)/
	@if [ -z "$(DESTDIR)" ] && ! getent group lwswitch > /dev/null; then \
	  echo "groupadd --system lwswitch"; groupadd --system lwswitch; \
	fi

# What DKMS builds from: the kernel build's files and dkms.conf with the
# version filled in, nothing of the library or the tests.
DKMS_SRCDIR ?= /usr/src/lwswitch-$(VERSION)
.PHONY: dkms-source
dkms-source:
	install -d $(DESTDIR)$(DKMS_SRCDIR)/kmod $(DESTDIR)$(DKMS_SRCDIR)/include/uapi/linux
	install -m 644 $(TOP)/Kbuild $(TOP)/VERSION $(DESTDIR)$(DKMS_SRCDIR)/
	sed 's/@VERSION@/$(VERSION)/' $(TOP)/dkms.conf.in > $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	install -m 644 $(TOP)/kmod/Kbuild $(wildcard $(TOP)/kmod/*.[ch]) $(DESTDIR)$(DKMS_SRCDIR)/kmod/
	install -m 644 $(TOP)/include/uapi/linux/lwswitch.h $(DESTDIR)$(DKMS_SRCDIR)/include/uapi/linux/

# ---- tests ----------------------------------------------------------------
# The module's tests are static kselftest-harness programs run in the VM
# (tests/vm/); kmod_zz_final checks that nothing leaked and runs last.
# Resolved on first use only (apt-cache takes a second or so per call).
KMOD_ABIS = $(eval KMOD_ABIS := $(shell $(TOP)/scripts/kernel-abi 6.1 2>/dev/null) \
	    $(shell $(TOP)/scripts/kernel-abi 6.12 2>/dev/null))$(KMOD_ABIS)
KMOD_TEST_SRCS := $(wildcard $(TOP)/tests/kmod/kmod_*.c)
KMOD_TEST_BINS := $(patsubst $(TOP)/tests/kmod/%.c,$(BUILD)/tests/vm/%,$(KMOD_TEST_SRCS))
VM_TESTS += $(filter-out %/kmod_zz_final,$(KMOD_TEST_BINS))
VM_TESTS_LAST += $(BUILD)/tests/vm/kmod_zz_final

TEST_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -static -pthread \
	       -I$(TOP)/include/uapi -I$(TOP)/tests/tap -isystem $(HARNESS_DIR)

$(BUILD)/tests/vm/kmod_%: $(TOP)/tests/kmod/kmod_%.c $(TOP)/tests/kmod/lwsw_kmod.h \
			  $(TOP)/include/uapi/linux/lwswitch.h $(LWSW_HARNESS) | $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

.PHONY: kmod-tests check-kmod
kmod-tests: $(KMOD_TEST_BINS)

# Host-side checks of the module: W=1 -Werror builds against both kernels'
# headers, dkms, checkpatch.
HOST_CHECKS += check-kmod
check-kmod:
	@for abi in $(KMOD_ABIS); do \
	  $(STEP) $(RESULTS)/host-kmod build-$$abi $(MAKE) --no-print-directory $(BUILD)/kmod/$$abi/lwswitch.ko; \
	  $(STEP) $(RESULTS)/host-kmod dkms-$$abi $(TOP)/tests/dkms-build $$abi $(MAKE) --no-print-directory -C $(TOP); \
	done
	@$(STEP) $(RESULTS)/host-kmod checkpatch $(MAKE) --no-print-directory checkpatch
	@$(STEP) $(RESULTS)/host-kmod install-udev sh -c 'rm -rf $(BUILD)/udev-install && \
	  $(MAKE) --no-print-directory -s install-udev DESTDIR=$(BUILD)/udev-install && \
	  grep -q "GROUP=\"lwswitch\", MODE=\"0660\"" \
	    $(BUILD)/udev-install/etc/udev/rules.d/60-lwswitch.rules'
	@$(STEP) $(RESULTS)/host-kmod test-programs $(MAKE) --no-print-directory kmod-tests
