#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (make bench-hop-profile): which kernel functions
# one hop of each lws-pingpong row executes, counted with the function
# tracer, so that the rows' costs can be compared function by function
# (under TCG a hop's time grows with the code it runs).
#
# For each row: lws-pingpong runs in the background; after a settling
# pause the tracer records a short window of its steady state, and the
# program is stopped; the calls made by the lws-pingpong threads are
# counted per function and divided by the number of schedule() calls in
# the window, which is one per hop in every row (a hop blocks, or for
# sched_yield, yields, exactly once).
#
# Output, to stdout:
#   hops,<row>,<schedule() calls in the window>
#   total,<row>,<function calls per hop>
#   fn,<row>,<function>,<calls per hop>     (those with >= 0.05 per hop)
#
# The function tracer patches every traced call site while the VM runs.
# On Debian's 6.12 kernel under TCG that patching has been seen to oops
# (an int3 in read_hpet() during the switch-over), so the make target
# boots 6.1 unless told otherwise; a panic fails the VM run, nothing worse.
set -u
T=/sys/kernel/tracing
# Both hand-off modes by name (lws-pingpong sets the module's handoff
# parameter for each), the default mode pinned, and the two floors.
rows="switchto-yield switchto-block switchto-pinned futex-pinned yield-pinned"

[ -e $T/trace ] || mount -t tracefs nodev $T || exit 1
grep -qw function $T/available_tracers || {
	echo "hop-profile: no function tracer in this kernel" >&2
	exit 1
}
echo 40000 > $T/buffer_size_kb

for row in $rows; do
	echo "hop-profile: $row" >&2
	echo 0 > $T/tracing_on
	echo function > $T/current_tracer
	echo > $T/trace
	# Far more repetitions than the window needs; stopped after it.
	lws-pingpong --reps 64 --only "$row" > /dev/null &
	pid=$!
	sleep 3
	kill -0 $pid 2> /dev/null || { echo "hop-profile: lws-pingpong $row ended early" >&2; exit 1; }
	echo 1 > $T/tracing_on
	sleep 0.3
	echo 0 > $T/tracing_on
	kill $pid
	wait $pid 2> /dev/null
	# "<comm>-<pid> [cpu] flags timestamp: function <-parent"
	awk -v row="$row" '
		$1 ~ /^lws-pingpong-/ {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^[0-9]+\.[0-9]+:$/) { n[$(i + 1)]++; all++; break }
		}
		END {
			hops = n["schedule"]
			print "hops," row "," hops + 0
			if (!hops) exit 1
			printf "total,%s,%.1f\n", row, all / hops
			for (f in n)
				if (n[f] / hops >= 0.05)
					printf "fn,%s,%s,%.2f\n", row, f, n[f] / hops
		}' $T/trace || { echo "hop-profile: no hops traced for $row" >&2; exit 1; }
	echo nop > $T/current_tracer
done
echo 1 > $T/tracing_on
