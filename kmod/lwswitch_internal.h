/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwswitch — internal declarations shared by the module's files.
 *
 * Locking and lifetime, in one place:
 *
 * - A domain (struct lws_domain) lives from open() to the last fput(); it
 *   is freed with kfree_rcu() so that the exit hook, which finds members
 *   under RCU, may still touch it during a grace period.
 * - A user (struct lws_user, lwswitch_main.c) counts the domains its uid
 *   opened and their members; each domain holds a reference, the last
 *   put unhashes it under lws_users_lock and frees it after a grace
 *   period, for the same exit hook.
 * - A member (struct lws_member) is published in three places: the
 *   domain's handle xarray, the domain's tid xarray and the global task
 *   hash.  It is *removed* exactly once (whoever wins the xchg on
 *   ->gone: its own UNREGISTER, the exit/exec hook of its thread, or the
 *   domain's release) and *freed* when its last reference is dropped,
 *   after an RCU grace period.  The membership holds one reference; a
 *   SWITCHTO caller holds one on its target while it is blocked on it.
 * - A member's ->state (IDLE, TOKEN, RUNNABLE, WAITING) is its resume
 *   token: only the member's own thread moves it out of TOKEN or into
 *   RUNNABLE or WAITING; any thread may set TOKEN (atomic_xchg, a full
 *   barrier), and the thread that moved it from WAITING to TOKEN wakes
 *   ->task directly (no wait queue: the member is its own only sleeper).
 *   The thread that moved it from RUNNABLE to TOKEN wakes nobody: the
 *   member is on a run queue and looks at its state when it next runs.
 *
 * The directed hand-off (handoff=yield), SWITCHTO(t) by member m:
 *
 *	m: IDLE -> RUNNABLE           cmpxchg; fails only on a TOKEN, and
 *	                              then the call is today's (resume t,
 *	                              consume the token, return 0)
 *	m: old = xchg(t, TOKEN)       the resume; full barrier after the
 *	                              cmpxchg above, so a t that sees its
 *	                              token also sees m RUNNABLE
 *	   old WAITING:  wake t onto this CPU (lws_place_wake()), yield_to(t)
 *	   old RUNNABLE: no wake-up (t is on a run queue), yield_to(t)
 *	   old IDLE, TOKEN: t is not waiting; no yield
 *	   (no yield either with a signal pending or the deadline past)
 *	m, back on a CPU (or yield_to() declined, or no yield):
 *	   cmpxchg(m, RUNNABLE -> WAITING)
 *	     fails: a TOKEN came while m was runnable; consume it, return 0
 *	     succeeds: block as WAIT does (lws_park()), with its loop on the
 *	     explicit state, signals, the deadline and ->blocked_on
 *
 *   So a runnable waiter yields at most once per call and never spins;
 *   it blocks at once if the CPU comes back to it without a token (its
 *   partner ran long or slept elsewhere, the scheduler or the load
 *   balancer picked it, yield_to() declined).  RUNNABLE -> WAITING and a
 *   resume's xchg are atomic RMWs of one word, so they are ordered: either
 *   the resumer sees WAITING and wakes (today's barrier pairing with
 *   set_current_state() then covers the sleep), or m's cmpxchg fails and
 *   m sees the token.  A member in RUNNABLE is TASK_RUNNING: it shows as
 *   R in /proc and counts in the load average; lws_member_remove()'s
 *   wake-up of such a waiter is a no-op, and the waiter finds
 *   LWS_PARTNER_GONE in ->blocked_on once it blocks.  @t's task_struct is
 *   pinned for yield_to() by the reference the SWITCHTO caller holds on @t;
 *   yield_to() itself declines a task that is running, not runnable, or
 *   of another scheduling class.
 * - Nothing sleeps under a spinlock; the exit/exec hooks run in atomic
 *   context and only take spinlocks.  The scan that wakes the members
 *   blocked on a member that exits or execs is left to that thread, in
 *   task_work (lws_member_remove()); it holds a reference to the member
 *   and one to the domain's file, so the domain (and the module) outlive
 *   it.
 */
#ifndef _LWSWITCH_INTERNAL_H
#define _LWSWITCH_INTERNAL_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/xarray.h>

enum lws_state {
	LWS_IDLE	= 0,	/* no token, not blocked */
	LWS_TOKEN	= 1,	/* a resume is pending */
	LWS_WAITING	= 2,	/* blocked in SWITCHTO or WAIT */
	LWS_RUNNABLE	= 3,	/* waiting in SWITCHTO, still runnable */
};

/* How SWITCHTO waits: the module parameter "handoff". */
enum lws_handoff {
	LWS_HANDOFF_BLOCK	= 0,	/* block at once (wake-up + sleep) */
	LWS_HANDOFF_YIELD	= 1,	/* the directed hand-off, yield_to() */
};

/* Why a membership ended (or began), for the lwswitch_member tracepoint. */
enum lws_why {
	LWS_WHY_REGISTER	= 0,
	LWS_WHY_UNREGISTER	= 1,
	LWS_WHY_EXIT		= 2,
	LWS_WHY_EXEC		= 3,
	LWS_WHY_CLOSE		= 4,
};

struct lws_user;

struct lws_domain {
	struct xarray	members;	/* handle -> member (ALLOC1) */
	struct xarray	by_tid;		/* task->pid (init ns) -> member */
	u32		next_handle;	/* cyclic handle allocation */
	atomic_t	nr_members;
	struct lws_user	*user;		/* charged for the domain, its members */
	struct file	*file;		/* not a reference: the file owns us */
	struct rcu_head	rcu;
};

/* Value of ->blocked_on once the member it switched to is gone. */
#define LWS_PARTNER_GONE	((struct lws_member *)1UL)

struct lws_member {
	atomic_t		state;		/* enum lws_state */
	u32			handle;
	struct task_struct	*task;		/* reference held */
	struct lws_domain	*dom;
	struct lws_member	*blocked_on;	/* SWITCHTO target while blocked */
	pid_t			tid_key;	/* key in dom->by_tid */
	int			gone;		/* removed (xchg'd once to 1) */
	refcount_t		ref;
	struct hlist_node	tnode;		/* in the global task hash */
	struct callback_head	scan_work;	/* deferred lws_wake_blocked_on() */
	struct rcu_head		rcu;
};

/* Counters, summed over CPUs by the debugfs "stats" file. */
enum lws_stat {
	LWS_STAT_SWITCHTO,
	LWS_STAT_WAKE,
	LWS_STAT_WAIT,
	LWS_STAT_RESUME_WOKE,		/* resume found the target blocked */
	LWS_STAT_RESUME_TOKEN,		/* resume left a pending token */
	LWS_STAT_RESUME_RUNNABLE,	/* resume found a runnable waiter */
	LWS_STAT_YIELD,			/* yield_to() said it yielded (> 0) */
	LWS_STAT_YIELD_DECLINED,	/* yield_to() refused */
	LWS_STAT_YIELD_BLOCKED,		/* runnable waiter back without a token */
	LWS_STAT_SAME_CPU,		/* SWITCHTO target queued on our CPU */
	LWS_STAT_OTHER_CPU,		/* ... or not */
	LWS_STAT_TOKEN_CONSUMED,	/* a wait returned at once on a token */
	LWS_STAT_TIMEOUT,
	LWS_STAT_INTERRUPTED,
	LWS_STAT_OWNER_DEAD,
	LWS_STAT_REGISTER,
	LWS_STAT_UNREGISTER,
	LWS_STAT_EXIT,			/* removed by the exit/exec hooks */
	LWS_STAT_CLOSE,			/* removed by domain release */
	LWS_STAT_SCAN_DEFERRED,		/* exit/exec left the scan to the thread */
	LWS_NR_STATS
};

DECLARE_PER_CPU(unsigned long, lws_stats[LWS_NR_STATS]);

static inline void lws_stat_inc(enum lws_stat s)
{
	this_cpu_inc(lws_stats[s]);
}

extern atomic_t lws_nr_domains;
extern atomic_t lws_nr_members;

/* lwswitch_place.c: where a resumed target runs. */
extern int lws_placement;		/* enum lwswitch_placement in force */
int lws_place_init(int requested);
void lws_place_exit(void);
/* Wake @m's thread; with @here, onto the calling CPU. */
void lws_place_wake(struct lws_member *m, bool here);

/* lwswitch_hooks.c: thread exit and exec end memberships. */
int lws_hooks_init(void);
void lws_hooks_exit(void);
void lws_task_hash_add(struct lws_member *m);
void lws_task_hash_del(struct lws_member *m);

/* lwswitch_main.c */
void lws_member_remove(struct lws_member *m, enum lws_why why);

#endif /* _LWSWITCH_INTERNAL_H */
