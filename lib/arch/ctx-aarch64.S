/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx-aarch64.S — the coroutine context switch, AArch64 (AAPCS64).
 *
 * C prototypes (lib/arch/ctx.h):
 *	void lwsw_ctx_switch(void **save_sp, void *to_sp);
 *	void lwsw_ctx_trampoline(void);	(only ever "returned" into)
 *
 * ABI: Procedure Call Standard for the Arm 64-bit Architecture (AAPCS64),
 * §6.1.1: x19–x29 and sp are callee-saved, x30 (LR) holds our return
 * address; §6.1.2: the low 64 bits of v8–v15 (d8–d15) are callee-saved.
 * FPCR (rounding mode, flush-to-zero, …) is saved too so that each
 * context keeps its own rounding mode, as on x86-64 with MXCSR.
 *
 * Frame pushed on the stack of the context being left (struct
 * lwsw_ctx_frame, offsets from the saved stack pointer; ctx.h asserts them):
 *	0x00  d8,  d9		0x40  x19, x20	(new: entry function, argument)
 *	0x10  d10, d11		0x50  x21, x22
 *	0x20  d12, d13		0x60  x23, x24
 *	0x30  d14, d15		0x70  x25, x26
 *				0x80  x27, x28
 *				0x90  x29, x30	(frame pointer, return address)
 *				0xa0  FPCR, padding
 * 176 bytes in all, so sp stays 16-byte aligned.
 *
 * "hint #34" is BTI C: a no-op on cores without BTI.
 */

#if defined(__aarch64__)

	.text
	.globl	lwsw_ctx_switch
	.hidden	lwsw_ctx_switch
	.type	lwsw_ctx_switch, %function
	.globl	lwsw_ctx_switch_ret
	.hidden	lwsw_ctx_switch_ret
	.type	lwsw_ctx_switch_ret, %function
	.p2align 4
lwsw_ctx_switch:
lwsw_ctx_switch_ret:		/* the same here: this switch ends in ret anyway */			/* x0 = save_sp, x1 = to_sp */
	.cfi_startproc
	hint	#34
	sub	sp, sp, #0xb0
	.cfi_adjust_cfa_offset 0xb0
	stp	d8,  d9,  [sp, #0x00]
	stp	d10, d11, [sp, #0x10]
	stp	d12, d13, [sp, #0x20]
	stp	d14, d15, [sp, #0x30]
	stp	x19, x20, [sp, #0x40]
	stp	x21, x22, [sp, #0x50]
	stp	x23, x24, [sp, #0x60]
	stp	x25, x26, [sp, #0x70]
	stp	x27, x28, [sp, #0x80]
	stp	x29, x30, [sp, #0x90]
	mrs	x9, fpcr
	str	x9, [sp, #0xa0]

	mov	x9, sp
	str	x9, [x0]	/* *save_sp = our frame */
	mov	sp, x1		/* now on the other context's stack */

	ldr	x9, [sp, #0xa0]
	msr	fpcr, x9
	ldp	d8,  d9,  [sp, #0x00]
	ldp	d10, d11, [sp, #0x10]
	ldp	d12, d13, [sp, #0x20]
	ldp	d14, d15, [sp, #0x30]
	ldp	x19, x20, [sp, #0x40]
	ldp	x21, x22, [sp, #0x50]
	ldp	x23, x24, [sp, #0x60]
	ldp	x25, x26, [sp, #0x70]
	ldp	x27, x28, [sp, #0x80]
	ldp	x29, x30, [sp, #0x90]
	add	sp, sp, #0xb0
	mov	x0, xzr		/* as lwsw_ctx_switch0(): returns 0 */
	ret			/* to its x30 */
	.cfi_endproc
	.size	lwsw_ctx_switch, .-lwsw_ctx_switch
	.size	lwsw_ctx_switch_ret, .-lwsw_ctx_switch_ret

	/* int lwsw_ctx_switch0(): lwsw_ctx_switch() seen as returning 0. */
	.globl	lwsw_ctx_switch0
	.hidden	lwsw_ctx_switch0
	.type	lwsw_ctx_switch0, %function
	.set	lwsw_ctx_switch0, lwsw_ctx_switch

/*
 * A new context's first frame returns here with the entry function in
 * x19 and its argument in x20.  The undefined return address ends every
 * unwinder's walk here.
 */
	.globl	lwsw_ctx_trampoline
	.hidden	lwsw_ctx_trampoline
	.type	lwsw_ctx_trampoline, %function
	.p2align 4
lwsw_ctx_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	hint	#34
	mov	x29, #0		/* no caller frame */
	mov	x30, #0
	mov	x0, x20		/* entry(arg) */
	blr	x19
	brk	#0x3c		/* entry returned: a bug, trap loudly */
	.cfi_endproc
	.size	lwsw_ctx_trampoline, .-lwsw_ctx_trampoline

#endif /* __aarch64__ */

	/* No executable stack wanted. */
	.section .note.GNU-stack, "", %progbits
