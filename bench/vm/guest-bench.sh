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
set -u
q=${QUICK:+--quick}
stats=/sys/kernel/debug/lwswitch/stats
default=$(sed -n 's/^placement //p' $stats)
echo "guest: $(uname -r) with $(nproc) CPUs and placement $default" >&2

lws-pingpong --header $q
# Channels on native threads: the switchto backend with the condvar
# baseline, then the same program on futexes.
lws-chan --baseline $q
LWS_BACKEND=futex lws-chan $q
# Go's goroutines and channels in the same boot (GOMAXPROCS = vCPUs).
lws-go ${QUICK:+-quick} -only env,chan-pingpong,chan-throughput,create

reload() {
	rmmod lwswitch && insmod /payload/lwswitch.ko placement="$1" &&
		[ "$(sed -n 's/^placement //p' $stats)" = "$1" ]
}
for p in 0 2; do
	[ "$p" = "$default" ] && continue
	if reload "$p"; then
		lws-pingpong $q --only switchto,futex --suffix "-placement$p"
	else
		echo "guest: placement $p unavailable" >&2
	fi
done
reload "$default"
