# SPDX-License-Identifier: GPL-2.0
# paired.awk — the rows of bench-host's turns: lws-host-coro and
# lws-host-boost run one after the other, a few repetitions each, again and
# again (bench/host.mk).  Input: their CSV rows, each prefixed with the
# number of its turn ("TURN,kernel,case,impl,metric,value,unit,p10,p90,runs").
#
# On this project's machine lws-host-coro's scheduler paths (coro,
# coro-handoff, chan-pingpong) run at one of two speeds, about a third
# apart, for stretches of a few hundred milliseconds (when the core's other
# hardware thread is busy: lws-host-boost interleaved), while Boost.Context
# and the bare switch move far less; a process lasts about a second or
# less, so one process per program is a draw, not a measurement.  So, out
# of many short processes:
#   CASE,IMPL,ns_per_roundtrip_paired   the median over the turns of each
#                                       process's own median, p10/p90 by
#                                       nearest rank, runs = turns;
#   pingpong,coro,boost_ratio_paired    the median of each turn's ratio
#                                       coro / boost-context (the two
#                                       processes of one turn);
#   chan-pingpong,coro,pingpong_ratio_paired
#                                       the median of each process's ratio
#                                       chan-pingpong coro / pingpong coro.
# A turn missing a row gives no ratio; the runs column says how many did.
BEGIN { FS = OFS = "," }

NF == 10 && $5 == "ns_per_roundtrip" {
	k = $3 OFS $4
	if (!(k in n)) order[++nk] = k
	x[k, ++n[k]] = $6 + 0
	at[$1, k] = $6 + 0
	if ($1 + 0 > turns) turns = $1 + 0
}

function rank(k, p,   r) {
	r = int(p * n[k])
	if (r < p * n[k]) r++
	return x[k, r < 1 ? 1 : r]
}

# The median and nearest-rank p10/p90 of x[k, 1..n[k]] as one row.
function put(k, label, metric, unit,   a, b, t, m) {
	for (a = 2; a <= n[k]; a++)
		for (b = a; b > 1 && x[k, b - 1] > x[k, b]; b--) {
			t = x[k, b]; x[k, b] = x[k, b - 1]; x[k, b - 1] = t
		}
	m = n[k] % 2 ? x[k, (n[k] + 1) / 2] : (x[k, n[k] / 2] + x[k, n[k] / 2 + 1]) / 2
	print "host", label, metric, m, unit, rank(k, 0.1), rank(k, 0.9), n[k]
}

# Per turn, at[t, num] / at[t, den] into the series r (when both exist).
function ratios(r, num, den,   t) {
	for (t = 1; t <= turns; t++)
		if (((t, num) in at) && ((t, den) in at) && at[t, den] > 0)
			x[r, ++n[r]] = at[t, num] / at[t, den]
}

END {
	for (j = 1; j <= nk; j++)
		put(order[j], order[j], "ns_per_roundtrip_paired", "ns")
	ratios("r1", "pingpong" OFS "coro", "pingpong" OFS "boost-context")
	if (n["r1"]) put("r1", "pingpong" OFS "coro", "boost_ratio_paired", "x")
	ratios("r2", "chan-pingpong" OFS "coro", "pingpong" OFS "coro")
	if (n["r2"]) put("r2", "chan-pingpong" OFS "coro", "pingpong_ratio_paired", "x")
}
