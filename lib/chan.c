// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * chan.c — channels and select, after Go's runtime/chan.go and select.go.
 *
 * One implementation, generic over who waits: a blocked operation is a
 * struct lwsw_wait (Go's select "done" word plus the parker to wake) and
 * one struct lwsw_sudog per channel it waits on, queued FIFO on the
 * channel's recvq or sendq.  It blocks and is woken only through park.h.
 *
 * Locking and claiming:
 *  - Each channel has a lock (chan_lock(): it spins briefly, then
 *    sleeps) that covers its buffer, queues and closed flag.
 *    lwsw_select() locks all its channels in address order (each once),
 *    like Go's sellock.
 *  - A waiter is taken by a peer only after it wins the claim,
 *    compare-and-swap of w->done from PENDING to CLAIMED, made while
 *    holding the lock of the channel the sudog is queued on (a plain
 *    store for a waiter with one sudog and no deadline, w->solo: it
 *    cannot be claimed elsewhere nor cancel itself).  A select
 *    waiter queued on several channels is therefore claimed exactly once;
 *    the losers just unlink the stale sudog.  A waiter whose time runs out
 *    cancels itself with PENDING -> CANCELLED; losing that race means a
 *    peer claimed it and is about to unpark it, so it parks once more to
 *    take that token (no token is ever left behind).
 *  - The claimer moves the element (into the waiter's buffer, or out of
 *    it), records which case fired, unlocks, and only then unparks: the
 *    unpark is the last touch of the waiter's memory (on its stack), and
 *    its release/acquire pair carries the happens-before edge of the
 *    hand-off.
 *  - One exception: a receiver that takes a blocked lwsw_chan_sendrecv()'s
 *    element marks it MOVING, not CLAIMED, and after unlocking either
 *    queues the waiter's receive on its reply channel (PENDING again,
 *    under that channel's lock; no unpark, and that queueing is the
 *    receiver's last touch) or makes it CLAIMED and unparks it.  The
 *    waiter only ever takes CLAIMED for an answer, so it sleeps through
 *    the move.
 *
 * The hand-off (see lwsw_chan_sendrecv in lwswitch.h): a send that finds a
 * blocked receiver unparks it before returning (Go's goready): a wake-up
 * is never deferred past the return of the call that caused it, since the
 * caller may next do anything — compute for an hour, or wait for the very
 * thread it has not woken yet.  Only lwsw_chan_sendrecv(), which knows its
 * next step is a receive, keeps the wake-up pending across that receive's
 * (bounded, lock-protected) readiness check, and turns wake + block into
 * lwsw_handoff() when it must block: one SWITCHTO on the switchto backend.
 * And when lwsw_chan_sendrecv() blocks in its send, the receiver that takes
 * its element makes the next step for it if that step is to block anyway:
 * it queues the caller's receive (move_on()) instead of waking it, so the
 * caller is woken once, by its reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <urcu/list.h>

#include "internal.h"

enum { W_PENDING = 0, W_CLAIMED = 1, W_CANCELLED = 2, W_MOVING = 3 };

struct lwsw_chan {
	uint32_t lock;			/* chan_lock(): 0 free, 1 held */
	uint32_t sleepers;		/* threads asleep on ->lock */
	size_t elem_size;
	size_t cap;
	size_t len;			/* buffered elements; atomic stores */
	size_t recvx;			/* next slot to receive from */
	size_t sendx;			/* next slot to send into */
	int closed;
	struct cds_list_head recvq;	/* struct lwsw_sudog, FIFO */
	struct cds_list_head sendq;
	unsigned char *buf;		/* cap * elem_size bytes */
};

/* One blocked operation (a select, or a single send/receive). */
struct lwsw_wait {
	struct lwsw_parker *parker;
	uint32_t done;			/* W_*, atomic */
	uint32_t fired;			/* the case a claimer completed */
	int closed;			/* ... because the channel was closed */
	/*
	 * One sudog and no deadline: nobody but a claimer holding the lock
	 * of its one channel ever changes @done, and the waiter never
	 * cancels, so the claim is a plain store (no compare-and-swap).
	 */
	int solo;
	/*
	 * lwsw_chan_sendrecv() blocked in its send: the receive it makes
	 * next (NULL @then_rx for every other waiter).  The receiver that
	 * takes the element may queue that receive for it instead of waking
	 * it (move_on()); @moved then tells the waiter its receive is done.
	 */
	struct lwsw_chan *then_rx;
	void *then_elem;
	struct lwsw_sudog *then_sg;
	int moved;
};

/* One case of a blocked operation, queued on its channel. */
struct lwsw_sudog {
	struct cds_list_head node;	/* on recvq/sendq; empty when not */
	struct lwsw_wait *w;
	void *elem;
	uint32_t idx;
};

/*
 * The channel lock: a word that is 0 (free) or 1 (held), and a count of
 * the threads asleep on it.  Its critical sections are short (a few loads
 * and stores, a memcpy of at most LWSW_CHAN_ELEM_MAX bytes) and never
 * block, but the holder can be preempted, so a waiter spins briefly and
 * then sleeps, as Go's runtime lock does (runtime/lock_futex.go): a waiter
 * that only spins and yields keeps the CPU from a preempted holder on an
 * oversubscribed machine, and under SCHED_FIFO, where sched_yield() never
 * gives way to a lower priority, forever.
 *
 *   lock:   CAS 0 -> 1 (acquire): the whole uncontended path.  Contended:
 *           CHAN_LOCK_SPINS looks; then count itself in ->sleepers, fence,
 *           and FUTEX_WAIT on the word while a CAS 0 -> 1 fails.
 *   unlock: store 0 (release); fence; if ->sleepers, FUTEX_WAKE one.
 *
 * The two fences make a Dekker pair: a sleeper's count is seen by the
 * unlock, or the unlock's 0 by the sleeper (then FUTEX_WAIT returns at
 * once, the word having changed), so no wake-up is lost.  The unlock is
 * the hot path (two per channel operation), and a full fence there would
 * cost what a locked exchange costs; so, as liburcu's memb flavour does,
 * the sleeper pays for both: it issues membarrier(PRIVATE_EXPEDITED),
 * which puts a full barrier into every running thread of the process,
 * and the unlock's fence is only a compiler barrier.  Where membarrier is
 * missing (a kernel built without it; registration fails), the pair is
 * made of sequentially consistent accesses instead (the unlock's store,
 * the count and the sleeper's CAS), chan_lock_asym being false, decided
 * before the first channel exists.  A sleeper counted once stays counted
 * until it holds the lock, so one membarrier covers its whole stay; if a
 * registered membarrier ever failed, the sleeper would look again every
 * millisecond rather than trust the pair.
 *
 * A coroutine that waits sleeps with its worker thread, as a goroutine's
 * runtime lock sleeps with its M: the holder runs already, and parking
 * the coroutine would need a queue of waiters under a lock of its own.
 */
#define CHAN_LOCK_SPINS 128

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED		(1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED	(1 << 4)
#endif

static bool chan_lock_asym;
static pthread_once_t chan_lock_once = PTHREAD_ONCE_INIT;

static void chan_lock_setup(void)
{
	int saved = errno;

	chan_lock_asym = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
				 0, 0) == 0;
	errno = saved;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static inline bool chan_trylock(lwsw_chan_t *ch, int order)
{
	uint32_t v = 0;

	return __atomic_compare_exchange_n(&ch->lock, &v, 1, false, order, __ATOMIC_RELAXED);
}

static __attribute__((noinline)) void chan_lock_slow(lwsw_chan_t *ch)
{
	static const struct timespec poll = { 0, 1000000 };
	const struct timespec *limit = NULL;
	int saved = errno;

	for (unsigned int i = 0; i < CHAN_LOCK_SPINS; i++) {
		cpu_relax();
		if (!__atomic_load_n(&ch->lock, __ATOMIC_RELAXED) &&
		    chan_trylock(ch, __ATOMIC_ACQUIRE))
			return;
	}
	/* The sleeper's side of the pair. */
	__atomic_fetch_add(&ch->sleepers, 1, __ATOMIC_SEQ_CST);
	if (chan_lock_asym &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		limit = &poll;
	/* EINTR, EAGAIN (the word was 0 by then), ETIMEDOUT: try again. */
	while (!chan_trylock(ch, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &ch->lock, FUTEX_WAIT_PRIVATE, 1, limit, NULL, 0);
	__atomic_fetch_sub(&ch->sleepers, 1, __ATOMIC_RELAXED);
	errno = saved;
}

static __attribute__((noinline)) void chan_unlock_wake(lwsw_chan_t *ch)
{
	int saved = errno;

	syscall(SYS_futex, &ch->lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}

static inline void chan_lock(lwsw_chan_t *ch)
{
	if (caa_unlikely(!chan_trylock(ch, __ATOMIC_ACQUIRE)))
		chan_lock_slow(ch);
}

static inline void chan_unlock(lwsw_chan_t *ch)
{
	/* The unlock's side of the pair. */
	if (caa_likely(chan_lock_asym)) {
		__atomic_store_n(&ch->lock, 0, __ATOMIC_RELEASE);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&ch->lock, 0, __ATOMIC_SEQ_CST);
	}
	if (caa_unlikely(__atomic_load_n(&ch->sleepers, __ATOMIC_SEQ_CST)))
		chan_unlock_wake(ch);
}

/* ------------------------------------------------------------------ */
/* Locked primitives                                                   */
/* ------------------------------------------------------------------ */

static inline void *slot(lwsw_chan_t *ch, size_t i)
{
	return ch->buf + i * ch->elem_size;
}

/*
 * The sizes of a pointer or a word are copied inline: a memcpy() of a
 * size known only at run time is a call into libc, which was the larger
 * part of moving an 8-byte element.
 */
static inline void copy_elem(lwsw_chan_t *ch, void *dst, const void *src)
{
	switch (ch->elem_size) {
	case 0:
		break;
	case 8:
		memcpy(dst, src, 8);
		break;
	case 4:
		memcpy(dst, src, 4);
		break;
	default:
		memcpy(dst, src, ch->elem_size);
	}
}

static inline void set_len(lwsw_chan_t *ch, size_t len)
{
	__atomic_store_n(&ch->len, len, __ATOMIC_RELAXED);
}

/*
 * Take the first waiter of @q that is still PENDING, claiming it; unlink
 * the stale ones met on the way.  Called with the channel locked.  A
 * sendrecv waiter (solo, ->then_rx) taken by a receiver (@mover) is marked
 * MOVING rather than CLAIMED: it is not finished until move_on() says.
 */
static struct lwsw_sudog *dequeue(struct cds_list_head *q, int mover)
{
	while (!cds_list_empty(q)) {
		struct lwsw_sudog *sg = cds_list_entry(q->next, struct lwsw_sudog, node);
		uint32_t exp = W_PENDING;

		cds_list_del_init(&sg->node);
		if (sg->w->solo) {	/* necessarily still PENDING */
			__atomic_store_n(&sg->w->done,
					 mover && sg->w->then_rx ? W_MOVING : W_CLAIMED,
					 __ATOMIC_RELEASE);
			return sg;
		}
		if (__atomic_compare_exchange_n(&sg->w->done, &exp, W_CLAIMED, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return sg;
	}
	return NULL;
}

static inline void complete(struct lwsw_sudog *sg, int closed)
{
	sg->w->fired = sg->idx;
	sg->w->closed = closed;
}

/*
 * Try to send now.  0: done (*@wake: a claimed receiver to wake with
 * wake_one() after unlock, or NULL); -EPIPE: closed; -EAGAIN: would block.
 */
static int send_locked(lwsw_chan_t *ch, const void *elem, struct lwsw_wait **wake)
{
	struct lwsw_sudog *sg;

	*wake = NULL;
	if (ch->closed)
		return -EPIPE;
	sg = dequeue(&ch->recvq, 0);
	if (sg) {			/* straight into the receiver */
		copy_elem(ch, sg->elem, elem);
		complete(sg, 0);
		*wake = sg->w;
		return 0;
	}
	if (ch->len < ch->cap) {
		copy_elem(ch, slot(ch, ch->sendx), elem);
		if (++ch->sendx == ch->cap)
			ch->sendx = 0;
		set_len(ch, ch->len + 1);
		return 0;
	}
	return -EAGAIN;
}

/*
 * Try to receive now.  0: done (*@wake: a claimed sender to wake with
 * wake_one() after unlock, or NULL); -EPIPE: closed and empty (@elem
 * zeroed); -EAGAIN: would block.
 */
static int recv_locked(lwsw_chan_t *ch, void *elem, struct lwsw_wait **wake)
{
	struct lwsw_sudog *sg;

	*wake = NULL;
	sg = dequeue(&ch->sendq, 1);
	if (sg) {
		if (ch->cap == 0) {	/* straight from the sender */
			copy_elem(ch, elem, sg->elem);
		} else {
			/* Full buffer: take the head, put the sender's
			 * element at the tail (the same slot). */
			copy_elem(ch, elem, slot(ch, ch->recvx));
			copy_elem(ch, slot(ch, ch->recvx), sg->elem);
			if (++ch->recvx == ch->cap)
				ch->recvx = 0;
			ch->sendx = ch->recvx;
		}
		complete(sg, 0);
		*wake = sg->w;
		return 0;
	}
	if (ch->len > 0) {
		copy_elem(ch, elem, slot(ch, ch->recvx));
		if (++ch->recvx == ch->cap)
			ch->recvx = 0;
		set_len(ch, ch->len - 1);
		return 0;
	}
	if (ch->closed) {
		if (ch->elem_size)
			memset(elem, 0, ch->elem_size);
		return -EPIPE;
	}
	return -EAGAIN;
}

/* ------------------------------------------------------------------ */
/* Blocking                                                            */
/* ------------------------------------------------------------------ */

/*
 * @w, a sendrecv waiter whose element a receiver just took (MOVING), is
 * about to receive from w->then_rx.  When that receive would block now
 * (nothing buffered, no sender queued, not closed), queue it on then_rx
 * for the waiter, which sleeps on: the receive's sender wakes it once,
 * instead of a wake here and a second block there.  Two threads that took
 * to blocking in their sends (each woken by the other's receive, on its
 * own CPU) are back in the hand-off's lock-step after one such move.
 * Returns 1 when moved; 0, the waiter CLAIMED, when it must be woken to
 * receive by itself.  Called with no lock held (then_rx's is taken).
 */
static int move_on(struct lwsw_wait *w)
{
	lwsw_chan_t *rx = w->then_rx;
	struct lwsw_sudog *sg = w->then_sg;

	chan_lock(rx);
	if (rx->closed || rx->len > 0 || !cds_list_empty(&rx->sendq)) {
		chan_unlock(rx);
		__atomic_store_n(&w->done, W_CLAIMED, __ATOMIC_RELEASE);
		return 0;
	}
	w->moved = 1;
	sg->elem = w->then_elem;
	sg->idx = 0;
	/* Claimed again only under rx's lock, like any receiver. */
	__atomic_store_n(&w->done, W_PENDING, __ATOMIC_RELAXED);
	cds_list_add_tail(&sg->node, &rx->recvq);
	chan_unlock(rx);
	return 1;
}

/*
 * Wake @w, claimed by us and off every queue (it touches its memory no
 * more after the unpark, nor after move_on() queued it).
 */
static void wake_one(struct lwsw_wait *w)
{
	if (!w)
		return;
	if (__atomic_load_n(&w->done, __ATOMIC_RELAXED) == W_MOVING && move_on(w)) {
		lwsw__stats()->moves++;
		return;
	}
	lwsw__stats()->unparks++;
	lwsw_unpark(w->parker);
}

/*
 * Block until @w is claimed (0) or @deadline passes (-ETIMEDOUT, and @w
 * is cancelled: no peer touches it any more).  With @target (a receiver
 * we claimed, never a MOVING sender), wake it and block in one
 * lwsw_handoff().
 */
static int wait_for(struct lwsw_wait *w, int64_t deadline, struct lwsw_wait *target)
{
	struct lwsw_stats *st = lwsw__stats();
	uint32_t exp;
	int rc;

	st->parks++;
	if (target) {
		st->handoffs++;
		rc = lwsw_handoff(w->parker, target->parker, deadline);
	} else {
		rc = lwsw_park(w->parker, deadline);
	}
	for (;;) {
		if (rc == 0) {
			if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) == W_CLAIMED)
				return 0;
			/* not ours (a parker that broke its contract):
			 * keep waiting */
		} else {
			exp = W_PENDING;
			if (__atomic_compare_exchange_n(&w->done, &exp, W_CANCELLED, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				st->timeouts++;
				return -ETIMEDOUT;
			}
			/* claimed meanwhile: its unpark is on its way */
			deadline = -1;
		}
		rc = lwsw_park(w->parker, deadline);
	}
}

static void unqueue(lwsw_chan_t *ch, struct lwsw_sudog *sg)
{
	chan_lock(ch);
	if (!cds_list_empty(&sg->node))
		cds_list_del_init(&sg->node);
	chan_unlock(ch);
}

/* Set the calling thread up; the parker that blocks for it. */
static struct lwsw_parker *self_parker(int *err)
{
	*err = lwsw__thread_setup();
	if (*err)
		return NULL;
	return lwsw_parker_current();
}

enum { OP_SEND = LWSW_SEND, OP_RECV = LWSW_RECV };

/*
 * One send or receive.  @timeout_ns as lwsw_chan_send_timeout(); @busy is
 * what a @timeout_ns of 0 reports when it would block.  @pending, when not
 * NULL, is a claimed waiter to wake: before returning, or with
 * lwsw_handoff() if this operation blocks.  @self: the calling thread's
 * parker when the caller has it already (lwsw_chan_sendrecv()), else NULL.
 */
static int chan_op(lwsw_chan_t *ch, int op, void *elem, int64_t timeout_ns, int busy,
		   struct lwsw_wait *pending, struct lwsw_parker *self)
{
	struct lwsw_wait *wake;
	struct lwsw_wait w;
	struct lwsw_sudog sg;
	int64_t deadline = lwsw__deadline(timeout_ns);
	int rc;

	if (!ch || (!elem && ch->elem_size)) {
		rc = -EINVAL;
		goto flush;
	}
	if (!self && !(self = self_parker(&rc)))
		goto flush;

	chan_lock(ch);
	rc = op == OP_SEND ? send_locked(ch, elem, &wake) : recv_locked(ch, elem, &wake);
	if (rc != -EAGAIN || timeout_ns == 0) {
		chan_unlock(ch);
		wake_one(wake);
		if (rc == -EAGAIN)
			rc = busy;
		goto flush;
	}
	w.parker = self;
	w.done = W_PENDING;
	w.fired = 0;
	w.closed = 0;
	w.solo = deadline < 0;
	w.then_rx = NULL;
	sg.w = &w;
	sg.elem = elem;
	sg.idx = 0;
	cds_list_add_tail(&sg.node, op == OP_SEND ? &ch->sendq : &ch->recvq);
	chan_unlock(ch);

	rc = wait_for(&w, deadline, pending);
	if (rc) {
		unqueue(ch, &sg);
		return rc;
	}
	return w.closed ? -EPIPE : 0;

flush:
	wake_one(pending);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The API                                                             */
/* ------------------------------------------------------------------ */

LWSW_EXPORT int lwsw_chan_make(lwsw_chan_t **chp, size_t elem_size, size_t cap)
{
	lwsw_chan_t *ch;
	size_t bytes;

	if (!chp || elem_size > LWSW_CHAN_ELEM_MAX)
		return -EINVAL;
	if (__builtin_mul_overflow(elem_size, cap, &bytes) || bytes > PTRDIFF_MAX)
		return -EINVAL;
	/* Before any channel exists, so no unlock runs in the other mode. */
	pthread_once(&chan_lock_once, chan_lock_setup);
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	if (bytes) {
		ch->buf = malloc(bytes);
		if (!ch->buf) {
			free(ch);
			return -ENOMEM;
		}
	}
	ch->elem_size = elem_size;
	ch->cap = cap;
	CDS_INIT_LIST_HEAD(&ch->recvq);
	CDS_INIT_LIST_HEAD(&ch->sendq);
	*chp = ch;
	return 0;
}

LWSW_EXPORT int lwsw_chan_free(lwsw_chan_t *ch)
{
	bool busy;

	if (!ch)
		return 0;
	/* Waiters queue and leave only under the lock. */
	chan_lock(ch);
	busy = !cds_list_empty(&ch->recvq) || !cds_list_empty(&ch->sendq);
	chan_unlock(ch);
	if (busy)
		return -EBUSY;
	free(ch->buf);
	free(ch);
	return 0;
}

LWSW_EXPORT int lwsw_chan_send(lwsw_chan_t *ch, const void *elem)
{
	return chan_op(ch, OP_SEND, (void *)elem, -1, 0, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_recv(lwsw_chan_t *ch, void *elem)
{
	return chan_op(ch, OP_RECV, elem, -1, 0, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_try_send(lwsw_chan_t *ch, const void *elem)
{
	return chan_op(ch, OP_SEND, (void *)elem, 0, -EAGAIN, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_try_recv(lwsw_chan_t *ch, void *elem)
{
	return chan_op(ch, OP_RECV, elem, 0, -EAGAIN, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_send_timeout(lwsw_chan_t *ch, const void *elem, int64_t timeout_ns)
{
	return chan_op(ch, OP_SEND, (void *)elem, timeout_ns, -ETIMEDOUT, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_recv_timeout(lwsw_chan_t *ch, void *elem, int64_t timeout_ns)
{
	return chan_op(ch, OP_RECV, elem, timeout_ns, -ETIMEDOUT, NULL, NULL);
}

LWSW_EXPORT int lwsw_chan_sendrecv(lwsw_chan_t *tx, const void *out, lwsw_chan_t *rx, void *in)
{
	struct lwsw_parker *self;
	struct lwsw_wait *pending;
	struct lwsw_wait w;
	struct lwsw_sudog sg;
	int rc;

	if (!tx || !rx || (!out && tx->elem_size) || (!in && rx->elem_size))
		return -EINVAL;
	self = self_parker(&rc);
	if (!self)
		return rc;

	chan_lock(tx);
	rc = send_locked(tx, out, &pending);
	if (rc == -EPIPE) {
		chan_unlock(tx);
		return -EPIPE;
	}
	if (rc == -EAGAIN) {		/* no receiver, no room: block to send */
		w.parker = self;
		w.done = W_PENDING;
		w.closed = 0;
		w.solo = 1;		/* waits below without a deadline */
		w.then_rx = rx;		/* the receiver may move us on to rx */
		w.then_elem = in;
		w.then_sg = &sg;
		w.moved = 0;
		sg.w = &w;
		sg.elem = (void *)out;
		sg.idx = 0;
		cds_list_add_tail(&sg.node, &tx->sendq);
		chan_unlock(tx);
		wait_for(&w, -1, NULL);
		if (w.moved)		/* sent, and received too (move_on()) */
			return w.closed ? -ECONNRESET : 0;
		if (w.closed)
			return -EPIPE;
		pending = NULL;
	} else {
		chan_unlock(tx);
	}
	/* The receiver we served, if any, is woken by the receive below:
	 * at once if it need not block, else by the hand-off. */
	rc = chan_op(rx, OP_RECV, in, -1, 0, pending, self);
	return rc == -EPIPE ? -ECONNRESET : rc;
}

LWSW_EXPORT int lwsw_chan_close(lwsw_chan_t *ch)
{
	struct cds_list_head woken;
	struct lwsw_sudog *sg, *next;
	int rc;

	if (!ch)
		return -EINVAL;
	/* Waking a thread parked in the kernel takes a member: join first,
	 * and fail with nothing closed when that is impossible. */
	rc = lwsw__thread_setup();
	if (rc)
		return rc;
	CDS_INIT_LIST_HEAD(&woken);
	chan_lock(ch);
	if (ch->closed) {
		chan_unlock(ch);
		return -EPIPE;
	}
	ch->closed = 1;
	while ((sg = dequeue(&ch->recvq, 0))) {
		if (ch->elem_size)
			memset(sg->elem, 0, ch->elem_size);
		complete(sg, 1);
		cds_list_add_tail(&sg->node, &woken);
	}
	while ((sg = dequeue(&ch->sendq, 0))) {
		complete(sg, 1);
		cds_list_add_tail(&sg->node, &woken);
	}
	chan_unlock(ch);
	/* A claimed waiter stays put until its unpark: read what we need
	 * (next, the parker) before waking it. */
	cds_list_for_each_entry_safe(sg, next, &woken, node)
		wake_one(sg->w);
	return 0;
}

LWSW_EXPORT size_t lwsw_chan_len(const lwsw_chan_t *ch)
{
	return ch ? __atomic_load_n(&ch->len, __ATOMIC_RELAXED) : 0;
}

LWSW_EXPORT size_t lwsw_chan_cap(const lwsw_chan_t *ch)
{
	return ch ? ch->cap : 0;
}

LWSW_EXPORT size_t lwsw_chan_elem_size(const lwsw_chan_t *ch)
{
	return ch ? ch->elem_size : 0;
}

/* ------------------------------------------------------------------ */
/* Select                                                              */
/* ------------------------------------------------------------------ */

#define SELECT_STACK_CASES 8

static int cmp_chan(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(lwsw_chan_t *const *)a;
	uintptr_t y = (uintptr_t)*(lwsw_chan_t *const *)b;

	return x < y ? -1 : x > y;
}

static void lock_all(lwsw_chan_t **order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (i == 0 || order[i] != order[i - 1])
			chan_lock(order[i]);
}

static void unlock_all(lwsw_chan_t **order, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (i == 0 || order[i] != order[i - 1])
			chan_unlock(order[i]);
}

LWSW_EXPORT int lwsw_select(struct lwsw_case *cases, size_t n, int64_t timeout_ns)
{
	uint32_t poll_stack[SELECT_STACK_CASES];
	lwsw_chan_t *lock_stack[SELECT_STACK_CASES];
	struct lwsw_sudog sg_stack[SELECT_STACK_CASES];
	uint32_t *poll = poll_stack;
	lwsw_chan_t **lockorder = lock_stack;
	struct lwsw_sudog *sgs = sg_stack;
	struct lwsw_parker *self;
	struct lwsw_wait w, *wake = NULL;
	int64_t deadline;
	size_t i, nch = 0;
	int rc, chosen = -1;

	if ((!cases && n) || n > LWSW_SELECT_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct lwsw_case *c = &cases[i];

		if ((c->op != LWSW_SEND && c->op != LWSW_RECV) || c->__reserved ||
		    (c->ch && !c->elem && c->ch->elem_size))
			return -EINVAL;
	}
	self = self_parker(&rc);
	if (!self)
		return rc;
	deadline = lwsw__deadline(timeout_ns);
	if (n > SELECT_STACK_CASES) {
		poll = malloc(n * sizeof(*poll));
		lockorder = malloc(n * sizeof(*lockorder));
		sgs = malloc(n * sizeof(*sgs));
		if (!poll || !lockorder || !sgs) {
			rc = -ENOMEM;
			goto out;
		}
	}

	/* Poll order: a random permutation of the non-nil cases (inside-out
	 * Fisher-Yates), so the first ready one is uniform among the ready. */
	for (i = 0; i < n; i++) {
		cases[i].closed = 0;
		if (!cases[i].ch)
			continue;
		uint32_t j = lwsw__rand((uint32_t)nch + 1);

		if (j != nch)
			poll[nch] = poll[j];
		poll[j] = (uint32_t)i;
		lockorder[nch++] = cases[i].ch;
	}
	qsort(lockorder, nch, sizeof(*lockorder), cmp_chan);

	lock_all(lockorder, nch);
	for (i = 0; i < nch; i++) {
		struct lwsw_case *c = &cases[poll[i]];

		rc = c->op == LWSW_SEND ? send_locked(c->ch, c->elem, &wake)
				       : recv_locked(c->ch, c->elem, &wake);
		if (rc != -EAGAIN) {
			chosen = (int)poll[i];
			c->closed = rc == -EPIPE;
			break;
		}
	}
	if (chosen >= 0 || timeout_ns == 0) {
		unlock_all(lockorder, nch);
		wake_one(wake);
		rc = chosen >= 0 ? chosen : -EAGAIN;
		goto out;
	}

	/* Nothing ready: queue on every channel, then sleep. */
	w.parker = self;
	w.done = W_PENDING;
	w.fired = 0;
	w.closed = 0;
	w.solo = 0;
	w.then_rx = NULL;
	for (i = 0; i < n; i++) {
		struct lwsw_case *c = &cases[i];

		if (!c->ch)
			continue;
		sgs[i].w = &w;
		sgs[i].elem = c->elem;
		sgs[i].idx = (uint32_t)i;
		cds_list_add_tail(&sgs[i].node,
				  c->op == LWSW_SEND ? &c->ch->sendq : &c->ch->recvq);
	}
	unlock_all(lockorder, nch);

	rc = wait_for(&w, deadline, NULL);
	if (rc == 0) {
		chosen = (int)w.fired;
		cases[chosen].closed = w.closed;
	}
	/* Unlink the other sudogs (the fired one is off its queue already
	 * and may still be on a closer's local list: leave it alone). */
	for (i = 0; i < n; i++)
		if (cases[i].ch && (int)i != chosen)
			unqueue(cases[i].ch, &sgs[i]);
	if (rc == 0)
		rc = chosen;
out:
	if (poll != poll_stack) {
		free(poll);
		free(lockorder);
		free(sgs);
	}
	return rc;
}
