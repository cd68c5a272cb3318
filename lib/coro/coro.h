/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coro.h — internal to lib/coro: the coroutine descriptor, workers,
 * stacks and the sanitizer hooks.
 */
#ifndef LWSW_CORO_INTERNAL_H
#define LWSW_CORO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lwswitch_coro.h"
#include "../park.h"
#include "../arch/ctx.h"
#include "offsets.h"

#if defined(__SANITIZE_ADDRESS__)
# define LWSW_ASAN 1
# include <sanitizer/asan_interface.h>
# include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
# define LWSW_TSAN 1
# include <sanitizer/tsan_interface.h>
#endif
#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>) && defined(__x86_64__)
#  define LWSW_VALGRIND 1
#  include <valgrind/valgrind.h>
# endif
#endif

#define LWSW_CO_GUARD	4096u	/* guard page below every stack */

/* The public lwsw_co_* entry points: visible from liblwswitch.so even
 * when built with -fvisibility=hidden (everything else stays hidden). */
#define LWSW_CO_EXPORT __attribute__((visibility("default")))

/* A stack: [base, base + guard) PROT_NONE, then @size usable bytes. */
struct lwsw_stack {
	void *base;
	size_t size;
	unsigned int vg_id;	/* Valgrind's stack id, 0 outside Valgrind */
};

/* co->pstate: the parker token (park.h), see sched.c. */
enum { PS_EMPTY, PS_TOKEN, PS_PARKED, PS_TIMEDOUT };

/* Low 32 bits of co->ctl (the high 32 bits are the slot generation). */
enum { ST_FREE, ST_LIVE, ST_JOINSETUP, ST_JOINWAIT, ST_DETACHED, ST_DONE };

struct lwsw_worker;

/*
 * The fields lwsw_co_yield()'s fast path touches (sp, next, parker, idx)
 * come first: with the 64-byte alignment they share
 * one cache line, so a yield touches one line of each of the two
 * coroutines, and one of the worker.
 */
struct lwsw_co {
	void *sp;			/* saved context; NULL before the first run */
	struct lwsw_co *next;		/* run queue / free list */
	struct lwsw_worker *worker;	/* worker that ran it last */
	struct lwsw_parker parker;	/* .impl = this */
	uint8_t arrives;		/* 1: switched out where it runs arrived()
					 * when resumed (switch_out(),
					 * switch_direct()); 0 while it runs, or
					 * when switched out by a yield's fast
					 * path, which resumes it straight in its
					 * caller.  Set before those switches,
					 * cleared by arrived(): a fast yield
					 * stores nothing here. */
	uint8_t tkind;			/* timer kind: TK_SLEEP, TK_PARK */
	uint8_t wake_timeout;		/* set by whoever made it runnable */
	int32_t heap_idx;		/* in the timer heap, or -1 */
	uint32_t idx;			/* slot index */
	int err;			/* -ENOMEM: never started */
	void *(*fn)(void *);
	void *arg;
	void *result;
	struct lwsw_parker *joiner;
	const char *name;
	struct lwsw_stack stack;
	size_t want_stack;		/* requested stack size */
	uint64_t fpctl;			/* initial FP control, from the spawner */
	int64_t deadline;		/* timer: CLOCK_MONOTONIC ns */
	_Atomic uint64_t ctl;		/* generation << 32 | ST_* */
	_Atomic int pstate;		/* PS_* */
#ifdef LWSW_ASAN
	void *asan_fake;
#endif
#ifdef LWSW_TSAN
	void *tsan_fiber;
#endif
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct lwsw_co, arrives) < 64 && offsetof(struct lwsw_co, idx) < 60,
	       "hot fields in one line");

#define LWSW_WORKER_STACK_CACHE	16

struct lwsw_worker {
	/* Shared run queue: FIFO, any thread pushes, owner pops, thieves take
	 * half.  See also the local queue below and sched.c. */
	pthread_mutex_t lock;
	struct lwsw_co *head, *tail;
	_Atomic unsigned int n;

	void *sched_sp;			/* the scheduler loop's saved context */
	struct lwsw_co *cur;		/* running coroutine, or NULL */
	/*
	 * Local run queue: a FIFO that only this worker's own thread touches
	 * (its loop and the coroutines it runs), hence no lock, no atomics;
	 * never stolen.  Logically it comes before the shared queue above.
	 */
	struct lwsw_co *lhead, *ltail;
	unsigned int ln;
	unsigned int fast;		/* fast yields, for the timer check */
	int action;			/* why cur switched out: ACT_* */
	struct lwsw_co *pending;		/* handed off: to publish as parked */
	unsigned int handoffs;		/* direct hand-offs/parks since the loop ran */
	unsigned int id;
	uint64_t rng;
	unsigned int ticks;
	pthread_t thread;
	/* The worker's lwsw__thread_setup() answer, for lwsw_co_start(). */
	int setup_err;
	_Atomic uint32_t setup_done;
	void *altstack;
	size_t altstack_size;
	unsigned int ncache;
	struct lwsw_stack cache[LWSW_WORKER_STACK_CACHE];
#ifdef LWSW_ASAN
	void *asan_fake;
	const void *asan_bottom;
	size_t asan_size;
#endif
#ifdef LWSW_TSAN
	void *tsan_fiber;
#endif
} __attribute__((aligned(64)));

/*
 * The lwsw_co_yield() fast path: in assembly on x86-64 (yield-x86_64.S,
 * one function from the checks to the jump into the next coroutine, no
 * call to lwsw_ctx_switch()), except in the sanitizer builds, whose fiber
 * annotations go around the switch in C.  Elsewhere it is C (sched.c).
 * Either way lwsw__co_yield_c() is the whole of it in C, which the
 * assembly jumps to whenever its preconditions do not all hold.
 */
#if defined(__x86_64__) && !defined(LWSW_ASAN) && !defined(LWSW_TSAN)
# define LWSW_YIELD_ASM 1
#endif
int lwsw__co_yield_c(void);

/*
 * Hints every worker reads on every yield and rarely anybody writes, in
 * one cache line of their own (sched.c; the assembly reads them too).
 */
struct lwsw_co_hints {
	_Atomic int64_t next_deadline;	/* earliest timer; INT64_MAX: none */
	/*
	 * BUSY_IDLE times the number of idle workers (the counter of the
	 * Dekker pattern of sched.c, changed by seq_cst RMWs), plus
	 * BUSY_TIMER while any timer is armed (set and cleared by RMWs
	 * under the timer lock): the one word a yield reads for both.
	 */
	_Atomic int busy;
} __attribute__((aligned(64)));
#define BUSY_TIMER	1
#define BUSY_IDLE	2
extern struct lwsw_co_hints lwsw__co_hints;

/* The worker the calling thread runs, or NULL (see lwsw_co_this_worker()). */
extern __thread struct lwsw_worker *lwsw__co_worker __attribute__((tls_model("initial-exec")));

/*
 * The TLS word behind lwsw_parker_current()/lwsw_parker_set_current()
 * (defined with them, in lib/runtime.c or the tests' stand-in): the
 * coroutine-to-coroutine fast paths store to it directly instead of
 * calling lwsw_parker_set_current(), with the same meaning.
 */
extern __thread struct lwsw_parker *lwsw__co_parker __attribute__((tls_model("initial-exec")));

/* stack.c */
int lwsw_stack_get(struct lwsw_worker *w, size_t size, struct lwsw_stack *st);
void lwsw_stack_put(struct lwsw_worker *w, struct lwsw_stack *st);
void lwsw_stack_drain(struct lwsw_worker *w);
int lwsw_stack_signals_init(void);
void lwsw_stack_signals_fini(void);
int lwsw_stack_altstack_init(struct lwsw_worker *w);
void lwsw_stack_altstack_fini(struct lwsw_worker *w);
extern size_t lwsw_stack_default;

/* sched.c */
struct lwsw_worker *lwsw_co_this_worker(void);
lwsw_co_id_t lwsw_co_id_of(struct lwsw_co *co);

#endif /* LWSW_CORO_INTERNAL_H */
