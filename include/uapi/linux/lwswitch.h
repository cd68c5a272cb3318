/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lwswitch: direct thread-to-thread hand-off for Linux.
 */

/**
 * DOC: Switch domains
 *
 * Opening /dev/lwswitch creates a *switch domain*, one per open file
 * description.  A thread joins the domain with LWSWITCH_IOC_REGISTER and is
 * then a *member*, named inside that domain by a small non-zero handle.
 * Only members of the same domain may resume each other; holding the file
 * descriptor is the consent (a domain spans processes only if the fd is
 * passed on purpose, e.g. with SCM_RIGHTS).
 */

/**
 * DOC: Resume tokens
 *
 * Every member owns one *resume token* (park/unpark semantics).  A resume
 * sent to a member that is not blocked is kept as a pending token; the
 * member's next wait consumes it and returns at once.  Tokens do not count:
 * two resumes before a wait leave one token.  No resume is lost and none is
 * delivered twice.
 */

/**
 * DOC: Arguments and times
 *
 * All commands use struct arguments with explicit padding and reserved
 * fields; reserved fields and unknown flag bits must be zero and are
 * rejected with -EINVAL, so the ABI can grow without a version field.
 * Times are nanoseconds of CLOCK_MONOTONIC.
 */

/**
 * DOC: Opening the device
 *
 * open() of the device fails with
 *   EACCES  the caller may not use the device (its group and mode are the
 *           system's policy: udev/60-lwswitch.rules gives it to the group
 *           lwswitch, 0660);
 *   EMFILE  max_domains domains exist, or the caller's effective uid has
 *           max_user_domains open (both module parameters);
 *   ENOMEM  no memory, or the caller's memory cgroup is at its limit.
 */

/**
 * DOC: Errors
 *
 * Errors common to every command (listed again per command):
 *   ENOTTY  unknown command.
 *   EFAULT  the argument pointer is not readable/writable.
 *   EINVAL  a reserved field or unknown flag bit is non-zero.
 */
#ifndef _UAPI_LINUX_LWSWITCH_H
#define _UAPI_LINUX_LWSWITCH_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * LWSWITCH_DEVICE_NAME - the name of the misc device, /dev/lwswitch
 */
#define LWSWITCH_DEVICE_NAME	"lwswitch"
/**
 * LWSWITCH_API_VERSION - the command set's version
 *
 * Description: Reported by LWSWITCH_IOC_INFO.  It only grows: a module of
 * version N serves every command and structure of versions 1 to N
 * unchanged, and what it adds within a version is announced by
 * LWSWITCH_FEAT_* bits.  Userspace checks that the version is at least the
 * one it was written for and that the features it uses are set, never
 * that the version is equal.
 */
#define LWSWITCH_API_VERSION	1

/**
 * LWSWITCH_IOC_MAGIC - the ioctl type of every command
 *
 * Description: Ioctl type 0xB9, numbers 0x01-0x07.
 * Documentation/userspace-api/ioctl/ioctl-number.rst, as revised in 2025
 * when 0xBA 00-0F went to liveupdate.h, assigns 0xB8 to mshv.h and
 * mrvl_cn10k_dpi.h and nothing to 0xB9.  Commands that only read their
 * argument are _IOW, those that write a result back _IOWR.
 */
#define LWSWITCH_IOC_MAGIC	0xB9

/**
 * enum lwswitch_placement - where LWSWITCH_IOC_SWITCHTO runs the target.
 * @LWSWITCH_PLACE_WAKE:	plain wake-up; the scheduler chooses the CPU
 *				(the target often lands on another CPU).
 * @LWSWITCH_PLACE_CURRENT_CPU:	the target is woken directly onto the caller's
 *				CPU through the scheduler's WF_CURRENT_CPU
 *				wake flag (kernels 6.6 to 6.12: the flag's
 *				value is private to the scheduler and was
 *				read from those versions).
 * @LWSWITCH_PLACE_FTRACE:	the target is woken onto the caller's CPU by
 *				an ftrace hook on the fair class's wake-up CPU
 *				selection that acts only on lwswitch hand-offs
 *				(kernels without an exported WF_CURRENT_CPU
 *				path).
 *
 * In every mode the target's CPU affinity, as the user set it, is honoured
 * and never changed: a target that may not run on the caller's CPU is woken
 * where the scheduler places it.
 */
enum lwswitch_placement {
	LWSWITCH_PLACE_WAKE		= 0,
	LWSWITCH_PLACE_CURRENT_CPU	= 1,
	LWSWITCH_PLACE_FTRACE		= 2,
};

/* Bits of lwswitch_info.features. */
/**
 * LWSWITCH_FEAT_TIMEOUT - relative and absolute timeouts
 *
 * Description: A bit of &struct lwswitch_info.features: SWITCHTO and WAIT
 * take LWSWITCH_HOP_TIMEOUT and LWSWITCH_HOP_ABSTIME.
 */
#define LWSWITCH_FEAT_TIMEOUT		_BITULL(0)
/**
 * LWSWITCH_FEAT_LOOKUP_TID - LWSWITCH_IOC_LOOKUP is served
 *
 * Description: A bit of &struct lwswitch_info.features.
 */
#define LWSWITCH_FEAT_LOOKUP_TID	_BITULL(1)
/**
 * LWSWITCH_FEAT_OWNER_DEAD - -EOWNERDEAD on a dead partner
 *
 * Description: A bit of &struct lwswitch_info.features: SWITCHTO returns
 * -EOWNERDEAD when the member it switched to exited before it, or anyone,
 * resumed the caller.
 */
#define LWSWITCH_FEAT_OWNER_DEAD	_BITULL(2)
/**
 * LWSWITCH_FEAT_HANDOFF_YIELD - SWITCHTO waits runnable now
 *
 * Description: A bit of &struct lwswitch_info.features: set when SWITCHTO
 * waits runnable now (the directed hand-off, module parameter
 * handoff=yield); clear when it sleeps at once (handoff=block).  A mode, not
 * a capability: the parameter may change at run time, and the semantics of
 * every command are the same in both modes.
 */
#define LWSWITCH_FEAT_HANDOFF_YIELD	_BITULL(3)

/**
 * struct lwswitch_info - argument of LWSWITCH_IOC_INFO.
 * @flags:	(in) must be 0.
 * @version:	(out) LWSWITCH_API_VERSION of the running module.
 * @placement:	(out) the enum lwswitch_placement SWITCHTO uses now.
 * @max_members: (out) the most members one domain may have.
 * @features:	(out) LWSWITCH_FEAT_* bits; LWSWITCH_FEAT_HANDOFF_YIELD
 *		reports the hand-off mode at the time of the call.
 * @max_domains: (out) the most domains that may exist at once.
 * @max_user_domains: (out) the most domains one user (effective uid of
 *		the opener) may have open at once.
 * @max_user_members: (out) the most members all of one user's domains
 *		may have together; a domain's members count against the user
 *		who opened it, whoever's threads they are.
 * @__pad:	(in) must be 0.
 * @reserved:	(in) must be 0.
 */
struct lwswitch_info {
	__u32 flags;
	__u32 version;
	__u32 placement;
	__u32 max_members;
	__u64 features;
	__u32 max_domains;
	__u32 max_user_domains;
	__u32 max_user_members;
	__u32 __pad;
	__u64 reserved[1];
};

/**
 * struct lwswitch_register - argument of LWSWITCH_IOC_REGISTER.
 * @flags:	(in) must be 0.
 * @handle:	(out) the caller's handle in this domain, never 0; (in) must
 *		be 0, for UNREGISTER too.
 * @reserved:	(in) must be 0.
 */
struct lwswitch_register {
	__u32 flags;
	__u32 handle;
	__u64 reserved[3];
};

/**
 * struct lwswitch_lookup - argument of LWSWITCH_IOC_LOOKUP.
 * @tid:	(in) a thread id, as seen in the caller's PID namespace.
 * @handle:	(out) that thread's handle in this domain; (in) must be 0.
 * @flags:	(in) must be 0.
 * @__pad:	(in) must be 0.
 * @reserved:	(in) must be 0.
 */
struct lwswitch_lookup {
	__u32 tid;
	__u32 handle;
	__u32 flags;
	__u32 __pad;
	__u64 reserved[2];
};

/* Bits of lwswitch_hop.flags. */
/**
 * LWSWITCH_HOP_TIMEOUT - the timeout is relative
 *
 * Description: A bit of &struct lwswitch_hop.flags, for SWITCHTO and WAIT:
 * timeout_ns is the longest time to block.
 */
#define LWSWITCH_HOP_TIMEOUT	_BITUL(0)
/**
 * LWSWITCH_HOP_ABSTIME - the timeout is a CLOCK_MONOTONIC deadline
 *
 * Description: A bit of &struct lwswitch_hop.flags, for SWITCHTO and WAIT:
 * timeout_ns is the CLOCK_MONOTONIC time at which to give up.
 */
#define LWSWITCH_HOP_ABSTIME	_BITUL(1)
/**
 * LWSWITCH_HOP_HERE - WAKE: run the target on the caller's CPU
 *
 * Description: A bit of &struct lwswitch_hop.flags, for WAKE only.
 */
#define LWSWITCH_HOP_HERE	_BITUL(2)

/**
 * struct lwswitch_hop - argument of SWITCHTO, WAKE and WAIT.
 * @target:	(in) handle of the member to resume; 0 for WAIT.
 * @flags:	(in) LWSWITCH_HOP_* bits; TIMEOUT and ABSTIME exclude each
 *		other and apply to SWITCHTO and WAIT; HERE applies to WAKE.
 * @timeout_ns:	(in) with LWSWITCH_HOP_TIMEOUT, the longest time to block;
 *		with LWSWITCH_HOP_ABSTIME, the CLOCK_MONOTONIC time at which
 *		to give up; otherwise must be 0 (block without a time limit).
 *		A value above 2^63 - 1 also means no time limit.
 * @reserved:	(in) must be 0.
 */
struct lwswitch_hop {
	__u32 target;
	__u32 flags;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * LWSWITCH_IOC_INFO - describe the running module.
 *
 * Context: any thread holding the file descriptor; registration not needed.
 * Return: 0 and struct lwswitch_info filled in, or
 *   -EFAULT  the argument is not readable or writable;
 *   -EINVAL  @flags, @__pad or @reserved is not zero.
 */
#define LWSWITCH_IOC_INFO	_IOWR(LWSWITCH_IOC_MAGIC, 0x01, struct lwswitch_info)

/**
 * LWSWITCH_IOC_REGISTER - make the calling thread a member of the domain.
 *
 * Description: The member starts with no pending token.  A thread may be
 * a member of several domains; each membership has its own handle and
 * token.
 *
 * Context: the thread to register.
 * Return: 0 and @handle set, or
 *   -EFAULT  the argument is not readable or writable;
 *   -EINVAL  @flags, @handle or @reserved is not zero;
 *   -EEXIST  the caller is already a member of this domain;
 *   -ENOSPC  the domain has max_members members already, or the domains
 *            of the user who opened this one have max_user_members (or
 *            the domain has no handle left to give);
 *   -ENOMEM  no memory for the membership, or the caller's memory cgroup
 *            is at its limit (the module's memory is charged to it).
 */
#define LWSWITCH_IOC_REGISTER	_IOWR(LWSWITCH_IOC_MAGIC, 0x02, struct lwswitch_register)

/**
 * LWSWITCH_IOC_UNREGISTER - leave the domain.
 *
 * Description: The caller's handle becomes unknown (later SWITCHTO/WAKE
 * naming it fail with -ESRCH) and its pending token, if any, is dropped.
 * A thread that exits while registered is unregistered when the domain
 * notices.
 *
 * Context: a member of this domain.
 * Return: 0, or
 *   -EFAULT  the argument is not readable;
 *   -EINVAL  @flags, @handle or @reserved is not zero;
 *   -EPERM   the caller is not a member of this domain.
 */
#define LWSWITCH_IOC_UNREGISTER	_IOW(LWSWITCH_IOC_MAGIC, 0x03, struct lwswitch_register)

/**
 * LWSWITCH_IOC_LOOKUP - find the handle of a member by its thread id.
 *
 * Context: any thread holding the file descriptor.
 * Return: 0 and @handle set, or
 *   -EFAULT  the argument is not readable or writable;
 *   -EINVAL  @flags, @handle, @__pad or @reserved is not zero, or @tid
 *            is 0;
 *   -ESRCH   no live thread with that id is a member of this domain.
 */
#define LWSWITCH_IOC_LOOKUP	_IOWR(LWSWITCH_IOC_MAGIC, 0x04, struct lwswitch_lookup)

/**
 * LWSWITCH_IOC_SWITCHTO - resume @target on the caller's CPU and block.
 *
 * Description: Delivers a resume to @target (waking it onto the caller's
 * CPU when it is blocked, as &enum lwswitch_placement says, or leaving a
 * pending token when it is not), then blocks the caller until it is
 * resumed itself, a signal arrives or the timeout expires.  A pending
 * token of the caller's is consumed and the call returns at once, after
 * delivering the resume.
 *
 * How the caller waits is the module's hand-off mode (INFO's
 * LWSWITCH_FEAT_HANDOFF_YIELD).  With the directed hand-off the caller does
 * not sleep at once: it stays runnable and gives its CPU to @target
 * (yield_to()); a target that is itself such a runnable waiter is resumed
 * without a wake-up.  If the CPU comes back to the caller before it is
 * resumed, it sleeps then, once.  While it waits runnable the caller is in
 * state R in /proc and counts in the load average, and its context switch
 * is counted as involuntary (nivcsw), not voluntary.  Results and errors
 * are the same in both modes.
 *
 * Restart semantics: the errors below split in two groups.  Before the
 * resume is delivered (-EFAULT, -EINVAL, -EPERM, -ESRCH) nothing happened.
 * After it (-EINTR, -ETIMEDOUT, -EOWNERDEAD) the target has its resume:
 * never repeat the SWITCHTO, wait with LWSWITCH_IOC_WAIT instead.  The call
 * is never restarted by the kernel.
 *
 * Context: a member of this domain.
 * Return: 0 when the caller was resumed, or
 *   -EFAULT      the argument is not readable;
 *   -EINVAL      unknown @flags bits, HERE given, TIMEOUT and ABSTIME both
 *                given, @timeout_ns non-zero without either, @reserved not
 *                zero, or @target is the caller's own handle or 0;
 *   -EPERM       the caller is not a member of this domain;
 *   -ESRCH       @target is no member of this domain, or it has exited;
 *   -EINTR       (resume delivered) a signal arrived while blocked;
 *   -ETIMEDOUT   (resume delivered) the timeout expired, including a
 *                relative timeout of 0 and a deadline already past;
 *   -EOWNERDEAD  (resume delivered) @target exited before it, or anyone,
 *                resumed the caller.
 */
#define LWSWITCH_IOC_SWITCHTO	_IOW(LWSWITCH_IOC_MAGIC, 0x05, struct lwswitch_hop)

/**
 * LWSWITCH_IOC_WAKE - resume @target without blocking.
 *
 * Description: With LWSWITCH_HOP_HERE a blocked target is woken onto the
 * caller's CPU (it runs when the caller next sleeps or is preempted).  A
 * target that is not blocked gets a pending token.
 *
 * Context: a member of this domain.
 * Return: 0, or
 *   -EFAULT  the argument is not readable;
 *   -EINVAL  unknown @flags bits, TIMEOUT or ABSTIME given, @timeout_ns or
 *            @reserved not zero, or @target is the caller's own handle or 0;
 *   -EPERM   the caller is not a member of this domain;
 *   -ESRCH   @target is no member of this domain, or it has exited.
 */
#define LWSWITCH_IOC_WAKE	_IOW(LWSWITCH_IOC_MAGIC, 0x06, struct lwswitch_hop)

/**
 * LWSWITCH_IOC_WAIT - block until resumed.
 *
 * Description: Returns at once, consuming it, when a token is pending.
 * Never restarted by the kernel; with LWSWITCH_HOP_ABSTIME a retry after
 * -EINTR keeps the same deadline.
 *
 * Context: a member of this domain.
 * Return: 0 when the caller was resumed, or
 *   -EFAULT     the argument is not readable;
 *   -EINVAL     unknown @flags bits, HERE given, TIMEOUT and ABSTIME both
 *               given, @timeout_ns non-zero without either, or @target or
 *               @reserved not zero;
 *   -EPERM      the caller is not a member of this domain;
 *   -EINTR      a signal arrived while blocked;
 *   -ETIMEDOUT  the timeout expired (at once for 0 or a past deadline).
 */
#define LWSWITCH_IOC_WAIT	_IOW(LWSWITCH_IOC_MAGIC, 0x07, struct lwswitch_hop)

#endif /* _UAPI_LINUX_LWSWITCH_H */
