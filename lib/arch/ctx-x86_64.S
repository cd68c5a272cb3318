/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx-x86_64.S — the coroutine context switch, x86-64 System V.
 *
 * C prototypes (lib/arch/ctx.h):
 *	void lwsw_ctx_switch(void **save_sp, void *to_sp);
 *	void lwsw_ctx_trampoline(void);	(only ever "returned" into)
 *
 * ABI: System V AMD64 psABI 1.0, §3.2.1 (rbx, rbp, rsp, r12–r15 belong
 * to the caller) and §3.2.3 (the MXCSR control bits and the x87 control
 * word are callee-saved).  Everything else is caller-saved, so a call to
 * lwsw_ctx_switch() may clobber it and we save nothing more.  The status
 * flags of MXCSR/x87 travel with the control bits; that is harmless.
 *
 * Frame pushed on the stack of the context being left (struct
 * lwsw_ctx_frame, offsets from the saved stack pointer; ctx.h asserts them):
 *	0x00  MXCSR (4 bytes)
 *	0x04  x87 control word (2 bytes), 2 bytes padding
 *	0x08  r12		(new context: entry function)
 *	0x10  r13		(new context: its argument)
 *	0x18  r14
 *	0x20  r15
 *	0x28  rbx
 *	0x30  rbp
 *	0x38  return address	(pushed by the caller's call)
 *
 * Indirect-branch tracking: with -fcf-protection the compiler defines
 * __CET__ and every function entry needs endbr64, and the jump back into
 * a resumed context (to a return address) is "notrack"; the .note.gnu.property
 * below then marks this object IBT-compatible.  It does not claim shadow
 * stack compatibility: a stack switch must also switch the shadow stack,
 * which this code does not do, so a -fcf-protection=full link stays
 * without the SHSTK property, as it must.
 */

#if defined(__x86_64__)

#if defined(__CET__) && (__CET__ & 1)
# define ENDBR	endbr64
# define NOTRACK notrack	/* the target is a return address, no endbr64 */
#else
# define ENDBR
# define NOTRACK
#endif

/*
 * Two entry points, the same switch but for the last instruction:
 *
 * lwsw_ctx_switch ends in an indirect jump, not "ret": between contexts
 * that call it from different places (a coroutine and the scheduler
 * loop) the return-stack predictor would expect our own caller and
 * mispredict every switch; an indirect jump is predicted from its history.
 *
 * lwsw_ctx_switch_ret ends in "ret", for switches between contexts that
 * were all suspended at the same call site (coroutine to coroutine, e.g.
 * two yielding coroutines): there the return-stack entry pushed by our
 * caller's call is exactly where the resumed context returns, and so are
 * those below it, so the resumed context's own returns stay predicted,
 * which the jump version, leaving an unpopped entry behind, spoils.
 */
	.macro	CTX_SWITCH name, tail
	.globl	\name
	.hidden	\name
	.type	\name, @function
	.p2align 4
\name:
	.cfi_startproc
	ENDBR
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
	leaq	-8(%rsp), %rsp	/* room for MXCSR + x87 CW */
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)		/* 0x00 MXCSR */
	fnstcw	4(%rsp)		/* 0x04 x87 control word */
	movzwl	4(%rsp), %edx	/* ours, to compare with theirs */

	movq	%rsp, (%rdi)	/* *save_sp = our frame */
	movq	%rsi, %rsp	/* now on the other context's stack */

	ldmxcsr	(%rsp)		/* restore its floating-point control */
	/*
	 * fldcw is slow (a few cycles a switch on Zen 3) and nearly always
	 * loads the value already there: only when they differ.  (The same
	 * is no gain for ldmxcsr: reading back what stmxcsr stored costs
	 * more than the ldmxcsr.)
	 */
	cmpw	4(%rsp), %dx
	jne	.Lfldcw_\tail
.Lfldcw_done_\tail:
	leaq	8(%rsp), %rsp
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax	/* as lwsw_ctx_switch0(): returns 0 */
	.ifc	\tail, jmp
	popq	%r8		/* its return address (0x38) */
	/*
	 * One of eight copies of the jump, chosen by a hash of the target's
	 * low 32 bits: the paths leading here are the same whatever the
	 * target, and an indirect predictor keyed on them mispredicts
	 * targets that alternate (two coroutines yielding to each other
	 * from different functions); each copy sees fewer targets, and the
	 * conditional branches that choose it predict such alternation
	 * well.  In a PIE, ASLR moves bits 12-31, so which copy serves which
	 * target changes from run to run (two given targets share a copy in
	 * about one run in eight).  Hashing only the low 12 bits would fix
	 * the choice per binary; measured on the coroutine ping-pong, neither
	 * that nor a single jump made the run-to-run spread smaller.
	 */
	/* Bits 29-31 of the product depend on all of the low 32 bits. */
	imull	$0x9e3779b1, %r8d, %ecx
	testl	$0x20000000, %ecx
	jnz	101f
	testl	$0x40000000, %ecx
	jnz	102f
	testl	$0x80000000, %ecx
	jnz	103f
	NOTRACK jmp *%r8
103:
	NOTRACK jmp *%r8
102:
	testl	$0x80000000, %ecx
	jnz	104f
	NOTRACK jmp *%r8
104:
	NOTRACK jmp *%r8
101:
	testl	$0x40000000, %ecx
	jnz	105f
	testl	$0x80000000, %ecx
	jnz	106f
	NOTRACK jmp *%r8
106:
	NOTRACK jmp *%r8
105:
	testl	$0x80000000, %ecx
	jnz	107f
	NOTRACK jmp *%r8
107:
	NOTRACK jmp *%r8
	.else
	ret			/* its return address (0x38) */
	.endif
	/* Out of line, still on the resumed frame (the CFI, like the pops'
	 * above, keeps describing the frame as pushed). */
.Lfldcw_\tail:
	fldcw	4(%rsp)
	jmp	.Lfldcw_done_\tail
	.cfi_endproc
	.size	\name, .-\name

	.endm

	.text
	CTX_SWITCH lwsw_ctx_switch, jmp
	CTX_SWITCH lwsw_ctx_switch_ret, ret

	/* int lwsw_ctx_switch0(): lwsw_ctx_switch() seen as returning 0. */
	.globl	lwsw_ctx_switch0
	.hidden	lwsw_ctx_switch0
	.type	lwsw_ctx_switch0, @function
	.set	lwsw_ctx_switch0, lwsw_ctx_switch

/*
 * A new context's first frame returns here, with the entry function in
 * r12 and its argument in r13 and rsp 16-byte aligned.  The undefined
 * return address ends every unwinder's walk (backtraces, gdb) here.
 */
	.globl	lwsw_ctx_trampoline
	.hidden	lwsw_ctx_trampoline
	.type	lwsw_ctx_trampoline, @function
	.p2align 4
lwsw_ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	ENDBR
	xorl	%ebp, %ebp	/* no caller frame */
	movq	%r13, %rdi	/* entry(arg) */
	callq	*%r12
	ud2			/* entry returned: a bug, trap loudly */
	.cfi_endproc
	.size	lwsw_ctx_trampoline, .-lwsw_ctx_trampoline

#if defined(__CET__) && (__CET__ & 1)
	/* GNU_PROPERTY_X86_FEATURE_1_AND = IBT only (see above). */
	.section .note.gnu.property, "a"
	.p2align 3
	.long	4		/* name size */
	.long	16		/* descriptor size */
	.long	5		/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000002	/* GNU_PROPERTY_X86_FEATURE_1_AND */
	.long	4		/* data size */
	.long	1		/* GNU_PROPERTY_X86_FEATURE_1_IBT */
	.p2align 3
#endif

#endif /* __x86_64__ */

	/* No executable stack wanted. */
	.section .note.GNU-stack, "", @progbits
