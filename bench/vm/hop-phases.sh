#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM booted under QEMU icount (make bench-hop-profile,
# its second boot): the guest instructions of each phase of one hop, from
# the function_graph tracer.  Under `-icount shift=0' one guest instruction
# is one nanosecond of the guest's clock, so a traced call's duration is
# the number of instructions it ran, and it repeats from boot to boot.
#
# Only the phase functions below are traced (set_ftrace_filter); a
# function's *self* count is its duration minus its traced children's, so
# everything it calls that is not traced (copy_from_user, ktime_get, ...)
# counts as its own.  A traced call that switches tasks (schedule() and
# what calls it) has a duration spanning the other thread's turn, which
# its traced child __schedule() holds: __schedule()'s self count is
# therefore not reported, only its traced parts (dequeue, pick, switch).
#
# The tracer is not free: every traced call runs its entry and exit hooks,
# some hundreds of instructions.  Their cost per call, H, is measured
# first on yield-pinned, whose path is the same traced or not: its round
# trip (lws-pingpong's own figure, in instructions under icount) with no
# tracer and traced, the difference divided by the traced calls per round
# trip.  The entry hook stamps the call's start before it writes its
# event, and the exit hook stamps the end before it writes its own: so
# about half of H lands in the call's own count and half in its parent's.
# Each function is given less H/2 per call of its own and H/2 per traced
# call it makes.  "syscall" is the entry and exit of the hop's system
# calls: their number per hop (traced) times a null system call
# (getppid, measured with no tracer).  "rest" is what the untraced hop
# has beyond all the phases: the user-space loop, and the kernel code
# between the system call's entry and the first traced function (for
# SWITCHTO, the ioctl's file lookup and security hooks).  The
# half-and-half split is an estimate; the raw counts are printed beside
# the corrected ones.  A row whose traced round trip is
# not its untraced one plus H per traced call took another path when
# traced (the directed hand-off's decisions depend on timing): its
# "phase-hop" line shows both, and its phases describe the traced path.
#
# Output, to stdout (a hop is half a round trip):
#   phase-null,<insns of a null system call>
#   phase-hop,<row>,<insns per hop untraced>,<insns per hop traced>,<hops traced>
#   phase-calls,<row>,<traced calls per hop>,<H>,<insns per hop traced,
#               expected from the untraced hop and H>
#   phase,<row>,<phase>,<insns per hop, corrected>,<raw>
#   phase-fn,<row>,<function>,<calls per hop>,<self insns per hop, raw>
set -u
T=/sys/kernel/tracing
# yield-pinned first: it calibrates H.
rows="yield-pinned switchto-yield switchto-block switchto-pinned futex-pinned"

# phase:function pairs; a function missing from this kernel is skipped.
map="
syscall:__x64_sys_ioctl syscall:__x64_sys_futex syscall:__x64_sys_sched_yield
module:lws_ioctl
futex:futex_wake futex:futex_wait futex:futex_wait_queue
wakeup:try_to_wake_up wakeup:wake_up_process wakeup:swake_up_locked
wakeup:select_task_rq_fair wakeup:enqueue_task_fair wakeup:ttwu_do_activate
block:dequeue_task_fair
yield:yield_to yield:yield_to_task_fair yield:do_sched_yield yield:yield_task_fair
pick:pick_next_task_fair pick:pick_next_task
switch:__switch_to switch:switch_mm_irqs_off switch:finish_task_switch
switch:finish_task_switch.isra.0 switch:prepare_task_switch
schedule:schedule schedule:__schedule
"

[ -e $T/trace ] || mount -t tracefs nodev $T || exit 1
grep -qw function_graph $T/available_tracers || {
	echo "hop-phases: no function_graph tracer in this kernel" >&2
	exit 1
}
echo 0 > $T/tracing_on
echo nop > $T/current_tracer
: > /tmp/phase.map
H=
for pf in $map; do
	f=${pf#*:}
	grep -q "^$f\( \|$\)" $T/available_filter_functions || continue
	echo "$pf" >> /tmp/phase.map
	echo "$f" >> $T/set_ftrace_filter || echo "hop-phases: cannot trace $f" >&2
done
# The ring buffer keeps the last events of the traced run (overwrite):
# the end of its last repetition.
echo 4000 > $T/buffer_size_kb
echo function_graph > $T/current_tracer
echo 0 > $T/tracing_on
for o in funcgraph-proc funcgraph-tail funcgraph-duration; do
	echo 1 > $T/options/$o
done
for o in funcgraph-irqs funcgraph-overhead funcgraph-cpu; do
	[ -e $T/options/$o ] && echo 0 > $T/options/$o
done

# lws-pingpong's instructions per round trip of one row (icount: "ns").
roundtrip() {
	lws-pingpong --quick --reps 5 --only "$1" |
		awk -F, '$4 == "ns_per_roundtrip" { print $5 }'
}

echo 0 > $T/tracing_on
echo nop > $T/current_tracer
null=$(lws-pingpong --quick --reps 5 --only getppid |
	awk -F, '$2 == "null-syscall" && $4 == "ns" { print $5 }')
[ -n "$null" ] || { echo "hop-phases: no null system call figure" >&2; exit 1; }
echo "phase-null,$null"

for row in $rows; do
	echo "hop-phases: $row" >&2
	echo 0 > $T/tracing_on
	echo nop > $T/current_tracer
	untraced=$(roundtrip "$row")
	echo function_graph > $T/current_tracer
	echo > $T/trace
	echo 1 > $T/tracing_on
	traced=$(roundtrip "$row")
	echo 0 > $T/tracing_on
	[ -n "$untraced" ] && [ -n "$traced" ] || {
		echo "hop-phases: lws-pingpong $row gave no round trip" >&2
		exit 1
	}
	# Lines: " <comm>-<pid> | <duration> us | <indent>f() {"  (an entry),
	# "... | <duration> us | f();" (a leaf), "... | <duration> us | } /* f */".
	# Only the lws-pingpong threads' lines count, each thread its own stack.
	awk -v row="$row" -v map=/tmp/phase.map -v u="$untraced" -v tr="$traced" -v null="$null" \
	    -v H="${H:-}" -v hfile=/tmp/phase.H '
		BEGIN {
			while ((getline l < map) > 0) {
				split(l, a, ":")
				phase[a[2]] = a[1]
			}
		}
		# A traced call of @f by thread @t ended after @dur instructions:
		# its own count is @dur less the durations of its traced children.
		function ended(t, f, dur, self) {
			calls[f]++
			own[f] += self
			if (depth[t] > 0) {
				kids[t, depth[t]] += dur
				kidcalls[name[t, depth[t]]]++
			}
		}
		{
			n = split($0, col, "|")
			if (n < 3)
				next
			who = col[1]; gsub(/^ +| +$/, "", who)
			if (who !~ /^lws-pin/)
				next
			d = col[2]; gsub(/[^0-9.]/, "", d)
			dur = d == "" ? 0 : d * 1000
			body = col[3]
			for (i = 4; i <= n; i++)
				body = body "|" col[i]
			gsub(/^ +| +$/, "", body)
			t = who
			if (body ~ /\) \{$/) {
				depth[t]++
				kids[t, depth[t]] = 0
				f = body; sub(/\(.*/, "", f); sub(/ \[.*/, "", f)
				name[t, depth[t]] = f
			} else if (body ~ /^\}/) {
				if (depth[t] < 1)
					next		# its entry was before the window
				f = name[t, depth[t]]
				self = dur - kids[t, depth[t]]
				depth[t]--
				ended(t, f, dur, self)
			} else if (body ~ /\);$/) {
				f = body; sub(/\(.*/, "", f); sub(/ \[.*/, "", f)
				ended(t, f, dur, dur)
			}
		}
		END {
			# One context switch per hop in every row.
			hops = calls["finish_task_switch"] + calls["finish_task_switch.isra.0"]
			if (!hops)
				exit 1
			for (f in calls)
				all += calls[f]
			# The cost of the hooks per traced call, from yield-pinned.
			if (H == "") {
				H = (tr - u) / (2 * all / hops)
				print H > hfile
			}
			c = H
			printf "phase-hop,%s,%.0f,%.0f,%d\n", row, u / 2, tr / 2, hops
			printf "phase-calls,%s,%.1f,%.0f,%.0f\n", row, all / hops, c, u / 2 + c * all / hops
			for (f in calls) {
				printf "phase-fn,%s,%s,%.2f,%.0f\n", row, f, calls[f] / hops, own[f] / hops
				if (f == "__schedule" || f == "schedule" || phase[f] == "syscall")
					continue
				p = phase[f] == "" ? "other" : phase[f]
				raw[p] += own[f]
				cor[p] += own[f] - c / 2 * (calls[f] + kidcalls[f])
			}
			for (p in raw) {
				printf "phase,%s,%s,%.0f,%.0f\n", row, p, cor[p] / hops, raw[p] / hops
				rest -= cor[p] / hops
			}
			# (6.1 cannot trace __x64_sys_sched_yield: do_sched_yield counts.)
			y = calls["__x64_sys_sched_yield"]
			sys = calls["__x64_sys_ioctl"] + calls["__x64_sys_futex"] + \
			      (y ? y : calls["do_sched_yield"])
			printf "phase,%s,syscall,%.0f,\n", row, null * sys / hops
			printf "phase,%s,rest,%.0f,\n", row, rest + u / 2 - null * sys / hops
		}' $T/trace || { echo "hop-phases: no hops traced for $row" >&2; exit 1; }
	[ -n "${H:-}" ] || read -r H < /tmp/phase.H
done
echo nop > $T/current_tracer
echo 1 > $T/tracing_on
