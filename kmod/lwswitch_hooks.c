// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch — ending memberships when their thread exits or execs.
 *
 * A member's thread may die anywhere (in user space, by SIGKILL, with its
 * whole process), and peers blocked on it must not be left hanging.  No
 * exit notifier is exported to modules, but the scheduler's
 * sched_process_exit and sched_process_exec tracepoints are reachable
 * through for_each_kernel_tracepoint() and tracepoint_probe_register(),
 * both exported.  The probes run for every task on the system: they leave
 * at once while no member exists, and otherwise look the task up in a
 * small hash of member threads.
 *
 * Probes run in atomic context (under RCU, preemption off): they take only
 * spinlocks, and lws_member_remove() obeys that.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "lwswitch_internal.h"

/*
 * Every task's exit on the system looks its bucket up while any member
 * exists, so the chains must stay short however many members users make:
 * 4,096 buckets (32 KiB) keep 100,000 members at ~25 per chain.
 */
static DEFINE_HASHTABLE(lws_tasks, 12);
static DEFINE_SPINLOCK(lws_tasks_lock);

void lws_task_hash_add(struct lws_member *m)
{
	spin_lock(&lws_tasks_lock);
	hash_add_rcu(lws_tasks, &m->tnode, (unsigned long)m->task);
	spin_unlock(&lws_tasks_lock);
}

void lws_task_hash_del(struct lws_member *m)
{
	spin_lock(&lws_tasks_lock);
	hash_del_rcu(&m->tnode);
	spin_unlock(&lws_tasks_lock);
}

/* End every membership of @p. */
static void lws_task_gone(struct task_struct *p, enum lws_why why)
{
	struct lws_member *m;

	if (likely(!atomic_read(&lws_nr_members)))
		return;
	rcu_read_lock();
	hash_for_each_possible_rcu(lws_tasks, m, tnode, (unsigned long)p)
		if (m->task == p)
			lws_member_remove(m, why);
	rcu_read_unlock();
}

static void lws_probe_exit(void *data, struct task_struct *p)
{
	lws_task_gone(p, LWS_WHY_EXIT);
}

static void lws_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	lws_task_gone(p, LWS_WHY_EXEC);
}

struct lws_tp {
	const char		*name;
	void			*probe;
	struct tracepoint	*tp;
	bool			registered;
};

static struct lws_tp lws_tps[] = {
	{ .name = "sched_process_exit", .probe = lws_probe_exit },
	{ .name = "sched_process_exec", .probe = lws_probe_exec },
};

static void lws_find_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lws_tps); i++)
		if (!strcmp(tp->name, lws_tps[i].name))
			lws_tps[i].tp = tp;
}

void lws_hooks_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lws_tps); i++) {
		if (!lws_tps[i].registered)
			continue;
		tracepoint_probe_unregister(lws_tps[i].tp, lws_tps[i].probe, NULL);
		lws_tps[i].registered = false;
	}
	tracepoint_synchronize_unregister();
}

int lws_hooks_init(void)
{
	int i, ret;

	for_each_kernel_tracepoint(lws_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(lws_tps); i++) {
		if (!lws_tps[i].tp) {
			pr_err("tracepoint %s not found\n", lws_tps[i].name);
			ret = -ENOENT;
			goto err;
		}
		ret = tracepoint_probe_register(lws_tps[i].tp, lws_tps[i].probe,
						NULL);
		if (ret) {
			pr_err("cannot attach to %s: %d\n", lws_tps[i].name, ret);
			goto err;
		}
		lws_tps[i].registered = true;
	}
	return 0;
err:
	lws_hooks_exit();
	return ret;
}
