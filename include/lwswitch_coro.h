/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lwswitch_coro.h — the bundled coroutine core of liblwswitch.
 *
 * Stackful coroutines (an assembly context switch, x86-64 and aarch64)
 * scheduled M:N on a pool of worker threads, one run queue per worker,
 * with work stealing.  A coroutine that blocks on a channel (lwsw_chan_*,
 * lwsw_select from <lwswitch.h>) parks itself, not its worker; a channel may
 * connect coroutines and native threads in either direction.
 *
 * Conventions (as in the rest of liburing-style liblwswitch):
 *  - Every function that can fail returns 0 or a positive value on
 *    success and a negative errno value on failure; errno is never read
 *    nor set.
 *  - "Blocks" says whether the call can block the calling context, and
 *    which: in a coroutine only the coroutine is suspended (its worker
 *    runs others); in a native thread the thread sleeps.
 *  - "Concurrency" says what may run at the same time from other threads
 *    or coroutines.
 *
 * The scheduler is a process-wide singleton: lwsw_co_start() creates the
 * workers, lwsw_co_stop() waits for every coroutine and tears them down.
 * lwsw_co_run() does both around one main coroutine.
 *
 * Stacks are mmap'd with a PROT_NONE guard page below, default 64 KiB,
 * committed page by page by the kernel as they are touched, and taken from
 * a cache when possible.  A stack is given to a coroutine when it first
 * runs, so spawned-but-not-started coroutines cost only their descriptor.
 * Each live stack costs two memory mappings (stack + guard), so the
 * number of coroutines *alive at once* is bounded by vm.max_map_count / 2
 * (32,765 with the kernel's default 65,530).
 * A stack overflow faults on the guard page; the process then dies of
 * SIGSEGV after printing "lwswitch: stack overflow in coroutine <id>
 * ("<name>") ..." to standard error (the handler runs on an alternate
 * signal stack).  Other SIGSEGVs go to the handler installed before
 * lwsw_co_start() (or the default action).
 *
 * Floating point: each coroutine has its own MXCSR and x87 control word
 * (x86-64) or FPCR (aarch64); a new coroutine starts with its spawner's.
 *
 * Thread-local storage: a coroutine may resume on another worker after
 * any call that can block or yield; do not keep the address of a
 * __thread variable across such a call.
 *
 * Scheduling: a FIFO run queue per worker, in two parts: a local part only
 * the worker's own thread touches (no lock), and a shared part, under a
 * lock, that other threads push to and idle workers steal half of.
 * lwsw_co_yield(), a park and a hand-off on one worker switch directly to
 * the next local coroutine without passing through the scheduler loop;
 * when another worker is idle the local part goes back to the shared one
 * so it can be stolen.  A direct hand-off to a woken peer happens at most
 * 64 times in a row while other work waits (a timer, another runnable
 * coroutine, an idle worker).  Cooperative: a coroutine that never blocks
 * or yields keeps its worker.
 */
#ifndef LWSWITCH_CORO_H
#define LWSWITCH_CORO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A coroutine's identity: never 0, never reused while the coroutine can
 * still be joined (a slot index plus a generation).  0 means "none".
 */
typedef uint64_t lwsw_co_id_t;

#define LWSW_CO_STACK_DEFAULT	(64u * 1024)		/* bytes */
#define LWSW_CO_STACK_MIN	(16u * 1024)
#define LWSW_CO_STACK_MAX	(256u * 1024 * 1024)
#define LWSW_CO_WORKERS_MAX	1024u

/*
 * Scheduler configuration; zero fields take the defaults, so initialise
 * it with `= { 0 }' or designated initialisers.  The structure is 64
 * bytes on both ABIs the core runs on (x86-64, arm64) and stays so: a later version gives a field of
 * @__reserved a meaning whose zero is today's behaviour, and a binary
 * built against this header keeps working.  A non-zero reserved byte is
 * -EINVAL (it is meant for a newer library).
 */
struct lwsw_co_config {
	unsigned int workers;	/* 0: the number of online CPUs */
	unsigned int flags;	/* must be 0 */
	size_t stack_size;	/* default for lwsw_co_spawn(); 0: 64 KiB */
	uint64_t __reserved[6];	/* must be 0 */
};

/*
 * Per-coroutine attributes; initialise with lwsw_co_attr_init().  64 bytes,
 * with room to grow as struct lwsw_co_config has.
 */
struct lwsw_co_attr {
	size_t stack_size;	/* rounded up to the page size */
	const char *name;	/* kept by pointer, for messages; may be NULL */
	unsigned int flags;	/* LWSW_CO_DETACHED or 0 */
	unsigned int __pad;	/* must be 0 */
	uint64_t __reserved[5];	/* must be 0 */
};

/* The coroutine cannot be joined; its slot is freed when it returns. */
#define LWSW_CO_DETACHED		0x1u

/*
 * lwsw_co_start() - create the worker threads.
 * @cfg: configuration, or NULL for the defaults.
 *
 * Installs the stack-overflow handler (SIGSEGV, SA_ONSTACK) and gives each
 * worker an alternate signal stack.
 * Return: 0; -EINVAL (unknown flags, a non-zero @__reserved, workers >
 * LWSW_CO_WORKERS_MAX, bad stack size: see lwsw_co_spawn_attr()); -EALREADY if the scheduler is
 * running; -EPERM if called from a coroutine; -ENOMEM, -EAGAIN (thread
 * creation failed; nothing is left running).
 * Blocks: no.  Concurrency: not with lwsw_co_start() or lwsw_co_stop().
 */
int lwsw_co_start(const struct lwsw_co_config *cfg);

/*
 * lwsw_co_stop() - wait for every coroutine to finish, then stop the workers.
 *
 * Coroutines not yet joined are reaped (their results are lost); cached
 * stacks are unmapped; the previous SIGSEGV handler is restored.
 * Return: 0; -ENXIO if the scheduler is not running; -EPERM if called
 * from a coroutine (it would wait for itself).
 * Blocks: the calling thread, until no coroutine is left.  If some
 * coroutine never finishes (parked forever), neither does this call.
 * Concurrency: lwsw_co_spawn() from running coroutines is fine (those
 * coroutines are waited for too); not with lwsw_co_start()/lwsw_co_stop().
 */
int lwsw_co_stop(void);

/*
 * lwsw_co_run() - lwsw_co_start(@cfg), run fn(arg) as a coroutine, wait for
 * it *and every coroutine it spawned*, lwsw_co_stop().
 * @result: if not NULL, receives fn's return value.
 * Return: 0, or the errors of lwsw_co_start() / lwsw_co_spawn().
 * Blocks: the calling thread, until all coroutines have finished.
 */
int lwsw_co_run(const struct lwsw_co_config *cfg, void *(*fn)(void *), void *arg,
	       void **result);

/* lwsw_co_attr_init() - default attributes: the scheduler's stack size
 * (64 KiB before lwsw_co_start()), no name, joinable. */
void lwsw_co_attr_init(struct lwsw_co_attr *attr);

/*
 * lwsw_co_spawn() - create a coroutine that runs fn(arg).
 * @id: if not NULL, receives the new coroutine's id.
 *
 * The coroutine is queued on the calling worker (from a coroutine) or on
 * some worker (from a native thread) and may start before this returns.
 * Its return value is collected by lwsw_co_join().
 * Return: 0; -EINVAL (@fn NULL; bad attributes: stack size 0 or below
 * LWSW_CO_STACK_MIN, unknown flags, a non-zero @__pad or @__reserved); -E2BIG (stack size above
 * LWSW_CO_STACK_MAX); -ENXIO (the scheduler is not running); -EAGAIN (4M
 * coroutine slots in use); -ENOMEM.
 * Blocks: no.  Concurrency: any thread or coroutine, any time between
 * lwsw_co_start() and the end of lwsw_co_stop().
 */
int lwsw_co_spawn(lwsw_co_id_t *id, void *(*fn)(void *), void *arg);
int lwsw_co_spawn_attr(lwsw_co_id_t *id, const struct lwsw_co_attr *attr,
		      void *(*fn)(void *), void *arg);

/*
 * lwsw_co_join() - wait for coroutine @id to finish and free its slot.
 * @result: if not NULL, receives its return value.
 * Return: 0; -ESRCH (no such coroutine: never existed, already joined,
 * or detached and finished); -EINVAL (detached, or another caller is
 * already joining it); -EDEADLK (a coroutine joining itself); -ENOMEM
 * (the coroutine could not get a stack when it was to start: it never ran);
 * -ENXIO (no scheduler).
 * Blocks: yes, until @id returns (a coroutine parks; a thread sleeps).
 * Concurrency: any thread or coroutine; one joiner per coroutine.
 */
int lwsw_co_join(lwsw_co_id_t id, void **result);

/*
 * lwsw_co_detach() - let @id free itself when it returns.
 * Return: 0; -ESRCH (no such coroutine); -EINVAL (already detached or
 * being joined).  If @id had already finished, its slot is freed now.
 * Blocks: no.  Concurrency: any thread or coroutine.
 */
int lwsw_co_detach(lwsw_co_id_t id);

/*
 * lwsw_co_self() - the calling coroutine's id, or 0 when called from a
 * native thread (including a worker's scheduler loop).
 */
lwsw_co_id_t lwsw_co_self(void);

/*
 * lwsw_co_yield() - put the calling coroutine at the back of its worker's
 * run queue and run the next one (returns at once if there is none).
 * Every other runnable coroutine of the worker runs before the caller
 * again (FIFO), due timers still fire while coroutines only yield, and
 * when another worker is idle the queue is offered to it first.  The
 * common case, the next coroutine already on the worker's local queue and
 * none of those duties pending, is one direct switch with no lock and no
 * atomic operation (on x86-64 one assembly function; costs: bench/host,
 * case=pingpong).
 * Return: 0; -EPERM if called from a native thread (nothing happens:
 * use sched_yield() there).
 */
int lwsw_co_yield(void);

/*
 * lwsw_co_sleep() - suspend the calling coroutine for at least @ns
 * nanoseconds (CLOCK_MONOTONIC); its worker runs other coroutines.
 * Nothing but the timer wakes it.  @ns <= 0 is a yield.
 * Return: 0; -EPERM if called from a native thread (nothing happens: use
 * nanosleep() there).
 */
int lwsw_co_sleep(int64_t ns);

/*
 * lwsw_co_wait_all() - wait until every coroutine spawned so far has
 * returned (finished coroutines that are not joined yet do not count).
 * Return: 0; -ENXIO (no scheduler); -EPERM from a coroutine.
 * Blocks: the calling thread.
 */
int lwsw_co_wait_all(void);

/* lwsw_co_workers() - number of worker threads, 0 if not running. */
unsigned int lwsw_co_workers(void);

#ifdef __cplusplus
}
#endif

#endif /* LWSWITCH_CORO_H */
