# SPDX-License-Identifier: GPL-2.0
# Prints results.csv (kernel,case,impl,metric,value,unit,p10,p90,runs) as a
# table per kernel, then the issue targets as same-run ratios.
BEGIN { FS = "," }
NR == 1 { next }
{
	k = $1; key = k SUBSEP $2 SUBSEP $3 SUBSEP $4
	val[key] = $5
	if (!(k in seen)) { seen[k] = 1; kernels[++nk] = k }
	line[k, ++n[k]] = sprintf("  %-13s %-24s %-22s %12s %-9s [%s .. %s] x%s",
				  $2, $3, $4, $5, $6, $7, $8, $9)
}
function v(k, c, i, m) { return val[k SUBSEP c SUBSEP i SUBSEP m] }
function ratio(k, a, b,   x, y) {
	x = v(k, "pingpong", a, "ns_per_roundtrip"); y = v(k, "pingpong", b, "ns_per_roundtrip")
	return (x != "" && y != "" && y > 0) ? sprintf("%.3f", x / y) : "n/a"
}
END {
	for (i = 1; i <= nk; i++) {
		k = kernels[i]
		printf "\n== %s\n", k
		printf "  %-13s %-24s %-22s %12s %-9s %s\n", "case", "impl", "metric", "median", "unit", "[p10 .. p90] runs"
		for (j = 1; j <= n[k]; j++) print line[k, j]
		if (k == "host") {
			x = v(k, "pingpong", "coro", "ns_per_roundtrip")
			y = v(k, "pingpong", "boost-context", "ns_per_roundtrip")
			z = v(k, "chan-pingpong", "coro", "ns_per_roundtrip")
			m = v(k, "memory", "coro", "bytes_per_unit")
			printf "  targets (same run):\n"
			if (x != "" && y != "")
				printf "    coro pingpong / boost-context     %.3f  (target <= 1.1)\n", x / y
			if (x != "" && z != "")
				printf "    coro chan-pingpong / coro pingpong %.3f  (target <= 8)\n", z / x
			if (m != "")
				printf "    RSS per idle coroutine            %s bytes  (target <= 8192)\n", m
			continue
		}
		if (v(k, "pingpong", "switchto", "ns_per_roundtrip") == "") continue
		printf "  targets (same boot):\n"
		printf "    switchto / futex           %s  (target <= 0.2)\n", ratio(k, "switchto", "futex")
		printf "    switchto / futex-pinned    %s  (target <= 0.8)\n", ratio(k, "switchto", "futex-pinned")
		printf "    switchto / yield-pinned    %s  (target <= 1.5)\n", ratio(k, "switchto", "yield-pinned")
		printf "    switchto same CPU          %s %%  (target >= 99)\n", v(k, "pingpong", "switchto", "same_cpu_pct")
		printf "    switchto vcsw per hop      %s  (target 0.9 .. 1.1)\n", v(k, "pingpong", "switchto", "vcsw_per_hop")
		x = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip")
		if (x == "") continue
		# The raw SWITCHTO ping-pong measured by the same program,
		# repetitions interleaved with the channel rows.
		y = v(k, "chan-pingpong", "raw-switchto", "ns_per_roundtrip")
		if (y == "") y = v(k, "pingpong", "switchto", "ns_per_roundtrip")
		z = v(k, "chan-pingpong", "pthread-condvar", "ns_per_roundtrip")
		printf "    chan threads-switchto / raw switchto     %.3f  (target <= 1.5)\n", x / y
		printf "    chan pthread-condvar / threads-switchto  %.3f  (target >= 4)\n", z / x
		g = v(k, "chan-pingpong", "go", "ns_per_roundtrip")
		if (g != "")
			printf "    chan threads-switchto / go               %.3f  (target <= 4, GOMAXPROCS %s)\n", x / g, v(k, "env", "go", "gomaxprocs")
	}
}
