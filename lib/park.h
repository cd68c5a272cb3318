/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * park.h — internal: *who waits*.  The seam between the one channel
 * implementation and the two kinds of waiter (a kernel thread, parked
 * through /dev/lwswitch or a futex; a coroutine, parked in its scheduler),
 * modelled on Go's gopark/goready.
 *
 * Every execution context that can block on a channel has one
 * struct lws_parker.  Each parker owns one *token* (park/unpark, binary):
 * an unpark of a parker that is not parked is kept, and its next park
 * consumes it and returns at once; two unparks before a park leave one
 * token.  No unpark is lost, none is delivered twice.  Spurious returns
 * from park are not allowed: park returns 0 only after an unpark.
 *
 * Contract between lib/ (threads, channels) and lib/coro/ (coroutines):
 * the channel code only ever calls the three functions at the bottom; the
 * coroutine core provides a struct lws_parker_ops for coroutine parkers
 * and sets the current parker when it switches a coroutine in and out.
 */
#ifndef LWS_PARK_H
#define LWS_PARK_H

#include <stdint.h>

struct lws_parker;

struct lws_parker_ops {
	/*
	 * Block the calling context, which owns @self, until @self is
	 * unparked or the CLOCK_MONOTONIC time @deadline_ns (< 0: none)
	 * passes.  Returns 0 (token consumed) or -ETIMEDOUT.  Signals are
	 * absorbed (retried), never reported.
	 */
	int (*park)(struct lws_parker *self, int64_t deadline_ns);
	/* Give @p its token and make it runnable.  Any context may call. */
	void (*unpark)(struct lws_parker *p);
	/*
	 * Hand-off: unpark @target, then park @self, as one step when the
	 * kinds allow (two threads with the module: one SWITCHTO).  May be
	 * NULL, then it is unpark + park.  Same returns as park.
	 */
	int (*handoff)(struct lws_parker *self, struct lws_parker *target,
		       int64_t deadline_ns);
};

struct lws_parker {
	const struct lws_parker_ops *ops;
	/* Owned by the implementation that set @ops. */
	void *impl;
};

/* The parker of the calling thread or coroutine (a thread's is created
 * and registered on first use and released at thread exit). */
struct lws_parker *lws_parker_current(void);

/* The coroutine core calls this with the coroutine's parker when it
 * switches one in, and with NULL when it switches back to the worker. */
void lws_parker_set_current(struct lws_parker *p);

static inline int lws_park(struct lws_parker *self, int64_t deadline_ns)
{
	return self->ops->park(self, deadline_ns);
}

static inline void lws_unpark(struct lws_parker *p)
{
	p->ops->unpark(p);
}

/* Unpark @target and park @self.  The dispatch is on @self's kind. */
static inline int lws_handoff(struct lws_parker *self, struct lws_parker *target,
			      int64_t deadline_ns)
{
	if (self->ops->handoff)
		return self->ops->handoff(self, target, deadline_ns);
	lws_unpark(target);
	return lws_park(self, deadline_ns);
}

#endif /* LWS_PARK_H */
