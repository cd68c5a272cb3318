# SPDX-License-Identifier: GPL-2.0
# report.awk — build/bench/report.md from results.csv (bench/report.sh):
#   awk -f results.awk -f report.awk env.txt plots/plots.txt results.csv
# In order: the environment of each column (host run, each VM boot); one
# table of every case's primary figures per impl, with spread, CPU time
# and the ratios to go and threads-futex in the same column; the issues'
# targets; the crossover of the work per hop (results.awk's
# crossover_eval()); the units at 100,000 and the limits they need; the
# plots; a reading generated from the numbers; what emulation distorts
# and the published anchors; the other rows.
# Every sentence that states a result is built from the rows present.

FILENAME ~ /plots\.txt$/ {
	if ($0 ~ /^#nognuplot/) nognuplot = 1
	else if (split($0, p, "\t") >= 2) {
		if (p[1] == "#failed") plot_failed = plot_failed (plot_failed == "" ? "" : ", ") p[2]
		else { NPLOT++; PLOT_FILE[NPLOT] = p[1]; PLOT_TITLE[NPLOT] = p[2] }
	}
	next
}

function md(s) { gsub(/\|/, "\\|", s); return s }
function ratio_text(r) { return r == "" ? "–" : fmt_ratio(r) "×" }
function above_below(r, lim) { return r <= lim ? "within" : "above" }

# ---- environment ---------------------------------------------------------------

function env_table(   n, cols, j, k, seen, keys, labels, nk, kj, row, x, any) {
	n = 0
	for (j = 1; j <= N_COLS; j++) { cols[++n] = COLS[j]; seen[COLS[j]] = 1 }
	for (j = 1; j <= n_env_col; j++)
		if (!(env_col[j] in seen)) { cols[++n] = env_col[j]; seen[env_col[j]] = 1 }
	if (n == 0) { print "No environment was recorded.\n"; return }
	nk = split("role kernel cpu_model cpus topology numa_nodes memory clocksource cpufreq_governor hypervisor emulation qemu_accel qemu_accel_icount host_steal host_steal_icount placement limits gomaxprocs os cc go perf_instructions", keys, " ")
	split("where|kernel|CPU model|CPUs (vCPUs in a VM)|topology|NUMA nodes|memory|clocksource|cpufreq governor|hypervisor|emulation|QEMU accelerator, wall-time boot|QEMU accelerator and counter, icount boot (the insns figures)|CPU time stolen from this machine by its hypervisor, during the column (steal)|the same, during the icount boot|lwswitch placement|limits in force (a VM's raised by guest-bench.sh)|GOMAXPROCS (go rows)|OS|C compiler|Go|perf stat -e instructions", labels, "|")
	row = "| |"
	for (j = 1; j <= n; j++) row = row " " md(col_label(cols[j])) " |"
	print row
	row = "|---|"
	for (j = 1; j <= n; j++) row = row "---|"
	print row
	for (kj = 1; kj <= nk; kj++) {
		row = "| " labels[kj] " |"; any = 0
		for (j = 1; j <= n; j++) {
			k = cols[j]
			x = (keys[kj] == "gomaxprocs") ? v(k, "env", "go", "gomaxprocs") : env(k, keys[kj])
			if (keys[kj] == "role" && x == "") x = (k == "host") ? "host" : "vm"
			if (keys[kj] == "role") x = (x == "host") ? "host, native run" : "QEMU VM (tests/vm/run-vm)"
			if (x != "") any = 1
			row = row " " (x == "" ? "–" : md(x)) " |"
		}
		if (any) print row
	}
	print ""
}

# ---- the table --------------------------------------------------------------------

function main_table(   cj, c, mj, m, ci, k, ij, i, key, u, spread, cm, cpu, w, nrow, im, ins, insr) {
	print "| case | metric | column | impl | median | p10–p90 (runs) | CPU/op (÷ wall) | ÷ go | ÷ threads-futex | insns (icount) | insns p10–p90 (runs) | insns ÷ go |"
	print "|---|---|---|---|--:|---|---|--:|--:|--:|---|--:|"
	nrow = 0
	for (cj = 1; cj <= N_CASES; cj++) {
		c = CASES[cj]
		for (mj = 1; mj <= n_metric[c]; mj++) {
			m = metric_of[c, mj]
			if (!is_primary(c, m)) continue
			for (ci = 1; ci <= N_COLS; ci++) {
				k = COLS[ci]
				for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
					i = IMPLS[k, c, ij]
					if (!has(k, c, i, m)) continue
					key = k SUBSEP c SUBSEP i SUBSEP m
					u = UNIT[key]
					spread = (RUNS[key] > 1) ? fmt_range(P10[key], P90[key], VAL[key], u) " (" RUNS[key] ")" : "1 run"
					cm = cpu_metric(k, c, i, m); cpu = "–"
					if (cm != "") {
						cpu = fmt(v(k, c, i, cm), "ns")
						w = wall_ns(k, c, i, m)
						if (w != "" && w > 0) cpu = cpu " (" sprintf("%.2f", v(k, c, i, cm) / w) ")"
					}
					im = insns_metric(m, u); ins = insr = "–"
					if (unit_of(k, c, i, im) == "insns" && same_n_icount(k, c, i)) {
						ins = fmt_insns(v(k, c, i, im))
						insr = runs(k, c, i, im) > 1 ? fmt_insns(p10(k, c, i, im)) " .. " fmt_insns(p90(k, c, i, im)) " (" runs(k, c, i, im) ")" : "1 run"
					}
					printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, m, md(col_label(k)), md(i),
					       fmt(VAL[key], u), spread, cpu,
					       fmt_ratio(cost_ratio(k, c, i, "go", m)), fmt_ratio(cost_ratio(k, c, i, "threads-futex", m)),
					       ins, insr, ins == "–" ? "–" : fmt_ratio(cost_ratio(k, c, i, "go", im))
					nrow++
				}
			}
		}
	}
	if (!nrow) print "| – | | | no rows | | | | | |"
	print ""
	print "*median*: of the repetitions (interleaved across the impls of a case); *p10–p90*: their spread, in the median's unit;"
	print "*CPU/op*: user + system CPU time per operation, with its ratio to the wall time (above 1: more than one CPU busy per"
	print "operation — spinning or parallel work); *÷ go*, *÷ threads-futex*: this impl's cost over the reference's in the same"
	print "column, case and metric (rates inverted, so below 1 is cheaper); – where the reference has no such row.  Host rows"
	print "and VM rows are never divided by each other.  *insns*: guest instructions per operation (per message for a"
	print "rate), the same program in a second boot of the same kernel under QEMU's instruction counter (environment:"
	print "the accelerator options), where the guest's clock advances one ns per instruction executed by any vCPU."
	print ""
	print "Two figures per VM row.  Wall time is the latency a thread sees, IPIs, idle exits and wake-up placement"
	print "included, but under TCG it is also at the mercy of the host (its load, its steal time), so it moves between"
	print "boots; the instruction count is the work the guest did, repeatable from boot to boot, but blind to idle time"
	print "and to what an IPI or an idle exit costs, and it charges busy-polling (Go's spinning Ms) in full."
	print ""
}

# ---- targets -----------------------------------------------------------------------

function targets_table(   t, c) {
	targets_eval()
	if (!N_T) { print "No target could be evaluated.\n"; return }
	print "| issue | column | target | measured | wanted | status | note |"
	print "|---|---|---|---|---|---|---|"
	for (t = 1; t <= N_T; t++) {
		c = T_col[t] == "" ? "whole run" : T_col[t] == "-" ? "–" : col_label(T_col[t])
		printf "| #%d | %s | %s | %s | %s | %s | %s |\n", T_issue[t], md(c), md(T_name[t]), md(T_value[t]),
		       md(T_want[t]), T_status[t] == "MISSED" ? "**missed**" : T_status[t], md(T_note[t])
	}
	print ""
	print "Ratios of medians within one column (one host run or one VM boot).  A missed target does not fail `make bench`."
	print ""
}

# ---- the generated reading ------------------------------------------------------------

# rank(k, c, m): "a (x), b 1.8×, c 3.1×" cheapest first; sets RANK_N, RANK_BEST.
function rank(k, c, m,   n, j, i, idx, val, a, b, t, s, r) {
	n = 0
	for (j = 1; j <= N_IMPLS[k, c]; j++) {
		i = IMPLS[k, c, j]
		if (!has(k, c, i, m)) continue
		n++; idx[n] = i
		val[n] = is_rate(unit_of(k, c, i, m)) ? -v(k, c, i, m) : v(k, c, i, m) + 0
	}
	for (a = 2; a <= n; a++)
		for (b = a; b > 1 && val[b] < val[b - 1]; b--) {
			t = val[b]; val[b] = val[b - 1]; val[b - 1] = t
			t = idx[b]; idx[b] = idx[b - 1]; idx[b - 1] = t
		}
	RANK_N = n; RANK_BEST = idx[1]; RANK_WORST = idx[n]
	if (n == 0) return ""
	s = "`" idx[1] "` (" fmt(v(k, c, idx[1], m), unit_of(k, c, idx[1], m)) ")"
	for (j = 2; j <= n; j++) {
		r = cost_ratio(k, c, idx[j], idx[1], m)
		s = s ", `" idx[j] "` " ratio_text(r)
	}
	return s
}

function say(s) { print "- " s }

# ---- the crossover: work per hop ----------------------------------------------

function crossover_section(   ci, k, pj, prefix, nw, j, ij, i, row, hdr, sep, t, any, x, ref, mp) {
	crossover_eval()
	any = 0
	for (ci = 1; ci <= N_COLS; ci++) if (N_IMPLS[COLS[ci], "work-per-hop"]) any = 1
	if (!any) { print "No work-per-hop rows.\n"; return }
	print "Case `work-per-hop`: W ns of real user work before every hand-off (a calibrated loop of dependent"
	print "multiply-adds, `bench/common/work.h`, its result kept; calibrated once per process against the thread's"
	print "CPU time), in a ping-pong of two units (a hop is one direction) and in a ring of 16; *overhead* ="
	print "(ns per hop − W) / W.  Where the hand-off's cost stops mattering: the W from which the overhead stays"
	print "under 10 %, and the W from which threads-switchto and go stay within 10 % of each other (the slower"
	print "one's time per hop at most 1.1× the faster one's).  Both are **interpolated on log W** between the two"
	print "measured W around the crossing, the percentage on a log scale too (the straight line between two points"
	print "of the plot); one already met at the smallest W measured is given as ≤ that W, and one not met by the"
	print "largest as > that W, with the W a constant cost per hop (the one measured there) would need."
	print "The rows *in instructions* come from the boot under icount, where the calibration ran against the"
	print "instruction clock, so W = 1000 is 1000 guest instructions of work and the overhead is the hand-off's"
	print "instructions over them: the figure that repeats from boot to boot (wall time under TCG does not)."
	print ""
	print "| column | variant | impl | criterion | from W | note |"
	print "|---|---|---|---|---|---|"
	for (t = 1; t <= XO_N; t++)
		printf "| %s | %s | %s | %s | %s | %s |\n", md(col_label(XO_col[t])), wvar_name(XO_var[t]), md(XO_impl[t]),
		       xo_label(XO_what[t]),
		       (XO_impl[t] == "threads-switchto" ? "**" XO_text[t] "**" : XO_text[t]), md(XO_note[t])
	print ""
	# The figures behind it: time per hop at W = 0, overhead at each W.
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		if (!N_IMPLS[k, "work-per-hop"]) continue
		ref = ""
		for (ij = 1; ij <= N_IMPLS[k, "work-per-hop"] && ref == ""; ij++)
			if (w_list(k, IMPLS[k, "work-per-hop", ij], "")) ref = IMPLS[k, "work-per-hop", ij]
		if (ref == "") continue
		nw = w_list(k, ref, "")
		for (j = 1; j <= nw; j++) mp[j] = WL[j]
		hdr = "| " md(col_label(k)) " | hop at W = 0 |"; sep = "|---|--:|"
		for (j = 1; j <= nw; j++) { hdr = hdr " W = " fmt(mp[j], "ns") " |"; sep = sep "--:|" }
		print hdr; print sep
		for (pj = 1; pj <= 2; pj++) {
			prefix = pj == 1 ? "" : "ring_"
			for (ij = 1; ij <= N_IMPLS[k, "work-per-hop"]; ij++) {
				i = IMPLS[k, "work-per-hop", ij]
				if (!has(k, "work-per-hop", i, prefix "ns_per_hop_w0") && !w_list(k, i, prefix)) continue
				row = "| " md(i) ", " wvar_name(prefix) " | " fmt(v(k, "work-per-hop", i, prefix "ns_per_hop_w0"), "ns") " |"
				for (j = 1; j <= nw; j++) {
					x = v(k, "work-per-hop", i, prefix "overhead_pct_w" mp[j])
					row = row " " (x == "" ? DASH : sig3(x) " %") " |"
				}
				print row
			}
		}
		print ""
	}
	print "The overhead in each cell is the median of the repetitions' (ns per hop − W) / W; the repetitions are"
	print "sized by time (about 40 ms each in a full run), so a large W costs no more run time than W = 0."
	any = ""
	for (j = 1; j <= NPLOT; j++)
		if (PLOT_FILE[j] ~ /^work-per-hop-/) any = any (any == "" ? "" : ", ") "[" md(PLOT_TITLE[j]) "](" PLOT_FILE[j] ")"
	if (any != "") print "Plots (overhead against W, log-log, under Plots below): " any "."
	print ""
}

# ---- hundreds of thousands ------------------------------------------------------

function big_section(   ci, k, ij, i, n, s, x, y, z, any, lim, mpu, un) {
	any = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		for (ij = 1; ij <= N_IMPLS[k, "memory"]; ij++)
			if (v(k, "memory", IMPLS[k, "memory", ij], "units") + 0 > 10000) any = 1
		if (big_n(k, "threads-switchto") != "" || big_n(k, "coro") != "" || big_n(k, "go") != "") any = 1
	}
	if (!any) {
		print "No ring or memory row above N = 10,000 in this run: the rings of 100,000 threads, coroutines and"
		print "goroutines run in a full `make bench` only (not QUICK, which stops at rings of 1,024).\n"
		return
	}
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		s = ""
		for (ij = 1; ij <= N_IMPLS[k, "ring"]; ij++) {
			i = IMPLS[k, "ring", ij]
			n = big_n(k, i)
			if (n == "") continue
			x = v(k, "ring", i, "ns_per_hop_n" n); y = v(k, "ring", i, "ns_per_hop_n2")
			s = s (s == "" ? "" : "; ") sprintf("`%s` %s per hop at N=%d", i, fmt(x, "ns"), n)
			if (y != "" && y > 0) s = s sprintf(", %.2f× its N=2 figure (%s)", x / y, fmt(y, "ns"))
			z = v(k, "ring", i, "ns_per_hop_n2_beside" n)
			if (z != "" && z > 0 && y != "" && y > 0) s = s sprintf("; its N=2 ring measured again while the %d existed: %s, %.2f× the N=2 figure", n, fmt(z, "ns"), z / y)
			z = insns_of(k, "ring", i, "ns_per_hop_n" n)
			if (z != "" && insns_of(k, "ring", i, "ns_per_hop_n2") > 0)
				s = s sprintf(", %.2f× in instructions", z / insns_of(k, "ring", i, "ns_per_hop_n2"))
		}
		if (s != "") say(sprintf("**%s**, the ring: %s (target for threads-switchto: at most 2×).", md(col_label(k)), s))
		s = ""
		for (ij = 1; ij <= N_IMPLS[k, "memory"]; ij++) {
			i = IMPLS[k, "memory", ij]
			un = v(k, "memory", i, "units")
			if (un + 0 <= 10000) continue
			s = s (s == "" ? "" : "; ") sprintf("`%s` (N=%d): %s of RSS", i, un, fmt(v(k, "memory", i, "bytes_per_unit"), "bytes"))
			x = v(k, "memory", i, "kernel_bytes_per_unit")
			if (x != "") s = s sprintf(", %s in the kernel (stacks, page tables)", fmt(x, "bytes"))
			x = v(k, "memory", i, "system_bytes_per_unit")
			if (x != "") s = s sprintf(", %s of the machine's memory in all (%s for N)", fmt(x, "bytes"), fmt(x * un, "bytes"))
			x = v(k, "memory", i, "create_ns_per_unit")
			if (x != "") s = s sprintf(", made in %s each (%s for N)", fmt(x, "ns"), fmt(x * un, "ns"))
		}
		if (s != "") say(sprintf("**%s**, memory per unit: %s.", md(col_label(k)), s))
		lim = env(k, "limits")
		if (lim != "") say(sprintf("**%s**, limits in force: %s.", md(col_label(k)), lim))
	}
	print ""
	print "What a user must raise to have as many at once (root; `sysctl -w`, and the module's parameters in"
	print "`/sys/module/lwswitch/parameters/`); the benchmark raises them in the VM (`bench/vm/guest-bench.sh`):"
	print ""
	mpu = ""
	for (ci = 1; ci <= N_COLS && mpu == ""; ci++) mpu = v(COLS[ci], "memory", "threads-switchto", "maps_per_unit")
	print "- native threads: one task and one process id each, so `kernel.threads-max` (by default the memory / 128 KiB"
	print "  on x86-64: 16,384 in a 2 GiB VM) and `kernel.pid_max` (32,768 below 32 CPUs) above N plus the system's"
	print "  other tasks; `vm.max_map_count` (65,530) above " (mpu != "" ? sprintf("%.3g", mpu) : "two") " mappings per thread (its stack and guard page) times N plus"
	print "  the process's others; on the switchto backend one module member each: `max_members` (16,384 per"
	print "  domain) and `max_user_members` (65,536 per user) above N;"
	mpu = ""
	for (ci = 1; ci <= N_COLS && mpu == ""; ci++) mpu = v(COLS[ci], "memory", "coro", "maps_per_unit")
	print "- coroutines: `vm.max_map_count` only, " (mpu != "" ? sprintf("%.3g (measured)", mpu) : "two") " mappings per live stack (`lwswitch_coro.h`: the stack and its"
	print "  guard page), so the default 65,530 holds about 30,000 coroutines alive at once with the process's other"
	print "  mappings; 100,000 need it above 200,000 plus those;"
	print "- goroutines: nothing (their stacks are the Go heap's; no task, no mapping each)."
	print ""
	print "and the memory: the machine's memory per unit above times N (the VM of a full run is given enough, see"
	print "`bench/run-bench`)."
	print ""
}

# The smallest and largest N of case c's metrics BASE_n<N>: NLO, NHI
# ("" when it has none), NBASE (the last BASE seen).
function n_range(c,   mj, m, z) {
	NLO = NHI = NBASE = ""
	for (mj = 1; mj <= n_metric[c]; mj++) {
		m = metric_of[c, mj]
		if (!is_primary(c, m) || m !~ /_n[0-9]+$/) continue
		z = m; sub(/^.*_n/, "", z); z += 0
		if (NLO == "" || z < NLO + 0) NLO = z
		if (NHI == "" || z > NHI + 0) NHI = z
		NBASE = m; sub(/_n[0-9]+$/, "", NBASE)
	}
}

function reading_col(k,   cj, c, mj, m, s, x, y, z, g, f, r, ij, i, cm, w, busy, nbusy, wide, nwide, nprim, key, lo, hi, best, grow) {
	printf "**%s** (%s)\n\n", md(col_label(k)), is_vm(k) ? "one VM boot, " (env(k, "cpus") != "" ? env(k, "cpus") " vCPUs, " : "") "QEMU TCG" : "native run on this machine"

	# Where each wins: per case and primary metric, cheapest first (for
	# a scaling case, at its smallest and largest N only).
	for (cj = 1; cj <= N_CASES; cj++) {
		c = CASES[cj]
		n_range(c)
		# (work-per-hop: its own section)
		if (c == "work-per-hop") continue
		for (mj = 1; mj <= n_metric[c]; mj++) {
			m = metric_of[c, mj]
			if (!is_primary(c, m)) continue
			if (m ~ /_n[0-9]+$/) {
				z = m; sub(/^.*_n/, "", z)
				if (z + 0 != NLO + 0 && z + 0 != NHI + 0) continue
			}
			s = rank(k, c, m)
			if (RANK_N >= 2) say(c " " m ", cheapest first: " s ".")
		}
	}

	# The headline against Go, and the kernel's floor.
	x = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip")
	g = v(k, "chan-pingpong", "go", "ns_per_roundtrip")
	f = v(k, "pingpong", "yield-pinned", "ns_per_roundtrip")
	if (x != "" && g != "" && g > 0) {
		r = x / g
		s = sprintf("A channel round trip on native threads handing off with SWITCHTO took %.2f× Go's (GOMAXPROCS %s), %s the ≤ 4 target", r,
			    v(k, "env", "go", "gomaxprocs") != "" ? v(k, "env", "go", "gomaxprocs") : "?", above_below(r, 4))
		if (f != "" && f > 0)
			s = s sprintf("; the kernel's own floor in this boot, a pinned `sched_yield` ping-pong, is %.2f× Go's channel round trip, and the threads-switchto channel is %.2f× that floor", f / g, x / f)
		say(s ".")
	}
	x = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip_paired")
	y = v(k, "chan-pingpong", "go", "ns_per_roundtrip_paired")
	r = v(k, "chan-pingpong", "threads-switchto", "go_ratio_paired")
	if (x != "" && y != "" && y > 0 && r != "")
		say(sprintf("Measured again with lws-chan and lws-go taking turns, one run each at a time (%s turns; a drift of the host's speed between the two programs then hits both alike), the ratio of the two runs of a turn had a median of %.2f× (p10–p90 %.2f–%.2f×; the ratio of the two programs' medians was %.2f×).",
			    runs(k, "chan-pingpong", "threads-switchto", "go_ratio_paired"), r,
			    p10(k, "chan-pingpong", "threads-switchto", "go_ratio_paired"),
			    p90(k, "chan-pingpong", "threads-switchto", "go_ratio_paired"), x / y))
	else if (x != "" && y != "" && y > 0)
		say(sprintf("Measured again with lws-chan and lws-go taking turns, one run each at a time (medians of %s runs each; a drift of the host's speed between the two programs then hits both alike), the same ratio was %.2f×.",
			    runs(k, "chan-pingpong", "go", "ns_per_roundtrip_paired"), x / y))
	x = v(k, "chan-pingpong", "coro", "ns_per_roundtrip")
	if (x != "" && g != "" && g > 0)
		say(sprintf("The coroutine channel round trip took %.2f× Go's, %s the ≤ 0.5 target.", x / g, above_below(x / g, 0.5)))

	# The coroutine core against Boost.Context (host), one process and many.
	x = v(k, "pingpong", "coro", "ns_per_roundtrip")
	y = v(k, "pingpong", "boost-context", "ns_per_roundtrip")
	if (x != "" && y != "" && y > 0) {
		s = sprintf("Two coroutines yielding to each other took %.2f× Boost.Context's bare `jump_fcontext()` round trip, %s the ≤ 1.1 target", x / y, above_below(x / y, 1.1))
		r = v(k, "pingpong", "coro", "boost_ratio_paired")
		if (r != "" && has(k, "pingpong", "coro", "ns_per_roundtrip_paired") && has(k, "pingpong", "boost-context", "ns_per_roundtrip_paired"))
			s = s sprintf("; over %s turns of the two programs in short processes, the median of a turn's ratio was %.2f× (p10–p90 %.2f–%.2f×). Its yield round trip ranged %s–%s over the turns (p10–p90), Boost.Context's %s–%s: a process of either lasts about a second or less, and the yield path slows by about a third, the bare switches far less, for stretches of a few hundred milliseconds (next item)",
				      runs(k, "pingpong", "coro", "boost_ratio_paired"), r,
				      p10(k, "pingpong", "coro", "boost_ratio_paired"), p90(k, "pingpong", "coro", "boost_ratio_paired"),
				      fmt(p10(k, "pingpong", "coro", "ns_per_roundtrip_paired"), "ns"),
				      fmt(p90(k, "pingpong", "coro", "ns_per_roundtrip_paired"), "ns"),
				      fmt(p10(k, "pingpong", "boost-context", "ns_per_roundtrip_paired"), "ns"),
				      fmt(p90(k, "pingpong", "boost-context", "ns_per_roundtrip_paired"), "ns"))
		say(s ".")
	}
	r = v(k, "pingpong", "coro", "boost_ratio_interleaved")
	if (r != "") {
		s = sprintf("Measured in alternating windows of one thread (%s windows of each), the yield round trip was %.2f× Boost.Context's (median of the windows' ratios, p10–p90 %.2f–%.2f×)",
			    runs(k, "pingpong", "coro", "boost_ratio_interleaved"), r,
			    p10(k, "pingpong", "coro", "boost_ratio_interleaved"), p90(k, "pingpong", "coro", "boost_ratio_interleaved"))
		if (has(k, "pingpong", "coro", "boost_ratio_interleaved_quiet") && has(k, "pingpong", "coro", "boost_ratio_interleaved_busy"))
			s = s sprintf(": %.2f× in the %s windows where a burst of independent additions just before ran at full speed, %.2f× in the %s where it ran at least 1.5× slower (%s %% of the windows). Such bursts halve in speed now and then on this machine, for a few hundred milliseconds, the mark of the core's other hardware thread competing for the execution units, and the yield path, with its run-queue bookkeeping, loses more to that than the bare switches do",
				      v(k, "pingpong", "coro", "boost_ratio_interleaved_quiet"), runs(k, "pingpong", "coro", "boost_ratio_interleaved_quiet"),
				      v(k, "pingpong", "coro", "boost_ratio_interleaved_busy"), runs(k, "pingpong", "coro", "boost_ratio_interleaved_busy"),
				      sprintf("%.0f", v(k, "pingpong", "coro", "busy_window_pct")))
		say(s ".")
	}
	x = v(k, "chan-pingpong", "coro", "ns_per_roundtrip")
	y = v(k, "pingpong", "coro", "ns_per_roundtrip")
	r = v(k, "chan-pingpong", "coro", "pingpong_ratio_paired")
	if (k == "host" && x != "" && y != "" && y > 0)
		say(sprintf("A coroutine channel round trip took %.2f× the yield round trip, %s the ≤ 8 target%s.", x / y, above_below(x / y, 8),
			    r == "" ? "" : sprintf("; the median of each process's own ratio over %s turns was %.2f× (p10–p90 %.2f–%.2f×), both rows of a process sharing its speed",
						   runs(k, "chan-pingpong", "coro", "pingpong_ratio_paired"), r,
						   p10(k, "chan-pingpong", "coro", "pingpong_ratio_paired"),
						   p90(k, "chan-pingpong", "coro", "pingpong_ratio_paired"))))

	# The module against the kernel's own hand-offs.
	x = v(k, "pingpong", "switchto", "ns_per_roundtrip")
	if (x != "") {
		s = "A bare SWITCHTO round trip took"; z = 0
		y = v(k, "pingpong", "futex", "ns_per_roundtrip")
		if (y != "" && y > 0) { s = s sprintf(" %.2f× the unpinned futex round trip (target ≤ 0.2)", x / y); z++ }
		y = v(k, "pingpong", "futex-pinned", "ns_per_roundtrip")
		if (y != "" && y > 0) { s = s (z ? "," : "") sprintf(" %.2f× the pinned futex one (≤ 0.8)", x / y); z++ }
		y = v(k, "pingpong", "yield-pinned", "ns_per_roundtrip")
		if (y != "" && y > 0) { s = s (z ? " and" : "") sprintf(" %.2f× the pinned `sched_yield` floor (≤ 1.5)", x / y); z++ }
		y = v(k, "pingpong", "switchto", "same_cpu_pct")
		if (y != "") s = s sprintf("; its target ran on the caller's CPU in %.2f %% of hops", y)
		if (z) say(s ".")
		y = v(k, "pingpong", "switchto-pinned", "ns_per_roundtrip")
		if (y != "" && x > 0) {
			s = sprintf("With both threads pinned to one CPU (placement for free), SWITCHTO took %.2f× the unpinned round trip", y / x)
			z = v(k, "pingpong", "futex-pinned", "ns_per_roundtrip")
			if (z != "" && z > 0) s = s sprintf(" and %.2f× the pinned futex one", y / z)
			say(s ".")
		}
		y = v(k, "pingpong", "switchto-placement0", "ns_per_roundtrip")
		z = v(k, "pingpong", "switchto-placement2", "ns_per_roundtrip")
		s = ""
		if (y != "" && x > 0) s = sprintf("the plain wake-up (placement 0) took %.2f× the default placement's round trip", y / x)
		if (z != "" && x > 0) s = s (s == "" ? "" : "; ") sprintf("the ftrace hook (placement 2) %.2f×", z / x)
		if (s != "") say("Placement, same boot: " s ".")
		y = v(k, "null-syscall", "getppid", "ns")
		if (y != "" && y > 0) say(sprintf("A null system call (getppid) took %s in this boot; a SWITCHTO round trip is %.0f of them.", fmt(y, "ns"), x / y))
	}
	reading_insns(k)

	# Scaling: growth from each impl's smallest to its largest N.
	for (cj = 1; cj <= N_CASES; cj++) {
		c = CASES[cj]
		n_range(c)
		if (NLO == "" || NLO == NHI) continue
		s = ""
		for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
			i = IMPLS[k, c, ij]; lo = hi = ""
			for (mj = 1; mj <= n_metric[c]; mj++) {
				m = metric_of[c, mj]
				if (index(m, NBASE "_n") != 1 || !has(k, c, i, m)) continue
				z = substr(m, length(NBASE) + 3)
				if (z !~ /^[0-9]+$/) continue
				if (lo == "" || z + 0 < lo + 0) lo = z
				if (hi == "" || z + 0 > hi + 0) hi = z
			}
			if (lo == "" || lo == hi) continue
			x = v(k, c, i, NBASE "_n" hi); y = v(k, c, i, NBASE "_n" lo)
			if (y <= 0) continue
			s = s (s == "" ? "" : ", ") sprintf("`%s` %.2f× (N=%d over N=%d)", i, x / y, hi, lo)
		}
		if (s != "") say(sprintf("%s %s, the largest N over the smallest (1 = flat): %s.", c, NBASE, s))
	}

	# Memory: the cheapest unit and the others against it.
	s = rank(k, "memory", "bytes_per_unit")
	x = v(k, "memory", "pthread", "kernel_bytes_per_unit")
	if (x != "" && v(k, "memory", "pthread", "bytes_per_unit") != "")
		say(sprintf("A pthread's kernel-side memory (%s per thread) is not in its RSS (%s); with it a thread costs %s.",
			    fmt(x, "bytes"), fmt(v(k, "memory", "pthread", "bytes_per_unit"), "bytes"),
			    fmt(x + v(k, "memory", "pthread", "bytes_per_unit"), "bytes")))

	# CPU time beyond wall time, and wide spreads.
	nbusy = 0; busy = ""; nwide = 0; wide = ""; nprim = 0
	for (cj = 1; cj <= N_CASES; cj++) {
		c = CASES[cj]
		for (mj = 1; mj <= n_metric[c]; mj++) {
			m = metric_of[c, mj]
			if (!is_primary(c, m)) continue
			for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
				i = IMPLS[k, c, ij]
				if (!has(k, c, i, m)) continue
				key = k SUBSEP c SUBSEP i SUBSEP m
				nprim++
				cm = cpu_metric(k, c, i, m); w = wall_ns(k, c, i, m)
				if (cm != "" && w != "" && w > 0 && v(k, c, i, cm) / w > 1.3) {
					if (++nbusy <= 12)
						busy = busy (busy == "" ? "" : ", ") sprintf("%s %s `%s` %.2f", c, m, i, v(k, c, i, cm) / w)
					else if (nbusy == 13)
						busy = busy ", …"
				}
				if (RUNS[key] > 1 && P10[key] > 0 && P90[key] / P10[key] > 2) {
					if (++nwide <= 10)
						wide = wide (wide == "" ? "" : ", ") sprintf("%s %s `%s` %.1f", c, m, i, P90[key] / P10[key])
					else if (nwide == 11)
						wide = wide ", …"
				}
			}
		}
	}
	if (nbusy) say(sprintf("CPU time above 1.3× wall time (more than one CPU busy per operation: spinning, or work running in parallel) in %d of %d rows: %s.", nbusy, nprim, busy))
	else if (nprim) say("No row used more than 1.3× its wall time in CPU time.")
	if (nwide) say(sprintf("Wide spread (p90/p10 > 2) in %d of %d rows: %s; ratios involving them are rough.", nwide, nprim, wide))
	else if (nprim) say("Every row's p90/p10 is within 2.")
	print ""
}

# The same comparisons in instructions (the icount boot of this column).
function reading_insns(k,   x, y, z, w, s, n, g, t, gw, tw, cw, g1, g1w) {
	x = v(k, "pingpong", "switchto", "insns_per_roundtrip")
	if (x != "" && x > 0) {
		s = sprintf("Counted in instructions (icount boot), a SWITCHTO round trip was %s instructions", fmt_insns(x)); n = 0
		y = v(k, "pingpong", "futex-pinned", "insns_per_roundtrip")
		if (y != "" && y > 0) { s = s sprintf(", %.2f× the pinned futex round trip (%s)", x / y, fmt_insns(y)); n++ }
		y = v(k, "pingpong", "yield-pinned", "insns_per_roundtrip")
		if (y != "" && y > 0) { s = s sprintf(", %.2f× the pinned `sched_yield` floor (%s)", x / y, fmt_insns(y)); n++ }
		y = v(k, "pingpong", "futex", "insns_per_roundtrip")
		z = v(k, "pingpong", "futex", "ns_per_roundtrip")
		if (y != "" && y > 0) {
			s = s sprintf(" and %.2f× the unpinned futex one (%s)", x / y, fmt_insns(y))
			w = v(k, "pingpong", "switchto", "ns_per_roundtrip")
			if (z != "" && z > 0 && w != "") {
				s = s sprintf(", against %.2f× in wall time", w / z)
				if (w / z < 0.8 * x / y)
					s = s ": the unpinned futex wakes its peer on the other vCPU, and what the IPI and the idle vCPU's wake-up cost beyond their instructions shows only in wall time"
			}
		}
		y = v(k, "null-syscall", "getppid", "insns")
		if (y != "" && y > 0) s = s sprintf("; a null system call is %s instructions", fmt_insns(y))
		say(s ".")
	}
	g = v(k, "chan-pingpong", "go", "insns_per_roundtrip")
	t = v(k, "chan-pingpong", "threads-switchto", "insns_per_roundtrip")
	gw = v(k, "chan-pingpong", "go", "ns_per_roundtrip")
	tw = v(k, "chan-pingpong", "threads-switchto", "ns_per_roundtrip")
	cw = v(k, "chan-pingpong", "go", "cpu_ns_per_roundtrip")
	if (g != "" && g > 0 && gw != "" && gw > 0) {
		s = sprintf("Go's channel round trip, both ways: %s wall, %s instructions", fmt(gw, "ns"), fmt_insns(g))
		if (cw != "") s = s sprintf(" (its CPU time in the wall-time boot was %.2f× its wall time)", cw / gw)
		if (t != "" && tw != "" && tw > 0)
			s = s sprintf("; threads-switchto over Go is %.2f× in wall time and %.2f× in instructions", tw / gw, t / g)
		s = s ". The instruction count includes whatever the other vCPU executed meanwhile, so an idle M of Go's spinning for work before it parks is charged to Go's round trip (work a hardware machine would pay for too, which need not lengthen the round trip), while a vCPU halted in the kernel costs nothing"
		g1 = v(k, "chan-pingpong", "go-gomaxprocs1", "insns_per_roundtrip")
		g1w = v(k, "chan-pingpong", "go-gomaxprocs1", "ns_per_roundtrip")
		if (g1 != "" && g1 > 0 && g1w != "" && g1w > 0)
			s = s sprintf(". On one P (GOMAXPROCS=1, nothing to spin for) the round trip was %s wall and %s instructions: GOMAXPROCS 2 costs %.2f× that in wall time and %.2f× in instructions", fmt(g1w, "ns"), fmt_insns(g1), gw / g1w, g / g1)
		say(s ".")
	}
}

function reading(   ci, q) {
	print "### What the numbers say"
	print ""
	print "Generated from the rows above; every ratio is within one column."
	print ""
	for (ci = 1; ci <= N_COLS; ci++) reading_col(COLS[ci])
	q = env("run", "quick")
	if (q == "1") print "This was a QUICK run (fewer, shorter repetitions): spreads are wider than in a full run.\n"
}

function emulation() {
	print "### What emulation distorts"
	print ""
	print "The VM columns come from QEMU with TCG, software emulation: every guest instruction is translated, and"
	print "kernel entries, interrupts, timer ticks and the IPIs between vCPUs are emulated by QEMU, each at a cost"
	print "unrelated to what it costs on hardware.  The vCPUs are host threads sharing this machine's CPUs with"
	print "whatever else runs on it.  So:"
	print ""
	print "- absolute times in a VM column mean nothing; only ratios within one boot do;"
	print "- even within a boot, a path that stays in user space (`go`, `coro`) and one that enters the kernel on"
	print "  every hand-off (`switchto`, `futex`, `threads-*`) are distorted by different factors, in a direction and"
	print "  size this benchmark does not measure; ratios between two kernel-crossing impls (switchto against futex"
	print "  and sched_yield, the placements against each other) are the most trustworthy;"
	print "- even those move from boot to boot: on this project's machine the same row has differed by up to 2×"
	print "  between boots an hour apart, and switchto / futex-pinned on 6.1 was 0.72 in one full run and 1.26 in"
	print "  the next, with the same module.  Confirm a ratio in a second run before trusting it near its target;"
	print "  `make bench-hop-profile` counts the kernel work per hop, which moves far less.  One influence can"
	print "  be measured from here: when this machine is itself a virtual machine, its hypervisor takes CPU time"
	print "  away from it (\"steal\" in /proc/stat; the environment table gives the share per column).  On this"
	print "  project's machine, during one boot's ping-pong, 15–35 % of the machine's CPU time went that way"
	print "  (200 ms samples), while the time per round trip of stretches of 250 round trips, each stretch with"
	print "  one SWITCHTO per hop, moved between about 30 and 90 µs;"
	print "- the host column is a native run (no ratio with a VM column is ever formed); its absolute figures are"
	print "  this machine's, which may itself be a virtual machine (see the environment);"
	print "- the *insns* figures come from a second boot of each kernel under QEMU's instruction counter (`-icount"
	print "  shift=0,sleep=off,align=off` on one vCPU thread, `thread=single`; the exact options are in the environment):"
	print "  the guest's clock then advances 1 ns per guest instruction, so the programs' own timers count instructions."
	print "  `shift=0` makes a ns read as one instruction; `sleep=off` keeps a halted vCPU from letting the clock run on"
	print "  in real time (the clock jumps to the next timer instead), which makes the count independent of the host;"
	print "  `align=off` does not pace the guest to real time (QEMU refuses `align=on` with `sleep=off`).  The vCPUs"
	print "  run in turns on one host thread and the clock is their sum: an interval counts the instructions of every"
	print "  vCPU in it, a busy-polling peer included, and an IPI or an idle exit only for the instructions it runs."
	print "  A count is not a time on hardware (caches, pipelines and the real cost of an IPI are not modelled); a"
	print "  ratio of counts between two same-CPU hand-offs is the figure this benchmark can repeat best."
	print ""
	print "### Published figures, for context"
	print ""
	print "From other systems and machines, not measured here and not comparable to the figures above (design brief):"
	print ""
	print "| system | figure | source |"
	print "|---|---|---|"
	print "| Google switchto (kernel patch) | \"<200 ns context switch\" | LPC 2013 proposal 1653 |"
	print "| FUTEX_SWAP (kernel patch) | 620 ns/swap vs 4103 ns FUTEX_WAKE+WAIT | LKML, 2020-07-22 |"
	print "| seccomp sync user-notify | 12 µs → ~3 µs per round trip | LKML, 2023-03-08 |"
	print "| Linux thread switch (Bendersky 2018) | ~1.2–1.5 µs pinned, ~2.2 µs unpinned | eli.thegreenplace.net |"
	print "| Boost.Context fcontext | ~9 ns / 19 cycles | Boost docs, performance |"
	print "| libaco | ~10 ns per switch | libaco README |"
	print "| libdill | 6 ns switch, 40 ns per channel message | libdill FAQ |"
	print "| Go ChanSync | ~140–280 ns/op | Go runtime benchmarks |"
	print ""
}

function other_rows(   ci, k, cj, c, mj, m, ij, i, n) {
	n = 0
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		for (cj = 1; cj <= N_CASES; cj++) {
			c = CASES[cj]
			for (mj = 1; mj <= n_metric[c]; mj++) {
				m = metric_of[c, mj]
				if (is_primary(c, m) || m ~ /^cpu_/ || metric_unit[c, m] == "insns") continue
				for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
					i = IMPLS[k, c, ij]
					if (!has(k, c, i, m)) continue
					if (!n++) {
						print "## Other rows (counters)"
						print ""
						print "| column | case | impl | metric | value |"
						print "|---|---|---|---|--:|"
					}
					printf "| %s | %s | %s | %s | %s |\n", md(col_label(k)), c, md(i), m, fmt(v(k, c, i, m), unit_of(k, c, i, m))
				}
			}
		}
	}
	if (n) print ""
}

END {
	order_all()
	print "# lwswitch benchmark report"
	print ""
	s = "Generated by `make bench` from `results.csv`"
	if (env("run", "date") != "") s = s ", " env("run", "date")
	if (env("run", "kernels") != "") s = s "; KERNEL=" env("run", "kernels")
	if (env("run", "quick") == "1") s = s ", QUICK=1"
	if (env("run", "elapsed_s") != "") s = s "; the run took " fmt_secs(env("run", "elapsed_s")) " until this report"
	print s "."
	print ""
	print "## Environment"
	print ""
	env_table()
	print "## Results"
	print ""
	main_table()
	print "## Targets"
	print ""
	targets_table()
	print "## Crossover: work per hop"
	print ""
	crossover_section()
	print "## Hundreds of thousands"
	print ""
	big_section()
	print "## Plots"
	print ""
	if (nognuplot) print "No plots: gnuplot is not installed (`scripts/install-deps bench`).\n"
	else if (!NPLOT) print "No plot: none of the plotted rows (ring/fanout scaling, memory, pingpong, chan-pingpong, work-per-hop) is present.\n"
	for (j = 1; j <= NPLOT; j++) printf "### %s\n\n![%s](%s)\n\n", PLOT_TITLE[j], PLOT_TITLE[j], PLOT_FILE[j]
	if (plot_failed != "") print "Plots that failed (see `plots/*.log`): " plot_failed ".\n"
	print "## How to read this"
	print ""
	reading()
	emulation()
	other_rows()
}
