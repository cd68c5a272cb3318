# SPDX-License-Identifier: GPL-2.0
#
# debian/deb.mk — the Debian packages (included by the top Makefile).
#
#   make deb          lwswitch-dkms, liblwswitch0, liblwswitch-dev (and the
#                     source package) built from a copy of the tree, in
#                     $(BUILD)/deb/; lintian's report in
#                     $(BUILD)/deb/lintian.log; fails on any lintian error
#   make deb-build    the same without lintian
#   make deb-lintian  lintian on what deb-build made
#   make check-deb    (also in `make check') the packages built, linted,
#                     unpacked and used: TAP in $(RESULTS)/host-deb/, and
#                     the VM run with the module dkms built from the
#                     package in $(RESULTS)/vm-deb-$(DEB_VM_KERNEL)/
#
# The copy: what git tracks plus new files it does not ignore (uncommitted
# work included, as the rest of `make check' tests it), or outside a git
# work tree everything but build/.  dpkg-buildpackage writes its products
# next to the source directory; they are moved to $(BUILD)/deb/.

DEB_DIR		:= $(BUILD)/deb
DEB_SRC		:= $(DEB_DIR)/src/lwswitch-$(VERSION)
DEB_ROOT	:= $(DEB_DIR)/root
DEB_RES		:= $(RESULTS)/host-deb
# The VM run: one module test, on the kernel vm-test boots by default.
DEB_VM_KERNEL	:= 6.12
DEB_VM_TESTS	:= $(BUILD)/tests/vm/kmod_api

.PHONY: deb deb-build deb-lintian check-deb

# Two steps one after the other, also under make -j.
deb:
	@$(MAKE) --no-print-directory deb-build
	@$(MAKE) --no-print-directory deb-lintian

# MAKEFLAGS and the rest of make's environment are not passed on: a
# command-line variable of this make (BUILD=, CFLAGS=, ...) must not reach
# debian/rules and the project's make inside the package build.
deb-build:
	@$(TOP)/scripts/install-deps deb
	@$(TOP)/debian/checks/changelog-version $(TOP)
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	@echo "  EXPORT  $(DEB_SRC)"
	@set -o pipefail; \
	if git -C $(TOP) rev-parse --is-inside-work-tree > /dev/null 2>&1; then \
	  git -C $(TOP) ls-files -z -co --exclude-standard | \
	    (cd $(TOP) && tar --null --ignore-failed-read -cf - -T -); \
	else \
	  (cd $(TOP) && tar --exclude=./build -cf - .); \
	fi | tar --no-same-owner -xf - -C $(DEB_SRC)
	@echo "  DPKG-BUILDPACKAGE $(DEB_SRC)"
	@cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	  dpkg-buildpackage -us -uc -Jauto
	@cd $(DEB_DIR)/src && mv *.deb *.ddeb *.dsc *.tar.* *.buildinfo *.changes $(DEB_DIR)/ 2> /dev/null; \
	  ls $(DEB_DIR)/lwswitch_$(VERSION)_*.changes > /dev/null
	@ls -l $(DEB_DIR)/*.deb

# lintian on the .changes: the source package and every binary one.
# Errors fail; warnings and the rest are in the log.
deb-lintian:
	@changes=$$(ls $(DEB_DIR)/lwswitch_$(VERSION)_*.changes 2> /dev/null | head -n 1); \
	  [ -n "$$changes" ] || { echo "no .changes in $(DEB_DIR): make deb-build" >&2; exit 1; }; \
	  echo "  LINTIAN $$changes"; \
	  lintian --display-info --pedantic --fail-on error "$$changes" > $(DEB_DIR)/lintian.log 2>&1; \
	  rc=$$?; cat $(DEB_DIR)/lintian.log; \
	  for s in E W I P; do printf '%s: %s  ' $$s $$(grep -c "^$$s: " $(DEB_DIR)/lintian.log); done; \
	  echo "(lintian exit $$rc, $(DEB_DIR)/lintian.log)"; \
	  [ $$rc -eq 0 ] && ! grep -q '^E: ' $(DEB_DIR)/lintian.log

# Each step is one test.  The later ones use what the earlier ones left
# (the packages, the unpacked root, the dkms-built modules), so a failure
# shows in every step that depends on it, named.
HOST_CHECKS += check-deb
check-deb:
	@rm -rf $(DEB_RES)
	@$(STEP) $(DEB_RES) changelog-version $(TOP)/debian/checks/changelog-version $(TOP)
	@$(STEP) $(DEB_RES) copyright-spdx $(TOP)/debian/checks/copyright $(TOP)
	@$(STEP) $(DEB_RES) build $(MAKE) --no-print-directory deb-build
	@$(STEP) $(DEB_RES) lintian $(MAKE) --no-print-directory deb-lintian
	@$(STEP) $(DEB_RES) contents $(TOP)/debian/checks/contents $(DEB_DIR) $(VERSION)
	@$(STEP) $(DEB_RES) dev-program $(TOP)/debian/checks/dev-program $(DEB_ROOT) $(VERSION)
	@for s in 6.1 6.12; do \
	  abi=$$($(TOP)/scripts/kernel-abi $$s) || abi=unresolved-$$s; \
	  $(STEP) $(DEB_RES) dkms-$$s $(TOP)/debian/checks/dkms $(DEB_ROOT) $(VERSION) $$abi $(DEB_DIR)/dkms; \
	done
	@$(STEP) $(DEB_RES) vm-$(DEB_VM_KERNEL) $(MAKE) --no-print-directory vm-test \
	  KERNEL=$(DEB_VM_KERNEL) VM_RUN=deb-$(DEB_VM_KERNEL) VM_TESTS='$(DEB_VM_TESTS)' \
	  VM_MODULE='$(DEB_DIR)/dkms/$$(VM_ABI)/lwswitch.ko'
