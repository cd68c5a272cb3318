/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM lwswitch

#if !defined(_LWSWITCH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _LWSWITCH_TRACE_H

#include <linux/tracepoint.h>

/*
 * Handles are domain-local; every event that names another member gives
 * its thread id too (the kernel's pid, as sched_switch's next_pid), so a
 * hand-off can be read beside sched:sched_switch.  The acting thread is
 * the event's own common_pid.
 */

/* A resume sent to @to; @woke says whether it was blocked (else a token). */
TRACE_EVENT(lwswitch_resume,
	TP_PROTO(u32 from, u32 to, pid_t to_pid, bool woke, bool here),
	TP_ARGS(from, to, to_pid, woke, here),
	TP_STRUCT__entry(
		__field(u32, from)
		__field(u32, to)
		__field(pid_t, to_pid)
		__field(bool, woke)
		__field(bool, here)
	),
	TP_fast_assign(
		__entry->from = from;
		__entry->to = to;
		__entry->to_pid = to_pid;
		__entry->woke = woke;
		__entry->here = here;
	),
	TP_printk("from=%u to=%u to_pid=%d woke=%d here=%d",
		  __entry->from, __entry->to, __entry->to_pid, __entry->woke,
		  __entry->here)
);

/* A member about to block (@target: the member it switched to, or 0). */
TRACE_EVENT(lwswitch_block,
	TP_PROTO(u32 handle, u32 target, pid_t target_pid),
	TP_ARGS(handle, target, target_pid),
	TP_STRUCT__entry(
		__field(u32, handle)
		__field(u32, target)
		__field(pid_t, target_pid)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->target = target;
		__entry->target_pid = target_pid;
	),
	TP_printk("handle=%u target=%u target_pid=%d", __entry->handle,
		  __entry->target, __entry->target_pid)
);

/* A member's wait ended with @ret (0 when resumed). */
TRACE_EVENT(lwswitch_unblock,
	TP_PROTO(u32 handle, int ret),
	TP_ARGS(handle, ret),
	TP_STRUCT__entry(
		__field(u32, handle)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->ret = ret;
	),
	TP_printk("handle=%u ret=%d", __entry->handle, __entry->ret)
);

/*
 * A runnable waiter asked yield_to() to give its CPU to @target; @ret is
 * what it returned (> 0: the scheduler took the hint, which does not
 * prove @target ran first; 0 or < 0: declined).
 */
TRACE_EVENT(lwswitch_yield,
	TP_PROTO(u32 handle, u32 target, pid_t target_pid, int ret),
	TP_ARGS(handle, target, target_pid, ret),
	TP_STRUCT__entry(
		__field(u32, handle)
		__field(u32, target)
		__field(pid_t, target_pid)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->target = target;
		__entry->target_pid = target_pid;
		__entry->ret = ret;
	),
	TP_printk("handle=%u target=%u target_pid=%d ret=%d", __entry->handle,
		  __entry->target, __entry->target_pid, __entry->ret)
);

/* Membership changes; @why is an enum lws_why (lwswitch_internal.h). */
TRACE_EVENT(lwswitch_member,
	TP_PROTO(u32 handle, pid_t tid, int why),
	TP_ARGS(handle, tid, why),
	TP_STRUCT__entry(
		__field(u32, handle)
		__field(pid_t, tid)
		__field(int, why)
	),
	TP_fast_assign(
		__entry->handle = handle;
		__entry->tid = tid;
		__entry->why = why;
	),
	TP_printk("handle=%u tid=%d %s", __entry->handle, __entry->tid,
		  __print_symbolic(__entry->why,
				   { 0, "register" }, { 1, "unregister" },
				   { 2, "exit" }, { 3, "exec" }, { 4, "close" }))
);

#endif /* _LWSWITCH_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE lwswitch_trace
#include <trace/define_trace.h>
