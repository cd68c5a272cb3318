// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch — placement: running a resumed target on the resumer's CPU.
 *
 * A plain wake-up lets the fair class choose the target's CPU, and with an
 * idle sibling it nearly always chooses the sibling: a cross-CPU wake-up
 * (IPI, idle exit) per hop.  SWITCHTO wants the target queued on the
 * caller's CPU, which the caller is about to leave, without touching the
 * target's user-visible affinity.  Two mechanisms, chosen at load time:
 *
 * LWSWITCH_PLACE_CURRENT_CPU (kernels >= 6.6): swake_up_locked() is
 *   exported and, since 6.6, passes its wake flags to try_to_wake_up();
 *   WF_CURRENT_CPU makes select_task_rq_fair() return the waking CPU when
 *   the target's affinity allows it.  The flag lives in the private
 *   kernel/sched/sched.h; its value (0x40 in 6.6 to 6.12) is mirrored here.
 *
 * LWSWITCH_PLACE_FTRACE (older kernels, 6.1): an ftrace hook on
 *   select_task_rq_fair() that acts only when the task being placed is the
 *   one this CPU is waking for lwswitch right now (a per-CPU marker set
 *   with preemption off).  It then redirects the call to a function
 *   returning the current CPU, again only if the target's affinity allows
 *   it.  Every other wake-up on the system pays one ftrace call and a
 *   per-CPU compare; the benchmark measures it.
 *
 * LWSWITCH_PLACE_WAKE: the plain wake-up, for comparison.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/jiffies.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/swait.h>
#include <linux/version.h>

#include <linux/lwswitch.h>

#include "lwswitch_internal.h"

int lws_placement = LWSWITCH_PLACE_WAKE;

/*
 * The flag's value is private to the scheduler, so it is used only on the
 * versions whose kernel/sched/sched.h it was read from (6.6 to 6.12); a
 * later kernel gets the ftrace hook or plain wake-ups until its sched.h
 * has been read and the bound moved.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define LWS_WF_CURRENT_CPU	0x40
#define LWS_HAVE_CURRENT_CPU	1

/*
 * try_to_wake_up(@p, TASK_NORMAL, WF_CURRENT_CPU), through the one exported
 * function that passes wake flags: swake_up_locked() wakes the first task
 * of a simple wait queue.  The queue is ours, on the stack, with @p as its
 * only entry; nobody else can see it, so its lock is neither needed nor
 * initialised (swake_up_locked() only reads and unlinks the list).
 */
static void lws_wake_current_cpu(struct task_struct *p)
{
	struct swait_queue_head q;
	struct swait_queue w = { .task = p };

	INIT_LIST_HEAD(&q.task_list);
	list_add(&w.task_list, &q.task_list);
	swake_up_locked(&q, LWS_WF_CURRENT_CPU);
}
#else
#define LWS_HAVE_CURRENT_CPU	0
static void lws_wake_current_cpu(struct task_struct *p) { wake_up_process(p); }
#endif

#if defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && defined(CONFIG_X86_64)
#define LWS_HAVE_FTRACE		1

/* The task this CPU is waking for an lwswitch hand-off, or NULL. */
static DEFINE_PER_CPU(struct task_struct *, lws_wakee);
static bool lws_ftrace_registered;

/*
 * Stands in for select_task_rq_fair() for lwswitch wake-ups.  It keeps the
 * one piece of bookkeeping the original does for the waker before it
 * chooses: the wake_wide() statistics of record_wakee() (private to
 * kernel/sched/fair.c; the fields are the task's own, decayed once a
 * second), so that the waker's later plain wake-ups are placed as though
 * this one had gone the normal way.  What it leaves out is the choice
 * itself, including the idle-sibling search and the hint that search
 * leaves in p->recent_used_cpu (docs/design.md, "Placement per kernel").
 */
static int notrace lws_select_this_cpu(struct task_struct *p, int prev_cpu,
				       int wake_flags)
{
#ifdef CONFIG_SMP
	struct task_struct *waker = current;

	if (time_after(jiffies, waker->wakee_flip_decay_ts + HZ)) {
		waker->wakee_flips >>= 1;
		waker->wakee_flip_decay_ts = jiffies;
	}
	if (waker->last_wakee != p) {
		waker->last_wakee = p;
		waker->wakee_flips++;
	}
#endif
	return raw_smp_processor_id();
}

static void notrace lws_ftrace_handler(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct task_struct *p;

	if (!regs)
		return;
	p = (struct task_struct *)regs_get_kernel_argument(regs, 0);
	if (likely(p != __this_cpu_read(lws_wakee)))
		return;
	if (!cpumask_test_cpu(raw_smp_processor_id(), p->cpus_ptr))
		return;
	instruction_pointer_set(regs, (unsigned long)lws_select_this_cpu);
}

/*
 * PERMANENT: while the hook is registered, sysctl kernel.ftrace_enabled=0
 * fails with EBUSY instead of silently turning placement off (with it
 * already 0, registering fails and placement falls back to plain wake-ups).
 */
static struct ftrace_ops lws_ftrace_ops = {
	.func	= lws_ftrace_handler,
	.flags	= FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		  FTRACE_OPS_FL_PERMANENT,
};

static int lws_ftrace_register(void)
{
	char func[] = "select_task_rq_fair";
	int ret;

	ret = ftrace_set_filter(&lws_ftrace_ops, func, strlen(func), 0);
	if (ret)
		return ret;
	ret = register_ftrace_function(&lws_ftrace_ops);
	if (ret) {
		ftrace_free_filter(&lws_ftrace_ops);
		return ret;
	}
	lws_ftrace_registered = true;
	return 0;
}

static void lws_ftrace_unregister(void)
{
	if (!lws_ftrace_registered)
		return;
	unregister_ftrace_function(&lws_ftrace_ops);
	ftrace_free_filter(&lws_ftrace_ops);
	lws_ftrace_registered = false;
}
#else
#define LWS_HAVE_FTRACE		0
static int lws_ftrace_register(void) { return -EOPNOTSUPP; }
static void lws_ftrace_unregister(void) { }
#endif

/**
 * lws_place_init - choose and set up the placement mechanism.
 * @requested: an enum lwswitch_placement, or -1 for the best available.
 *
 * Return: 0, or -EINVAL when @requested is unknown, or is
 * LWSWITCH_PLACE_CURRENT_CPU on a kernel outside 6.6 to 6.12.  An ftrace
 * hook that cannot be set up (asked for, or chosen by -1) falls back to
 * plain wake-ups with a warning; lws_placement says what is in force.
 */
int lws_place_init(int requested)
{
	int ret;

	if (requested < 0)
		requested = LWS_HAVE_CURRENT_CPU ? LWSWITCH_PLACE_CURRENT_CPU :
			    LWS_HAVE_FTRACE ? LWSWITCH_PLACE_FTRACE :
			    LWSWITCH_PLACE_WAKE;

	switch (requested) {
	case LWSWITCH_PLACE_WAKE:
		break;
	case LWSWITCH_PLACE_CURRENT_CPU:
		if (!LWS_HAVE_CURRENT_CPU) {
			pr_err("placement=1 needs a kernel from 6.6 to 6.12\n");
			return -EINVAL;
		}
		break;
	case LWSWITCH_PLACE_FTRACE:
		ret = lws_ftrace_register();
		if (ret) {
			pr_warn("ftrace placement unavailable (%d), using plain wake-ups\n",
				ret);
			requested = LWSWITCH_PLACE_WAKE;
		}
		break;
	default:
		pr_err("unknown placement %d\n", requested);
		return -EINVAL;
	}
	lws_placement = requested;
	return 0;
}

void lws_place_exit(void)
{
	lws_ftrace_unregister();
}

/*
 * Wake @m's thread if it sleeps in lws_park() (if it has not gone to sleep
 * yet, it sees its token first).  It may also have left lws_park() on a
 * timeout or signal just before the token came, and be asleep elsewhere:
 * then this is a spurious wake-up there, which every sleeper in the kernel
 * tolerates (as with wake_q).  @m->task is pinned by @m, which the caller
 * keeps alive (RCU, or a reference).  Preemption is off while the per-CPU
 * marker names the wakee and until the placement is counted.
 */
void lws_place_wake(struct lws_member *m, bool here)
{
	struct task_struct *p = m->task;

	if (!here || lws_placement == LWSWITCH_PLACE_WAKE) {
		wake_up_process(p);
		if (here)
			lws_stat_inc(task_cpu(p) == raw_smp_processor_id() ?
				     LWS_STAT_SAME_CPU : LWS_STAT_OTHER_CPU);
		return;
	}
	preempt_disable();
	if (lws_placement == LWSWITCH_PLACE_CURRENT_CPU) {
		lws_wake_current_cpu(p);
	} else {
#if LWS_HAVE_FTRACE
		__this_cpu_write(lws_wakee, p);
#endif
		wake_up_process(p);
#if LWS_HAVE_FTRACE
		__this_cpu_write(lws_wakee, NULL);
#endif
	}
	lws_stat_inc(task_cpu(p) == smp_processor_id() ?
		     LWS_STAT_SAME_CPU : LWS_STAT_OTHER_CPU);
	preempt_enable();
}
