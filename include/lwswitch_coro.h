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

/**
 * typedef lwsw_co_id_t - a coroutine's identity
 *
 * Never 0, never reused while the coroutine can still be joined (a slot
 * index plus a generation).  0 means "none".
 */
typedef uint64_t lwsw_co_id_t;

/**
 * LWSW_CO_STACK_DEFAULT - the default stack size of a coroutine, in bytes
 *
 * 64 KiB; &struct lwsw_co_config.stack_size changes it for a run of the
 * scheduler.
 */
#define LWSW_CO_STACK_DEFAULT	(64u * 1024)
/**
 * LWSW_CO_STACK_MIN - the smallest stack size a coroutine may ask for
 *
 * In bytes.
 */
#define LWSW_CO_STACK_MIN	(16u * 1024)
/**
 * LWSW_CO_STACK_MAX - the largest stack size a coroutine may ask for
 *
 * In bytes.
 */
#define LWSW_CO_STACK_MAX	(256u * 1024 * 1024)
/**
 * LWSW_CO_WORKERS_MAX - the most worker threads the scheduler runs
 */
#define LWSW_CO_WORKERS_MAX	1024u

/**
 * struct lwsw_co_config - the scheduler's configuration
 * @workers:	the number of worker threads; 0: the number of online CPUs.
 * @flags:	must be 0.
 * @stack_size:	the default stack size for lwsw_co_spawn(); 0: 64 KiB.
 * @__reserved:	must be 0.
 *
 * Zero fields take the defaults, so initialise it with `= { 0 }' or
 * designated initialisers.  The structure is 64 bytes on both ABIs the
 * core runs on (x86-64, arm64) and stays so: a later version gives a
 * field of @__reserved a meaning whose zero is today's behaviour, and a
 * binary built against this header keeps working.  A non-zero reserved
 * byte is -EINVAL (it is meant for a newer library).
 */
struct lwsw_co_config {
	unsigned int workers;
	unsigned int flags;
	size_t stack_size;
	uint64_t __reserved[6];
};

/**
 * struct lwsw_co_attr - per-coroutine attributes
 * @stack_size:	the stack size, rounded up to the page size.
 * @name:	kept by pointer, for messages; may be NULL.
 * @flags:	LWSW_CO_DETACHED or 0.
 * @__pad:	must be 0.
 * @__reserved:	must be 0.
 *
 * Initialise with lwsw_co_attr_init().  64 bytes, with room to grow as
 * &struct lwsw_co_config has.
 */
struct lwsw_co_attr {
	size_t stack_size;
	const char *name;
	unsigned int flags;
	unsigned int __pad;
	uint64_t __reserved[5];
};

/**
 * LWSW_CO_DETACHED - the coroutine cannot be joined
 *
 * A flag of &struct lwsw_co_attr.flags: the coroutine's slot is freed
 * when it returns.
 */
#define LWSW_CO_DETACHED		0x1u

/**
 * lwsw_co_start() - create the worker threads
 * @cfg: configuration, or NULL for the defaults.
 *
 * Installs the stack-overflow handler (SIGSEGV, SA_ONSTACK) and gives each
 * worker an alternate signal stack.
 *
 * Context: never blocks.  Concurrency: not with lwsw_co_start() or
 * lwsw_co_stop().
 *
 * Return: 0, or
 *   -EINVAL    unknown flags, a non-zero @cfg->__reserved, workers >
 *              LWSW_CO_WORKERS_MAX, bad stack size (see
 *              lwsw_co_spawn_attr(); too large is -EINVAL here too);
 *   -EALREADY  the scheduler is running;
 *   -EPERM     called from a coroutine;
 *   -ENOMEM    no memory (nothing is left running);
 *   -EAGAIN    thread creation failed; nothing is left running;
 *   -ENOSPC    (switchto backend) a worker could not join the domain:
 *              the module's member limit is reached (each worker is a
 *              member, so that it can wake native threads); nothing is
 *              left running.  -ENOMEM is also what a worker's
 *              registration gets at its memory cgroup's limit.
 */
int lwsw_co_start(const struct lwsw_co_config *cfg);

/**
 * lwsw_co_stop() - wait for every coroutine to finish, then stop the workers
 *
 * Description: Coroutines not yet joined are reaped (their results are
 * lost); cached stacks are unmapped; the previous SIGSEGV handler is
 * restored.
 *
 * Context: blocks the calling thread, until no coroutine is left.  If
 * some coroutine never finishes (parked forever), neither does this call.
 * Concurrency: lwsw_co_spawn() from running coroutines is fine (those
 * coroutines are waited for too); not with lwsw_co_start()/lwsw_co_stop().
 *
 * Return: 0, or
 *   -ENXIO  the scheduler is not running;
 *   -EPERM  called from a coroutine (it would wait for itself).
 */
int lwsw_co_stop(void);

/**
 * lwsw_co_run() - run a main coroutine on a scheduler of its own
 * @cfg: configuration for lwsw_co_start(), or NULL for the defaults.
 * @fn: the main coroutine's function.
 * @arg: the argument passed to @fn.
 * @result: if not NULL, receives @fn's return value.
 *
 * lwsw_co_start(@cfg), run @fn(@arg) as a coroutine, wait for it *and
 * every coroutine it spawned*, lwsw_co_stop().
 *
 * Context: blocks the calling thread, until all coroutines have finished.
 *
 * Return: 0, or
 *   -EINVAL  @fn NULL (nothing started);
 *   -errno   the errors of lwsw_co_start(), or of lwsw_co_spawn() (the
 *            scheduler is stopped again), or -ENOMEM from lwsw_co_join()
 *            when the main coroutine could not get a stack (it never
 *            ran; the scheduler is stopped).
 */
int lwsw_co_run(const struct lwsw_co_config *cfg, void *(*fn)(void *), void *arg,
	       void **result);

/**
 * lwsw_co_attr_init() - set attributes to the defaults
 * @attr: the attributes to initialise; must not be NULL.
 *
 * Default attributes: the scheduler's stack size (64 KiB before
 * lwsw_co_start()), no name, joinable; every other field 0.
 */
void lwsw_co_attr_init(struct lwsw_co_attr *attr);

/**
 * lwsw_co_spawn() - create a coroutine
 * @id: if not NULL, receives the new coroutine's id.
 * @fn: the coroutine's function; its return value is the coroutine's
 *	result.
 * @arg: the argument passed to @fn.
 *
 * Creates a coroutine that runs @fn(@arg), with the default attributes
 * (as lwsw_co_spawn_attr() with @attr NULL).  The coroutine is queued on
 * the calling worker (from a coroutine) or on some worker (from a native
 * thread) and may start before this returns.  Its return value is
 * collected by lwsw_co_join().
 *
 * Context: never blocks.  Concurrency: any thread or coroutine, any time
 * between lwsw_co_start() and the end of lwsw_co_stop().
 *
 * Return: 0, or
 *   -EINVAL  @fn NULL;
 *   -ENXIO   the scheduler is not running;
 *   -EAGAIN  4M coroutine slots in use;
 *   -ENOMEM  no memory.
 */
int lwsw_co_spawn(lwsw_co_id_t *id, void *(*fn)(void *), void *arg);

/**
 * lwsw_co_spawn_attr() - create a coroutine with attributes
 * @id: if not NULL, receives the new coroutine's id.
 * @attr: the attributes (see lwsw_co_attr_init()), or NULL for the
 *	defaults.
 * @fn: the coroutine's function; its return value is the coroutine's
 *	result.
 * @arg: the argument passed to @fn.
 *
 * Creates a coroutine that runs @fn(@arg).  The coroutine is queued on
 * the calling worker (from a coroutine) or on some worker (from a native
 * thread) and may start before this returns.  Its return value is
 * collected by lwsw_co_join().
 *
 * Context: never blocks.  Concurrency: any thread or coroutine, any time
 * between lwsw_co_start() and the end of lwsw_co_stop().
 *
 * Return: 0, or
 *   -EINVAL  @fn NULL; bad attributes: stack size 0 or below
 *            LWSW_CO_STACK_MIN, unknown flags, a non-zero @attr->__pad or
 *            @attr->__reserved;
 *   -E2BIG   stack size above LWSW_CO_STACK_MAX;
 *   -ENXIO   the scheduler is not running;
 *   -EAGAIN  4M coroutine slots in use;
 *   -ENOMEM  no memory.
 */
int lwsw_co_spawn_attr(lwsw_co_id_t *id, const struct lwsw_co_attr *attr,
		      void *(*fn)(void *), void *arg);

/**
 * lwsw_co_join() - wait for a coroutine to finish and free its slot
 * @id: the coroutine.
 * @result: if not NULL, receives its return value.
 *
 * Context: blocks until @id returns (a coroutine parks; a thread
 * sleeps).  Concurrency: any thread or coroutine; one joiner per
 * coroutine.
 *
 * Return: 0, or
 *   -ESRCH    no such coroutine: never existed, already joined, or
 *             detached and finished;
 *   -EINVAL   detached, or another caller is already joining it;
 *   -EDEADLK  a coroutine joining itself;
 *   -ENOMEM   the coroutine could not get a stack when it was to start:
 *             it never ran;
 *   -ENXIO    no scheduler.
 */
int lwsw_co_join(lwsw_co_id_t id, void **result);

/**
 * lwsw_co_detach() - let a coroutine free itself when it returns
 * @id: the coroutine.
 *
 * If @id had already finished, its slot is freed now.
 *
 * Context: never blocks.  Concurrency: any thread or coroutine.
 *
 * Return: 0, or
 *   -ESRCH   no such coroutine;
 *   -EINVAL  already detached or being joined;
 *   -ENXIO   no scheduler.
 */
int lwsw_co_detach(lwsw_co_id_t id);

/**
 * lwsw_co_self() - the calling coroutine's id
 *
 * Return: the calling coroutine's id, or 0 when called from a native
 * thread (including a worker's scheduler loop).
 */
lwsw_co_id_t lwsw_co_self(void);

/**
 * lwsw_co_yield() - let the other coroutines of the worker run
 *
 * Description: Puts the calling coroutine at the back of its worker's
 * run queue and runs the next one (returns at once if there is none).
 * Every other runnable coroutine of the worker runs before the caller
 * again (FIFO), due timers still fire while coroutines only yield, and
 * when another worker is idle the queue is offered to it first.  The
 * common case, the next coroutine already on the worker's local queue and
 * none of those duties pending, is one direct switch with no lock and no
 * atomic operation (on x86-64 one assembly function; costs: bench/host,
 * case=pingpong).
 *
 * Return: 0, or
 *   -EPERM  called from a native thread (nothing happens: use
 *           sched_yield() there).
 */
int lwsw_co_yield(void);

/**
 * lwsw_co_sleep() - suspend the calling coroutine for a time
 * @ns: how long, in nanoseconds of CLOCK_MONOTONIC; <= 0: a yield.
 *
 * Suspends the calling coroutine for at least @ns nanoseconds; its worker
 * runs other coroutines.  Nothing but the timer wakes it.  @ns <= 0 is a
 * yield.
 *
 * Return: 0, or
 *   -EPERM  called from a native thread (nothing happens: use
 *           nanosleep() there).
 */
int lwsw_co_sleep(int64_t ns);

/**
 * lwsw_co_wait_all() - wait until every coroutine spawned so far returned
 *
 * Description: Finished coroutines that are not joined yet do not count.
 *
 * Context: blocks the calling thread.
 *
 * Return: 0, or
 *   -ENXIO  no scheduler;
 *   -EPERM  called from a coroutine.
 */
int lwsw_co_wait_all(void);

/**
 * lwsw_co_workers() - the number of worker threads
 *
 * Return: the number of worker threads, 0 if the scheduler is not
 * running.
 */
unsigned int lwsw_co_workers(void);

#ifdef __cplusplus
}
#endif

#endif /* LWSWITCH_CORO_H */
