# SPDX-License-Identifier: GPL-2.0
# results.awk — what the benchmark's readers share (bench/table.awk,
# bench/report.awk, bench/plots.awk): loading results.csv and env.txt,
# the order of cases, impls and metrics, number formats, same-column
# ratios and the issues' targets.  Load it first:
#   awk -f results.awk -f table.awk [env.txt] results.csv
# Plain POSIX awk (Debian's default awk is mawk).
#
# results.csv: kernel,case,impl,metric,value,unit,p10,p90,runs — only
# 9-field rows count; any case, impl or metric is taken.  The kernel
# column is a "column" here: "host" or a guest's uname -r.  Ratios are
# only ever formed within one column (one run on the host, one VM boot).
# env.txt (bench/run-bench): COLUMN<TAB>KEY<TAB>VALUE.
# A VM column holds two boots' rows: the wall-time boot's, and those of
# the boot under QEMU's instruction counter, renamed by bench/icount.awk
# (unit insns; insns_metric() below finds a row's twin).

BEGIN {
	FS = ","
	# Display order: these first, then the rest as they appear.
	ncase_pref = split("pingpong chan-pingpong chan-throughput create memory ring fanout work-per-hop", case_pref, " ")
	MU = "µs"; DASH = "–"	# table.awk: ASCII, for printf's byte widths
	APPROX = "≈"; LEQ = "≤"; TIMES = "×"
	nimpl_pref = split("threads-switchto threads-futex pthread-condvar coro go boost-fiber-sched boost-fiber-ws boost-context ucontext", impl_pref, " ")
}

FILENAME ~ /env\.txt$/ {
	if (split($0, e, "\t") >= 2) {
		ek = e[1] SUBSEP e[2]
		if (!(ek in ENV)) ENV[ek] = e[3]
		if (e[1] != "run" && !(e[1] in env_seen)) { env_seen[e[1]] = 1; env_col[++n_env_col] = e[1] }
	}
	next
}

NF == 9 && $1 != "kernel" {
	k = $1; c = $2; i = $3; m = $4
	key = k SUBSEP c SUBSEP i SUBSEP m
	if (key in VAL) next			# first row wins
	VAL[key] = $5; UNIT[key] = $6; P10[key] = $7; P90[key] = $8; RUNS[key] = $9
	if (!(k in col_seen)) { col_seen[k] = 1; col_app[++n_col_app] = k }
	if (!(c in case_seen)) { case_seen[c] = 1; case_app[++n_case_app] = c }
	if (!((c, m) in metric_seen)) { metric_seen[c, m] = 1; metric_of[c, ++n_metric[c]] = m; metric_unit[c, m] = $6 }
	if (!((k, c, i) in impl_seen)) { impl_seen[k, c, i] = 1; impl_app[k, c, ++n_impl_app[k, c]] = i }
	NROWS++
}

# ---- lookups ---------------------------------------------------------------

function has(k, c, i, m) { return (k SUBSEP c SUBSEP i SUBSEP m) in VAL }
function v(k, c, i, m,   key) {
	key = k SUBSEP c SUBSEP i SUBSEP m
	return (key in VAL) ? VAL[key] : ""
}
function unit_of(k, c, i, m) { return UNIT[k SUBSEP c SUBSEP i SUBSEP m] }
function runs(k, c, i, m) { return RUNS[k SUBSEP c SUBSEP i SUBSEP m] }
function p10(k, c, i, m) { return P10[k SUBSEP c SUBSEP i SUBSEP m] }
function p90(k, c, i, m) { return P90[k SUBSEP c SUBSEP i SUBSEP m] }
function env(col, key) { return ENV[col SUBSEP key] }

# The columns in order (host first), into COLS[1..N_COLS]; the other
# lists likewise.  Call order_all() in END before using them.
function order_all(   j, x, x2, n, ci, k, c, want) {
	N_COLS = 0
	if ("host" in col_seen) COLS[++N_COLS] = "host"
	for (j = 1; j <= n_col_app; j++)
		if (col_app[j] != "host") COLS[++N_COLS] = col_app[j]
	N_CASES = 0
	for (j = 1; j <= ncase_pref; j++)
		if (case_pref[j] in case_seen) { CASES[++N_CASES] = case_pref[j]; x[case_pref[j]] = 1 }
	for (j = 1; j <= n_case_app; j++)
		if (!(case_app[j] in x) && case_app[j] != "env") CASES[++N_CASES] = case_app[j]
	# impls per column and case: preferred first, then by appearance.
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		for (j = 1; j <= n_case_app; j++) {
			c = case_app[j]
			n = 0
			split("", want)
			for (x2 = 1; x2 <= nimpl_pref; x2++)
				if ((k, c, impl_pref[x2]) in impl_seen) { IMPLS[k, c, ++n] = impl_pref[x2]; want[impl_pref[x2]] = 1 }
			for (x2 = 1; x2 <= n_impl_app[k, c]; x2++)
				if (!(impl_app[k, c, x2] in want)) IMPLS[k, c, ++n] = impl_app[k, c, x2]
			N_IMPLS[k, c] = n
		}
	}
}

# A column's short name: "host", the series ("6.12") of a VM boot, or
# the release itself.
function col_label(k,   s) {
	if (k == "host") return "host"
	s = env(k, "series")
	return s != "" ? s : k
}
function is_vm(k) { return k != "host" }

# ---- metrics ---------------------------------------------------------------

# The figures the comparison is about: times, rates and bytes; not the
# CPU-time companions (shown beside their metric) nor counters.
function is_primary(c, m,   u) {
	if (c == "env" || m ~ /^cpu_/ || is_icount(c, m)) return 0
	u = metric_unit[c, m]
	return u == "ns" || u == "bytes" || u ~ /\/s$/
}
function is_rate(u) { return u ~ /\/s$/ }

# ---- instruction counts (the icount boot) ------------------------------------

# A row of the boot under icount (bench/icount.awk): counts, their ratios,
# and the counters taken in that boot.
function is_icount(c, m) { return metric_unit[c, m] == "insns" || m ~ /_(insns|icount)$/ }
# The icount boot's name for metric m of unit u: bench/icount.awk's rule.
function insns_metric(m, u,   n, w, j, s, hit) {
	if (u == "ns") {
		n = split(m, w, "_"); s = ""; hit = 0
		for (j = 1; j <= n; j++) {
			if (w[j] == "ns") { w[j] = "insns"; hit = 1 }
			s = s (j > 1 ? "_" : "") w[j]
		}
		return hit ? s : m "_insns"
	}
	if (is_rate(u)) return m ~ /^msgs_per_s/ ? "insns_per_msg" substr(m, 11) : m "_insns"
	if (u == "x") return m "_insns"
	return m "_icount"
}
# The instruction count beside (k, c, i, m) (a wall-time row), or "".
function insns_of(k, c, i, m) { return v(k, c, i, insns_metric(m, unit_of(k, c, i, m))) }
function has_insns(k, c, i, m) { return has(k, c, i, insns_metric(m, unit_of(k, c, i, m))) }
# Whether the icount boot's rows of (k, c, i) counted as many units as
# the wall-time boot's: the memory rows of the big rings (a full run's
# first boot only) have no twin at their N.
function same_n_icount(k, c, i) {
	return c != "memory" || !has(k, c, i, "units_icount") || v(k, c, i, "units") == v(k, c, i, "units_icount")
}
# A count for display: whole instructions.
function fmt_insns(x) {
	if (x == "") return DASH
	return (x + 0 >= 100) ? sprintf("%.0f", x) : sprintf("%.3g", x)
}

# The largest N above 10,000 of (k, i)'s ring rows ns_per_hop_n<N> (the
# big ring), or "".
function big_n(k, i,   mj, m, z, best) {
	best = ""
	for (mj = 1; mj <= n_metric["ring"]; mj++) {
		m = metric_of["ring", mj]
		if (m !~ /^ns_per_hop_n[0-9]+$/ || !has(k, "ring", i, m)) continue
		z = substr(m, 13) + 0
		if (z > 10000 && (best == "" || z > best + 0)) best = z
	}
	return best
}

# The CPU-time metric of (k, c, i, m), or "".
function cpu_metric(k, c, i, m,   x) {
	x = "cpu_" m
	if (has(k, c, i, x)) return x
	if (m ~ /^msgs_per_s/) {
		x = "cpu_ns_per_msg" substr(m, 11)
		if (has(k, c, i, x)) return x
	}
	return ""
}

# Wall time per operation in ns (rates inverted), or "".
function wall_ns(k, c, i, m,   x, u) {
	x = v(k, c, i, m); u = unit_of(k, c, i, m)
	if (x == "") return ""
	if (is_rate(u)) return (x + 0 > 0) ? 1e9 / x : ""
	return u == "ns" ? x + 0 : ""
}

# Cost of (k,c,i,m) relative to impl ref in the same column, case and
# metric: time or bytes divided, rates inverted; "" when missing.
function cost_ratio(k, c, i, ref, m,   a, b) {
	a = v(k, c, i, m); b = v(k, c, ref, m)
	if (a == "" || b == "" || a + 0 <= 0 || b + 0 <= 0) return ""
	return is_rate(unit_of(k, c, i, m)) ? b / a : a / b
}

# ---- formats -----------------------------------------------------------------

function sig3(x,   s) {
	s = sprintf("%.3g", x)
	if (s ~ /e/) s = sprintf("%.0f", x)
	return s
}
# The display scale for x in unit u: sets SC_DIV and SC_SUF.
function scale(x, u,   a) {
	a = x < 0 ? -x : x; SC_DIV = 1; SC_SUF = (u == "" ? "" : " " u)
	if (u == "ns") {
		if (a >= 1e9) { SC_DIV = 1e9; SC_SUF = " s" }
		else if (a >= 1e6) { SC_DIV = 1e6; SC_SUF = " ms" }
		else if (a >= 1e3) { SC_DIV = 1e3; SC_SUF = " " MU }
	} else if (u ~ /^bytes/) {
		SC_SUF = " B"
		if (a >= 1048576) { SC_DIV = 1048576; SC_SUF = " MiB" }
		else if (a >= 1024) { SC_DIV = 1024; SC_SUF = " KiB" }
	} else if (is_rate(u)) {
		if (a >= 1e6) { SC_DIV = 1e6; SC_SUF = " M" (u ~ /^msgs/ ? " " : "") u }
		else if (a >= 1e3) { SC_DIV = 1e3; SC_SUF = " k" (u ~ /^msgs/ ? " " : "") u }
	}
}
function fmt(x, u,   at) {
	if (x == "") return DASH
	x += 0
	if (u == "%") return sprintf("%.2f %%", x)
	if (u == "count") return sprintf("%.0f", x)
	# "bytes@n=1024": measured with fewer units than the full run.
	if (u ~ /^bytes@n=/) { at = " (N=" substr(u, 9) ")"; u = "bytes" }
	scale(x, u)
	return sig3(x / SC_DIV) SC_SUF at
}
# p10..p90 in the median's scale, without the unit: "32.6 .. 83.9".
function fmt_range(lo, hi, med, u) {
	scale(med + 0, u)
	return sig3(lo / SC_DIV) " .. " sig3(hi / SC_DIV)
}
# A number, unitless (spread bounds share the median's unit).
function fmt_ratio(r) {
	if (r == "") return DASH
	if (r < 10) return sprintf("%.2f", r)
	if (r < 100) return sprintf("%.1f", r)
	return sprintf("%.0f", r)
}
function fmt_secs(s) { return sprintf("%dm%02ds", int(s / 60), s % 60) }

# ---- work per hop: the crossover --------------------------------------------
#
# Case work-per-hop: per impl, PREFIX "ns_per_hop_w" W and PREFIX
# "overhead_pct_w" W (W in ns of work before each hop; PREFIX "" for the
# ping-pong, "ring_" for the ring of 16).  crossover_eval() fills
# XO_*[1..XO_N], per column, variant and impl: XO_col, XO_var (the
# prefix), XO_impl, XO_what ("overhead", "overhead-insns" or "go"),
# XO_kind ("interp": W between two measured W; "below": already at the
# smallest W measured; "above": not by the largest; "none": no rows),
# XO_w (ns, or instructions for "overhead-insns": the W found, the
# smallest W for "below", the constant-cost estimate or "" for "above"),
# XO_lo, XO_hi (the measured W around it) and XO_text.
#   overhead: the W above which the impl's overhead_pct stays under 10 %;
#   overhead-insns: the same from the icount boot's rows, in instructions;
#   go: the W above which threads-switchto and go stay within 10 % of each
#       other (the slower one's ns_per_hop at most 1.1x the faster one's).
# Between two measured W it is interpolated on log W, the percentage
# taken on a log scale too (a straight line on the log-log plot; linear
# when either is not above 0).  Past the largest W, a constant cost per
# hop c (ns_per_hop = W + c) gives an estimate: overhead c / W < 10 %
# from W = 10 c; two impls' c1 < c2 within 10 % from W = 10 (c2 - c1) - c1.

function wvar_name(p) { return p == "" ? "ping-pong" : "ring of 16" }

# The W > 0 of (k, i)'s PREFIX ns_per_hop_w<W> rows, ascending, into
# WL[1..n]; returns n.
function w_list(k, i, prefix,   mj, m, z, n, a, b, t, base) {
	n = 0; split("", WL); base = prefix "ns_per_hop_w"
	for (mj = 1; mj <= n_metric["work-per-hop"]; mj++) {
		m = metric_of["work-per-hop", mj]
		if (index(m, base) != 1) continue
		z = substr(m, length(base) + 1)
		if (z !~ /^[0-9]+$/ || z + 0 <= 0 || !has(k, "work-per-hop", i, m)) continue
		WL[++n] = z + 0
	}
	for (a = 2; a <= n; a++)
		for (b = a; b > 1 && WL[b] < WL[b - 1]; b--) { t = WL[b]; WL[b] = WL[b - 1]; WL[b - 1] = t }
	return n
}

# Where Y[1..n] (at WL[1..n]) falls under thr for good: sets XK, XW, XLO, XHI.
function x_find(n, thr,   j, last, a, b, t) {
	last = 0
	for (j = 1; j <= n; j++) if (Y[j] >= thr) last = j
	XLO = XHI = XW = ""
	if (n == 0) { XK = "none"; return }
	if (last == 0) { XK = "below"; XW = WL[1]; XHI = WL[1]; return }
	if (last == n) { XK = "above"; XLO = WL[n]; return }
	XK = "interp"; XLO = WL[last]; XHI = WL[last + 1]
	a = Y[last]; b = Y[last + 1]
	if (a > 0 && b > 0) t = (log(a) - log(thr)) / (log(a) - log(b))
	else t = (a - thr) / (a - b)
	XW = exp(log(XLO) + t * (log(XHI) - log(XLO)))
}

# W for display: ns, or (the icount boot, where W was calibrated in the
# guest's instruction clock) instructions.
function fmt_w(x, ins) { return ins ? sig3(x) " insns" : fmt(x, "ns") }
function xo_label(what) {
	return what == "go" ? "within 10 % of go" : what == "overhead" ? "overhead < 10 %" : "overhead < 10 %, in instructions (icount boot)"
}

function xo_add(k, prefix, i, what, note,   t, u) {
	XO_N++
	XO_col[XO_N] = k; XO_var[XO_N] = prefix; XO_impl[XO_N] = i; XO_what[XO_N] = what
	XO_kind[XO_N] = XK; XO_w[XO_N] = XW; XO_lo[XO_N] = XLO; XO_hi[XO_N] = XHI
	u = what ~ /insns$/
	if (XK == "interp") t = "W " APPROX " " fmt_w(XW, u) " (between " fmt_w(XLO, u) " and " fmt_w(XHI, u) ")"
	else if (XK == "below") t = "W " LEQ " " fmt_w(XW, u) " (already at the smallest W measured)"
	else if (XK == "above") t = "W > " fmt_w(XLO, u) " (not reached" (XW != "" && XW > 0 ? "; " APPROX " " fmt_w(XW, u) " if the cost per hop stays what it is at " fmt_w(XLO, u) : "") ")"
	else t = DASH
	XO_text[XO_N] = t; XO_note[XO_N] = note
}

function crossover_eval(   ci, k, pj, prefix, ij, i, n, j, a, b, g, s, c1, c2, lo) {
	XO_N = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		if (!N_IMPLS[k, "work-per-hop"]) continue
		for (pj = 1; pj <= 2; pj++) {
			prefix = pj == 1 ? "" : "ring_"
			for (ij = 1; ij <= N_IMPLS[k, "work-per-hop"]; ij++) {
				i = IMPLS[k, "work-per-hop", ij]
				n = w_list(k, i, prefix)
				split("", Y); s = 1
				for (j = 1; j <= n; j++) {
					Y[j] = v(k, "work-per-hop", i, prefix "overhead_pct_w" WL[j])
					if (Y[j] == "") s = 0
				}
				if (!n || !s) continue
				x_find(n, 10)
				if (XK == "above") XW = Y[n] > 0 ? WL[n] * Y[n] / 10 : ""
				xo_add(k, prefix, i, "overhead", "")
				# The same counted in instructions (the icount boot's
				# twins, W calibrated against its instruction clock).
				split("", Y); s = 1
				for (j = 1; j <= n; j++) {
					Y[j] = v(k, "work-per-hop", i, prefix "overhead_pct_w" WL[j] "_icount")
					if (Y[j] == "") s = 0
				}
				if (!s) continue
				x_find(n, 10)
				if (XK == "above") XW = Y[n] > 0 ? WL[n] * Y[n] / 10 : ""
				xo_add(k, prefix, i, "overhead-insns", "")
			}
			# threads-switchto against go, at the W both have.
			n = w_list(k, "threads-switchto", prefix)
			split("", Y); s = 0
			for (j = 1; j <= n; j++) {
				a = v(k, "work-per-hop", "threads-switchto", prefix "ns_per_hop_w" WL[j])
				g = v(k, "work-per-hop", "go", prefix "ns_per_hop_w" WL[j])
				if (a == "" || g == "" || a + 0 <= 0 || g + 0 <= 0) { s = -1; break }
				Y[j] = 100 * ((a > g ? a / g : g / a) - 1); s++
			}
			if (s <= 0) continue
			x_find(n, 10)
			if (XK == "above") {
				c1 = v(k, "work-per-hop", "threads-switchto", prefix "ns_per_hop_w" WL[n]) - WL[n]
				c2 = v(k, "work-per-hop", "go", prefix "ns_per_hop_w" WL[n]) - WL[n]
				lo = c1 < c2 ? c1 : c2
				XW = (c1 > 0 && c2 > 0) ? 10 * (c1 > c2 ? c1 - c2 : c2 - c1) - lo : ""
				if (XW != "" && XW <= WL[n]) XW = ""
			}
			a = v(k, "work-per-hop", "threads-switchto", prefix "ns_per_hop_w0")
			g = v(k, "work-per-hop", "go", prefix "ns_per_hop_w0")
			xo_add(k, prefix, "threads-switchto", "go",
			       (a != "" && g != "" && g > 0 ? sprintf("at W = 0: threads-switchto %.2f%s go", a / g, TIMES) : "") \
			       (n ? sprintf("%sat %s: %.2f%s", a != "" && g != "" && g > 0 ? "; " : "", fmt(WL[n], "ns"),
					    v(k, "work-per-hop", "threads-switchto", prefix "ns_per_hop_w" WL[n]) / v(k, "work-per-hop", "go", prefix "ns_per_hop_w" WL[n]), TIMES) : ""))
		}
	}
}

# ---- targets -------------------------------------------------------------------
#
# targets_eval() fills T_*[1..N_T]: T_issue, T_col ("" for the whole run),
# T_name, T_value (text), T_want (text), T_status ("met", "MISSED",
# "n/a"), T_note.  Every target is checked in every column that has its
# rows; one whose rows no column has is listed once as n/a.

function t_add(issue, col, name, value, want, status, note) {
	N_T++
	T_issue[N_T] = issue; T_col[N_T] = col; T_name[N_T] = name
	T_value[N_T] = value; T_want[N_T] = want; T_status[N_T] = status; T_note[N_T] = note
}
# A ratio target x/y OP lim, in column k; returns 1 when evaluated.
function t_ratio(issue, k, name, x, y, op, lim, note,   r, ok) {
	if (x == "" || y == "" || y + 0 <= 0) return 0
	r = x / y
	ok = (op == "<=") ? (r <= lim) : (r >= lim)
	t_add(issue, k, name, sprintf("%.2f", r), op " " lim, ok ? "met" : "MISSED", note)
	return 1
}
# A ratio row of turns or windows (already a ratio): the median of their
# ratios.
function t_paired(issue, k, name, c, i, m, lim, how,   z) {
	z = v(k, c, i, m)
	if (z == "") return 0
	return t_ratio(issue, k, name, z, 1, "<=", lim,
		       sprintf("median of %s %s' ratios (%s; p10..p90 %.2f..%.2f)",
			       runs(k, c, i, m), m ~ /interleaved/ ? "windows" : "turns", how,
			       p10(k, c, i, m), p90(k, c, i, m)))
}
# A target on two same-CPU rows, evaluated on both figures of column k:
# (c1, i1) over (c2, i2), metric m, wall time and instruction count.  Met
# only when both meet it; a column without the count can only miss it
# (n/a when the wall time meets it).  Returns 1 when evaluated.
function t_both(issue, k, name, c1, i1, c2, i2, m, op, lim, note,   x, y, xi, yi, rw, ri, okw, oki, val, st) {
	x = v(k, c1, i1, m); y = v(k, c2, i2, m)
	if (x == "" || y == "" || y + 0 <= 0) return 0
	rw = x / y; okw = (op == "<=") ? (rw <= lim) : (rw >= lim)
	xi = insns_of(k, c1, i1, m); yi = insns_of(k, c2, i2, m)
	val = sprintf("wall %.2f", rw)
	if (xi != "" && yi != "" && yi + 0 > 0) {
		ri = xi / yi; oki = (op == "<=") ? (ri <= lim) : (ri >= lim)
		val = val sprintf(", insns %.2f", ri)
		st = (okw && oki) ? "met" : "MISSED"
	} else {
		st = okw ? "n/a" : "MISSED"
		note = "no instruction count" (note == "" ? "" : "; " note)
	}
	t_add(issue, k, name, val, op " " lim, st, note)
	return 1
}
# The same for a ratio row of turns (already a ratio) and its icount twin.
function t_paired_both(issue, k, name, c, i, m, lim, how,   z, zi, okw, oki, val, st, note) {
	z = v(k, c, i, m)
	if (z == "") return 0
	zi = v(k, c, i, m "_insns")
	okw = z <= lim; val = sprintf("wall %.2f", z)
	note = sprintf("median of %s turns' ratios (%s; wall p10..p90 %.2f..%.2f", runs(k, c, i, m), how, p10(k, c, i, m), p90(k, c, i, m))
	if (zi != "") {
		oki = zi <= lim; val = val sprintf(", insns %.2f", zi)
		note = note sprintf(", insns %.2f..%.2f)", p10(k, c, i, m "_insns"), p90(k, c, i, m "_insns"))
		st = (okw && oki) ? "met" : "MISSED"
	} else {
		note = note "); no instruction count"
		st = okw ? "n/a" : "MISSED"
	}
	t_add(issue, k, name, val, "<= " lim, st, note)
	return 1
}
# " (insns X)": the instruction-count ratio for a note, or "".
function insns_note(k, c1, i1, c2, i2, m,   a, b) {
	a = insns_of(k, c1, i1, m); b = insns_of(k, c2, i2, m)
	return (a != "" && b != "" && b + 0 > 0) ? sprintf("insns ratio %.2f", a / b) : ""
}
function join(a, b) { return a == "" ? b : b == "" ? a : a "; " b }
function t_missing(issue, name, want, why) { t_add(issue, "-", name, DASH, want, "n/a", why) }

function targets_eval(   ci, k, j, i, modes, any, a1, a2, a3, a4, x, y, z, n, g, note, s, nvc, bad, run_k, run_q, el) {
	N_T = 0
	# issue 2: the module (pingpong rows, each VM boot).
	any = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		x = v(k, "pingpong", "switchto", "ns_per_roundtrip")
		if (x == "") continue
		any = 1; s = ""
		# Against the unpinned futex (a cross-CPU wake-up): wall time
		# only, as the instruction count does not see the IPI and idle
		# exit that dominate it; the count is in the note.
		if (!t_ratio(2, k, "switchto / futex pingpong", x, v(k, "pingpong", "futex", "ns_per_roundtrip"), "<=", 0.2,
			     join("FUTEX_WAKE+WAIT, unpinned; wall time only", insns_note(k, "pingpong", "switchto", "pingpong", "futex", "ns_per_roundtrip"))))
			t_add(2, k, "switchto / futex pingpong", DASH, "<= 0.2", "n/a", "no futex row")
		# Raised by issue 14 (the directed hand-off): 0.8 and 1.5 before.
		if (!t_both(14, k, "switchto / futex-pinned pingpong", "pingpong", "switchto", "pingpong", "futex-pinned", "ns_per_roundtrip", "<=", 0.7, "both threads pinned to one CPU"))
			t_add(14, k, "switchto / futex-pinned pingpong", DASH, "<= 0.7", "n/a", "no futex-pinned row")
		if (!t_both(14, k, "switchto / yield-pinned pingpong", "pingpong", "switchto", "pingpong", "yield-pinned", "ns_per_roundtrip", "<=", 1.3, "the pinned sched_yield floor; moonshot 1.15"))
			t_add(14, k, "switchto / yield-pinned pingpong", DASH, "<= 1.3", "n/a", "no yield-pinned row")
		# The same for each hand-off mode's own row, in the note only:
		# the targets read the default (the switchto row).
		n = split("switchto-yield switchto-block", modes, " ")
		for (j = 1; j <= n; j++) {
			i = modes[j]
			if (has(k, "pingpong", i, "ns_per_roundtrip") && has(k, "pingpong", "yield-pinned", "ns_per_roundtrip"))
				t_add(14, k, i " / yield-pinned pingpong (not a target)",
				      sprintf("wall %.2f", v(k, "pingpong", i, "ns_per_roundtrip") / v(k, "pingpong", "yield-pinned", "ns_per_roundtrip")) \
				      (insns_note(k, "pingpong", i, "pingpong", "yield-pinned", "ns_per_roundtrip") == "" ? "" : \
				       sprintf(", insns %.2f", insns_of(k, "pingpong", i, "ns_per_roundtrip") / insns_of(k, "pingpong", "yield-pinned", "ns_per_roundtrip"))),
				      "-", "n/a", "handoff=" substr(i, 10) " for comparison; futex-pinned: " \
				      sprintf("wall %.2f", v(k, "pingpong", i, "ns_per_roundtrip") / v(k, "pingpong", "futex-pinned", "ns_per_roundtrip")))
		}
		# CPU time per round trip against wall time: a hand-off keeps
		# one CPU busy, never two (both threads never run at once).
		y = v(k, "pingpong", "switchto", "cpu_ns_per_roundtrip")
		if (y != "")
			t_ratio(14, k, "switchto: CPU time / wall time per round trip", y, x, "<=", 1.05,
				"user+system time of both threads over the round trip")
		# A CPU-bound thread beside the pair, on one CPU (case=cotenant):
		# the hand-off must leave it its share in every mode.
		n = split("switchto switchto-block switchto-yield futex-pinned", modes, " ")
		for (j = 1; j <= n; j++) {
			i = modes[j]
			y = v(k, "cotenant", i, "hog_cpu_pct")
			if (y == "") continue
			t_add(14, k, "cotenant: hog_cpu_pct beside " i, sprintf("%.1f %%", y), ">= 45 %",
			      i ~ /^futex/ ? "n/a" : y + 0 >= 45 ? "met" : "MISSED",
			      sprintf("pair's round trip %s", fmt(v(k, "cotenant", i, "ns_per_roundtrip"), "ns")) \
			      (i ~ /^futex/ ? "; the futex pair for comparison, not a target" : ""))
		}
		y = v(k, "pingpong", "switchto", "same_cpu_pct")
		if (y != "")
			t_add(2, k, "switchto: target ran on the caller's CPU", sprintf("%.2f %%", y), ">= 99 %", y + 0 >= 99 ? "met" : "MISSED", "")
		# Context switches per hop of the module's hand-off as loaded
		# (the switchto row), voluntary and not: a directed hand-off's
		# caller stays runnable, so its switch counts as involuntary;
		# the -placementN rows (other placements, for comparison:
		# a plain wake-up lets the target run on the other CPU and hand
		# back before the caller has blocked) and the futex rows (which
		# block only when the peer has not run yet) are in the note.
		n = N_IMPLS[k, "pingpong"]; bad = ""; note = ""; nvc = 0
		for (j = 1; j <= n; j++) {
			i = IMPLS[k, "pingpong", j]
			z = v(k, "pingpong", i, "csw_per_hop")
			if (z == "") continue
			if (i == "switchto") {
				nvc++
				s = s (s == "" ? "" : ", ") i " " sprintf("%.3f", z)
				if (z + 0 < 0.9 || z + 0 > 1.1) bad = bad " " i
			} else
				note = note (note == "" ? "others: " : ", ") i " " sprintf("%.2f", z)
		}
		if (nvc) t_add(2, k, "context switches per hop (switchto)", s, "0.9 .. 1.1",
			       bad == "" ? "met" : "MISSED", note)
	}
	if (!any) t_missing(2, "switchto pingpong ratios", "see issue 2", "no pingpong switchto rows")

	# issue 3: channels on native threads.
	any = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		x = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip")
		if (x == "") continue
		any = 1
		if (has(k, "chan-pingpong", "raw-switchto", "ns_per_roundtrip"))
			t_both(3, k, "threads-switchto chan-pingpong / raw switchto", "chan-pingpong", "threads-switchto",
			       "chan-pingpong", "raw-switchto", "ns_per_roundtrip", "<=", 1.5, "raw SWITCHTO ping-pong, same program")
		else
			t_both(3, k, "threads-switchto chan-pingpong / raw switchto", "chan-pingpong", "threads-switchto",
			       "pingpong", "switchto", "ns_per_roundtrip", "<=", 1.5, "pingpong switchto row")
		t_ratio(3, k, "pthread-condvar / threads-switchto chan-pingpong", v(k, "chan-pingpong", "pthread-condvar", "ns_per_roundtrip"), x, ">=", 4,
			join("wall time only (the condvar wakes across CPUs)", insns_note(k, "chan-pingpong", "pthread-condvar", "chan-pingpong", "threads-switchto", "ns_per_roundtrip")))
	}
	if (!any) t_missing(3, "threads-switchto chan-pingpong ratios", "see issue 3", "no threads-switchto chan-pingpong rows")

	# issue 4, made like for like by issue 17: the core's bare switch
	# against Boost.Context's, its scheduler yield against Boost.Fiber's,
	# its channels against Boost.Fiber's (wherever both rows are).
	a1 = a2 = a3 = a4 = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		x = v(k, "pingpong", "coro", "ns_per_roundtrip")
		a4 += t_ratio(17, k, "coro-ctx / boost-context pingpong (bare switch)", v(k, "pingpong", "coro-ctx", "ns_per_roundtrip"),
			      v(k, "pingpong", "boost-context", "ns_per_roundtrip"), "<=", 1.0, "lwsw_ctx_switch() vs jump_fcontext() round trip")
		a1 += t_ratio(17, k, "coro / boost-fiber-sched pingpong (scheduler yield)", x,
			      v(k, "pingpong", "boost-fiber-sched", "ns_per_roundtrip"), "<=", 1.0, "two yields on one worker / one thread")
		t_ratio(17, k, "coro / boost-fiber-sched chan-pingpong", v(k, "chan-pingpong", "coro", "ns_per_roundtrip"),
			v(k, "chan-pingpong", "boost-fiber-sched", "ns_per_roundtrip"), "<=", 0.5, "unbuffered request/reply, one worker / one thread")
		# The scheduler yield against the bare jump, and its turns and
		# windows (bench/host/paired.awk, lws-host-boost interleaved):
		# unlike things, kept for context.
		y = v(k, "pingpong", "boost-context", "ns_per_roundtrip")
		if (x != "" && y != "")
			t_add(4, k, "coro / boost-context pingpong (not a target)", sprintf("%.2f", x / y), "-", "n/a",
			      "scheduler yield vs bare switch" \
			      (has(k, "pingpong", "coro", "boost_ratio_paired") ? sprintf("; turns %.2f", v(k, "pingpong", "coro", "boost_ratio_paired")) : "") \
			      (has(k, "pingpong", "coro", "boost_ratio_interleaved") ? sprintf("; interleaved windows %.2f", v(k, "pingpong", "coro", "boost_ratio_interleaved")) : ""))
		a2 += t_ratio(4, k, "coro chan-pingpong / coro pingpong", v(k, "chan-pingpong", "coro", "ns_per_roundtrip"), x, "<=", 8, "")
		t_paired(4, k, "the same, alternated processes", "chan-pingpong", "coro", "pingpong_ratio_paired", 8,
			 "each lws-host-coro process of the turns: its own two rows")
		y = v(k, "memory", "coro", "bytes_per_unit"); n = v(k, "memory", "coro", "units")
		if (y != "") {
			a3++
			t_add(4, k, "RSS per idle coroutine", fmt(y, "bytes") (n != "" ? " at N=" sprintf("%d", n) : ""),
			      "<= 8 KiB at N=100000", n + 0 < 100000 ? "n/a" : y + 0 <= 8192 ? "met" : "MISSED",
			      n + 0 < 100000 ? "fewer units than the target's N (QUICK)" : "")
		}
	}
	if (!a4) t_missing(17, "coro-ctx / boost-context pingpong (bare switch)", "<= 1.0", "no column has both rows")
	if (!a1) t_missing(17, "coro / boost-fiber-sched pingpong (scheduler yield)", "<= 1.0", "no column has both rows")
	if (!a3) t_missing(4, "RSS per idle coroutine", "<= 8 KiB at N=100000", "no memory coro row")

	# issue 5: against Go (same VM boot), ring scaling, the run time.
	a1 = a2 = a3 = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		g = v(k, "chan-pingpong", "go", "ns_per_roundtrip")
		note = v(k, "env", "go", "gomaxprocs")
		note = note != "" ? "GOMAXPROCS " note (env(k, "cpus") != "" ? ", " env(k, "cpus") " vCPUs" : "") : ""
		# Raised by issue 14 (the directed hand-off): 4 before; moonshot 2.
		a1 += t_both(14, k, "threads-switchto / go chan-pingpong", "chan-pingpong", "threads-switchto", "chan-pingpong", "go", "ns_per_roundtrip", "<=", 3,
			     join(note, has(k, "chan-pingpong", "go", "insns_per_roundtrip") ? "Go's count includes its spinning Ms' instructions on the other vCPU" : ""))
		# The same pair measured in alternating processes (guest-bench.sh):
		# a drift of the host's speed between the two programs hits both alike.
		# The median of the turns' ratios when there is one (it also
		# cancels a drift between turns), else the ratio of the medians.
		x = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip_paired")
		y = v(k, "chan-pingpong", "go", "ns_per_roundtrip_paired")
		z = v(k, "chan-pingpong", "threads-switchto", "go_ratio_paired")
		if (z != "")
			t_paired_both(14, k, "the same, alternated runs", "chan-pingpong", "threads-switchto", "go_ratio_paired", 3,
				      "lws-chan and lws-go taking turns")
		else
			t_ratio(14, k, "the same, alternated runs", x, y, "<=", 3,
				"medians of " runs(k, "chan-pingpong", "go", "ns_per_roundtrip_paired") \
				" runs each, lws-chan and lws-go taking turns")
		a2 += t_ratio(5, k, "coro / go chan-pingpong", v(k, "chan-pingpong", "coro", "ns_per_roundtrip"), g, "<=", 0.5,
			      join(note, insns_note(k, "chan-pingpong", "coro", "chan-pingpong", "go", "ns_per_roundtrip")))
		a3 += t_ratio(5, k, "threads-switchto ring: ns/hop N=10000 / N=2", v(k, "ring", "threads-switchto", "ns_per_hop_n10000"),
			      v(k, "ring", "threads-switchto", "ns_per_hop_n2"), "<=", 2,
			      insns_note(k, "ring", "threads-switchto", "ring", "threads-switchto", "ns_per_hop_n10000") == "" ? "" : \
			      sprintf("insns ratio %.2f", insns_of(k, "ring", "threads-switchto", "ns_per_hop_n10000") / insns_of(k, "ring", "threads-switchto", "ns_per_hop_n2")))
	}
	if (!a1) t_missing(14, "threads-switchto / go chan-pingpong", "<= 3", "no column has both rows")
	if (!a2) t_missing(5, "coro / go chan-pingpong", "<= 0.5", "no column has both rows")
	if (!a3) t_missing(5, "threads-switchto ring: ns/hop N=10000 / N=2", "<= 2",
			   "no column has threads-switchto ring rows at both N=2 and N=10000")

	# issue 17: hundreds of thousands (the big ring, a full run only).
	a1 = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		n = big_n(k, "threads-switchto")
		if (n == "" || !has(k, "ring", "threads-switchto", "ns_per_hop_n2")) continue
		a1 += t_ratio(17, k, "threads-switchto ring: ns/hop N=" n " / N=2", v(k, "ring", "threads-switchto", "ns_per_hop_n" n),
			      v(k, "ring", "threads-switchto", "ns_per_hop_n2"), "<=", 2,
			      join(join(n + 0 < 100000 ? "N=" n ": the largest that ran, not 100000" : "",
					insns_note(k, "ring", "threads-switchto", "ring", "threads-switchto", "ns_per_hop_n" n) == "" ? "" : \
					sprintf("insns ratio %.2f", insns_of(k, "ring", "threads-switchto", "ns_per_hop_n" n) / insns_of(k, "ring", "threads-switchto", "ns_per_hop_n2"))),
				   has(k, "ring", "threads-switchto", "ns_per_hop_n2_beside" n) ? \
				   sprintf("N=2 measured again beside the %d threads: %s (ratio %.2f)", n, fmt(v(k, "ring", "threads-switchto", "ns_per_hop_n2_beside" n), "ns"),
					   v(k, "ring", "threads-switchto", "ns_per_hop_n" n) / v(k, "ring", "threads-switchto", "ns_per_hop_n2_beside" n)) : ""))
		x = v(k, "memory", "threads-switchto", "kernel_bytes_per_unit")
		y = v(k, "memory", "threads-switchto", "units")
		if (x != "" && y + 0 > 10000)
			t_add(17, k, "kernel memory per native thread (not a target)", fmt(x, "bytes") " at N=" sprintf("%d", y), "-", "n/a",
			      "KernelStack + PageTables" (has(k, "memory", "threads-switchto", "system_bytes_per_unit") ? \
				"; all of it (fall of MemFree) " fmt(v(k, "memory", "threads-switchto", "system_bytes_per_unit"), "bytes") : ""))
	}
	if (!a1) t_missing(17, "threads-switchto ring: ns/hop N=100000 / N=2", "<= 2",
			   "no threads-switchto ring row above N=10000 (the big ring runs in a full run only)")
	run_k = env("run", "kernels"); run_q = env("run", "quick"); el = env("run", "elapsed_s")
	if (el != "") {
		if (run_k ~ /6\.1( |$)/ && run_k ~ /6\.12/ && run_q == "0")
			t_add(5, "", "full make bench (both kernels) wall time", fmt_secs(el), "< 20 min",
			      el + 0 < 1200 ? "met" : "MISSED", "until the report; excludes package installation")
		else
			t_add(5, "", "full make bench (both kernels) wall time", fmt_secs(el), "< 20 min", "n/a",
			      "this run: KERNEL " run_k (run_q == "1" ? ", QUICK" : "") "; not a full run")
	}
}
