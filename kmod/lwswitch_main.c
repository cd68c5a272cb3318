// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch — direct thread-to-thread hand-off: the misc device, its switch
 * domains and ioctls.  The contract is include/uapi/linux/lwswitch.h; the
 * locking and lifetime rules are in lwswitch_internal.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include <linux/lwswitch.h>

#include "lwswitch_internal.h"

#define CREATE_TRACE_POINTS
#include "lwswitch_trace.h"

static unsigned int max_members = 16384;
module_param(max_members, uint, 0644);
MODULE_PARM_DESC(max_members, "Most members one domain may have (default 16384)");

static unsigned int max_domains = 1024;
module_param(max_domains, uint, 0644);
MODULE_PARM_DESC(max_domains, "Most domains (open files) at once (default 1024)");

static unsigned int max_user_domains = 128;
module_param(max_user_domains, uint, 0644);
MODULE_PARM_DESC(max_user_domains, "Most domains one user may have open (default 128)");

static unsigned int max_user_members = 65536;
module_param(max_user_members, uint, 0644);
MODULE_PARM_DESC(max_user_members, "Most members all of one user's domains may have (default 65536)");

/*
 * Asked for at load time; read back, the parameter shows the placement in
 * force (lws_place_init() falls back when the asked one is unavailable),
 * so /sys/module/lwswitch/parameters/placement never shows -1.
 */
static int placement = -1;

static int lws_placement_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%d\n", READ_ONCE(lws_placement));
}

static const struct kernel_param_ops lws_placement_ops = {
	.set	= param_set_int,
	.get	= lws_placement_get,
};
module_param_cb(placement, &lws_placement_ops, &placement, 0444);
MODULE_PARM_DESC(placement,
		 "Where SWITCHTO runs its target: -1 best available (default), 0 plain wake-up, 1 WF_CURRENT_CPU (>= 6.6), 2 ftrace hook; reads back the one in force");

/*
 * How SWITCHTO waits, read once per call: writable at run time, since a
 * call in either mode works with peers in the other (a resumer handles a
 * RUNNABLE and a WAITING target alike).  The default is the directed
 * hand-off where the scheduler lets it share a CPU fairly: CFS (before
 * 6.6).  EEVDF's yield_task_fair() forfeits the caller's slice on every
 * yield, so beside any CPU-bound thread a yielding pair's virtual time
 * runs ahead and the pair starves; there a SWITCHTO sleeps by default
 * (docs/design.md, "The directed hand-off").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define LWS_HANDOFF_DEFAULT	LWS_HANDOFF_BLOCK
#else
#define LWS_HANDOFF_DEFAULT	LWS_HANDOFF_YIELD
#endif

static int handoff = LWS_HANDOFF_DEFAULT;

static int lws_handoff_set(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "yield"))
		WRITE_ONCE(handoff, LWS_HANDOFF_YIELD);
	else if (sysfs_streq(val, "block"))
		WRITE_ONCE(handoff, LWS_HANDOFF_BLOCK);
	else
		return -EINVAL;
	return 0;
}

static int lws_handoff_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 READ_ONCE(handoff) == LWS_HANDOFF_YIELD ? "yield" : "block");
}

static const struct kernel_param_ops lws_handoff_ops = {
	.set	= lws_handoff_set,
	.get	= lws_handoff_get,
};
module_param_cb(handoff, &lws_handoff_ops, &handoff, 0644);
MODULE_PARM_DESC(handoff,
		 "How SWITCHTO waits: yield (stay runnable, yield_to() the target) or block (sleep at once)");

DEFINE_PER_CPU(unsigned long, lws_stats[LWS_NR_STATS]);
atomic_t lws_nr_domains = ATOMIC_INIT(0);
atomic_t lws_nr_members = ATOMIC_INIT(0);

static struct kmem_cache *lws_member_cache;

/*
 * Everything a user makes the module allocate is charged to the caller's
 * memory cgroup.  __GFP_RETRY_MAYFAIL: at the cgroup's limit the call
 * fails with -ENOMEM after reclaim instead of invoking the cgroup's OOM
 * killer; a registration is an ordinary call that may fail, and its
 * caller decides what to do.
 */
#define LWS_GFP		(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/* ---- users ------------------------------------------------------------ */

/*
 * What one user holds, counted as inotify counts instances: by the
 * effective uid that opened the domain, which is also charged for every
 * member of the domain (whoever's thread registers: sharing the file is
 * the owner's choice).  Found or created at open() under lws_users_lock;
 * each domain holds a reference.  Freed after a grace period: the exit
 * hook may uncharge a member under RCU while the domain's release drops
 * the last reference (see lws_release()).
 */
struct lws_user {
	struct hlist_node	node;		/* in lws_users */
	kuid_t			uid;
	refcount_t		ref;		/* one per domain: their number */
	atomic_t		nr_members;
	struct rcu_head		rcu;
};

#define LWS_USERS_BITS	6
static DEFINE_HASHTABLE(lws_users, LWS_USERS_BITS);
static DEFINE_SPINLOCK(lws_users_lock);

static struct lws_user *lws_user_find(kuid_t uid)
{
	struct lws_user *u;

	lockdep_assert_held(&lws_users_lock);
	hash_for_each_possible(lws_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* @uid's record with a reference taken, created if need be; or NULL. */
static struct lws_user *lws_user_get(kuid_t uid)
{
	struct lws_user *u, *new;

	spin_lock(&lws_users_lock);
	u = lws_user_find(uid);
	if (u)
		refcount_inc(&u->ref);
	spin_unlock(&lws_users_lock);
	if (u)
		return u;

	new = kzalloc(sizeof(*new), LWS_GFP);
	if (!new)
		return NULL;
	new->uid = uid;
	refcount_set(&new->ref, 1);

	spin_lock(&lws_users_lock);
	u = lws_user_find(uid);
	if (u)
		refcount_inc(&u->ref);
	else
		hash_add(lws_users, &new->node, __kuid_val(uid));
	spin_unlock(&lws_users_lock);
	if (u) {
		kfree(new);
		return u;
	}
	return new;
}

static void lws_user_put(struct lws_user *u)
{
	if (!refcount_dec_and_lock(&u->ref, &lws_users_lock))
		return;
	hash_del(&u->node);
	spin_unlock(&lws_users_lock);
	kfree_rcu(u, rcu);
}

/* ---- members ---------------------------------------------------------- */

static void lws_member_free_rcu(struct rcu_head *rcu)
{
	struct lws_member *m = container_of(rcu, struct lws_member, rcu);

	put_task_struct(m->task);
	kmem_cache_free(lws_member_cache, m);
}

static void lws_member_put(struct lws_member *m)
{
	if (refcount_dec_and_test(&m->ref))
		call_rcu(&m->rcu, lws_member_free_rcu);
}

/*
 * Wake, with -EOWNERDEAD, every member blocked in SWITCHTO on @m, which is
 * gone.  O(members of the domain): with @may_sleep it lets the CPU go every
 * LWS_SCAN_BATCH members, holding RCU only around each member it looks at
 * (xa_for_each() keeps nothing but the index between steps).
 */
#define LWS_SCAN_BATCH	256

static void lws_wake_blocked_on(struct lws_domain *d, struct lws_member *m,
				bool may_sleep)
{
	struct lws_member *w;
	unsigned long idx;
	unsigned int n = 0;

	rcu_read_lock();
	xa_for_each(&d->members, idx, w) {
		if (cmpxchg(&w->blocked_on, m, LWS_PARTNER_GONE) == m)
			lws_place_wake(w, false);
		if (may_sleep && ++n % LWS_SCAN_BATCH == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
}

/*
 * The deferred scan of a member ended by its thread's exit or exec, run
 * by that thread (task_work) where it may sleep: in do_exit()'s
 * exit_task_work(), or on the way back to user space after exec.  It holds
 * a reference to @m and one to the domain's file, which also keeps the
 * module loaded until the file's last fput() (core code) lets it go.
 */
static void lws_wake_blocked_work(struct callback_head *cb)
{
	struct lws_member *m = container_of(cb, struct lws_member, scan_work);
	struct file *file = m->dom->file;

	lws_wake_blocked_on(m->dom, m, true);
	lws_member_put(m);
	fput(file);
}

/*
 * A reference to @d's file, or false when it is being released (and then
 * nobody can be blocked in the domain: a blocked SWITCHTO is an ioctl on
 * it).  Under RCU.  Files are SLAB_TYPESAFE_BY_RCU from 6.7: a file that
 * was freed and reused meanwhile is another's, hence the check.
 */
static bool lws_domain_file_get(struct lws_domain *d)
{
	struct file *file = d->file;

	if (!atomic_long_inc_not_zero(&file->f_count))
		return false;
	if (READ_ONCE(file->private_data) != d) {
		fput(file);
		return false;
	}
	return true;
}

/*
 * Remove @m from its domain, once: by UNREGISTER (which may sleep), by the
 * exit/exec hooks (atomic) and by the domain's release (under RCU).
 * Members blocked in SWITCHTO on @m are woken with -EOWNERDEAD: nobody
 * else is committed to resuming them.  Finding them is a scan of the
 * domain, which may have 16,384 members: UNREGISTER scans where it may
 * sleep, and the hooks, which run with preemption off, leave the scan to
 * the exiting (or exec'ing) thread itself (task_work).  A blocked member
 * that sees ->gone first needs no scan: it checks after its resume.
 */
void lws_member_remove(struct lws_member *m, enum lws_why why)
{
	struct lws_domain *d = m->dom;

	/* Full barrier: pairs with the SWITCHTO caller's xchg on our state. */
	if (xchg(&m->gone, 1))
		return;
	/* Counted by the winner only: every registration ends once. */
	lws_stat_inc(why == LWS_WHY_CLOSE ? LWS_STAT_CLOSE :
		     why == LWS_WHY_UNREGISTER ? LWS_STAT_UNREGISTER :
		     LWS_STAT_EXIT);

	xa_erase(&d->members, m->handle);
	xa_erase(&d->by_tid, m->tid_key);
	lws_task_hash_del(m);
	trace_lwswitch_member(m->handle, m->tid_key, why);

	/*
	 * Only SWITCHTO callers blocked on @m hold references beyond the
	 * membership's; skip the scan when there are none.
	 */
	if (refcount_read(&m->ref) > 1) {
		if (why != LWS_WHY_EXIT && why != LWS_WHY_EXEC) {
			/* UNREGISTER sleeps; release has nobody blocked. */
			lws_wake_blocked_on(d, m, why == LWS_WHY_UNREGISTER);
		} else if (m->task == current && lws_domain_file_get(d)) {
			refcount_inc(&m->ref);
			init_task_work(&m->scan_work, lws_wake_blocked_work);
			if (task_work_add(current, &m->scan_work, TWA_RESUME)) {
				/* Past exit_task_work(): cannot happen from the hooks. */
				lws_wake_blocked_on(d, m, false);
				refcount_dec(&m->ref);
				fput(d->file);
			} else {
				lws_stat_inc(LWS_STAT_SCAN_DEFERRED);
			}
		}
	}

	atomic_dec(&d->user->nr_members);
	atomic_dec(&d->nr_members);
	atomic_dec(&lws_nr_members);
	lws_member_put(m);
}

/*
 * The caller's membership of @d, or NULL.  Stable for the caller: only its
 * own thread (UNREGISTER, exit, exec) or the domain's release, which cannot
 * run during an ioctl on the domain, removes it.
 */
static inline struct lws_member *lws_self(struct lws_domain *d)
{
	return xa_load(&d->by_tid, current->pid);
}

/*
 * Give @t its resume token and wake it if it was blocked.  The xchg is a
 * full barrier: the caller's earlier stores are visible to @t once it sees
 * the token.  Returns @t's state before the resume.
 */
static int lws_resume(struct lws_member *from, struct lws_member *t, bool here)
{
	int old = atomic_xchg(&t->state, LWS_TOKEN);

	trace_lwswitch_resume(from->handle, t->handle, t->tid_key,
			      old == LWS_WAITING, here);
	switch (old) {
	case LWS_WAITING:
		lws_stat_inc(LWS_STAT_RESUME_WOKE);
		lws_place_wake(t, here);
		break;
	case LWS_RUNNABLE:
		/* On a run queue: it sees the token when it next runs. */
		lws_stat_inc(LWS_STAT_RESUME_RUNNABLE);
		break;
	default:
		lws_stat_inc(LWS_STAT_RESUME_TOKEN);
		break;
	}
	return old;
}

static inline bool lws_past(ktime_t deadline)
{
	return deadline != KTIME_MAX && ktime_compare(deadline, ktime_get()) <= 0;
}

/*
 * Block until resumed, a signal, the deadline (KTIME_MAX: none) or, for a
 * SWITCHTO caller, the end of the member it switched to.  A resume that
 * races with any of the others wins: it is consumed and 0 returned.
 * @from is the caller's own state on entry, unless a token came: IDLE, or
 * RUNNABLE for a runnable waiter back from its yield.
 */
static int lws_park(struct lws_member *me, int from, ktime_t deadline,
		    const struct lws_member *target)
{
	int ret = 0;

	if (atomic_cmpxchg(&me->state, LWS_TOKEN, LWS_IDLE) == LWS_TOKEN) {
		lws_stat_inc(LWS_STAT_TOKEN_CONSUMED);
		return 0;
	}
	if (lws_past(deadline)) {
		/* A runnable waiter goes back to IDLE, unless a token came. */
		if (from == LWS_RUNNABLE &&
		    atomic_cmpxchg(&me->state, LWS_RUNNABLE, LWS_IDLE) != LWS_RUNNABLE) {
			atomic_set(&me->state, LWS_IDLE);
			lws_stat_inc(LWS_STAT_TOKEN_CONSUMED);
			return 0;
		}
		lws_stat_inc(LWS_STAT_TIMEOUT);
		return -ETIMEDOUT;
	}
	/* Only we leave @from for WAITING; failure means a token arrived. */
	if (atomic_cmpxchg(&me->state, from, LWS_WAITING) != from) {
		atomic_set(&me->state, LWS_IDLE);
		lws_stat_inc(LWS_STAT_TOKEN_CONSUMED);
		return 0;
	}
	if (from == LWS_RUNNABLE)
		lws_stat_inc(LWS_STAT_YIELD_BLOCKED);

	/*
	 * No wait queue: a member has one sleeper, itself, and its wakers
	 * wake ->task directly (lws_place_wake()).  set_current_state() is
	 * a full barrier before we look at the token, and a resume's xchg a
	 * full barrier before try_to_wake_up() looks at our task state, so
	 * either we see the token here or the waker sees us sleeping.
	 */
	trace_lwswitch_block(me->handle, target ? target->handle : 0,
			     target ? target->tid_key : 0);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (atomic_read(&me->state) == LWS_TOKEN)
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (READ_ONCE(me->blocked_on) == LWS_PARTNER_GONE) {
			ret = -EOWNERDEAD;
			break;
		}
		if (deadline == KTIME_MAX) {
			schedule();
		} else if (!schedule_hrtimeout_range(&deadline,
						     current->timer_slack_ns,
						     HRTIMER_MODE_ABS)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);

	if (atomic_cmpxchg(&me->state, LWS_WAITING, LWS_IDLE) != LWS_WAITING) {
		/* TOKEN: only we leave it, so a plain store is enough. */
		atomic_set(&me->state, LWS_IDLE);
		ret = 0;
	}
	if (ret == -EINTR)
		lws_stat_inc(LWS_STAT_INTERRUPTED);
	else if (ret == -ETIMEDOUT)
		lws_stat_inc(LWS_STAT_TIMEOUT);
	else if (ret == -EOWNERDEAD)
		lws_stat_inc(LWS_STAT_OWNER_DEAD);
	trace_lwswitch_unblock(me->handle, ret);
	return ret;
}

/* ---- ioctls ------------------------------------------------------------ */

#define LWS_HOP_TIMEOUTS (LWSWITCH_HOP_TIMEOUT | LWSWITCH_HOP_ABSTIME)

static int lws_get_hop(struct lwswitch_hop *hop,
		       const struct lwswitch_hop __user *uhop, u32 allowed)
{
	/* One user-access window, field by field: the hot path's only read. */
	if (!user_access_begin(uhop, sizeof(*uhop)))
		return -EFAULT;
	unsafe_get_user(hop->target, &uhop->target, efault);
	unsafe_get_user(hop->flags, &uhop->flags, efault);
	unsafe_get_user(hop->timeout_ns, &uhop->timeout_ns, efault);
	unsafe_get_user(hop->reserved[0], &uhop->reserved[0], efault);
	unsafe_get_user(hop->reserved[1], &uhop->reserved[1], efault);
	user_access_end();
	if (hop->flags & ~allowed)
		return -EINVAL;
	if ((hop->flags & LWS_HOP_TIMEOUTS) == LWS_HOP_TIMEOUTS)
		return -EINVAL;
	if (!(hop->flags & LWS_HOP_TIMEOUTS) && hop->timeout_ns)
		return -EINVAL;
	if (hop->reserved[0] || hop->reserved[1])
		return -EINVAL;
	return 0;

efault:
	user_access_end();
	return -EFAULT;
}

/* The absolute CLOCK_MONOTONIC deadline of @hop; KTIME_MAX for none. */
static ktime_t lws_deadline(const struct lwswitch_hop *hop)
{
	if (hop->timeout_ns > (u64)KTIME_MAX)
		return KTIME_MAX;
	if (hop->flags & LWSWITCH_HOP_ABSTIME)
		return (ktime_t)hop->timeout_ns;
	if (hop->flags & LWSWITCH_HOP_TIMEOUT)
		return ktime_add_safe(ktime_get(), (ktime_t)hop->timeout_ns);
	return KTIME_MAX;
}

/*
 * Whether @m has left, or is leaving: its thread may already look dead to
 * user space (pthread_join() returns at the CLEARTID wake in exit_mm(),
 * before the exit hook runs), and PF_EXITING is set before that.
 */
static inline bool lws_member_leaving(const struct lws_member *m)
{
	return READ_ONCE(m->gone) || (READ_ONCE(m->task->flags) & PF_EXITING);
}

/* Find the live member @handle for @me; under rcu_read_lock(). */
static int lws_target(struct lws_domain *d, struct lws_member *me, u32 handle,
		      struct lws_member **tp)
{
	struct lws_member *t;

	if (!handle || handle == me->handle)
		return -EINVAL;
	t = xa_load(&d->members, handle);
	if (!t || lws_member_leaving(t))
		return -ESRCH;
	*tp = t;
	return 0;
}

/* After the resume: either we see @t gone or its removal sees us. */
static inline void lws_check_gone(struct lws_member *me, struct lws_member *t)
{
	if (READ_ONCE(t->gone))
		cmpxchg(&me->blocked_on, t, LWS_PARTNER_GONE);
}

/* SWITCHTO, handoff=block: resume @t onto this CPU, then sleep. */
static int lws_switch_block(struct lws_member *me, struct lws_member *t,
			    ktime_t deadline)
{
	lws_resume(me, t, true);
	lws_check_gone(me, t);
	return lws_park(me, LWS_IDLE, deadline, t);
}

/*
 * SWITCHTO, handoff=yield: the directed hand-off (the state machine is in
 * lwswitch_internal.h).  We wait runnable and give this CPU to @t with
 * yield_to(), which needs @t on a run queue and not running: woken onto
 * this CPU if it was blocked, already queued if it was a runnable waiter
 * itself.  Once we run again we either hold a token or block for real.
 */
static int lws_switch_yield(struct lws_member *me, struct lws_member *t,
			    ktime_t deadline)
{
	int old, ret;

	/* A pending token (only a token can make this fail): as block. */
	if (atomic_cmpxchg(&me->state, LWS_IDLE, LWS_RUNNABLE) != LWS_IDLE)
		return lws_switch_block(me, t, deadline);

	old = lws_resume(me, t, true);
	lws_check_gone(me, t);
	if ((old == LWS_WAITING || old == LWS_RUNNABLE) &&
	    !signal_pending(current) && !lws_past(deadline)) {
		ret = yield_to(t->task, true);
		trace_lwswitch_yield(me->handle, t->handle, t->tid_key, ret);
		lws_stat_inc(ret > 0 ? LWS_STAT_YIELD : LWS_STAT_YIELD_DECLINED);
	}

	/* Back on a CPU: consume a token that came meanwhile, or block. */
	return lws_park(me, LWS_RUNNABLE, deadline, t);
}

static long lws_ioc_switchto(struct lws_domain *d, void __user *uarg)
{
	struct lws_member *me, *t;
	struct lwswitch_hop hop;
	ktime_t deadline;
	int ret;

	ret = lws_get_hop(&hop, uarg, LWS_HOP_TIMEOUTS);
	if (ret)
		return ret;
	me = lws_self(d);
	if (!me)
		return -EPERM;
	deadline = lws_deadline(&hop);
	lws_stat_inc(LWS_STAT_SWITCHTO);

	rcu_read_lock();
	ret = lws_target(d, me, hop.target, &t);
	if (!ret && !refcount_inc_not_zero(&t->ref))
		ret = -ESRCH;
	if (ret) {
		rcu_read_unlock();
		return ret;
	}
	rcu_read_unlock();

	/*
	 * Publish what we are blocked on before the resume (whose xchg is a
	 * full barrier), then look at ->gone: either we see the target gone
	 * or lws_member_remove() sees our ->blocked_on (and our reference).
	 */
	WRITE_ONCE(me->blocked_on, t);
	if (READ_ONCE(handoff) == LWS_HANDOFF_YIELD)
		ret = lws_switch_yield(me, t, deadline);
	else
		ret = lws_switch_block(me, t, deadline);
	WRITE_ONCE(me->blocked_on, NULL);
	lws_member_put(t);
	return ret;
}

static long lws_ioc_wake(struct lws_domain *d, void __user *uarg)
{
	struct lws_member *me, *t;
	struct lwswitch_hop hop;
	int ret;

	ret = lws_get_hop(&hop, uarg, LWSWITCH_HOP_HERE);
	if (ret)
		return ret;
	me = lws_self(d);
	if (!me)
		return -EPERM;
	lws_stat_inc(LWS_STAT_WAKE);

	rcu_read_lock();
	ret = lws_target(d, me, hop.target, &t);
	if (!ret)
		lws_resume(me, t, hop.flags & LWSWITCH_HOP_HERE);
	rcu_read_unlock();
	return ret;
}

static long lws_ioc_wait(struct lws_domain *d, void __user *uarg)
{
	struct lws_member *me;
	struct lwswitch_hop hop;
	int ret;

	ret = lws_get_hop(&hop, uarg, LWS_HOP_TIMEOUTS);
	if (ret)
		return ret;
	if (hop.target)
		return -EINVAL;
	me = lws_self(d);
	if (!me)
		return -EPERM;
	lws_stat_inc(LWS_STAT_WAIT);
	return lws_park(me, LWS_IDLE, lws_deadline(&hop), NULL);
}

static long lws_ioc_info(void __user *uarg)
{
	struct lwswitch_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.flags || info.__pad || info.reserved[0])
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.version = LWSWITCH_API_VERSION;
	info.placement = lws_placement;
	info.max_members = READ_ONCE(max_members);
	info.max_domains = READ_ONCE(max_domains);
	info.max_user_domains = READ_ONCE(max_user_domains);
	info.max_user_members = READ_ONCE(max_user_members);
	info.features = LWSWITCH_FEAT_TIMEOUT | LWSWITCH_FEAT_LOOKUP_TID |
			LWSWITCH_FEAT_OWNER_DEAD;
	if (READ_ONCE(handoff) == LWS_HANDOFF_YIELD)
		info.features |= LWSWITCH_FEAT_HANDOFF_YIELD;
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long lws_ioc_register(struct lws_domain *d, void __user *uarg)
{
	struct lwswitch_register reg;
	struct lws_member *m;
	int ret;

	if (copy_from_user(&reg, uarg, sizeof(reg)))
		return -EFAULT;
	if (reg.flags || reg.handle || reg.reserved[0] || reg.reserved[1] ||
	    reg.reserved[2])
		return -EINVAL;

	if (atomic_inc_return(&d->nr_members) > READ_ONCE(max_members)) {
		ret = -ENOSPC;
		goto err_count;
	}
	if (atomic_inc_return(&d->user->nr_members) > READ_ONCE(max_user_members)) {
		ret = -ENOSPC;
		goto err_user;
	}
	m = kmem_cache_zalloc(lws_member_cache, LWS_GFP);
	if (!m) {
		ret = -ENOMEM;
		goto err_user;
	}
	atomic_set(&m->state, LWS_IDLE);
	refcount_set(&m->ref, 1);
	m->dom = d;
	m->task = get_task_struct(current);
	m->tid_key = current->pid;

	ret = xa_insert(&d->by_tid, m->tid_key, m, LWS_GFP);
	if (ret) {
		ret = ret == -EBUSY ? -EEXIST : ret;
		goto err_free;
	}
	ret = xa_alloc_cyclic(&d->members, &m->handle, m,
			      XA_LIMIT(1, INT_MAX), &d->next_handle, LWS_GFP);
	if (ret < 0) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_tid;
	}
	atomic_inc(&lws_nr_members);
	lws_task_hash_add(m);
	lws_stat_inc(LWS_STAT_REGISTER);
	trace_lwswitch_member(m->handle, m->tid_key, LWS_WHY_REGISTER);

	reg.handle = m->handle;
	if (copy_to_user(uarg, &reg, sizeof(reg))) {
		/*
		 * Loses nothing: the registration is undone (and counted as
		 * an unregistration, as its tracepoint says).
		 */
		lws_member_remove(m, LWS_WHY_UNREGISTER);
		return -EFAULT;
	}
	return 0;

err_tid:
	xa_erase(&d->by_tid, m->tid_key);
err_free:
	put_task_struct(m->task);
	kmem_cache_free(lws_member_cache, m);
err_user:
	atomic_dec(&d->user->nr_members);
err_count:
	atomic_dec(&d->nr_members);
	return ret;
}

static long lws_ioc_unregister(struct lws_domain *d, void __user *uarg)
{
	struct lwswitch_register reg;
	struct lws_member *me;

	if (copy_from_user(&reg, uarg, sizeof(reg)))
		return -EFAULT;
	if (reg.flags || reg.handle || reg.reserved[0] || reg.reserved[1] ||
	    reg.reserved[2])
		return -EINVAL;
	me = lws_self(d);
	if (!me)
		return -EPERM;
	lws_member_remove(me, LWS_WHY_UNREGISTER);
	return 0;
}

static long lws_ioc_lookup(struct lws_domain *d, void __user *uarg)
{
	struct lwswitch_lookup lk;
	struct task_struct *task;
	struct lws_member *m = NULL;

	if (copy_from_user(&lk, uarg, sizeof(lk)))
		return -EFAULT;
	if (!lk.tid || lk.handle || lk.flags || lk.__pad || lk.reserved[0] ||
	    lk.reserved[1])
		return -EINVAL;
	if (lk.tid > PID_MAX_LIMIT)
		return -ESRCH;

	rcu_read_lock();
	task = pid_task(find_vpid(lk.tid), PIDTYPE_PID);
	if (task)
		m = xa_load(&d->by_tid, task->pid);
	if (m && !lws_member_leaving(m))
		lk.handle = m->handle;
	rcu_read_unlock();
	if (!lk.handle)
		return -ESRCH;

	if (copy_to_user(uarg, &lk, sizeof(lk)))
		return -EFAULT;
	return 0;
}

static long lws_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct lws_domain *d = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LWSWITCH_IOC_SWITCHTO:
		return lws_ioc_switchto(d, uarg);
	case LWSWITCH_IOC_WAIT:
		return lws_ioc_wait(d, uarg);
	case LWSWITCH_IOC_WAKE:
		return lws_ioc_wake(d, uarg);
	case LWSWITCH_IOC_REGISTER:
		return lws_ioc_register(d, uarg);
	case LWSWITCH_IOC_UNREGISTER:
		return lws_ioc_unregister(d, uarg);
	case LWSWITCH_IOC_LOOKUP:
		return lws_ioc_lookup(d, uarg);
	case LWSWITCH_IOC_INFO:
		return lws_ioc_info(uarg);
	default:
		return -ENOTTY;
	}
}

/* ---- the device -------------------------------------------------------- */

/*
 * A new domain, charged to the opener's effective uid: -EMFILE past the
 * system's max_domains or the user's max_user_domains, as inotify_init()
 * fails past max_user_instances.
 */
static int lws_open(struct inode *inode, struct file *file)
{
	struct lws_domain *d;
	struct lws_user *u;
	int ret;

	if (atomic_inc_return(&lws_nr_domains) > READ_ONCE(max_domains)) {
		ret = -EMFILE;
		goto err_count;
	}
	u = lws_user_get(file->f_cred->euid);
	if (!u) {
		ret = -ENOMEM;
		goto err_count;
	}
	/* Our reference counted: over the limit only by opens under way. */
	if (refcount_read(&u->ref) > READ_ONCE(max_user_domains)) {
		ret = -EMFILE;
		goto err_user;
	}
	d = kzalloc(sizeof(*d), LWS_GFP);
	if (!d) {
		ret = -ENOMEM;
		goto err_user;
	}
	xa_init_flags(&d->members, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init_flags(&d->by_tid, XA_FLAGS_ACCOUNT);
	atomic_set(&d->nr_members, 0);
	d->user = u;
	d->file = file;
	file->private_data = d;
	return 0;

err_user:
	lws_user_put(u);
err_count:
	atomic_dec(&lws_nr_domains);
	return ret;
}

/*
 * The last reference to the file is gone, so no ioctl is running on the
 * domain and no member is blocked in it.  Members whose threads still live
 * are removed; an exit hook racing with us on one of them loses or wins the
 * xchg in lws_member_remove() and touches the domain and its user under
 * RCU only, which the kfree_rcu() of both waits for.
 */
static int lws_release(struct inode *inode, struct file *file)
{
	struct lws_domain *d = file->private_data;
	struct lws_member *m;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&d->members, idx, m)
		lws_member_remove(m, LWS_WHY_CLOSE);
	rcu_read_unlock();
	xa_destroy(&d->members);
	xa_destroy(&d->by_tid);
	lws_user_put(d->user);
	kfree_rcu(d, rcu);
	atomic_dec(&lws_nr_domains);
	return 0;
}

static const struct file_operations lws_fops = {
	.owner		= THIS_MODULE,
	.open		= lws_open,
	.release	= lws_release,
	.unlocked_ioctl	= lws_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice lws_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= LWSWITCH_DEVICE_NAME,
	.fops	= &lws_fops,
	/*
	 * No .mode: who may use the device is the system's policy, set by
	 * udev (udev/60-lwswitch.rules: group lwswitch, 0660).
	 */
};

/* ---- debugfs counters -------------------------------------------------- */

static const char * const lws_stat_names[LWS_NR_STATS] = {
	[LWS_STAT_SWITCHTO]		= "switchto",
	[LWS_STAT_WAKE]			= "wake",
	[LWS_STAT_WAIT]			= "wait",
	[LWS_STAT_RESUME_WOKE]		= "resume_woke",
	[LWS_STAT_RESUME_TOKEN]		= "resume_token",
	[LWS_STAT_RESUME_RUNNABLE]	= "resume_runnable",
	[LWS_STAT_YIELD]		= "yield",
	[LWS_STAT_YIELD_DECLINED]	= "yield_declined",
	[LWS_STAT_YIELD_BLOCKED]	= "yield_blocked",
	[LWS_STAT_SAME_CPU]		= "same_cpu",
	[LWS_STAT_OTHER_CPU]		= "other_cpu",
	[LWS_STAT_TOKEN_CONSUMED]	= "token_consumed",
	[LWS_STAT_TIMEOUT]		= "timeout",
	[LWS_STAT_INTERRUPTED]		= "interrupted",
	[LWS_STAT_OWNER_DEAD]		= "owner_dead",
	[LWS_STAT_REGISTER]		= "register",
	[LWS_STAT_UNREGISTER]		= "unregister",
	[LWS_STAT_EXIT]			= "exit",
	[LWS_STAT_CLOSE]		= "close",
	[LWS_STAT_SCAN_DEFERRED]	= "scan_deferred",
};

static int lws_stats_show(struct seq_file *s, void *unused)
{
	unsigned long sum;
	int i, cpu;

	seq_printf(s, "domains %d\n", atomic_read(&lws_nr_domains));
	seq_printf(s, "members %d\n", atomic_read(&lws_nr_members));
	seq_printf(s, "placement %d\n", lws_placement);
	seq_printf(s, "handoff %d\n", READ_ONCE(handoff));
	for (i = 0; i < LWS_NR_STATS; i++) {
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += per_cpu(lws_stats[i], cpu);
		seq_printf(s, "%s %lu\n", lws_stat_names[i], sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lws_stats);

static struct dentry *lws_debugfs;

/* ---- module ------------------------------------------------------------ */

static int __init lws_init(void)
{
	int ret;

	lws_member_cache = KMEM_CACHE(lws_member, SLAB_ACCOUNT);
	if (!lws_member_cache)
		return -ENOMEM;
	ret = lws_place_init(placement);
	if (ret)
		goto err_cache;
	ret = lws_hooks_init();
	if (ret)
		goto err_place;
	ret = misc_register(&lws_misc);
	if (ret)
		goto err_hooks;

	lws_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, lws_debugfs, NULL, &lws_stats_fops);
	pr_info("ready, placement %d, handoff %s\n", lws_placement,
		handoff == LWS_HANDOFF_YIELD ? "yield" : "block");
	return 0;

err_hooks:
	lws_hooks_exit();
err_place:
	lws_place_exit();
err_cache:
	kmem_cache_destroy(lws_member_cache);
	return ret;
}

static void __exit lws_exit(void)
{
	debugfs_remove_recursive(lws_debugfs);
	misc_deregister(&lws_misc);
	lws_hooks_exit();
	lws_place_exit();
	/* Wait for lws_member_free_rcu() and kfree_rcu() callbacks. */
	rcu_barrier();
	kmem_cache_destroy(lws_member_cache);
}

module_init(lws_init);
module_exit(lws_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Direct thread-to-thread hand-off (switchto) device");
MODULE_AUTHOR("The lwswitch developers");
MODULE_VERSION(LWSWITCH_VERSION);
