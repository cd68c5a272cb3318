# SPDX-License-Identifier: GPL-2.0
# targets.awk — the coroutine targets from the host rows (bench-host's CSV,
# no header: kernel,case,impl,metric,value,unit,p10,p90,runs), as same-run
# ratios of the medians, and the ratios of the turns (paired.awk) as
# their own rows give them, printed as a small block (bench/host.mk sends
# it to stderr).  Never fails: the targets are reported, not enforced.
BEGIN { FS = "," }
NF == 9 {
	k = $2 SUBSEP $3 SUBSEP $4
	val[k] = $5; unit[k] = $6; lo[k] = $7; hi[k] = $8; nrun[k] = $9
}
function v(c, i, m) { return val[c SUBSEP i SUBSEP m] }
function line(name, x, y, op, lim, fmt,   r, ok) {
	if (x == "" || y == "" || y + 0 <= 0) {
		printf "  %-44s n/a\n", name
		return
	}
	r = x / y
	ok = (op == "<=") ? (r <= lim) : (r >= lim)
	printf "  %-44s " fmt "  (target %s %s: %s)\n", name, r, op, lim, ok ? "met" : "MISSED"
}
# A paired ratio row (already a ratio): median of its turns, p10..p90.
function paired(name, c, m, lim,   r, k) {
	k = c SUBSEP "coro" SUBSEP m
	if (!(k in val))
		return
	r = val[k]
	if (lim == "")
		printf "  %-44s %6.2f  (median of %d turns' ratios, p10..p90 %.2f..%.2f)\n",
		       name, r, nrun[k], lo[k], hi[k]
	else
		printf "  %-44s %6.2f  (target <= %s: %s; the same, median of %d turns' ratios, p10..p90 %.2f..%.2f)\n",
		       name, r, lim, r <= lim ? "met" : "MISSED", nrun[k], lo[k], hi[k]
}
# The interleaved windows (lws-host-boost interleaved): all, and by the
# integer burst before each (quiet core / busy core).
function interleaved(name,   k, r, q, b, p) {
	k = "pingpong" SUBSEP "coro" SUBSEP "boost_ratio_interleaved"
	if (!(k in val))
		return
	r = val[k]; q = val[k "_quiet"]; b = val[k "_busy"]
	p = val["pingpong" SUBSEP "coro" SUBSEP "busy_window_pct"]
	printf "  %-44s %6.2f  (interleaved in %d windows of one thread; quiet core %s, busy core %s, %s%% busy)\n",
	       name, r, nrun[k], q == "" ? "n/a" : sprintf("%.2f", q),
	       b == "" ? "n/a" : sprintf("%.2f", b), p == "" ? "?" : sprintf("%.0f", p)
}
END {
	print "targets (host, same run; medians; \"the same\": alternated processes, interleaved windows):"
	# Like for like: bare switch, scheduler yield, channels.
	line("coro-ctx / boost-context pingpong", v("pingpong", "coro-ctx", "ns_per_roundtrip"),
	     v("pingpong", "boost-context", "ns_per_roundtrip"), "<=", 1.0, "%6.2f")
	line("coro / boost-fiber-sched pingpong", v("pingpong", "coro", "ns_per_roundtrip"),
	     v("pingpong", "boost-fiber-sched", "ns_per_roundtrip"), "<=", 1.0, "%6.2f")
	line("coro / boost-fiber-sched chan-pingpong", v("chan-pingpong", "coro", "ns_per_roundtrip"),
	     v("chan-pingpong", "boost-fiber-sched", "ns_per_roundtrip"), "<=", 0.5, "%6.2f")
	line("coro chan-pingpong / coro pingpong", v("chan-pingpong", "coro", "ns_per_roundtrip"),
	     v("pingpong", "coro", "ns_per_roundtrip"), "<=", 8, "%6.2f")
	# The turns (paired.awk): the median of many processes' own ratios.
	paired("coro chan-pingpong / coro pingpong", "chan-pingpong", "pingpong_ratio_paired", 8)
	m = v("memory", "coro", "bytes_per_unit"); n = v("memory", "coro", "units")
	if (m == "")
		printf "  %-44s n/a\n", "RSS per idle coroutine"
	else {
		red = (unit["memory" SUBSEP "coro" SUBSEP "bytes_per_unit"] == "bytes") ? "" : " (reduced N)"
		ok = (m + 0 <= 8192 && n + 0 >= 100000) ? "met" : "MISSED"
		printf "  %-44s %6.0f B (%.2f KiB) at N=%d%s  (target <= 8 KiB at N=100000: %s)\n",
		       "RSS per idle coroutine", m, m / 1024, n, red, ok
	}
	print "  for context (not targets):"
	# The scheduler yield against the bare jump: unlike things.
	x = v("pingpong", "boost-context", "ns_per_roundtrip")
	if (x > 0 && v("pingpong", "coro", "ns_per_roundtrip") != "")
		printf "    %-42s %6.2f\n", "coro pingpong / boost-context", v("pingpong", "coro", "ns_per_roundtrip") / x
	paired("  coro pingpong / boost-context (turns)", "pingpong", "boost_ratio_paired", "")
	interleaved("  coro pingpong / boost-context (windows)")
	split("coro-handoff", extra, " ")
	for (i = 1; i <= 1; i++)
		if (v("pingpong", extra[i], "ns_per_roundtrip") != "" && x > 0)
			printf "    %-42s %6.2f\n", extra[i] " pingpong / boost-context",
			       v("pingpong", extra[i], "ns_per_roundtrip") / x
	y = v("memory", "pthread", "bytes_per_unit")
	if (y != "" && m != "" && m > 0)
		printf "    %-42s %6.2f\n", "RSS per idle pthread / per idle coroutine", y / m
	y = v("create", "pthread", "ns_per_unit"); x = v("create", "coro", "ns_per_unit")
	if (y != "" && x > 0)
		printf "    %-42s %6.1f\n", "pthread create+join / coro spawn+join", y / x
}
