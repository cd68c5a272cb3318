#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds lws-go, the Go peer of the benchmark, as a fully static binary.
#
#   build.sh OUTPUT [CACHE_DIR]
#
# Standard library only, offline: no module proxy, no VCS stamping.
# CACHE_DIR (created if missing) holds the Go build cache and HOME; without
# it a temporary directory is used and removed afterwards.
set -eu
[ $# -ge 1 ] && [ -n "$1" ] || { echo "usage: $0 OUTPUT [CACHE_DIR]" >&2; exit 2; }
src=$(cd "$(dirname "$0")" && pwd)
case $1 in
/*) out=$1 ;;
*) out=$(pwd)/$1 ;;
esac
# The newest Go Debian provides here (scripts/go-tool), or $GO.
go=${GO:-$("$src/../../../scripts/go-tool")} || exit 1
if [ $# -ge 2 ] && [ -n "$2" ]; then
	mkdir -p "$2"
	cache=$(cd "$2" && pwd)
	tmp=
else
	tmp=$(mktemp -d)
	cache=$tmp
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$cache/gocache" "$cache/home" "$(dirname "$out")"
cd "$src"
env HOME="$cache/home" GOCACHE="$cache/gocache" GOPATH="$cache/home/go" \
	GOFLAGS=-buildvcs=false GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 \
	"$go" build -trimpath -o "$out" .
