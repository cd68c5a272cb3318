# SPDX-License-Identifier: GPL-2.0
#
# man/man.mk — the manual pages (included by the top-level Makefile, after
# lib/coro/coro.mk).
#
#   make man           $(BUILD)/man/man{2,3,7}/: a page per public function
#                      (<function>.3) and per public struct (<struct>.3type),
#                      ioctl_lwswitch(2), lwswitch(7)
#   make install-man   (also via `make install') into $(DESTDIR)$(MANDIR)
#                      [MANDIR=$(PREFIX)/share/man], uncompressed
#   make check-man     the kernel-doc of the three headers has no warning,
#                      the pages build, every exported function has its
#                      page, every LWSWITCH_IOC_* and UAPI struct is in
#                      ioctl_lwswitch(2), groff and lexgrog read every page
#
# Results go to $(RESULTS)/host-man/*.tap.
#
# The headers are the one source: section 3 and ioctl_lwswitch(2) are
# generated from their kernel-doc comments (man/mkman, man/kdoc2man.awk);
# only lwswitch(7) and the skeleton of ioctl_lwswitch(2) are written by
# hand (man/*.in).  kernel-doc is taken from Debian's linux-source-6.1 at
# build time, never committed, as the harness and checkpatch.pl are.

MANDIR		?= $(PREFIX)/share/man
MAN_DIR		:= $(BUILD)/man
MAN_HEADERS	:= $(TOP)/include/lwswitch.h $(TOP)/include/lwswitch_coro.h
MAN_UAPI	:= $(TOP)/include/uapi/linux/lwswitch.h

KERNEL_DOC_SRC	?= $(KSRC_TARBALL)
KERNEL_DOC_DIR	:= $(BUILD)/kernel-doc
KERNEL_DOC	:= $(KERNEL_DOC_DIR)/kernel-doc

# A page per function the public headers declare (the line check-install
# reads them by), and per struct they define.
MAN_LPAREN	:= (
MAN3_FUNCS	:= $(shell sed -n 's/^[a-z].*[ *]\(lwsw_[a-z0-9_]*\)$(MAN_LPAREN).*/\1/p' \
		     $(MAN_HEADERS) | sort -u)
MAN3_TYPES	:= $(shell sed -n 's/^struct \(lwsw_[a-z0-9_]*\) {$$/\1/p' $(MAN_HEADERS) | sort -u)
MAN_PAGES	:= $(MAN3_FUNCS:%=$(MAN_DIR)/man3/%.3) \
		   $(MAN3_TYPES:%=$(MAN_DIR)/man3/%.3type) \
		   $(MAN_DIR)/man2/ioctl_lwswitch.2 $(MAN_DIR)/man7/lwswitch.7

MKMAN		:= $(TOP)/man/mkman
MKMAN_DEPS	:= $(MKMAN) $(TOP)/man/kdoc2man.awk $(TOP)/man/man.mk $(TOP)/VERSION
MKMAN_ENV	:= MAN3_PAGES="$(MAN3_FUNCS) $(MAN3_TYPES:%=%.3type)"

HOST_CHECKS	+= check-man

.PHONY: man install-man check-man check-man-kernel-doc

man: $(MAN_PAGES)
install: install-man

$(KERNEL_DOC):
	@mkdir -p $(KERNEL_DOC_DIR)
	@[ -f $(KERNEL_DOC_SRC) ] || { echo "no $(KERNEL_DOC_SRC): run make deps" >&2; exit 1; }
	@echo "  KERNEL-DOC $(KERNEL_DOC_SRC)"
	@tar -xJf $(KERNEL_DOC_SRC) -C $(KERNEL_DOC_DIR) --strip-components=2 \
	  $$(basename $(KERNEL_DOC_SRC) .tar.xz)/scripts/kernel-doc
	@touch $@

$(MAN_DIR)/man3/%.3: $(MAN_HEADERS) $(MKMAN_DEPS) | $(KERNEL_DOC)
	@mkdir -p $(@D)
	@echo "  MAN     $*.3"
	@$(MKMAN_ENV) $(MKMAN) page $(KERNEL_DOC) $* 3 $@ $(MAN_HEADERS)

$(MAN_DIR)/man3/%.3type: $(MAN_HEADERS) $(MKMAN_DEPS) | $(KERNEL_DOC)
	@mkdir -p $(@D)
	@echo "  MAN     $*.3type"
	@$(MKMAN_ENV) $(MKMAN) page $(KERNEL_DOC) $* 3type $@ $(MAN_HEADERS)

$(MAN_DIR)/man2/ioctl_lwswitch.2: $(TOP)/man/ioctl_lwswitch.2.in $(MAN_UAPI) $(MKMAN_DEPS) \
				  | $(KERNEL_DOC)
	@mkdir -p $(@D)
	@echo "  MAN     ioctl_lwswitch.2"
	@$(MKMAN_ENV) $(MKMAN) template $(KERNEL_DOC) $< $@ $(MAN_UAPI)

$(MAN_DIR)/man7/lwswitch.7: $(TOP)/man/lwswitch.7.in $(MAN_HEADERS) $(MKMAN_DEPS)
	@mkdir -p $(@D)
	@echo "  MAN     lwswitch.7"
	@$(MKMAN_ENV) $(MKMAN) template - $< $@

install-man: man
	install -d $(DESTDIR)$(MANDIR)/man2 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(filter %.2,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man2/
	install -m 644 $(filter %.3 %.3type,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man3/
	install -m 644 $(filter %.7,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man7/

# ---------------------------------------------------------------- tests

check-man-kernel-doc: $(KERNEL_DOC)
	$(TOP)/man/check-man kernel-doc $(KERNEL_DOC) $(MAN_HEADERS) $(MAN_UAPI)

check-man:
	@$(STEP) $(RESULTS)/host-man kernel-doc $(MAKE) --no-print-directory check-man-kernel-doc
	@$(STEP) $(RESULTS)/host-man build $(MAKE) --no-print-directory man
	@$(STEP) $(RESULTS)/host-man functions $(TOP)/man/check-man functions \
	  $(TOP)/lib/liblwswitch.map $(MAN_DIR)/man3
	@$(STEP) $(RESULTS)/host-man ioctls $(TOP)/man/check-man ioctls $(MAN_UAPI) \
	  $(MAN_DIR)/man2/ioctl_lwswitch.2
	@$(STEP) $(RESULTS)/host-man render $(TOP)/man/check-man render $(MAN_PAGES)
	@$(STEP) $(RESULTS)/host-man install sh -c 'rm -rf $(BUILD)/man-install && \
	  $(MAKE) --no-print-directory -s install-man DESTDIR=$(BUILD)/man-install \
	    MANDIR=/usr/share/man && \
	  $(TOP)/man/check-man installed $(BUILD)/man-install/usr/share/man $(MAN_PAGES)'
