/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * park.h — internal: *who waits*.  The seam between the one channel
 * implementation and the two kinds of waiter (a kernel thread, parked
 * through /dev/lwswitch or a futex; a coroutine, parked in its scheduler),
 * modelled on Go's gopark/goready.
 *
 * Every execution context that can block on a channel has one
 * struct lwsw_parker.  Each parker owns one *token* (park/unpark, binary):
 * an unpark of a parker that is not parked is kept, and its next park
 * consumes it and returns at once; two unparks before a park leave one
 * token.  No unpark is lost, none is delivered twice.  Spurious returns
 * from park are not allowed: park returns 0 only after an unpark.
 *
 * Contract between lib/ (threads, channels) and lib/coro/ (coroutines):
 * the channel code only ever calls the three functions at the bottom; the
 * coroutine core provides a struct lwsw_parker_ops for coroutine parkers
 * and sets the current parker when it switches a coroutine in and out.
 */
#ifndef LWSW_PARK_H
#define LWSW_PARK_H

#include <stdint.h>

struct lwsw_parker;

struct lwsw_parker_ops {
	/*
	 * Block the calling context, which owns @self, until @self is
	 * unparked or the CLOCK_MONOTONIC time @deadline_ns (< 0: none)
	 * passes.  Returns 0 (token consumed) or -ETIMEDOUT.  Signals are
	 * absorbed (retried), never reported.
	 */
	int (*park)(struct lwsw_parker *self, int64_t deadline_ns);
	/* Give @p its token and make it runnable.  Any context may call. */
	void (*unpark)(struct lwsw_parker *p);
	/*
	 * Hand-off: unpark @target, then park @self, as one step when the
	 * kinds allow (two threads with the module: one SWITCHTO).  May be
	 * NULL, then it is unpark + park.  Same returns as park.
	 */
	int (*handoff)(struct lwsw_parker *self, struct lwsw_parker *target,
		       int64_t deadline_ns);
};

struct lwsw_parker {
	const struct lwsw_parker_ops *ops;
	/* Owned by the implementation that set @ops. */
	void *impl;
};

/* The parker of the calling thread or coroutine (a thread's is created
 * and registered on first use and released at thread exit). */
struct lwsw_parker *lwsw_parker_current(void);

/* The coroutine core calls this with the coroutine's parker when it
 * switches one in, and with NULL when it switches back to the worker. */
void lwsw_parker_set_current(struct lwsw_parker *p);

/*
 * Set the calling thread up as a waker and waiter (on the switchto backend:
 * join the domain, for only members may wake a thread parked in the
 * kernel).  Idempotent.  The coroutine core calls it on each worker before
 * the worker runs anything, so that an unpark from a worker never finds it
 * unable to wake.  Returns 0, or the registration's error (-ENOSPC,
 * -ENOMEM).
 */
int lwsw__thread_setup(void);

static inline int lwsw_park(struct lwsw_parker *self, int64_t deadline_ns)
{
	return self->ops->park(self, deadline_ns);
}

static inline void lwsw_unpark(struct lwsw_parker *p)
{
	p->ops->unpark(p);
}

/* Unpark @target and park @self.  The dispatch is on @self's kind. */
static inline int lwsw_handoff(struct lwsw_parker *self, struct lwsw_parker *target,
			      int64_t deadline_ns)
{
	if (self->ops->handoff)
		return self->ops->handoff(self, target, deadline_ns);
	lwsw_unpark(target);
	return lwsw_park(self, deadline_ns);
}

#endif /* LWSW_PARK_H */
