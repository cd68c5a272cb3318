/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * yield-x86_64.S — lwsw_co_yield()'s fast path on x86-64, in one function:
 * the checks and the local-queue bookkeeping of sched.c's C version
 * (lwsw__co_yield_c(), yield_local(), yield_to()) followed by the context
 * switch of lib/arch/ctx-x86_64.S, with no call, no jump between them and
 * nothing saved twice.  Whenever a precondition does not hold it jumps to
 * lwsw__co_yield_c(), which does the whole job in C; so this file is an
 * optimisation only, and the C version the reference for what it does.
 *
 * Built only without sanitizers (the ASan/TSan builds annotate the switch
 * in C); sched.c defines lwsw_co_yield() itself in those, and on aarch64.
 *
 * C prototype (include/lwswitch_coro.h):  int lwsw_co_yield(void);
 *
 * Register use: rdx w (the worker), rdi co (the running coroutine), rsi
 * next (the local queue's head), r9 next->sp, r8 next's return address,
 * ecx next->idx (which copy of the final jump: below).
 * Field offsets: offsets.h, asserted against the structs in sched.c.
 *
 * The fast path, as in C (the invariants that make co->next = NULL,
 * next->worker = w and co->arrives = 0 true already, so that nothing
 * stores them: sched.c, the comment on lq_tail()):
 *	w = lwsw__co_worker; co = w->cur;	(NULL: the C path, -EPERM)
 *	unless w->n, the idle count and the next timer are all "nothing",
 *	next = w->lhead is non-NULL and has run (next->sp): the C path;
 *	if (!next->next) { w->lhead = co; if (w->ltail) w->ltail = NULL; }
 *	else { w->lhead = next->next; next->next = NULL;
 *	       w->ltail->next = co; w->ltail = co; }
 *	w->cur = next; lwsw__co_parker = &next->parker;
 *	switch from co (saved in co->sp) to next->sp, returning 0 there.
 * Why no atomic read-modify-write and no fence is needed: the comment on
 * lwsw__co_yield_c() in sched.c (the same loads, the same stores).
 *
 * The switch: the frame of lib/arch/ctx.h (struct lwsw_ctx_frame), built
 * and taken down exactly as lwsw_ctx_switch() does, so the contexts it
 * leaves and resumes are interchangeable with those of lwsw_ctx_switch().
 *
 * The jump into @next is one of eight copies, as in lwsw_ctx_switch(), but
 * chosen by the low three bits of next->idx (its slot) rather than by a
 * hash of the target address.  Two coroutines yielding to each other from
 * look-alike loops reach the jump along the same branch history, so one
 * indirect jump alternating between their two targets is mispredicted
 * every time (about twice the round trip here).  A hash of the target
 * sends them to two copies only as often as the distance between the two
 * call sites allows: at some distances (144 bytes, say) the two share a
 * copy in nearly every run, ASLR or not.  Fresh slots are handed out in
 * order, so two coroutines spawned one after the other take different
 * copies whatever the code layout; freed slots are reused last freed
 * first, so two given coroutines share a copy only when their slots are
 * a multiple of eight apart, whatever their code.
 */

#include "offsets.h"

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

#if defined(__CET__) && (__CET__ & 1)
# define ENDBR	endbr64
# define NOTRACK notrack
#else
# define ENDBR
# define NOTRACK
#endif

	.text
	/* Here, within reach of the checks' 2-byte jumps. */
	.p2align 4
.Lslow:
	.cfi_startproc
	jmp	lwsw__co_yield_c
	.cfi_endproc

	.globl	lwsw_co_yield
	.type	lwsw_co_yield, @function
	.p2align 6
lwsw_co_yield:
	.cfi_startproc
	ENDBR
	movq	lwsw__co_worker@gottpoff(%rip), %rax
	movq	%fs:(%rax), %rdx		/* w */
	testq	%rdx, %rdx
	jz	.Lslow
	movq	LWSW_W_CUR(%rdx), %rdi		/* co */
	testq	%rdi, %rdi
	jz	.Lslow
	movq	LWSW_W_LHEAD(%rdx), %rsi		/* next */
	testq	%rsi, %rsi
	jz	.Lslow
	/* Relaxed loads of the hints (plain moves, as C's on x86). */
	cmpl	$0, LWSW_W_N(%rdx)
	jne	.Lslow
	cmpl	$0, lwsw__co_hints+LWSW_HINTS_BUSY(%rip)	/* idle workers, timers */
	jne	.Lslow
	movq	LWSW_CO_SP(%rsi), %r9		/* next->sp */
	testq	%r9, %r9
	jz	.Lslow				/* never ran: the loop gives it a stack */
	cmpq	$0, LWSW_CO_NEXT(%rsi)
	jne	.Lmany
	movq	%rdi, LWSW_W_LHEAD(%rdx)		/* the only other one: trade places */
	cmpq	$0, LWSW_W_LTAIL(%rdx)		/* ltail NULL: the only one is lhead */
	jne	.Lclear_tail
.Lqueued:
	movq	0x38(%r9), %r8			/* next's return address, early */
	movq	%rsi, LWSW_W_CUR(%rdx)
	leaq	LWSW_CO_PARKER(%rsi), %rcx
	movq	lwsw__co_parker@gottpoff(%rip), %rax
	movq	%rcx, %fs:(%rax)		/* lwsw_parker_set_current() */

	/* lwsw_ctx_switch(&co->sp, next->sp), its frame (ctx.h). */
	.cfi_remember_state
	pushq	%rbp		/* 0x30 */
	.cfi_adjust_cfa_offset 8
	pushq	%rbx		/* 0x28 */
	.cfi_adjust_cfa_offset 8
	pushq	%r15		/* 0x20 */
	.cfi_adjust_cfa_offset 8
	pushq	%r14		/* 0x18 */
	.cfi_adjust_cfa_offset 8
	pushq	%r13		/* 0x10 */
	.cfi_adjust_cfa_offset 8
	pushq	%r12		/* 0x08 */
	.cfi_adjust_cfa_offset 8
	leaq	-8(%rsp), %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)		/* 0x00 MXCSR */
	fnstcw	4(%rsp)		/* 0x04 x87 control word */
	movzwl	4(%rsp), %r10d	/* ours, to compare with next's */
	movl	LWSW_CO_IDX(%rsi), %ecx	/* its slot: which copy of the jump */
	movq	%rsp, LWSW_CO_SP(%rdi)
	movq	%r9, %rsp	/* now on next's stack */
	ldmxcsr	(%rsp)
	cmpw	4(%rsp), %r10w	/* fldcw (slow) only when they differ */
	jne	.Lfldcw
.Lfldcw_done:
	movq	0x08(%rsp), %r12
	movq	0x10(%rsp), %r13
	movq	0x18(%rsp), %r14
	movq	0x20(%rsp), %r15
	movq	0x28(%rsp), %rbx
	movq	0x30(%rsp), %rbp
	leaq	0x40(%rsp), %rsp	/* the frame and the return address */
	.cfi_adjust_cfa_offset -0x40
	xorl	%eax, %eax	/* lwsw_co_yield() returns 0 */
	/* One of eight copies of the jump, by next->idx & 7 (above). */
	testl	$1, %ecx
	jnz	101f
	testl	$2, %ecx
	jnz	102f
	testl	$4, %ecx
	jnz	103f
	NOTRACK jmp *%r8
103:
	NOTRACK jmp *%r8
102:
	testl	$4, %ecx
	jnz	104f
	NOTRACK jmp *%r8
104:
	NOTRACK jmp *%r8
101:
	testl	$2, %ecx
	jnz	105f
	testl	$4, %ecx
	jnz	106f
	NOTRACK jmp *%r8
106:
	NOTRACK jmp *%r8
105:
	testl	$4, %ecx
	jnz	107f
	NOTRACK jmp *%r8
107:
	NOTRACK jmp *%r8

	.cfi_adjust_cfa_offset 0x40
.Lfldcw:
	fldcw	4(%rsp)
	jmp	.Lfldcw_done

	.cfi_restore_state
.Lmany:
	/* Two or more (so ltail is set): next leaves the head, co joins the tail. */
	movq	LWSW_CO_NEXT(%rsi), %rax
	movq	%rax, LWSW_W_LHEAD(%rdx)
	movq	$0, LWSW_CO_NEXT(%rsi)
	movq	LWSW_W_LTAIL(%rdx), %rcx
	movq	%rdi, LWSW_CO_NEXT(%rcx)
	movq	%rdi, LWSW_W_LTAIL(%rdx)
	jmp	.Lqueued
.Lclear_tail:
	movq	$0, LWSW_W_LTAIL(%rdx)
	jmp	.Lqueued
	.cfi_endproc
	.size	lwsw_co_yield, .-lwsw_co_yield

#if defined(__CET__) && (__CET__ & 1)
	/* GNU_PROPERTY_X86_FEATURE_1_AND = IBT only (see ctx-x86_64.S). */
	.section .note.gnu.property, "a"
	.p2align 3
	.long	4
	.long	16
	.long	5
	.asciz	"GNU"
	.long	0xc0000002
	.long	4
	.long	1
	.p2align 3
#endif

#endif /* x86-64 without sanitizers */

	.section .note.GNU-stack, "", @progbits
