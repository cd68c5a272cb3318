// SPDX-License-Identifier: GPL-2.0
/*
 * ctx_test — the bare context switch (lib/arch): callee-saved registers
 * and the floating-point control state survive a switch, each context
 * keeps its own rounding mode, a new context inherits the creator's.
 * No scheduler involved.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "lwsw_harness.h"
#include "arch/ctx.h"
#include "common.h"


/*
 * regs_probe(save, to, out): loads a known pattern into every callee-saved
 * register, switches to @to, and when switched back stores the registers
 * to @out.  regs_clobber(save, to): fills them all with garbage and
 * switches.  Both preserve their caller's registers themselves.
 */
#if defined(__x86_64__)
#define NREGS 6
static const uint64_t pattern[NREGS] = {
	0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
	0x4444444444444444, 0x5555555555555555, 0x6666666666666666,
};
__asm__(
	".text\n"
	".type regs_probe, @function\n"
	"regs_probe:\n"
	"	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	push %rdx\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	call lwsw_ctx_switch\n"
	"	pop %rdx\n"
	"	mov %rbx, 0(%rdx)\n mov %rbp, 8(%rdx)\n mov %r12, 16(%rdx)\n"
	"	mov %r13, 24(%rdx)\n mov %r14, 32(%rdx)\n mov %r15, 40(%rdx)\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
	"	ret\n"
	".size regs_probe, .-regs_probe\n"
	".type regs_clobber, @function\n"
	"regs_clobber:\n"
	"	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	sub $8, %rsp\n"
	"	mov $-1, %rbx\n mov $-2, %rbp\n mov $-3, %r12\n"
	"	mov $-4, %r13\n mov $-5, %r14\n mov $-6, %r15\n"
	"	call lwsw_ctx_switch\n"
	"	add $8, %rsp\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
	"	ret\n"
	".size regs_clobber, .-regs_clobber\n");
#elif defined(__aarch64__)
#define NREGS 19	/* x19–x29, d8–d15 */
static const uint64_t pattern[NREGS] = {
	19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
	0x808, 0x909, 0xa0a, 0xb0b, 0xc0c, 0xd0d, 0xe0e, 0xf0f,
};
#define SAVE_ALL \
	"	sub sp, sp, #176\n" \
	"	stp x19, x20, [sp, #0]\n stp x21, x22, [sp, #16]\n stp x23, x24, [sp, #32]\n" \
	"	stp x25, x26, [sp, #48]\n stp x27, x28, [sp, #64]\n stp x29, x30, [sp, #80]\n" \
	"	stp d8, d9, [sp, #96]\n stp d10, d11, [sp, #112]\n" \
	"	stp d12, d13, [sp, #128]\n stp d14, d15, [sp, #144]\n"
#define RESTORE_ALL \
	"	ldp x19, x20, [sp, #0]\n ldp x21, x22, [sp, #16]\n ldp x23, x24, [sp, #32]\n" \
	"	ldp x25, x26, [sp, #48]\n ldp x27, x28, [sp, #64]\n ldp x29, x30, [sp, #80]\n" \
	"	ldp d8, d9, [sp, #96]\n ldp d10, d11, [sp, #112]\n" \
	"	ldp d12, d13, [sp, #128]\n ldp d14, d15, [sp, #144]\n" \
	"	add sp, sp, #176\n"
__asm__(
	".text\n"
	".type regs_probe, %function\n"
	"regs_probe:\n"
	SAVE_ALL
	"	str x2, [sp, #160]\n"
	"	mov x19, #19\n mov x20, #20\n mov x21, #21\n mov x22, #22\n mov x23, #23\n"
	"	mov x24, #24\n mov x25, #25\n mov x26, #26\n mov x27, #27\n mov x28, #28\n"
	"	mov x29, #29\n"
	"	mov x9, #0x808\n fmov d8, x9\n mov x9, #0x909\n fmov d9, x9\n"
	"	mov x9, #0xa0a\n fmov d10, x9\n mov x9, #0xb0b\n fmov d11, x9\n"
	"	mov x9, #0xc0c\n fmov d12, x9\n mov x9, #0xd0d\n fmov d13, x9\n"
	"	mov x9, #0xe0e\n fmov d14, x9\n mov x9, #0xf0f\n fmov d15, x9\n"
	"	bl lwsw_ctx_switch\n"
	"	ldr x2, [sp, #160]\n"
	"	stp x19, x20, [x2, #0]\n stp x21, x22, [x2, #16]\n stp x23, x24, [x2, #32]\n"
	"	stp x25, x26, [x2, #48]\n stp x27, x28, [x2, #64]\n str x29, [x2, #80]\n"
	"	str d8, [x2, #88]\n str d9, [x2, #96]\n str d10, [x2, #104]\n str d11, [x2, #112]\n"
	"	str d12, [x2, #120]\n str d13, [x2, #128]\n str d14, [x2, #136]\n str d15, [x2, #144]\n"
	RESTORE_ALL
	"	ret\n"
	".size regs_probe, .-regs_probe\n"
	".type regs_clobber, %function\n"
	"regs_clobber:\n"
	SAVE_ALL
	"	mov x9, #-1\n"
	"	mov x19, x9\n mov x20, x9\n mov x21, x9\n mov x22, x9\n mov x23, x9\n"
	"	mov x24, x9\n mov x25, x9\n mov x26, x9\n mov x27, x9\n mov x28, x9\n"
	"	mov x29, #0\n"
	"	fmov d8, x9\n fmov d9, x9\n fmov d10, x9\n fmov d11, x9\n"
	"	fmov d12, x9\n fmov d13, x9\n fmov d14, x9\n fmov d15, x9\n"
	"	bl lwsw_ctx_switch\n"
	RESTORE_ALL
	"	ret\n"
	".size regs_clobber, .-regs_clobber\n");
#endif

void regs_probe(void **save, void *to, uint64_t *out);
void regs_clobber(void **save, void *to);

#define STACK_SIZE (256 * 1024)

static void *main_sp, *co_sp;

static void *new_stack(void)
{
	void *p = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Tell Valgrind it is a stack (the test unmaps it at exit only). */
	(void)VALGRIND_STACK_REGISTER(p, (char *)p + STACK_SIZE);
	return p;
}

static void clobber_loop(void *arg)
{
	(void)arg;
	for (;;)
		regs_clobber(&co_sp, main_sp);
}

TEST(callee_saved_registers_survive)
{
	char *stack = new_stack();
	uint64_t out[NREGS];

	ASSERT_NE(NULL, stack);
	co_sp = lwsw_ctx_make(stack + STACK_SIZE, clobber_loop, NULL, lwsw_ctx_fpctl());
	for (int round = 0; round < 100; round++) {
		memset(out, 0, sizeof(out));
		regs_probe(&main_sp, co_sp, out);
		for (int i = 0; i < NREGS; i++) {
			ASSERT_EQ(pattern[i], out[i]) {
				TH_LOG("register %d, round %d", i, round);
			}
		}
	}
}

/* Rounding modes: the main context and the coroutine each keep their own. */
static volatile int co_round_ok, co_rounds;

static uint32_t raw_mode(void)
{
#if defined(__x86_64__)
	uint32_t mxcsr;
	uint16_t cw;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
	/* MXCSR.RC (bits 13–14) and x87 CW.RC (bits 10–11): same encoding. */
	return ((mxcsr >> 13) & 3) | ((cw >> 10) & 3) << 2;
#else
	uint64_t fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	return (fpcr >> 22) & 3;	/* FPCR.RMode */
#endif
}

static void fp_loop(void *arg)
{
	int inherited = (int)(intptr_t)arg;

	co_round_ok = fegetround() == inherited;
	fesetround(FE_UPWARD);
	for (;;) {
		uint32_t want = raw_mode();
		volatile double one = 1.0, three = 3.0;

		lwsw_ctx_switch(&co_sp, main_sp);
		if (fegetround() != FE_UPWARD || raw_mode() != want)
			co_round_ok = 0;
		/* Valgrind computes in round-to-nearest whatever the mode. */
		if (!RUNNING_ON_VALGRIND && one / three <= 0.333333333333333314829616256247)
			co_round_ok = 0;
		co_rounds++;
	}
}

TEST(rounding_mode_per_context)
{
	char *stack = new_stack();
	volatile double one = 1.0, three = 3.0;
	uint32_t want;

	ASSERT_NE(NULL, stack);
	ASSERT_EQ(0, fesetround(FE_TOWARDZERO));
	co_sp = lwsw_ctx_make(stack + STACK_SIZE, fp_loop, (void *)(intptr_t)FE_TOWARDZERO,
			     lwsw_ctx_fpctl());
	fesetround(FE_DOWNWARD);
	want = raw_mode();
	for (int i = 0; i < 1000; i++) {
		lwsw_ctx_switch(&main_sp, co_sp);
		ASSERT_EQ(FE_DOWNWARD, fegetround());
		ASSERT_EQ(want, raw_mode());
		/* -1/3 rounded down is below the round-to-nearest value. */
		if (!RUNNING_ON_VALGRIND)
			ASSERT_TRUE(-one / three < -0.333333333333333314829616256247);
	}
	ASSERT_TRUE(co_round_ok);
	ASSERT_EQ(999, co_rounds);
	fesetround(FE_TONEAREST);
}

/* A long chain of switches between several contexts, checking each hop. */
#define NCTX 8
static void *ring_sp[NCTX + 1];
static volatile int ring_hops[NCTX];

static void ring_loop(void *arg)
{
	int i = (int)(intptr_t)arg;

	for (;;) {
		ring_hops[i]++;
		lwsw_ctx_switch(&ring_sp[i], ring_sp[i + 1 < NCTX ? i + 1 : NCTX]);
	}
}

TEST(switch_ring)
{
	char *stacks[NCTX];

	for (int i = 0; i < NCTX; i++) {
		stacks[i] = new_stack();
		ASSERT_NE(NULL, stacks[i]);
		ring_sp[i] = lwsw_ctx_make(stacks[i] + STACK_SIZE, ring_loop,
					  (void *)(intptr_t)i, lwsw_ctx_fpctl());
	}
	/* ring_sp[NCTX] is the main context: each round goes 0 → … → 7 → main. */
	for (int r = 0; r < 10000; r++)
		lwsw_ctx_switch(&ring_sp[NCTX], ring_sp[0]);
	for (int i = 0; i < NCTX; i++)
		ASSERT_EQ(10000, ring_hops[i]);
}

TEST(new_context_stack_is_aligned)
{
	char *stack = new_stack();
	struct lwsw_ctx_frame *f;

	ASSERT_NE(NULL, stack);
	/* An unaligned top is rounded down; the frame sits 16-aligned. */
	f = lwsw_ctx_make(stack + STACK_SIZE - 3, clobber_loop, NULL, 0);
	ASSERT_EQ(0u, (uintptr_t)f % 16);
	ASSERT_TRUE((char *)f < stack + STACK_SIZE - 3 - 16);
	munmap(stack, STACK_SIZE);
}

TEST_HARNESS_MAIN
