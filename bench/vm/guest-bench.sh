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
set -u
q=${QUICK:+--quick}
stats=/sys/kernel/debug/lwswitch/stats
default=$(sed -n 's/^placement //p' $stats)
echo "guest: $(uname -r) with $(nproc) CPUs and placement $default" >&2

[ -f /payload/guest-env.sh ] && sh /payload/guest-env.sh

# Steps: 6 fixed ones, then one per other placement (not under QUICK: those
# rows justify the default placement, they do not answer the question).
others=
[ -n "$q" ] || for p in 0 2; do [ "$p" = "$default" ] || others="$others $p"; done
step=0 nsteps=$((6 + $(echo $others | wc -w)))
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
LWS_BACKEND=futex lws-chan $q
# Scaling (memory, ring, fanout, create, chan-throughput pairs4) of the
# native threads, the condvar channel and the coroutine core, and the
# coroutines' chan-pingpong: once with the module, then threads on futexes.
progress "lws-scale switchto+condvar+coro"
lws-scale --impls threads,condvar,coro $q
progress "lws-scale futex"
LWS_BACKEND=futex lws-scale --impls threads $q
# Go's goroutines and channels in the same boot (GOMAXPROCS = vCPUs).
progress "lws-go"
lws-go ${QUICK:+-quick} -only env,chan-pingpong,chan-throughput,create,memory,ring,fanout

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
