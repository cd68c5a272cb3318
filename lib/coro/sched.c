// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sched.c — the M:N coroutine scheduler and the coroutine parker.
 *
 * Workers.  N threads, each running a scheduler loop on its own (native)
 * stack.  A coroutine switches back to the loop of the worker it runs on,
 * telling it why in w->action, except on the direct paths below; the loop
 * finishes the job on its own stack, where the coroutine's context is
 * completely saved: requeue (yield), publish the park (park), arm the
 * timer (sleep), free the stack and wake the joiner (exit).  Doing those
 * after the switch is what makes a concurrent unpark from another thread
 * safe: nobody can resume a coroutine whose registers are still being
 * saved.
 *
 * Direct switches (coroutine to coroutine, no loop in between), all on
 * one worker and all made by its own thread:
 *  - yield (lwsw_co_yield()): the yielder goes to the tail of the local
 *    queue, which no other thread can touch, and the local head runs; the
 *    switch is a tail call, so the resumed coroutine continues straight
 *    in its caller (it runs no arrived(): co->arrives stays 0).  On
 *    x86-64 without sanitizers the common case is one assembly function
 *    (yield-x86_64.S) that stores only w->lhead, w->cur, the current
 *    parker and the context; lwsw__co_yield_c() is the rest, and the
 *    reference for what the assembly does.
 *  - hand-off (co_handoff()) and park (park_direct()): the parking
 *    coroutine is not queued anywhere; the one switched to publishes the
 *    park on arrival (w->pending, arrived()), as the loop would.
 *    park_direct() only switches to a coroutine that runs arrived() when
 *    resumed (not a tail yield).  At most HANDOFF_MAX of these in a row
 *    while anything else wants the loop (direct_ok()).
 * The loop's other duties stay covered: a fast yield runs due timers every
 * 64 yields while a timer is armed, and leaves to the loop when another
 * worker is idle (which spills the local queue for the thieves).
 *
 * Run queues.  Two per worker.  The shared queue: an intrusive FIFO under
 * a mutex, any thread pushes, the owner pops from the head, an idle
 * worker steals half of a victim's queue in one critical section.
 * liburcu's wfcqueue was the
 * first choice, but (1) its dequeue needs a mutex anyway once thieves
 * dequeue too, (2) stealing half a queue with it is one locked dequeue per
 * node, and (3) its x86 atomics are inline assembly that ThreadSanitizer
 * cannot see, so every enqueue/dequeue pair is reported as a race; the
 * mutex queue is TSan-clean and its critical sections are a few stores.
 * The local queue (w->lhead/ltail/ln): only the owner's thread (its loop
 * and the coroutine it runs) reads or writes it, so plain loads and
 * stores; never stolen.  The logical run queue is the local queue then the
 * shared one; the owner puts a coroutine on the local tail only while the
 * shared queue is empty and no worker is idle (make_runnable(), yields,
 * after_park()), and takes the shared queue whole to the local tail
 * (rq_grab()), so the order stays FIFO; when another worker is idle it
 * moves the local queue back to the head of the shared one (lq_spill()).
 *
 * Idle workers sleep on a futex (wake_seq) with the earliest timer as
 * timeout; a push wakes one when some worker is idle (Dekker pattern on
 * the idle count, in lwsw__co_hints.busy, and the queue counts, seq_cst
 * operations on both sides).
 *
 * Coroutine slots.  Descriptors live in chunks of 1024 that are never
 * freed before lwsw_co_stop(), so a stale id can always be looked at
 * safely; an id is (generation << 32 | index + 1) and co->ctl holds the
 * generation and the join state in one atomic word, so lookup + state
 * change is a single compare-and-swap.
 *
 * The parker (park.h).  co->pstate is the token:
 *   EMPTY     running, no token
 *   TOKEN     an unpark is pending; the next park consumes it
 *   PARKED    switched out, waiting; whoever CASes it to EMPTY (an unpark
 *             or the park's timer) owns the wake-up and queues it
 *   TIMEDOUT  the park's deadline passed before it finished switching out
 * park:   TOKEN->EMPTY and return 0; else (arm the timer), switch out; the
 *         loop does EMPTY->PARKED, or finds TOKEN/TIMEDOUT and requeues.
 * handoff: as an unpark that wins PARKED->EMPTY on the target, then a
 *         direct switch to it; the target publishes our park on arrival.
 *         A park can do the same with the local queue's head
 *         (park_direct()).
 * unpark: EMPTY/TIMEDOUT->TOKEN, or PARKED->EMPTY + queue (unpark wins
 *         over a timeout not yet delivered).
 * timer:  under the timer lock: PARKED->EMPTY + queue as timed out, or
 *         EMPTY->TIMEDOUT.  On return from a park with a deadline the
 *         coroutine takes the timer lock, unlinks its timer and clears a
 *         stale TIMEDOUT, so no timer outlives its park.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "coro.h"

enum { ACT_NONE, ACT_YIELD, ACT_PARK, ACT_SLEEP, ACT_EXIT };
enum { TK_SLEEP = 1, TK_PARK };

#define CHUNK_SHIFT	10
#define CHUNK_SIZE	(1u << CHUNK_SHIFT)
#define MAX_CHUNKS	4096u		/* 4M coroutine slots */

static struct {
	_Atomic int running;
	unsigned int nworkers;
	struct lwsw_worker *workers;
	_Atomic unsigned int rr;		/* round robin for thread spawns */

	_Atomic int stopping;
	_Atomic uint32_t wake_seq;		/* futex: idle workers */
	_Atomic int32_t alive;			/* futex: lwsw_co_wait_all() */

	pthread_mutex_t slot_lock;
	struct lwsw_co *free_head;
	_Atomic unsigned int nchunks;
	struct lwsw_co *chunks[MAX_CHUNKS];

	pthread_mutex_t timer_lock;
	struct lwsw_co **heap;
	unsigned int heap_n, heap_cap;
	int armed;				/* BUSY_TIMER is set in the hints */
} S = {
	.slot_lock = PTHREAD_MUTEX_INITIALIZER,
	.timer_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* next_deadline (INT64_MAX: no timer) and busy, see coro.h. */
struct lwsw_co_hints lwsw__co_hints = { .next_deadline = INT64_MAX };

#ifdef LWSW_YIELD_ASM
/* The assembly's view of the structs (offsets.h). */
_Static_assert(offsetof(struct lwsw_worker, n) == LWSW_W_N, "offsets.h");
_Static_assert(offsetof(struct lwsw_worker, cur) == LWSW_W_CUR, "offsets.h");
_Static_assert(offsetof(struct lwsw_worker, lhead) == LWSW_W_LHEAD, "offsets.h");
_Static_assert(offsetof(struct lwsw_worker, ltail) == LWSW_W_LTAIL, "offsets.h");
_Static_assert(offsetof(struct lwsw_co, sp) == LWSW_CO_SP, "offsets.h");
_Static_assert(offsetof(struct lwsw_co, next) == LWSW_CO_NEXT, "offsets.h");
_Static_assert(offsetof(struct lwsw_co, parker) == LWSW_CO_PARKER, "offsets.h");
_Static_assert(offsetof(struct lwsw_co, idx) == LWSW_CO_IDX, "offsets.h");
_Static_assert(sizeof(((struct lwsw_worker *)0)->n) == 4, "offsets.h");
_Static_assert(offsetof(struct lwsw_co_hints, next_deadline) == LWSW_HINTS_DEADLINE, "offsets.h");
_Static_assert(offsetof(struct lwsw_co_hints, busy) == LWSW_HINTS_BUSY, "offsets.h");
_Static_assert(sizeof(lwsw__co_hints.busy) == 4, "offsets.h");
#endif

/* Initial-exec: one %fs-relative load, no __tls_get_addr(), on the fast paths. */
__thread struct lwsw_worker *lwsw__co_worker __attribute__((tls_model("initial-exec")));

/*
 * A coroutine may resume on another thread after any switch, so the
 * address of lwsw__co_worker must be recomputed after each one: an opaque call
 * (noipa: the compiler may not treat it as pure and reuse a result).
 */
__attribute__((noipa)) struct lwsw_worker *lwsw_co_this_worker(void)
{
	return lwsw__co_worker;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tsp = &ts;
	}
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

static void futex_wake(void *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* ---- ids and slots ---- */

static uint32_t ctl_gen(uint64_t c) { return (uint32_t)(c >> 32); }
static uint32_t ctl_st(uint64_t c) { return (uint32_t)c; }
static uint64_t ctl_mk(uint32_t gen, uint32_t st) { return (uint64_t)gen << 32 | st; }

lwsw_co_id_t lwsw_co_id_of(struct lwsw_co *co)
{
	return (uint64_t)ctl_gen(atomic_load_explicit(&co->ctl, memory_order_relaxed)) << 32 |
	       (co->idx + 1);
}

static struct lwsw_co *slot_lookup(lwsw_co_id_t id, uint32_t *gen)
{
	uint32_t lo = (uint32_t)id;
	unsigned int n = atomic_load_explicit(&S.nchunks, memory_order_acquire);

	if (lo == 0 || lo - 1 >= n * CHUNK_SIZE)
		return NULL;
	*gen = (uint32_t)(id >> 32);
	return &S.chunks[(lo - 1) >> CHUNK_SHIFT][(lo - 1) & (CHUNK_SIZE - 1)];
}

static const struct lwsw_parker_ops co_parker_ops;

static struct lwsw_co *slot_alloc(int *err)
{
	struct lwsw_co *co;

	pthread_mutex_lock(&S.slot_lock);
	if (!S.free_head) {
		unsigned int n = atomic_load_explicit(&S.nchunks, memory_order_relaxed);
		struct lwsw_co *chunk;

		if (n == MAX_CHUNKS) {
			pthread_mutex_unlock(&S.slot_lock);
			*err = -EAGAIN;
			return NULL;
		}
		/* Aligned: see struct lwsw_co (calloc() only promises 16). */
		chunk = aligned_alloc(_Alignof(struct lwsw_co), CHUNK_SIZE * sizeof(*chunk));
		if (chunk)
			memset(chunk, 0, CHUNK_SIZE * sizeof(*chunk));
		if (!chunk) {
			pthread_mutex_unlock(&S.slot_lock);
			*err = -ENOMEM;
			return NULL;
		}
		for (unsigned int i = CHUNK_SIZE; i-- > 0;) {
			chunk[i].idx = n * CHUNK_SIZE + i;
			chunk[i].parker.ops = &co_parker_ops;
			chunk[i].parker.impl = &chunk[i];
			chunk[i].heap_idx = -1;
			chunk[i].next = S.free_head;
			S.free_head = &chunk[i];
		}
		S.chunks[n] = chunk;
		atomic_store_explicit(&S.nchunks, n + 1, memory_order_release);
	}
	co = S.free_head;
	S.free_head = co->next;
	pthread_mutex_unlock(&S.slot_lock);
	co->next = NULL;
	return co;
}

static void slot_free(struct lwsw_co *co)
{
	pthread_mutex_lock(&S.slot_lock);
	co->next = S.free_head;
	S.free_head = co;
	pthread_mutex_unlock(&S.slot_lock);
}

/* ---- run queues ---- */

/*
 * After a push: wake one idle worker if there is one.  The push's
 * seq_cst increment of w->n and this seq_cst load of the idle count
 * (lwsw__co_hints.busy) pair with the idle side's seq_cst increment of it
 * and loads of the counts (any_work()): in the single total order one of them sees the other, so
 * a worker never sleeps on a non-empty queue nobody will signal.
 */
static void wake_idle(void)
{
	if (atomic_load(&lwsw__co_hints.busy) >= BUSY_IDLE) {
		atomic_fetch_add(&S.wake_seq, 1);
		futex_wake(&S.wake_seq, 1);
	}
}

static void rq_push(struct lwsw_worker *w, struct lwsw_co *co)
{
	co->next = NULL;
	co->worker = w;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = co;
	else
		w->head = co;
	w->tail = co;
	atomic_fetch_add(&w->n, 1);
	pthread_mutex_unlock(&w->lock);
}

static struct lwsw_co *rq_pop(struct lwsw_worker *w)
{
	struct lwsw_co *co;

	if (!atomic_load_explicit(&w->n, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&w->lock);
	co = w->head;
	if (co) {
		w->head = co->next;
		if (!w->head)
			w->tail = NULL;
		atomic_fetch_sub_explicit(&w->n, 1, memory_order_relaxed);
		co->next = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return co;
}

/*
 * The local queue (w->lhead/ltail/ln): only the owning worker's thread
 * touches it, from its loop or from the coroutine it is running, so it
 * needs no lock and no atomics.  The logical run queue of a worker is the
 * local queue followed by the shared one: the owner moves the whole shared
 * queue to the local tail at once (rq_grab()), and puts a yielding
 * coroutine at the local tail only when the shared queue is empty, so the
 * order stays FIFO.  Thieves never see the local queue: when some worker is
 * idle, the owner puts it back at the head of the shared queue (lq_spill())
 * at its next scheduling point and wakes one.
 *
 * Representation: lhead is the head (NULL: empty), the last element's
 * next is NULL, and ltail is either the last element or, while the queue
 * holds exactly one, NULL (then the last element is lhead): so a fast
 * yield between two coroutines (yield_local(), yield-x86_64.S), which
 * makes the yielder the only element in place of the other, stores
 * nothing but lhead.  Use lq_tail() for the tail.
 *
 * Two more invariants keep stores off the fast yield: a coroutine that
 * is running (w->cur) has next == NULL (every way off a queue clears it,
 * and nothing writes the next of a coroutine that is not queued), and a
 * coroutine on a worker's queues, local or shared, has worker == that
 * worker (set when it is queued: rq_push(), lq_push(), rq_grab() has
 * nothing to do as the shared queue's coroutines are @w's already,
 * rq_steal() sets it for those it moves).
 */
static inline struct lwsw_co *lq_tail(struct lwsw_worker *w)
{
	return w->ltail ? w->ltail : w->lhead;
}

static inline void lq_push(struct lwsw_worker *w, struct lwsw_co *co)
{
	struct lwsw_co *t = lq_tail(w);

	co->next = NULL;
	co->worker = w;
	if (t)
		t->next = co;
	else
		w->lhead = co;
	w->ltail = co;
	w->ln++;
}

static inline struct lwsw_co *lq_pop(struct lwsw_worker *w)
{
	struct lwsw_co *co = w->lhead;

	if (co) {
		w->lhead = co->next;
		if (!w->lhead)
			w->ltail = NULL;
		w->ln--;
		co->next = NULL;
	}
	return co;
}

/* Owner: move the whole shared queue to the local tail. */
static void rq_grab(struct lwsw_worker *w)
{
	struct lwsw_co *first, *last;
	unsigned int n;

	pthread_mutex_lock(&w->lock);
	first = w->head;
	last = w->tail;
	n = atomic_load_explicit(&w->n, memory_order_relaxed);
	w->head = w->tail = NULL;
	atomic_fetch_sub_explicit(&w->n, n, memory_order_relaxed);
	pthread_mutex_unlock(&w->lock);
	if (!first)
		return;
	if (lq_tail(w))
		lq_tail(w)->next = first;
	else
		w->lhead = first;
	w->ltail = last;
	w->ln += n;
}

/* Owner: put the local queue back in front of the shared one, for thieves. */
static void lq_spill(struct lwsw_worker *w)
{
	if (!w->lhead)
		return;
	pthread_mutex_lock(&w->lock);
	lq_tail(w)->next = w->head;
	if (!w->tail)
		w->tail = lq_tail(w);
	w->head = w->lhead;
	atomic_fetch_add(&w->n, w->ln);
	pthread_mutex_unlock(&w->lock);
	w->lhead = w->ltail = NULL;
	w->ln = 0;
	wake_idle();
}

/* Some other worker is idle (a hint: a relaxed load). */
static inline int others_idle(void)
{
	return S.nworkers > 1 &&
	       atomic_load_explicit(&lwsw__co_hints.busy, memory_order_relaxed) >= BUSY_IDLE;
}

/* Take the first half (rounded up) of @v's queue: run one, queue the rest. */
static struct lwsw_co *rq_steal(struct lwsw_worker *w, struct lwsw_worker *v)
{
	struct lwsw_co *first, *last;
	unsigned int n, take;

	if (!atomic_load_explicit(&v->n, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&v->lock);
	n = atomic_load_explicit(&v->n, memory_order_relaxed);
	first = v->head;
	if (!first) {
		pthread_mutex_unlock(&v->lock);
		return NULL;
	}
	take = (n + 1) / 2;
	last = first;
	for (unsigned int i = 1; i < take; i++) {
		last = last->next;
		last->worker = w;	/* going to our shared queue */
	}
	v->head = last->next;
	if (!v->head)
		v->tail = NULL;
	atomic_fetch_sub_explicit(&v->n, take, memory_order_relaxed);
	pthread_mutex_unlock(&v->lock);
	last->next = NULL;

	if (first != last) {
		pthread_mutex_lock(&w->lock);
		if (w->tail)
			w->tail->next = first->next;
		else
			w->head = first->next;
		w->tail = last;
		atomic_fetch_add_explicit(&w->n, take - 1, memory_order_relaxed);
		pthread_mutex_unlock(&w->lock);
	}
	first->next = NULL;
	return first;
}

/* Make @co runnable: on the calling worker, else on the one it last ran on. */
static void make_runnable(struct lwsw_co *co)
{
	struct lwsw_worker *w = lwsw_co_this_worker();

	/*
	 * On this worker's own thread, with nothing in the shared queue and
	 * nobody idle to steal it: the local queue, no lock (the order is
	 * the same, see lq_push()'s comment).
	 */
	if (w && !others_idle() && !atomic_load_explicit(&w->n, memory_order_relaxed)) {
		lq_push(w, co);
		return;
	}
	if (!w) {
		w = co->worker;
		if (!w)
			w = &S.workers[atomic_fetch_add_explicit(&S.rr, 1, memory_order_relaxed) %
				       S.nworkers];
	}
	rq_push(w, co);
	wake_idle();
}

/* ---- timers: a binary min-heap on co->deadline under S.timer_lock ---- */

static void heap_set(unsigned int i, struct lwsw_co *co)
{
	S.heap[i] = co;
	co->heap_idx = (int32_t)i;
}

static void heap_up(unsigned int i)
{
	struct lwsw_co *co = S.heap[i];

	while (i) {
		unsigned int p = (i - 1) / 2;

		if (S.heap[p]->deadline <= co->deadline)
			break;
		heap_set(i, S.heap[p]);
		i = p;
	}
	heap_set(i, co);
}

static void heap_down(unsigned int i)
{
	struct lwsw_co *co = S.heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= S.heap_n)
			break;
		if (c + 1 < S.heap_n && S.heap[c + 1]->deadline < S.heap[c]->deadline)
			c++;
		if (co->deadline <= S.heap[c]->deadline)
			break;
		heap_set(i, S.heap[c]);
		i = c;
	}
	heap_set(i, co);
}

static void heap_publish(void)
{
	atomic_store(&lwsw__co_hints.next_deadline, S.heap_n ? S.heap[0]->deadline : INT64_MAX);
	if (!!S.heap_n != S.armed) {
		/* RMW: the idle count shares the word. */
		S.armed = !!S.heap_n;
		if (S.armed)
			atomic_fetch_or(&lwsw__co_hints.busy, BUSY_TIMER);
		else
			atomic_fetch_and(&lwsw__co_hints.busy, ~BUSY_TIMER);
	}
}

static void heap_remove(struct lwsw_co *co)
{
	unsigned int i = (unsigned int)co->heap_idx;
	struct lwsw_co *last = S.heap[--S.heap_n];

	co->heap_idx = -1;
	if (i != S.heap_n) {
		heap_set(i, last);
		heap_up(i);
		heap_down((unsigned int)last->heap_idx);
	}
}

/* Lock held. */
static void timer_add_locked(struct lwsw_co *co)
{
	int64_t old = atomic_load(&lwsw__co_hints.next_deadline);

	if (S.heap_n == S.heap_cap) {
		unsigned int cap = S.heap_cap ? 2 * S.heap_cap : 256;
		struct lwsw_co **h = realloc(S.heap, cap * sizeof(*h));

		if (!h) {
			static const char msg[] = "lwswitch: out of memory for coroutine timers\n";

			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
				/* aborting anyway */
			}
			abort();
		}
		S.heap = h;
		S.heap_cap = cap;
	}
	S.heap[S.heap_n] = co;
	heap_up(S.heap_n++);
	heap_publish();
	if (co->deadline < old) {
		/* Idle workers sleep until the old earliest deadline. */
		atomic_fetch_add(&S.wake_seq, 1);
		futex_wake(&S.wake_seq, 1);
	}
}

/* A park's deadline passed (timer lock held). */
static void timer_park_expired(struct lwsw_co *co)
{
	for (;;) {
		int s = atomic_load(&co->pstate);

		if (s == PS_PARKED) {
			if (atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY)) {
				co->wake_timeout = 1;
				make_runnable(co);
				return;
			}
		} else if (s == PS_EMPTY) {
			if (atomic_compare_exchange_strong(&co->pstate, &s, PS_TIMEDOUT))
				return;
		} else {
			return;		/* TOKEN: the unpark won */
		}
	}
}

static void timers_run(void)
{
	int64_t now;

	if (atomic_load_explicit(&lwsw__co_hints.next_deadline, memory_order_relaxed) == INT64_MAX)
		return;
	now = now_ns();
	if (atomic_load_explicit(&lwsw__co_hints.next_deadline, memory_order_relaxed) > now)
		return;
	pthread_mutex_lock(&S.timer_lock);
	while (S.heap_n && S.heap[0]->deadline <= now) {
		struct lwsw_co *co = S.heap[0];

		heap_remove(co);
		if (co->tkind == TK_SLEEP)
			make_runnable(co);
		else
			timer_park_expired(co);
	}
	heap_publish();
	pthread_mutex_unlock(&S.timer_lock);
}

/* ---- switching ---- */

/* From the scheduler loop of @w into @co. */
static void switch_in(struct lwsw_worker *w, struct lwsw_co *co)
{
#ifdef LWSW_ASAN
	__sanitizer_start_switch_fiber(&w->asan_fake, (char *)co->stack.base + LWSW_CO_GUARD,
				       co->stack.size);
#endif
#ifdef LWSW_TSAN
	__tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
	lwsw_ctx_switch(&w->sched_sp, co->sp);
#ifdef LWSW_ASAN
	__sanitizer_finish_switch_fiber(w->asan_fake, NULL, NULL);
#endif
}

static void after_park(struct lwsw_worker *w, struct lwsw_co *co);

/*
 * Called on a coroutine's stack when it has just been switched to: if it
 * was switched to directly by a coroutine that handed off to it
 * (co_handoff), that one's context is saved now and its park can be
 * published.
 */
static void arrived(struct lwsw_co *co)
{
	struct lwsw_worker *w = lwsw_co_this_worker();

#ifdef LWSW_ASAN
	__sanitizer_finish_switch_fiber(co->asan_fake, NULL, NULL);
#endif
	co->arrives = 0;
	if (w->pending) {
		struct lwsw_co *p = w->pending;

		w->pending = NULL;
		after_park(w, p);
	}
}

/* From the running coroutine back to its worker's loop, which does @act. */
static void switch_out(struct lwsw_co *co, int act)
{
	struct lwsw_worker *w = lwsw_co_this_worker();

	w->action = act;
	co->arrives = 1;		/* resumed in arrived() */
#ifdef LWSW_ASAN
	__sanitizer_start_switch_fiber(act == ACT_EXIT ? NULL : &co->asan_fake,
				       w->asan_bottom, w->asan_size);
#endif
#ifdef LWSW_TSAN
	__tsan_switch_to_fiber(w->tsan_fiber, 0);
#endif
	lwsw_ctx_switch(&co->sp, w->sched_sp);
	arrived(co);
}

/*
 * From the running coroutine @co of @w directly to @t (already started:
 * t->sp set), without the loop.  The caller has taken care of @co: it is
 * on @w's local queue (only this thread can resume it, and not before
 * this switch is complete), or parked with its park to be published by
 * @t on arrival (w->pending).
 */
static void switch_direct(struct lwsw_worker *w, struct lwsw_co *co, struct lwsw_co *t)
{
	t->worker = w;
	w->cur = t;
	co->arrives = 1;			/* resumed in arrived() */
	lwsw__co_parker = &t->parker;		/* lwsw_parker_set_current() */
#ifdef LWSW_ASAN
	__sanitizer_start_switch_fiber(&co->asan_fake, (char *)t->stack.base + LWSW_CO_GUARD,
				       t->stack.size);
#endif
#ifdef LWSW_TSAN
	__tsan_switch_to_fiber(t->tsan_fiber, 0);
#endif
	lwsw_ctx_switch_ret(&co->sp, t->sp);
	arrived(co);
}

static void co_entry(void *p)
{
	struct lwsw_co *co = p;

	arrived(co);
	co->result = co->fn(co->arg);
	switch_out(co, ACT_EXIT);
	__builtin_trap();	/* an exited coroutine is never resumed */
}

/* ---- the scheduler loop ---- */

static void co_finish(struct lwsw_worker *w, struct lwsw_co *co)
{
	struct lwsw_parker *joiner = NULL;

	if (co->stack.base)
		lwsw_stack_put(w, &co->stack);
	co->sp = NULL;
#ifdef LWSW_TSAN
	if (co->tsan_fiber) {
		__tsan_destroy_fiber(co->tsan_fiber);
		co->tsan_fiber = NULL;
	}
#endif
	for (;;) {
		uint64_t c = atomic_load(&co->ctl);
		uint32_t gen = ctl_gen(c);

		switch (ctl_st(c)) {
		case ST_LIVE:
			if (atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(gen, ST_DONE)))
				goto out;
			break;
		case ST_JOINSETUP:	/* a joiner is storing co->joiner */
			sched_yield();
			break;
		case ST_JOINWAIT:
			joiner = co->joiner;
			if (atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(gen, ST_DONE)))
				goto out;
			joiner = NULL;
			break;
		case ST_DETACHED:
			if (atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(gen + 1, ST_FREE))) {
				slot_free(co);
				goto out;
			}
			break;
		default:
			abort();
		}
	}
out:
	/* The joiner parks until this unpark; it frees the slot after. */
	if (joiner)
		lwsw_unpark(joiner);
	if (atomic_fetch_sub(&S.alive, 1) == 1)
		futex_wake((void *)&S.alive, INT_MAX);
}

static void after_park(struct lwsw_worker *w, struct lwsw_co *co)
{
	for (;;) {
		int s = PS_EMPTY;

		if (atomic_compare_exchange_strong(&co->pstate, &s, PS_PARKED))
			return;		/* an unpark or the timer owns it now */
		if (s == PS_TOKEN || s == PS_TIMEDOUT) {
			if (atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY)) {
				co->wake_timeout = s == PS_TIMEDOUT;
				if (!others_idle() &&
				    !atomic_load_explicit(&w->n, memory_order_relaxed))
					lq_push(w, co);
				else
					rq_push(w, co);
				return;
			}
		}
	}
}

static void run_one(struct lwsw_worker *w, struct lwsw_co *co)
{
	if (!co->sp) {
		int err = lwsw_stack_get(w, co->want_stack, &co->stack);

		if (err) {
			co->err = err;
			co->stack.base = NULL;
			co_finish(w, co);
			return;
		}
		co->sp = lwsw_ctx_make((char *)co->stack.base + LWSW_CO_GUARD + co->stack.size,
				      co_entry, co, co->fpctl);
#ifdef LWSW_ASAN
		co->asan_fake = NULL;	/* not the last user's of this slot */
#endif
#ifdef LWSW_TSAN
		co->tsan_fiber = __tsan_create_fiber(0);
#endif
	}
	co->worker = w;
	w->cur = co;
	w->action = ACT_NONE;
	w->handoffs = 0;
	lwsw_parker_set_current(&co->parker);
	switch_in(w, co);
	lwsw_parker_set_current(NULL);
	co = w->cur;		/* not @co if it handed off to another */
	w->cur = NULL;

	switch (w->action) {
	case ACT_YIELD:
		/* At the tail of the logical queue (local, then shared). */
		if (others_idle()) {
			lq_spill(w);
			rq_push(w, co);
		} else if (!atomic_load_explicit(&w->n, memory_order_relaxed)) {
			lq_push(w, co);
		} else {
			rq_push(w, co);
		}
		break;
	case ACT_PARK:
		after_park(w, co);
		break;
	case ACT_SLEEP:
		pthread_mutex_lock(&S.timer_lock);
		timer_add_locked(co);
		pthread_mutex_unlock(&S.timer_lock);
		break;
	case ACT_EXIT:
		co_finish(w, co);
		break;
	default:
		abort();
	}
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int any_work(void)
{
	for (unsigned int i = 0; i < S.nworkers; i++)
		if (atomic_load(&S.workers[i].n))
			return 1;
	return 0;
}

static struct lwsw_co *next_runnable(struct lwsw_worker *w)
{
	for (;;) {
		struct lwsw_co *co;
		uint32_t seq;
		int64_t next, timeout;

		if ((++w->ticks & 63) == 0)
			timers_run();
		if (w->lhead) {
			if (!others_idle())
				return lq_pop(w);
			lq_spill(w);
		}
		co = rq_pop(w);
		if (co)
			return co;
		timers_run();
		if (w->lhead)		/* woken by a timer, on this thread */
			continue;
		co = rq_pop(w);
		if (co)
			return co;
		if (S.nworkers > 1) {
			unsigned int start = (unsigned int)(xorshift(&w->rng) % S.nworkers);

			for (unsigned int i = 0; i < S.nworkers; i++) {
				struct lwsw_worker *v = &S.workers[(start + i) % S.nworkers];

				if (v != w && (co = rq_steal(w, v)))
					return co;
			}
		}

		/* Idle: announce, re-check, sleep. */
		seq = atomic_load(&S.wake_seq);
		atomic_fetch_add(&lwsw__co_hints.busy, BUSY_IDLE);
		if (any_work() || atomic_load(&S.stopping)) {
			atomic_fetch_sub(&lwsw__co_hints.busy, BUSY_IDLE);
			if (atomic_load(&S.stopping) && !any_work())
				return NULL;
			continue;
		}
		next = atomic_load(&lwsw__co_hints.next_deadline);
		timeout = -1;
		if (next != INT64_MAX) {
			timeout = next - now_ns();
			if (timeout < 0)
				timeout = 0;
		}
		if (timeout != 0)
			futex_wait(&S.wake_seq, seq, timeout);
		atomic_fetch_sub(&lwsw__co_hints.busy, BUSY_IDLE);
	}
}

static void *worker_main(void *arg)
{
	struct lwsw_worker *w = arg;
	struct lwsw_co *co;

	lwsw__co_worker = w;
#ifdef LWSW_TSAN
	w->tsan_fiber = __tsan_get_current_fiber();
#endif
#ifdef LWSW_ASAN
	{
		pthread_attr_t a;
		void *lo;

		if (pthread_getattr_np(pthread_self(), &a) == 0) {
			pthread_attr_getstack(&a, &lo, &w->asan_size);
			w->asan_bottom = lo;
			pthread_attr_destroy(&a);
		}
	}
#endif
	while ((co = next_runnable(w)))
		run_one(w, co);
	lwsw_stack_drain(w);
	lwsw_stack_altstack_fini(w);
	lwsw__co_worker = NULL;
	return NULL;
}

/*
 * Thread start: the alternate signal stack is set up on the worker itself,
 * and so is its membership of the channel library's domain (park.h:
 * lwsw__thread_setup()), which lwsw_co_start() waits for: a worker that
 * could not join would have no way to wake a native thread parked in the
 * kernel, so the start fails instead.
 */
static void *worker_start(void *arg)
{
	struct lwsw_worker *w = arg;

	if (lwsw_stack_altstack_init(w)) {
		/* Run without one: an overflow then dies without the message. */
	}
	w->setup_err = lwsw__thread_setup();
	atomic_store_explicit(&w->setup_done, 1, memory_order_release);
	futex_wake(&w->setup_done, 1);
	if (w->setup_err) {
		lwsw_stack_altstack_fini(w);
		return NULL;
	}
	return worker_main(w);
}

/* ---- the coroutine parker ---- */

static struct lwsw_co *current_co(void)
{
	struct lwsw_worker *w = lwsw_co_this_worker();

	return w ? w->cur : NULL;
}

static void timer_cancel_park(struct lwsw_co *co);

/*
 * The direct-switch budget of @w (hand-offs and direct parks since the
 * loop last ran): at most HANDOFF_MAX in a row while anything else could
 * want the loop (a timer is armed, another coroutine is queued besides
 * @next, a worker is idle); with nothing else around there is nobody to
 * be fair to and the count starts over.
 */
#define HANDOFF_MAX 64

static inline int direct_ok(struct lwsw_worker *w, struct lwsw_co *next)
{
	if (w->handoffs < HANDOFF_MAX)
		return 1;
	if (atomic_load_explicit(&lwsw__co_hints.next_deadline, memory_order_relaxed) != INT64_MAX ||
	    others_idle() || atomic_load_explicit(&w->n, memory_order_relaxed) ||
	    (w->lhead && (w->lhead != next || w->ln > 1)))
		return 0;
	w->handoffs = 0;
	return 1;
}

/*
 * Park the running coroutine @co by switching straight to the head of
 * the local queue, when that one was switched out somewhere that calls
 * arrived() on resumption (not a fast yield) and has a stack: it
 * publishes our park on arrival (w->pending), as after a hand-off.  0:
 * not possible, go through the loop.
 */
static int park_direct(struct lwsw_co *co)
{
	struct lwsw_worker *w = lwsw_co_this_worker();
	struct lwsw_co *next;

	if (!w || w->cur != co)
		return 0;
	next = w->lhead;
	if (!next || !next->sp || !next->arrives || !direct_ok(w, next) || others_idle())
		return 0;
	lq_pop(w);
	w->handoffs++;
	w->pending = co;
	switch_direct(w, co, next);
	return 1;
}

static int co_park(struct lwsw_parker *self, int64_t deadline_ns)
{
	struct lwsw_co *co = self->impl;
	int s = PS_TOKEN;
	int ret;

	/* A plain load first: no locked instruction when there is no token. */
	if (atomic_load_explicit(&co->pstate, memory_order_relaxed) == PS_TOKEN &&
	    atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY))
		return 0;
	if (deadline_ns >= 0) {
		if (deadline_ns <= now_ns())
			return -ETIMEDOUT;
		co->deadline = deadline_ns;
		co->tkind = TK_PARK;
		pthread_mutex_lock(&S.timer_lock);
		timer_add_locked(co);
		pthread_mutex_unlock(&S.timer_lock);
	}
	if (!park_direct(co))
		switch_out(co, ACT_PARK);
	ret = co->wake_timeout ? -ETIMEDOUT : 0;
	if (deadline_ns >= 0)
		timer_cancel_park(co);
	return ret;
}

/* Back from a park with a deadline: no timer may outlive it. */
static void timer_cancel_park(struct lwsw_co *co)
{
	int s = PS_TIMEDOUT;

	pthread_mutex_lock(&S.timer_lock);
	if (co->heap_idx >= 0) {
		heap_remove(co);
		heap_publish();
	}
	atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY);
	pthread_mutex_unlock(&S.timer_lock);
}

static void co_unpark(struct lwsw_parker *p)
{
	struct lwsw_co *co = p->impl;

	for (;;) {
		int s = atomic_load(&co->pstate);

		switch (s) {
		case PS_TOKEN:
			return;
		case PS_EMPTY:
		case PS_TIMEDOUT:
			if (atomic_compare_exchange_strong(&co->pstate, &s, PS_TOKEN))
				return;
			break;
		case PS_PARKED:
			if (atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY)) {
				co->wake_timeout = 0;
				make_runnable(co);
				return;
			}
			break;
		}
	}
}

/*
 * Hand-off: wake @target and park @self in one direct switch, when both
 * are coroutines and @target is parked: no trip through the scheduler
 * loop, no run queue.  @target runs on this worker at once and, first
 * thing on arrival (arrived()), publishes @self's park, so an unpark of
 * @self can only find it fully switched out.  At most HANDOFF_MAX in a
 * row while anything else wants the loop (direct_ok()), then the loop
 * gets a turn (timers, the rest of the queue).
 * Otherwise: unpark + park.
 */
static int co_handoff(struct lwsw_parker *self, struct lwsw_parker *target,
		      int64_t deadline_ns)
{
	struct lwsw_co *co = self->impl, *t;
	struct lwsw_worker *w;
	int s, ret;

	if (target->ops != &co_parker_ops || target == self)
		goto slow;
	w = lwsw_co_this_worker();
	if (!w || w->cur != co || !direct_ok(w, NULL))
		goto slow;
	t = target->impl;
	s = PS_TOKEN;
	if (atomic_load_explicit(&co->pstate, memory_order_relaxed) == PS_TOKEN &&
	    atomic_compare_exchange_strong(&co->pstate, &s, PS_EMPTY)) {
		lwsw_unpark(target);	/* our park returns at once anyway */
		return 0;
	}
	if (deadline_ns >= 0 && deadline_ns <= now_ns())
		goto slow;
	s = PS_PARKED;
	if (!atomic_compare_exchange_strong(&t->pstate, &s, PS_EMPTY))
		goto slow;		/* running or runnable: a token does it */
	/* We own @t's wake-up now, as an unpark would. */
	t->wake_timeout = 0;
	if (deadline_ns >= 0) {
		co->deadline = deadline_ns;
		co->tkind = TK_PARK;
		pthread_mutex_lock(&S.timer_lock);
		timer_add_locked(co);
		pthread_mutex_unlock(&S.timer_lock);
	}
	w->handoffs++;
	w->pending = co;
	switch_direct(w, co, t);
	ret = co->wake_timeout ? -ETIMEDOUT : 0;
	if (deadline_ns >= 0)
		timer_cancel_park(co);
	return ret;

slow:
	lwsw_unpark(target);
	return co_park(self, deadline_ns);
}

static const struct lwsw_parker_ops co_parker_ops = {
	.park = co_park,
	.unpark = co_unpark,
	.handoff = co_handoff,
};

/* A native thread's waiter for lwsw_co_join(): a futex token. */
struct thread_waiter {
	struct lwsw_parker parker;
	_Atomic uint32_t token;
};

static int tw_park(struct lwsw_parker *self, int64_t deadline_ns)
{
	struct thread_waiter *t = self->impl;

	(void)deadline_ns;	/* join waits without a deadline */
	for (;;) {
		uint32_t one = 1;

		if (atomic_compare_exchange_strong(&t->token, &one, 0))
			return 0;
		futex_wait(&t->token, 0, -1);
	}
}

static void tw_unpark(struct lwsw_parker *p)
{
	struct thread_waiter *t = p->impl;

	if (atomic_exchange(&t->token, 1) == 0)
		futex_wake(&t->token, 1);
}

static const struct lwsw_parker_ops tw_ops = { .park = tw_park, .unpark = tw_unpark };

/* ---- the API ---- */

/* The structures callers allocate have one size on every ABI, for good. */
_Static_assert(sizeof(struct lwsw_co_config) == 64, "struct lwsw_co_config is ABI");
_Static_assert(sizeof(struct lwsw_co_attr) == 64, "struct lwsw_co_attr is ABI");

static int reserved_zero(const uint64_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i])
			return 0;
	return 1;
}

LWSW_CO_EXPORT void lwsw_co_attr_init(struct lwsw_co_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->stack_size = lwsw_stack_default;
	attr->name = NULL;
	attr->flags = 0;
}

static int check_stack(size_t size, size_t *rounded)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (size < LWSW_CO_STACK_MIN)
		return -EINVAL;
	if (size > LWSW_CO_STACK_MAX)
		return -E2BIG;
	*rounded = (size + page - 1) & ~(page - 1);
	return 0;
}

LWSW_CO_EXPORT int lwsw_co_start(const struct lwsw_co_config *cfg)
{
	struct lwsw_co_config c = { 0 };
	unsigned int i;
	size_t stack = LWSW_CO_STACK_DEFAULT, saved_default;
	int err;

	if (cfg)
		c = *cfg;
	if (c.flags || !reserved_zero(c.__reserved, 6))
		return -EINVAL;
	if (c.workers > LWSW_CO_WORKERS_MAX)
		return -EINVAL;
	if (c.stack_size) {
		err = check_stack(c.stack_size, &stack);
		if (err)
			return err == -E2BIG ? -EINVAL : err;
	}
	if (current_co())
		return -EPERM;
	if (atomic_exchange(&S.running, 1))
		return -EALREADY;
	if (!c.workers) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c.workers = n > 0 ? (unsigned int)(n < LWSW_CO_WORKERS_MAX ? n : LWSW_CO_WORKERS_MAX) : 1;
	}
	S.workers = aligned_alloc(64, c.workers * sizeof(*S.workers));
	if (!S.workers) {
		atomic_store(&S.running, 0);
		return -ENOMEM;
	}
	memset(S.workers, 0, c.workers * sizeof(*S.workers));
	S.nworkers = c.workers;
	atomic_store(&S.stopping, 0);
	atomic_store(&S.alive, 0);
	saved_default = lwsw_stack_default;
	lwsw_stack_default = stack;
	err = lwsw_stack_signals_init();
	if (err)
		goto fail_free;
	for (i = 0; i < c.workers; i++) {
		struct lwsw_worker *w = &S.workers[i];

		pthread_mutex_init(&w->lock, NULL);
		w->id = i;
		w->rng = 0x9e3779b97f4a7c15ull * (i + 1);
	}
	for (i = 0; i < c.workers; i++) {
		err = -pthread_create(&S.workers[i].thread, NULL, worker_start, &S.workers[i]);
		if (err)
			break;
	}
	/* Every worker that started says whether it could set itself up. */
	for (unsigned int j = 0; j < i; j++) {
		struct lwsw_worker *w = &S.workers[j];

		while (!atomic_load_explicit(&w->setup_done, memory_order_acquire))
			futex_wait(&w->setup_done, 0, -1);
		if (w->setup_err && !err)
			err = w->setup_err;
	}
	if (err) {
		atomic_store(&S.stopping, 1);
		atomic_fetch_add(&S.wake_seq, 1);
		futex_wake(&S.wake_seq, INT_MAX);
		while (i-- > 0)
			pthread_join(S.workers[i].thread, NULL);
		lwsw_stack_signals_fini();
		goto fail_free;
	}
	return 0;

fail_free:
	free(S.workers);
	S.workers = NULL;
	S.nworkers = 0;
	lwsw_stack_default = saved_default;	/* lwsw_co_attr_init()'s, as before */
	atomic_store(&S.running, 0);
	return err;
}

LWSW_CO_EXPORT int lwsw_co_wait_all(void)
{
	if (!atomic_load(&S.running))
		return -ENXIO;
	if (current_co())
		return -EPERM;
	for (;;) {
		int32_t v = atomic_load(&S.alive);

		if (v == 0)
			return 0;
		futex_wait((_Atomic uint32_t *)&S.alive, (uint32_t)v, -1);
	}
}

LWSW_CO_EXPORT int lwsw_co_stop(void)
{
	int err = lwsw_co_wait_all();

	if (err)
		return err;
	atomic_store(&S.stopping, 1);
	atomic_fetch_add(&S.wake_seq, 1);
	futex_wake(&S.wake_seq, INT_MAX);
	for (unsigned int i = 0; i < S.nworkers; i++) {
		pthread_join(S.workers[i].thread, NULL);
		pthread_mutex_destroy(&S.workers[i].lock);
	}
	lwsw_stack_drain(NULL);
	lwsw_stack_signals_fini();
	free(S.workers);
	S.workers = NULL;
	S.nworkers = 0;

	pthread_mutex_lock(&S.slot_lock);
	for (unsigned int i = 0; i < atomic_load(&S.nchunks); i++) {
		free(S.chunks[i]);
		S.chunks[i] = NULL;
	}
	atomic_store(&S.nchunks, 0);
	S.free_head = NULL;
	pthread_mutex_unlock(&S.slot_lock);

	pthread_mutex_lock(&S.timer_lock);
	free(S.heap);
	S.heap = NULL;
	S.heap_n = S.heap_cap = 0;
	atomic_store(&lwsw__co_hints.next_deadline, INT64_MAX);
	if (S.armed) {
		S.armed = 0;
		atomic_fetch_and(&lwsw__co_hints.busy, ~BUSY_TIMER);
	}
	pthread_mutex_unlock(&S.timer_lock);

	lwsw_stack_default = LWSW_CO_STACK_DEFAULT;
	atomic_store(&S.running, 0);
	return 0;
}

LWSW_CO_EXPORT int lwsw_co_spawn_attr(lwsw_co_id_t *id, const struct lwsw_co_attr *attr,
		      void *(*fn)(void *), void *arg)
{
	size_t stack = lwsw_stack_default;
	struct lwsw_co *co;
	int err = 0;

	if (!fn)
		return -EINVAL;
	if (attr) {
		if ((attr->flags & ~LWSW_CO_DETACHED) || attr->__pad ||
		    !reserved_zero(attr->__reserved, 5))
			return -EINVAL;
		err = check_stack(attr->stack_size, &stack);
		if (err)
			return err;
	}
	if (!atomic_load(&S.running))
		return -ENXIO;
	co = slot_alloc(&err);
	if (!co)
		return err;
	co->fn = fn;
	co->arg = arg;
	co->result = NULL;
	co->sp = NULL;
	co->stack.base = NULL;
	co->want_stack = stack;
	co->name = attr ? attr->name : NULL;
	co->worker = NULL;
	co->joiner = NULL;
	co->err = 0;
	co->wake_timeout = 0;
	co->arrives = 0;
	co->fpctl = lwsw_ctx_fpctl();
	atomic_store_explicit(&co->pstate, PS_EMPTY, memory_order_relaxed);
	{
		uint32_t gen = ctl_gen(atomic_load_explicit(&co->ctl, memory_order_relaxed));

		atomic_store(&co->ctl, ctl_mk(gen, attr && (attr->flags & LWSW_CO_DETACHED) ?
					      ST_DETACHED : ST_LIVE));
		if (id)
			*id = (uint64_t)gen << 32 | (co->idx + 1);
	}
	atomic_fetch_add(&S.alive, 1);
	make_runnable(co);
	return 0;
}

LWSW_CO_EXPORT int lwsw_co_spawn(lwsw_co_id_t *id, void *(*fn)(void *), void *arg)
{
	return lwsw_co_spawn_attr(id, NULL, fn, arg);
}

/* Reap a finished coroutine whose ctl is @c (ST_DONE).  1: done, 0: lost a race. */
static int reap(struct lwsw_co *co, uint64_t c, void **result, int *err)
{
	void *res = co->result;
	int e = co->err;

	if (!atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(ctl_gen(c) + 1, ST_FREE)))
		return 0;
	if (result)
		*result = res;
	*err = e;
	slot_free(co);
	return 1;
}

LWSW_CO_EXPORT int lwsw_co_join(lwsw_co_id_t id, void **result)
{
	struct thread_waiter tw;
	struct lwsw_parker *waiter;
	struct lwsw_co *co, *self;
	uint32_t gen;
	int err;

	if (!atomic_load(&S.running))
		return -ENXIO;
	co = slot_lookup(id, &gen);
	if (!co)
		return -ESRCH;
	self = current_co();
	if (self == co)
		return -EDEADLK;
	if (self) {
		waiter = &self->parker;
	} else {
		tw.parker.ops = &tw_ops;
		tw.parker.impl = &tw;
		atomic_init(&tw.token, 0);
		waiter = &tw.parker;
	}
	for (;;) {
		uint64_t c = atomic_load(&co->ctl);

		if (ctl_gen(c) != gen || ctl_st(c) == ST_FREE)
			return -ESRCH;
		switch (ctl_st(c)) {
		case ST_DONE:
			if (reap(co, c, result, &err))
				return err;
			continue;
		case ST_LIVE:
			if (!atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(gen, ST_JOINSETUP)))
				continue;
			co->joiner = waiter;
			atomic_store(&co->ctl, ctl_mk(gen, ST_JOINWAIT));
			/* Consume exactly the one unpark co_finish() sends. */
			do {
				lwsw_park(waiter, -1);
				c = atomic_load(&co->ctl);
			} while (ctl_st(c) != ST_DONE);
			if (!reap(co, c, result, &err))
				abort();	/* only we may reap it now */
			return err;
		default:	/* detached, or someone else is joining */
			return -EINVAL;
		}
	}
}

LWSW_CO_EXPORT int lwsw_co_detach(lwsw_co_id_t id)
{
	struct lwsw_co *co;
	uint32_t gen;
	int err;

	if (!atomic_load(&S.running))
		return -ENXIO;
	co = slot_lookup(id, &gen);
	if (!co)
		return -ESRCH;
	for (;;) {
		uint64_t c = atomic_load(&co->ctl);

		if (ctl_gen(c) != gen || ctl_st(c) == ST_FREE)
			return -ESRCH;
		switch (ctl_st(c)) {
		case ST_LIVE:
			if (atomic_compare_exchange_strong(&co->ctl, &c, ctl_mk(gen, ST_DETACHED)))
				return 0;
			continue;
		case ST_DONE:
			if (reap(co, c, NULL, &err))
				return 0;
			continue;
		default:
			return -EINVAL;
		}
	}
}

LWSW_CO_EXPORT lwsw_co_id_t lwsw_co_self(void)
{
	struct lwsw_co *co = current_co();

	return co ? lwsw_co_id_of(co) : 0;
}

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * Yield from @co, running on @w, straight to @next, already started and
 * already taken off the local queue by the caller, which has put @co at
 * the local tail.
 */
static inline __attribute__((always_inline)) int
yield_to(struct lwsw_worker *w, struct lwsw_co *co, struct lwsw_co *next)
{
	/*
	 * Whoever resumes us (the loop, or a fast yield) has nothing pending
	 * for us: a hand-off only ever switches to a parked coroutine, and
	 * we are runnable, so arrived() reduces to the sanitizer's part.
	 * Without one, nothing is left to do after the switch: a tail call,
	 * so that we are resumed straight in our caller (lwsw_ctx_switch0()).
	 * co->arrives stays 0 (it is 0 while a coroutine runs), which tells
	 * park_direct() not to switch to us with a park to publish
	 * (w->pending): nobody would publish it.  next->worker is w already
	 * (it is on our queue, see lq_tail()'s comment).
	 */
	w->cur = next;
	lwsw__co_parker = &next->parker;		/* lwsw_parker_set_current() */
#ifdef LWSW_TSAN
	__tsan_switch_to_fiber(next->tsan_fiber, 0);
#endif
#ifdef LWSW_ASAN
	__sanitizer_start_switch_fiber(&co->asan_fake, (char *)next->stack.base + LWSW_CO_GUARD,
				       next->stack.size);
	lwsw_ctx_switch(&co->sp, next->sp);
	__sanitizer_finish_switch_fiber(co->asan_fake, NULL, NULL);
	return 0;
#else
	return lwsw_ctx_switch0(&co->sp, next->sp);
#endif
}

/*
 * The local queue's head @next (already started) runs next, @co goes to
 * the local tail: the local queue keeps its length.  Two cases, the
 * second the common one (two coroutines taking turns): @next is the only
 * one, and the two simply trade places.
 */
static inline __attribute__((always_inline)) int
yield_local(struct lwsw_worker *w, struct lwsw_co *co, struct lwsw_co *next)
{
	/* co->next is NULL already: @co is running (see lq_tail()). */
	if (likely(!next->next)) {
		/* The only other one: @co takes its place, as the only one. */
		w->lhead = co;
		if (unlikely(w->ltail != NULL))
			w->ltail = NULL;
	} else {
		w->lhead = next->next;
		next->next = NULL;
		w->ltail->next = co;	/* two or more: ltail is set */
		w->ltail = co;
	}
	return yield_to(w, co, next);
}

/* lwsw_co_yield() when the fast path's preconditions do not all hold. */
static __attribute__((noinline)) int yield_slow(struct lwsw_worker *w, struct lwsw_co *co)
{
	struct lwsw_co *next;

	if (atomic_load_explicit(&lwsw__co_hints.next_deadline, memory_order_relaxed) != INT64_MAX &&
	    (++w->fast & 63) == 0)
		timers_run();
	if (others_idle())
		goto loop;
	if (atomic_load_explicit(&w->n, memory_order_relaxed))
		rq_grab(w);
	next = w->lhead;
	if (!next)
		return 0;		/* nothing else to run */
	if (!next->sp)
		goto loop;
	return yield_local(w, co, next);

loop:
	switch_out(co, ACT_YIELD);
	return 0;
}

/*
 * The fast path: when the next coroutine of the logical queue is already
 * on the local queue, switch to it directly and put ourselves at the
 * local tail: no lock, no atomic read-modify-write, no trip through the
 * loop.  Only this thread can resume us from there, and only after this
 * switch has saved us.  The loop's duties are kept (yield_slow()): while
 * any timer is armed, due timers are run every 64 yields; the shared
 * queue is taken whole to the local tail when it is not empty (one lock);
 * when some other worker is idle, the loop takes over (it spills the local
 * queue for the thieves); a coroutine that has never run needs the loop
 * for its stack.
 *
 * Memory ordering.  The local queue and the fields of w, @co and @next
 * written here are only ever accessed by this worker's thread (the loop
 * and the coroutines it runs), so plain accesses.  The two conditions are
 * relaxed loads of hints that other threads change:
 *  - w->n != 0 (something was pushed to the shared queue): a push that
 *    we miss now is seen by a later yield or by the loop; it was made
 *    runnable, not lost, and it is behind us in FIFO order anyway, since
 *    it was pushed after the coroutines already on the local queue;
 *  - lwsw__co_hints.busy != 0: another worker is idle (BUSY_IDLE each; on
 *    a running worker the count holds only the others, so no nworkers
 *    test is needed) or a timer is armed (BUSY_TIMER).  An idle worker
 *    re-checks the queue counts after announcing itself (next_runnable(),
 *    the seq_cst pair described at wake_idle(), which works on the same
 *    word) and sleeps with the earliest timer as timeout; the local queue
 *    is invisible to it in any case (never stolen), so seeing it late
 *    delays the spill by one yield, as in the loop; likewise a timer seen
 *    one yield late fires one yield late.
 * No thief ever reads or writes the local queue, so no ordering is
 * needed between a thief's lock-protected dequeue of the shared queue and
 * these plain stores: the two queues are disjoint, and a coroutine moves
 * between them only on this thread, under w->lock (rq_grab(), lq_spill()).
 * A coroutine made runnable by another thread goes to the shared queue
 * under its lock (make_runnable()), never to ours: only this thread's
 * code pushes to the local queue.
 */
#ifdef LWSW_YIELD_ASM
int lwsw__co_yield_c(void)
#else
LWSW_CO_EXPORT int lwsw_co_yield(void)
#endif
{
	/* lwsw__co_worker read before any switch in this call: no stale TLS. */
	struct lwsw_worker *w = lwsw__co_worker;
	struct lwsw_co *co, *next;

	if (unlikely(!w) || unlikely(!(co = w->cur)))
		return -EPERM;
	if (unlikely(atomic_load_explicit(&lwsw__co_hints.busy, memory_order_relaxed) != 0) ||
	    unlikely(atomic_load_explicit(&w->n, memory_order_relaxed) != 0))
		return yield_slow(w, co);
	next = w->lhead;
	if (unlikely(!next))
		return 0;		/* nothing else to run */
	if (unlikely(!next->sp))
		return yield_slow(w, co);
	return yield_local(w, co, next);
}

LWSW_CO_EXPORT int lwsw_co_sleep(int64_t ns)
{
	struct lwsw_co *co = current_co();

	if (!co)
		return -EPERM;
	if (ns <= 0)
		return lwsw_co_yield();
	co->deadline = now_ns() + ns;
	co->tkind = TK_SLEEP;
	switch_out(co, ACT_SLEEP);
	return 0;
}

LWSW_CO_EXPORT unsigned int lwsw_co_workers(void)
{
	return atomic_load(&S.running) ? S.nworkers : 0;
}

struct run_main {
	void *(*fn)(void *);
	void *arg;
};

LWSW_CO_EXPORT int lwsw_co_run(const struct lwsw_co_config *cfg, void *(*fn)(void *), void *arg,
	       void **result)
{
	lwsw_co_id_t id;
	int err, jerr;

	if (!fn)
		return -EINVAL;
	err = lwsw_co_start(cfg);
	if (err)
		return err;
	err = lwsw_co_spawn(&id, fn, arg);
	if (err) {
		lwsw_co_stop();
		return err;
	}
	jerr = lwsw_co_join(id, result);
	err = lwsw_co_stop();
	return jerr ? jerr : err;
}
