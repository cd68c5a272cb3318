#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (tests/vm/run-vm --cmd), with lwswitch.ko loaded
# with its default placement for this kernel; prints CSV rows.
#
# After the main rows, the switchto and futex rows again under the other
# placements (module reloaded), so that the choice per kernel is justified
# by numbers from the same boot: placement 0 is the plain wake-up (and no
# hook anywhere), placement 2 the ftrace hook, whose cost to every other
# wake-up on the system shows in its futex row.
#
# Before each step one line "bench-progress: <i>/<n> <label>" goes to
# stderr (it reaches the results serial port live; the driver tails it).
#
# BIG_N (environment): the size of the big rings of lws-scale and lws-go
# (100,000 threads-switchto, coroutines and goroutines: the programs'
# default in a full run, none under QUICK); 0 drops them (bench/run-bench
# does so for the boot under icount).
set -u
q=${QUICK:+--quick}
big=${BIG_N:+--big-n $BIG_N}
stats=/sys/kernel/debug/lwswitch/stats
default=$(sed -n 's/^placement //p' $stats)
echo "guest: $(uname -r) with $(nproc) CPUs and placement $default" >&2

# The limits 100,000 threads and as many coroutines at once need (as
# root, for the whole run; lws-scale would raise them for itself too):
# a task and a process id per thread, two mappings per thread or
# coroutine stack (the stack and its guard page), a module member per
# thread on the switchto backend.  Raised, never lowered.
raise() {
	cur=$(cat "$1" 2> /dev/null) || return 0
	[ "$cur" -ge "$2" ] 2> /dev/null && return 0
	echo "$2" > "$1" && echo "guest: $1 raised from $cur to $2" >&2
}
raise /proc/sys/kernel/threads-max 262144
raise /proc/sys/kernel/pid_max 262144
raise /proc/sys/vm/max_map_count 1048576
raise /sys/module/lwswitch/parameters/max_members 262144
raise /sys/module/lwswitch/parameters/max_user_members 262144

[ -f /payload/guest-env.sh ] && sh /payload/guest-env.sh

# Steps: 10 fixed ones, then one per other placement (not under QUICK: those
# rows justify the default placement, they do not answer the question).
others=
[ -n "$q" ] || for p in 0 2; do [ "$p" = "$default" ] || others="$others $p"; done
step=0 nsteps=$((10 + $(echo $others | wc -w)))
progress() {
	step=$((step + 1))
	echo "bench-progress: $step/$nsteps $*" >&2
}

progress "lws-pingpong"
lws-pingpong --header $q
# Channels on native threads: the switchto backend with the condvar
# baseline, then the same program on futexes.
progress "lws-chan switchto+condvar"
lws-chan --baseline $q
progress "lws-chan futex"
LWSW_BACKEND=futex lws-chan $q
# Scaling (memory, ring, fanout, create, chan-throughput pairs4) of the
# native threads, the condvar channel and the coroutine core, and the
# coroutines' chan-pingpong: once with the module, then threads on futexes.
# Also the work per hop (a calibrated W before each hand-off) and, in a
# full run, the big rings (threads-switchto and coroutines: 100,000).
progress "lws-scale switchto+condvar+coro"
lws-scale --impls threads,condvar,coro $q $big
progress "lws-scale futex"
LWSW_BACKEND=futex lws-scale --impls threads $q $big
# Go's goroutines and channels in the same boot (GOMAXPROCS = vCPUs).
progress "lws-go"
lws-go ${QUICK:+-quick} ${BIG_N:+-big-n $BIG_N} -only env,chan-pingpong,chan-throughput,create,memory,ring,fanout,work-per-hop
# Go's channel round trip on one P (impl go-gomaxprocs1): no idle M then
# spins on the other vCPU looking for work.  Beside the go row it shows
# what that spinning costs, in wall time and, in the boot under icount
# (whose clock counts every vCPU's instructions), in instructions.
progress "lws-go GOMAXPROCS=1"
GOMAXPROCS=1 lws-go ${QUICK:+-quick} -only chan-pingpong | sed 's/^\([^,]*,[^,]*\),go,/\1,go-gomaxprocs1,/'

# Boost.Fiber, the coroutine core's like-for-like peer, in the same boot:
# scheduler yield and channels on one thread, then channels on its work
# stealing scheduler over every vCPU (a process of its own).
progress "lws-boost-fiber"
lws-boost-fiber ${QUICK:+-q} vm pingpong chan-pingpong
progress "lws-boost-fiber work stealing"
lws-boost-fiber ${QUICK:+-q} vm chan-pingpong-ws

# The headline pair again, the two programs taking turns one repetition at
# a time: the host's speed drifts within a boot (by up to 2x over minutes
# here), and the rows above come from programs run minutes apart.  Rows
# ns_per_roundtrip_paired: the median of each program's runs, with p10/p90
# by nearest rank, as bench/common/benchutil.h computes them; and
# go_ratio_paired (threads row): the median of the ratios of the two runs
# of each turn, which also cancels a drift between turns.
progress "headline: lws-chan and lws-go taking turns"
turns=9
[ -n "$q" ] && turns=5
i=0
while [ $i -lt $turns ]; do
	i=$((i + 1))
	lws-chan --headline --reps 1 $q
	lws-go ${QUICK:+-quick} -reps 1 -only chan-pingpong
done | awk -F, -v OFS=, '
	$2 == "chan-pingpong" && $4 == "ns_per_roundtrip" && ($3 == "go" || $3 ~ /^threads-/) {
		k = $1 OFS $2 OFS $3
		if (!(k in n)) order[++nk] = k
		x[k, ++n[k]] = $5 + 0
		if ($3 == "go") go[n[k]] = $5 + 0
		else { th[n[k]] = $5 + 0; thk = k }
	}
	function rank(k, p,   r) { r = int(p * n[k]); if (r < p * n[k]) r++; return x[k, r < 1 ? 1 : r] }
	# The median and p10/p90 of the values x[k, 1..n[k]], as row LABEL.
	function put(k, label, metric, unit,   a, b, t, m) {
		for (a = 2; a <= n[k]; a++)	# insertion sort
			for (b = a; b > 1 && x[k, b - 1] > x[k, b]; b--) {
				t = x[k, b]; x[k, b] = x[k, b - 1]; x[k, b - 1] = t
			}
		m = n[k] % 2 ? x[k, (n[k] + 1) / 2] : (x[k, n[k] / 2] + x[k, n[k] / 2 + 1]) / 2
		print label, metric, m, unit, rank(k, 0.1), rank(k, 0.9), n[k]
	}
	END {
		for (j = 1; j <= nk; j++)
			put(order[j], order[j], "ns_per_roundtrip_paired", "ns")
		for (t = 1; (t in th) && (t in go); t++)
			if (go[t] > 0) x["ratio", ++n["ratio"]] = th[t] / go[t]
		if (n["ratio"]) put("ratio", thk, "go_ratio_paired", "x")
	}'

reload() {
	rmmod lwswitch && insmod /payload/lwswitch.ko placement="$1" &&
		[ "$(sed -n 's/^placement //p' $stats)" = "$1" ]
}
[ -n "$q" ] && echo "guest: QUICK: the other placements are skipped" >&2
for p in $others; do
	progress "lws-pingpong placement $p"
	if reload "$p"; then
		lws-pingpong $q --only switchto,futex --suffix "-placement$p"
	else
		echo "guest: placement $p unavailable" >&2
	fi
done
[ -z "$others" ] || reload "$default"
