#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# check-asm.sh CC TEST_BINARY — build-level checks of the context switch:
#  - the objects do not ask for an executable stack (.note.GNU-stack):
#    the linked test binary's GNU_STACK segment is not executable;
#  - built with -fcf-protection, the x86-64 switch has endbr64 at both
#    entry points, a notrack jump, and an IBT-only GNU property note
#    (no SHSTK claim: the switch does not switch shadow stacks).
set -eu
cc=$1 bin=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=$(readelf -lW "$bin" | awk '$1 == "GNU_STACK" { print $(NF-1) }')
echo "GNU_STACK flags: $flags"
case $flags in *E*) echo "executable stack requested" >&2; exit 1 ;; esac

for s in x86_64 aarch64; do
	"$cc" -c -o "$tmp/$s.o" "$top/lib/arch/ctx-$s.S"
	readelf -SW "$tmp/$s.o" | grep -q '\.note\.GNU-stack' ||
		{ echo "ctx-$s.S: no .note.GNU-stack" >&2; exit 1; }
done

case $("$cc" -dumpmachine) in x86_64*)
	"$cc" -fcf-protection=full -c -o "$tmp/cet.o" "$top/lib/arch/ctx-x86_64.S"
	n=$(objdump -d "$tmp/cet.o" | grep -c endbr64)
	[ "$n" -ge 2 ] || { echo "expected endbr64 at both entries, found $n" >&2; exit 1; }
	objdump -d "$tmp/cet.o" | grep -q 'notrack jmp' ||
		{ echo "no notrack jump" >&2; exit 1; }
	readelf -n "$tmp/cet.o" | grep -q 'x86 feature: IBT$' ||
		{ echo "no IBT-only property note" >&2; readelf -n "$tmp/cet.o" >&2; exit 1; }
	# Without -fcf-protection: no endbr64, no property note.
	"$cc" -fcf-protection=none -c -o "$tmp/plain.o" "$top/lib/arch/ctx-x86_64.S"
	! objdump -d "$tmp/plain.o" | grep -q endbr64
	;;
esac
echo "ok"
