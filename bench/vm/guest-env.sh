#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# guest-env.sh [vm|host] — describes the machine the benchmark runs on, as
# lines "#env KEY VALUE..." on stdout (lines starting with '#' are not CSV
# rows: bench/run-bench keeps them apart for bench/report.sh).
#
# In the VM, guest-bench.sh runs it first (busybox sh, /proc and /sys
# mounted by tests/vm/init); on the host, bench/run-bench runs it with
# "host".  Everything is read from /proc and /sys; what is absent is left
# out, never guessed.  Never fails.
role=${1:-vm}

put() { printf '#env %s %s\n' "$1" "$2"; }
first() { [ -r "$1" ] && head -n 1 "$1" 2> /dev/null; }

put role "$role"
put kernel "$(uname -r)"
put kernel_build "$(uname -v)"
put arch "$(uname -m)"
if [ "$role" = host ] && [ -r /etc/os-release ]; then
	put os "$(. /etc/os-release && echo "${PRETTY_NAME:-$NAME}")"
fi

model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2> /dev/null | head -n 1)
[ -n "$model" ] && put cpu_model "$model"
put cpus "$(nproc 2> /dev/null || grep -c '^processor' /proc/cpuinfo)"
online=$(first /sys/devices/system/cpu/online) && put cpus_online "$online"

# Topology: distinct packages, distinct (package, core) pairs, and CPUs.
topo=$(for t in /sys/devices/system/cpu/cpu[0-9]*/topology; do
	[ -r "$t/physical_package_id" ] && [ -r "$t/core_id" ] || continue
	echo "$(cat "$t/physical_package_id") $(cat "$t/core_id")"
done)
if [ -n "$topo" ]; then
	echo "$topo" | awk '
		{ cpus++; if (!($1 in pk)) { pk[$1]; np++ } if (!(($1, $2) in co)) { co[$1, $2]; nc++ } }
		END { printf "#env topology %d socket(s), %d core(s), %d thread(s) per core\n",
			     np, nc, nc ? cpus / nc : 0 }'
fi
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2> /dev/null | wc -l)
[ "$nodes" -gt 0 ] && put numa_nodes "$nodes"
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo 2> /dev/null)
[ -n "$mem" ] && put memory "$((mem / 1024)) MiB"
cs=$(first /sys/devices/system/clocksource/clocksource0/current_clocksource) &&
	put clocksource "$cs"
gov=$(first /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor) &&
	put cpufreq_governor "$gov"

# Virtualisation: the hypervisor flag says only "some hypervisor"; QEMU's
# TCG names its CPU model "QEMU TCG CPU ..." (/proc/cpuinfo, boot log).
if grep -q '^flags.* hypervisor' /proc/cpuinfo 2> /dev/null; then
	v=$(first /sys/class/dmi/id/sys_vendor)
	p=$(first /sys/class/dmi/id/product_name)
	put hypervisor "yes${v:+ ($v${p:+ $p})}"
else
	put hypervisor no
fi
if [ "$role" = vm ]; then
	if printf '%s\n' "$model" | grep -q 'TCG' ||
		dmesg 2> /dev/null | grep -q 'QEMU TCG CPU'; then
		put emulation "QEMU TCG (software emulation)"
	else
		put emulation "QEMU (tests/vm/run-vm uses -accel tcg)"
	fi
fi

# The module's placement as loaded for the main rows (see README).
stats=/sys/kernel/debug/lwswitch/stats
if [ -r "$stats" ]; then
	p=$(sed -n 's/^placement //p' "$stats")
	case $p in
	0) what="plain wake-up" ;;
	1) what="WF_CURRENT_CPU" ;;
	2) what="ftrace hook on select_task_rq_fair" ;;
	*) what="" ;;
	esac
	put placement "$p${what:+ ($what)}"
fi
# The limits that bound how many threads and coroutines live at once
# (guest-bench.sh raises them in the VM for the N = 100,000 rows).
lim=
for f in kernel/threads-max kernel/pid_max vm/max_map_count; do
	x=$(first /proc/sys/$f) && lim="$lim${lim:+, }$(echo "$f" | tr / .)=$x"
done
for f in max_members max_user_members; do
	x=$(first /sys/module/lwswitch/parameters/$f) && lim="$lim${lim:+, }lwswitch $f=$x"
done
[ -n "$lim" ] && put limits "$lim"
# Which module build was measured: a stale lwswitch.ko in a payload is
# otherwise invisible in the results.
v=$(first /sys/module/lwswitch/srcversion) && put module_srcversion "$v"

if [ "$role" = host ]; then
	v=$(gcc --version 2> /dev/null | head -n 1) && [ -n "$v" ] && put cc "$v"
	# The Boost the peers are built with (bench/peers/boost).
	v=$(dpkg-query -W -f '${Version}' libboost-fiber-dev 2> /dev/null) && [ -n "$v" ] &&
		put boost "libboost-fiber-dev $v, libboost-context-dev $(dpkg-query -W -f '${Version}' libboost-context-dev 2> /dev/null)"
	# The Go the peer is built with (bench/peers/go/build.sh).
	here=$(cd "$(dirname "$0")" && pwd)
	go=${GO:-$(sh "$here/../../scripts/go-tool" 2> /dev/null)} &&
		v=$("$go" version 2> /dev/null) && [ -n "$v" ] && put go "$v"
fi
exit 0
