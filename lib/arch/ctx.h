/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx.h — internal: the bare context switch of the coroutine core.
 *
 * A context is nothing but a saved stack pointer.  lwsw_ctx_switch() pushes
 * the callee-saved state of the caller onto the caller's own stack (the
 * frame below), stores the resulting stack pointer in *@save_sp, loads
 * @to_sp, pops the frame found there and returns into that context.  The
 * frame layout is fixed by the assembly (lib/arch/ctx-<arch>.S); the
 * structs here mirror it so that C can build the first frame of a new
 * stack, and the _Static_asserts tie every offset to the assembly's.
 *
 * Nothing here knows about schedulers, sanitizers or signals: the caller
 * does all of that around the switch (lib/coro/sched.c).
 */
#ifndef LWSW_ARCH_CTX_H
#define LWSW_ARCH_CTX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Save the caller's callee-saved registers, stack pointer, return address
 * and floating-point control state on its stack, store the stack pointer
 * in *@save_sp, then resume the context whose stack pointer is @to_sp.
 * Returns when some other context switches back to *@save_sp.
 */
void lwsw_ctx_switch(void **save_sp, void *to_sp);

/*
 * The same switch, for use between contexts that were all suspended by
 * calls from one and the same place (a coroutine switching directly to
 * another): it returns with "ret" where lwsw_ctx_switch() uses an indirect
 * jump, which keeps the return-stack predictor right in that case (and
 * wrong in the other; on aarch64 both are the same function).
 */
void lwsw_ctx_switch_ret(void **save_sp, void *to_sp);

/*
 * lwsw_ctx_switch() under another type: every switch leaves the return
 * value register zero in the resumed context, so a caller that tail-calls
 * this (return lwsw_ctx_switch0(...)) is resumed straight in *its* caller,
 * with 0 as its own return value: no C frame left to return through after
 * the switch, so nothing for the return-stack predictor to get wrong.
 */
int lwsw_ctx_switch0(void **save_sp, void *to_sp);

/*
 * First return address of a new context: calls entry(arg) with the
 * entry and argument that lwsw_ctx_make() put in the frame.  @entry must
 * never return (the trampoline traps if it does).
 */
void lwsw_ctx_trampoline(void);

#if defined(__x86_64__)
/*
 * x86-64 System V frame, lowest address first (the saved stack pointer
 * points at .mxcsr).  Callee-saved per the psABI §3.2.1: rbx, rbp,
 * r12–r15, plus the MXCSR control bits and the x87 control word (§3.2.3:
 * "the control bits of the MXCSR register and the x87 CW are
 * callee-saved").
 */
struct lwsw_ctx_frame {
	uint32_t mxcsr;		/* 0x00 */
	uint16_t x87cw;		/* 0x04 */
	uint16_t pad;		/* 0x06 */
	uint64_t r12;		/* 0x08  new context: entry function */
	uint64_t r13;		/* 0x10  new context: its argument */
	uint64_t r14;		/* 0x18 */
	uint64_t r15;		/* 0x20 */
	uint64_t rbx;		/* 0x28 */
	uint64_t rbp;		/* 0x30 */
	uint64_t rip;		/* 0x38  return address (pushed by call) */
};
_Static_assert(offsetof(struct lwsw_ctx_frame, mxcsr) == 0x00, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x87cw) == 0x04, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, r12) == 0x08, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, r13) == 0x10, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, r14) == 0x18, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, r15) == 0x20, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, rbx) == 0x28, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, rbp) == 0x30, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, rip) == 0x38, "asm layout");
_Static_assert(sizeof(struct lwsw_ctx_frame) == 0x40, "asm layout");

/* The caller's floating-point control state: MXCSR | x87 CW << 32. */
static inline uint64_t lwsw_ctx_fpctl(void)
{
	uint32_t mxcsr;
	uint16_t cw;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
	return mxcsr | (uint64_t)cw << 32;
}

static inline void lwsw_ctx_set_fpctl(struct lwsw_ctx_frame *f, uint64_t fpctl)
{
	f->mxcsr = (uint32_t)fpctl;
	f->x87cw = (uint16_t)(fpctl >> 32);
}
#elif defined(__aarch64__)
/*
 * AAPCS64 frame (§6.1.1: x19–x28, x29 (FP), x30 (LR), sp, and the low
 * 64 bits of v8–v15; FPCR is part of the callee-preserved state the
 * procedure-call standard asks to keep, §6.1.2).  Lowest address first;
 * the saved stack pointer points at .d[0].  176 bytes: sp stays 16-aligned.
 */
struct lwsw_ctx_frame {
	uint64_t d[8];		/* 0x00  d8–d15 */
	uint64_t x19;		/* 0x40  new context: entry function */
	uint64_t x20;		/* 0x48  new context: its argument */
	uint64_t x21_x28[8];	/* 0x50 */
	uint64_t x29;		/* 0x90  frame pointer */
	uint64_t x30;		/* 0x98  link register: where ret goes */
	uint64_t fpcr;		/* 0xa0 */
	uint64_t pad;		/* 0xa8 */
};
_Static_assert(offsetof(struct lwsw_ctx_frame, d) == 0x00, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x19) == 0x40, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x20) == 0x48, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x21_x28) == 0x50, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x29) == 0x90, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, x30) == 0x98, "asm layout");
_Static_assert(offsetof(struct lwsw_ctx_frame, fpcr) == 0xa0, "asm layout");
_Static_assert(sizeof(struct lwsw_ctx_frame) == 0xb0, "asm layout");

/* The caller's floating-point control state: FPCR. */
static inline uint64_t lwsw_ctx_fpctl(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, fpcr" : "=r"(v));
	return v;
}

static inline void lwsw_ctx_set_fpctl(struct lwsw_ctx_frame *f, uint64_t fpctl)
{
	f->fpcr = fpctl;
}
#else
#error "lwswitch coroutines: only x86-64 and aarch64 are supported"
#endif

/*
 * Build the first frame of a context on the stack whose highest address
 * is @stack_top: the first switch to the returned stack pointer enters
 * lwsw_ctx_trampoline(), which calls entry(arg) on that stack, with the
 * floating-point control state @fpctl (from lwsw_ctx_fpctl()).
 */
static inline void *lwsw_ctx_make(void *stack_top, void (*entry)(void *), void *arg,
				 uint64_t fpctl)
{
	/* 16-byte aligned top, minus one empty 16-byte slot that ends the
	 * frame chain, minus the frame itself. */
	uintptr_t top = ((uintptr_t)stack_top & ~(uintptr_t)15) - 16;
	struct lwsw_ctx_frame *f = (struct lwsw_ctx_frame *)(top - sizeof(*f));

	*(uint64_t *)top = 0;
	*((uint64_t *)top + 1) = 0;
	__builtin_memset(f, 0, sizeof(*f));
	lwsw_ctx_set_fpctl(f, fpctl);
#if defined(__x86_64__)
	/* After ret pops .rip, rsp = top ≡ 0 (mod 16); the trampoline's
	 * call then gives entry the psABI's rsp + 8 ≡ 0 (mod 16). */
	f->r12 = (uint64_t)(uintptr_t)entry;
	f->r13 = (uint64_t)(uintptr_t)arg;
	f->rip = (uint64_t)(uintptr_t)lwsw_ctx_trampoline;
#else
	f->x19 = (uint64_t)(uintptr_t)entry;
	f->x20 = (uint64_t)(uintptr_t)arg;
	f->x30 = (uint64_t)(uintptr_t)lwsw_ctx_trampoline;
#endif
	return f;
}

#endif /* LWSW_ARCH_CTX_H */
