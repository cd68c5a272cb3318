/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lwswitch.h — Go-style channels and select on native threads.
 *
 * liblwswitch gives threads (and, through the bundled coroutine core,
 * coroutines) Go's channel semantics: unbuffered and buffered channels,
 * close, select with a timeout, and a direct hand-off from a sender to a
 * blocked receiver.  Blocked threads sleep in the kernel through
 * /dev/lwswitch (the "switchto" backend: a hand-off from one thread to a
 * blocked peer is one LWSWITCH_IOC_SWITCHTO system call that runs the peer
 * on the caller's CPU) or, without the module, through futexes (the
 * "futex" backend).  Both backends have the same semantics.
 *
 * Conventions, for every function below:
 *
 *  - Errors are returned as negative errno values (-EINVAL, -EPIPE, ...);
 *    errno is never used for reporting and its value after a call is
 *    unspecified.  A call that fails changed nothing: no element was
 *    queued, taken or lost.
 *  - Timeouts are relative, in nanoseconds of CLOCK_MONOTONIC.  A negative
 *    timeout waits forever; 0 never blocks.  A timeout too large to
 *    represent as a deadline also waits forever.
 *  - Blocking calls are not cancellation points and absorb signals: a
 *    signal handler runs and the call goes on waiting, with the same
 *    deadline.  No function is async-signal-safe.
 *  - Memory ordering (Go's memory model): a send happens-before the
 *    corresponding receive completes; the close of a channel
 *    happens-before a receive that returns -EPIPE because of it; the k-th
 *    receive from a channel of capacity C happens-before the (k+C)-th send
 *    to it completes.  Every channel operation is a full synchronization
 *    point for the elements it moves.
 *  - Concurrency: every channel operation (send, receive, close, len, cap,
 *    select) may run concurrently with every other one, on the same or on
 *    different channels, from any number of threads and coroutines.  The
 *    only exceptions: lwsw_chan_free() must not run concurrently with any
 *    other use of that channel, and no thread may be blocked on it.
 *
 * Synchronization table (C = may run concurrently with, X = must not):
 *
 *               make  send  recv  close select len/cap free
 *   send         C     C     C     C     C      C       X
 *   recv         C     C     C     C     C      C       X
 *   close        C     C     C     C(1)  C      C       X
 *   select       C     C     C     C     C      C       X
 *   free         C     X     X     X     X      X       X
 *
 *   (1) the second close of a channel returns -EPIPE.
 *
 * Threads: any thread may use the library; a thread that is not created
 * with lwsw_thread_create() is set up on its first call (registered with
 * /dev/lwswitch on the switchto backend) and released when it exits.
 */
#ifndef LWSWITCH_H
#define LWSWITCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * DOC: Version
 *
 * LWSW_VERSION_MAJOR, LWSW_VERSION_MINOR and LWSW_VERSION_PATCH give the
 * library's version to the preprocessor: the file VERSION at the top of
 * the tree.
 */
#define LWSW_VERSION_MAJOR	0
#define LWSW_VERSION_MINOR	1
#define LWSW_VERSION_PATCH	0

/* ------------------------------------------------------------------ */
/* Runtime                                                             */
/* ------------------------------------------------------------------ */

/**
 * lwsw_init() - set the library up (idempotent)
 *
 * Description: Chooses the backend once per process: with LWSW_BACKEND
 * unset or empty, "switchto" when /dev/lwswitch opens and the module
 * serves what the library needs (API version 1's commands and
 * LWSWITCH_FEAT_TIMEOUT, read from LWSWITCH_IOC_INFO: a newer module is
 * used as well), else "futex"; LWSW_BACKEND=futex forces the futex
 * backend; LWSW_BACKEND=switchto requires the module.  Every other
 * function calls it lazily; calling it first only makes errors visible.
 * Thread-safe; after fork() the child chooses again on its next call (it
 * never shares the parent's domain).
 *
 * Return: 0, or
 *   -EINVAL  LWSW_BACKEND holds an unknown value (the automatic choice is
 *            made anyway);
 *   -errno   of open() or of LWSWITCH_IOC_INFO (-ENOENT: no module;
 *            -EACCES: the caller may not open the device; -EPROTO: the
 *            module lacks a feature the library needs) when
 *            LWSW_BACKEND=switchto was asked for; the futex backend is
 *            used.  Without LWSW_BACKEND these are not errors: the futex
 *            backend is chosen and 0 returned.
 */
int lwsw_init(void);

/**
 * lwsw_backend() - the backend in use
 *
 * Description: Calls lwsw_init() if needed.
 *
 * Return: "switchto" or "futex"; never NULL, the string is static.
 */
const char *lwsw_backend(void);

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

/**
 * typedef lwsw_thread_t - a thread of lwsw_thread_create()
 *
 * A plain pthread_t.
 */
typedef pthread_t lwsw_thread_t;

/**
 * lwsw_thread_create() - start a thread running @fn(@arg)
 * @t: where the new thread's identifier is stored.
 * @fn: the thread's function; its return value is the thread's result.
 * @arg: the argument passed to @fn.
 *
 * A plain pthread whose library state (its parker, its registration with
 * /dev/lwswitch) is set up before @fn runs, so its first hand-off costs
 * nothing extra.  Plain pthread_create() threads work too (set up lazily).
 *
 * Return: 0 and *@t set, or
 *   -EINVAL  @t or @fn NULL;
 *   -EAGAIN  no resources for a thread;
 *   -ENOMEM  no memory.
 */
int lwsw_thread_create(lwsw_thread_t *t, void *(*fn)(void *), void *arg);

/**
 * lwsw_thread_join() - wait for a thread to end
 * @t: the thread to wait for.
 * @ret: if not NULL, receives the thread's result.
 *
 * Waits for thread @t to end; *@ret gets its result when @ret is not NULL.
 *
 * Return: 0, or
 *   -EDEADLK  @t is the caller, or a join cycle;
 *   -EINVAL   @t is not joinable, or already being joined;
 *   -ESRCH    no such thread.
 */
int lwsw_thread_join(lwsw_thread_t t, void **ret);

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

/**
 * typedef lwsw_chan_t - a channel
 *
 * Opaque: made by lwsw_chan_make(), freed by lwsw_chan_free().
 */
typedef struct lwsw_chan lwsw_chan_t;

/**
 * LWSW_CHAN_ELEM_MAX - the largest element a channel carries
 *
 * In bytes; Go's limit too.
 */
#define LWSW_CHAN_ELEM_MAX	65536u

/**
 * lwsw_chan_make() - create a channel
 * @ch: receives the new channel.
 * @elem_size: the size of an element in bytes, at most LWSW_CHAN_ELEM_MAX;
 *	may be 0 (a channel of events; element pointers may then be NULL
 *	everywhere).
 * @cap: room for @cap buffered elements; 0: unbuffered, every send waits
 *	for its receiver.
 *
 * Creates a channel of elements of @elem_size bytes and room for @cap
 * buffered elements.
 *
 * Concurrency: the new channel is private to the caller until it hands
 * the pointer to other threads (by any means that orders memory).
 *
 * Return: 0 and *@ch set, or
 *   -EINVAL  @ch is NULL, @elem_size > LWSW_CHAN_ELEM_MAX, or
 *            @elem_size * @cap overflows or exceeds PTRDIFF_MAX
 *            (*@ch untouched);
 *   -ENOMEM  the buffer (a representable size) could not be allocated.
 */
int lwsw_chan_make(lwsw_chan_t **ch, size_t elem_size, size_t cap);

/**
 * lwsw_chan_free() - free a channel
 * @ch: the channel; NULL: nothing.
 *
 * The channel must not be in use.  A thread or coroutine still blocked on
 * it is detected: nothing is freed and -EBUSY returned (close the channel
 * to wake its waiters, let them return, then free it), as
 * pthread_mutex_destroy() does for a locked mutex.  A call running
 * concurrently with the free, or any use after it, cannot be detected:
 * that is undefined behaviour.  Elements still buffered are dropped.  Not
 * a close.
 *
 * Concurrency: must not run concurrently with anything on @ch; every other
 * use must happen-before it (e.g. join the threads that used it).
 *
 * Return: 0 (freed, or @ch NULL), or
 *   -EBUSY  someone is blocked on @ch; nothing done.
 */
int lwsw_chan_free(lwsw_chan_t *ch);

/**
 * lwsw_chan_send() - send an element
 * @ch: the channel.
 * @elem: the element to send (the channel's elem_size bytes are copied);
 *	may be NULL when elem_size is 0.
 *
 * Blocks until a receiver takes the element (hand-off straight into a
 * blocked receiver's buffer when one waits; receivers are served FIFO) or
 * buffer space frees up (the element is queued FIFO behind the others).
 * Blocked senders are served FIFO.  When a receiver was blocked it is woken
 * before the call returns.
 *
 * Concurrency: with any operation but lwsw_chan_free() on @ch.  Memory
 * ordering: everything the sender did before the send happens-before the
 * matching receive returns.  Blocking: yes (unbuffered: until a receiver
 * takes the element; buffered: while the buffer is full).
 *
 * Return: 0, or
 *   -EINVAL  @ch NULL, or @elem NULL while elem_size > 0;
 *   -EPIPE   the channel is closed, or was closed while the caller waited
 *            (the element was not sent);
 *   -ENOSPC  (switchto backend) the caller could not join the domain:
 *            the module's member limit is reached;
 *   -ENOMEM  (switchto backend) the caller could not join the domain: no
 *            memory for the membership, or the caller's memory cgroup is
 *            at its limit.
 */
int lwsw_chan_send(lwsw_chan_t *ch, const void *elem);

/**
 * lwsw_chan_recv() - receive an element
 * @ch: the channel.
 * @elem: where the element goes (the channel's elem_size bytes); may be
 *	NULL when elem_size is 0.
 *
 * Takes the oldest buffered element, or the element of the first blocked
 * sender, or blocks until a sender comes.  A closed channel delivers its
 * buffered elements first and only then reports -EPIPE.
 *
 * Concurrency: with any operation but lwsw_chan_free() on @ch.  Memory
 * ordering: the receive returns after, and sees everything before, the
 * matching send (or the close, for -EPIPE); for a buffered channel, the
 * k-th receive happens-before the (k+cap)-th send completes.  Blocking:
 * while the channel is empty and open.
 *
 * Return: 0 and the element in @elem, or
 *   -EINVAL  @ch NULL, or @elem NULL while elem_size > 0;
 *   -EPIPE   the channel is closed and empty; @elem is zeroed;
 *   -ENOSPC  as lwsw_chan_send();
 *   -ENOMEM  as lwsw_chan_send().
 */
int lwsw_chan_recv(lwsw_chan_t *ch, void *elem);

/**
 * lwsw_chan_try_send() - send an element, never block
 * @ch: the channel.
 * @elem: the element to send, as for lwsw_chan_send().
 *
 * As lwsw_chan_send(), but when the send would block nothing is sent and
 * -EAGAIN returned.
 *
 * Return: as lwsw_chan_send(), and
 *   -EAGAIN  the call would have blocked (nothing sent).
 */
int lwsw_chan_try_send(lwsw_chan_t *ch, const void *elem);

/**
 * lwsw_chan_try_recv() - receive an element, never block
 * @ch: the channel.
 * @elem: where the element goes, as for lwsw_chan_recv().
 *
 * As lwsw_chan_recv(), but when the receive would block nothing is
 * received and -EAGAIN returned.
 *
 * Return: as lwsw_chan_recv(), and
 *   -EAGAIN  the call would have blocked (@elem untouched).
 */
int lwsw_chan_try_recv(lwsw_chan_t *ch, void *elem);

/**
 * lwsw_chan_send_timeout() - send an element, block at most a given time
 * @ch: the channel.
 * @elem: the element to send, as for lwsw_chan_send().
 * @timeout_ns: the longest time to block, in nanoseconds; < 0: forever, as
 *	lwsw_chan_send(); 0: one attempt that never blocks, reported
 *	-ETIMEDOUT, not -EAGAIN.
 *
 * As lwsw_chan_send(), blocking at most @timeout_ns nanoseconds.
 *
 * Return: as lwsw_chan_send(), and
 *   -ETIMEDOUT  the time ran out first (nothing sent).
 */
int lwsw_chan_send_timeout(lwsw_chan_t *ch, const void *elem, int64_t timeout_ns);

/**
 * lwsw_chan_recv_timeout() - receive an element, block at most a given time
 * @ch: the channel.
 * @elem: where the element goes, as for lwsw_chan_recv().
 * @timeout_ns: the longest time to block, in nanoseconds; < 0: forever, as
 *	lwsw_chan_recv(); 0: one attempt that never blocks, reported
 *	-ETIMEDOUT, not -EAGAIN.
 *
 * As lwsw_chan_recv(), blocking at most @timeout_ns nanoseconds.
 *
 * Return: as lwsw_chan_recv(), and
 *   -ETIMEDOUT  the time ran out first (@elem untouched).
 */
int lwsw_chan_recv_timeout(lwsw_chan_t *ch, void *elem, int64_t timeout_ns);

/**
 * lwsw_chan_sendrecv() - send a request, then receive the reply
 * @tx: the channel to send on.
 * @out: the element to send on @tx (as lwsw_chan_send()).
 * @rx: the channel to receive from; may be @tx.
 * @in: where the element received from @rx goes (as lwsw_chan_recv()).
 *
 * The request/reply shape in one call: send @out on @tx (as
 * lwsw_chan_send()), then receive from @rx into @in (as lwsw_chan_recv()).
 *
 * When the send hands @out to a blocked receiver and the receive then has
 * to block, the receiver is woken and the caller blocked in one step: one
 * LWSWITCH_IOC_SWITCHTO on the switchto backend, which runs the receiver
 * on the caller's CPU.  (lwsw_chan_send() followed by lwsw_chan_recv() is
 * two system calls, a wake and a wait: lwsw_chan_send() cannot know that
 * its caller will block next, and it never delays a wake-up past its own
 * return.)  When the send has to block, the receiver that takes @out
 * queues the caller's receive on @rx for it if that receive would block
 * too (nothing buffered, no sender waiting, @rx open): the caller sleeps
 * on and is woken once, by the element it receives, rather than woken to
 * find @rx empty and block again.  @tx and @rx may be the same channel.
 *
 * Return: 0 (sent, and received into @in), or
 *   -EINVAL      @tx or @rx NULL, or an element pointer NULL while its
 *                channel's elem_size > 0 (nothing sent);
 *   -EPIPE       @tx is closed (nothing sent, nothing received);
 *   -ECONNRESET  @out was sent, but @rx is closed and empty (@in zeroed);
 *   -ENOSPC      as lwsw_chan_send() (nothing sent);
 *   -ENOMEM      as lwsw_chan_send() (nothing sent).
 */
int lwsw_chan_sendrecv(lwsw_chan_t *tx, const void *out, lwsw_chan_t *rx, void *in);

/**
 * lwsw_chan_close() - close a channel: no more sends
 * @ch: the channel.
 *
 * Every blocked receiver is woken and gets -EPIPE (zeroed element); every
 * blocked sender is woken and gets -EPIPE (its element not sent; Go
 * panics here).  Buffered elements stay receivable.
 *
 * Concurrency: with any operation but lwsw_chan_free() on @ch; of two
 * concurrent closes exactly one returns 0.  Memory ordering: the close
 * happens-before every receive that returns -EPIPE because of it and every
 * send that fails because of it.  Never blocks (beyond the channel lock).
 *
 * Return: 0, or
 *   -EINVAL  @ch NULL;
 *   -EPIPE   already closed;
 *   -ENOSPC  (switchto backend) the caller could not join the domain,
 *            which waking a blocked thread needs: the module's member
 *            limit is reached (nothing closed);
 *   -ENOMEM  as -ENOSPC, at the caller's memory cgroup's limit.
 */
int lwsw_chan_close(lwsw_chan_t *ch);

/**
 * lwsw_chan_len() - the number of elements buffered now
 * @ch: the channel; NULL gives 0.
 *
 * A snapshot (other threads may change it at once); it orders no memory
 * (a relaxed load).  Never blocks, takes no lock.
 *
 * Return: the number of buffered elements, 0 for NULL.
 */
size_t lwsw_chan_len(const lwsw_chan_t *ch);

/**
 * lwsw_chan_cap() - the capacity of a channel
 * @ch: the channel; NULL gives 0.
 *
 * Never blocks, takes no lock.
 *
 * Return: the capacity given to lwsw_chan_make(), 0 for NULL.
 */
size_t lwsw_chan_cap(const lwsw_chan_t *ch);

/**
 * lwsw_chan_elem_size() - the element size of a channel
 * @ch: the channel; NULL gives 0.
 *
 * Return: the element size given to lwsw_chan_make(), 0 for NULL.
 */
size_t lwsw_chan_elem_size(const lwsw_chan_t *ch);

/* ------------------------------------------------------------------ */
/* Select                                                              */
/* ------------------------------------------------------------------ */

/**
 * LWSW_SEND - &struct lwsw_case.op of a case that sends
 */
#define LWSW_SEND	1
/**
 * LWSW_RECV - &struct lwsw_case.op of a case that receives
 */
#define LWSW_RECV	2

/**
 * LWSW_SELECT_MAX - the most cases one lwsw_select() takes
 *
 * Go's limit too.
 */
#define LWSW_SELECT_MAX	65536u

/**
 * struct lwsw_case - one case of lwsw_select()
 * @ch:		(in) the channel; NULL is Go's nil channel: never ready.
 * @op:		(in) LWSW_SEND or LWSW_RECV.
 * @elem:	(in) LWSW_SEND: the element to send; LWSW_RECV: where the
 *		received element goes.  May be NULL only when the channel's
 *		elem_size is 0.
 * @closed:	(out) set by lwsw_select() on every case: 1 on the chosen
 *		case when it was chosen because its channel is closed (a
 *		receive: @elem zeroed, like lwsw_chan_recv()'s -EPIPE; a send:
 *		nothing sent), 0 otherwise.
 * @__reserved:	must be 0 (room to grow).
 */
struct lwsw_case {
	lwsw_chan_t *ch;
	int op;
	void *elem;
	int closed;
	int __reserved;
};

/**
 * lwsw_select() - wait until one of several cases can proceed, and do it
 * @cases: the cases, an array of @n.
 * @n: the number of cases, at most LWSW_SELECT_MAX.
 * @timeout_ns: < 0 waits forever; 0 never blocks (Go's `default:`); > 0
 *	waits at most that long.
 *
 * Waits until one of @n cases can proceed, and does it.  Among the cases
 * ready at the call, one is chosen uniformly at random; when none is, the
 * caller blocks as a waiter on every case's channel at once (FIFO with the
 * other waiters of each) and the first channel that can serve it claims
 * it; no other case proceeds.  A case on a closed channel is ready: its
 * receive reports closed (@closed = 1, element zeroed), its send reports
 * closed (@closed = 1, nothing sent; Go panics).  The same channel may
 * appear in several cases.  @n == 0 (or only NULL channels) with
 * @timeout_ns < 0 blocks forever, like Go's `select {}`.
 *
 * Concurrency: with any operation but lwsw_chan_free() on each case's
 * channel, including other selects on the same channels (channels are
 * locked in address order, so no lock-order deadlock).  @cases belongs to
 * the caller for the duration of the call.  Memory ordering: as the
 * chosen case's lwsw_chan_send()/lwsw_chan_recv(); cases not chosen have no
 * effect and order nothing.
 *
 * Return: the index of the chosen case (>= 0), or
 *   -EAGAIN     @timeout_ns == 0 and no case was ready;
 *   -ETIMEDOUT  @timeout_ns > 0 passed with no case ready;
 *   -EINVAL     @cases NULL with @n > 0, @n > LWSW_SELECT_MAX, an @op not
 *               LWSW_SEND/LWSW_RECV, a NULL @elem with elem_size > 0, or a
 *               non-zero @__reserved (nothing done);
 *   -ENOMEM     more than a few cases and no memory for the bookkeeping,
 *               or as lwsw_chan_send();
 *   -ENOSPC     as lwsw_chan_send().
 */
int lwsw_select(struct lwsw_case *cases, size_t n, int64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Statistics (debugging and tests)                                    */
/* ------------------------------------------------------------------ */

/**
 * struct lwsw_stats - the calling thread's counters
 * @parks:	blocking waits the channel code started (park or hand-off).
 * @unparks:	waiters the channel code woke without blocking itself.
 * @handoffs:	wake-and-block steps (lwsw_chan_sendrecv's combined path).
 * @timeouts:	waits that ended by their deadline.
 * @sys_switchto: LWSWITCH_IOC_SWITCHTO calls.
 * @sys_wake:	LWSWITCH_IOC_WAKE calls.
 * @sys_wait:	LWSWITCH_IOC_WAIT calls.
 * @sys_futex_wake: FUTEX_WAKE calls.
 * @sys_futex_wait: FUTEX_WAIT calls.
 * @moves:	senders blocked in lwsw_chan_sendrecv() whose receive this
 *		thread queued for them instead of waking them (they are not
 *		counted in @unparks).
 * @reserved:	0.
 *
 * Counters of the calling thread since it started or since its last
 * lwsw_stats_reset(); filled in by lwsw_stats_get().
 */
struct lwsw_stats {
	uint64_t parks;
	uint64_t unparks;
	uint64_t handoffs;
	uint64_t timeouts;
	uint64_t sys_switchto;
	uint64_t sys_wake;
	uint64_t sys_wait;
	uint64_t sys_futex_wake;
	uint64_t sys_futex_wait;
	uint64_t moves;
	uint64_t reserved[6];
};

/**
 * lwsw_stats_get() - copy the calling thread's counters
 * @st: where the counters go.
 *
 * Return: 0 and *@st filled in, or
 *   -EINVAL  @st NULL.
 */
int lwsw_stats_get(struct lwsw_stats *st);

/**
 * lwsw_stats_reset() - zero the calling thread's counters
 */
void lwsw_stats_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* LWSWITCH_H */
