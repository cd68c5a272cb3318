# SPDX-License-Identifier: GPL-2.0
# table.awk — the summary `make bench` prints (and keeps in table.txt):
# per column (the host run, each VM boot), each case's primary figures
# per impl with their p10..p90 spread, CPU time per operation and the
# ratio to `go` and to `threads-futex` in the same column, and for a VM
# row the instruction count of the same program in the boot under icount
# (median and p10..p90; bench/icount.awk); then the issues' targets as
# same-run ratios, and the crossover of the case work-per-hop (the W
# from which a hand-off's overhead is under 10 %, and from which
# threads-switchto and go are within 10 % of each other; results.awk's
# crossover_eval()).  Counters (same-CPU share, context
# switches per hop, ...) are in results.csv and report.md.
#   awk -f bench/results.awk -f bench/table.awk [env.txt] results.csv
BEGIN { MU = "us"; DASH = "-"; APPROX = "~"; LEQ = "<="; TIMES = "x" }
END {
	order_all()
	for (ci = 1; ci <= N_COLS; ci++) {
		k = COLS[ci]
		d = is_vm(k) ? "VM" : "host"
		if (env(k, "cpus") != "") d = d ", " env(k, "cpus") (is_vm(k) ? " vCPUs" : " CPUs")
		if (env(k, "placement") != "") d = d ", placement " env(k, "placement")
		if (v(k, "env", "go", "gomaxprocs") != "") d = d ", GOMAXPROCS " v(k, "env", "go", "gomaxprocs")
		printf "\n== %s%s: %s\n", col_label(k), (col_label(k) != k ? " (" k ")" : ""), d
		printf "  %-15s %-21s %-26s %12s  %-18s %-17s %6s %6s  %s\n", "case", "metric", "impl",
		       "median", "[p10 .. p90] runs", "CPU/op (/wall)", "/go", "/futex",
		       is_vm(k) ? "insns (icount) [p10 .. p90]" : ""
		for (cj = 1; cj <= N_CASES; cj++) {
			c = CASES[cj]
			for (mj = 1; mj <= n_metric[c]; mj++) {
				m = metric_of[c, mj]
				if (!is_primary(c, m)) continue
				for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
					i = IMPLS[k, c, ij]
					if (!has(k, c, i, m)) continue
					key = k SUBSEP c SUBSEP i SUBSEP m
					u = UNIT[key]
					spread = (RUNS[key] > 1) ? sprintf("[%s] x%d", fmt_range(P10[key], P90[key], VAL[key], u), RUNS[key]) : "(1 run)"
					cm = cpu_metric(k, c, i, m); cpu = ""
					if (cm != "") {
						cpu = fmt(v(k, c, i, cm), "ns")
						w = wall_ns(k, c, i, m)
						if (w != "" && w > 0) cpu = cpu sprintf(" (%.2f)", v(k, c, i, cm) / w)
					}
					im = insns_metric(m, u); ins = ""
					if (unit_of(k, c, i, im) == "insns" && same_n_icount(k, c, i))
						ins = sprintf("%s [%s .. %s]", fmt_insns(v(k, c, i, im)),
							      fmt_insns(p10(k, c, i, im)), fmt_insns(p90(k, c, i, im)))
					else if (is_vm(k) && (u == "ns" || is_rate(u)))
						ins = DASH
					printf "  %-15s %-21s %-26s %12s  %-18s %-17s %6s %6s  %s\n", c, m, i,
					       fmt(VAL[key], u), spread, cpu == "" ? DASH : cpu,
					       fmt_ratio(cost_ratio(k, c, i, "go", m)),
					       fmt_ratio(cost_ratio(k, c, i, "threads-futex", m)), ins
				}
			}
		}
	}
	targets_eval()
	if (N_T) printf "\ntargets (ratios of medians within one column; a missed target does not fail the run):\n"
	for (t = 1; t <= N_T; t++)
		printf "  %-3s %-6s %-52s %-12s (%s: %s)%s\n", "#" T_issue[t], T_col[t] == "" ? "run" : col_label(T_col[t]),
		       T_name[t], T_value[t], T_want[t], T_status[t], T_note[t] != "" ? "  " T_note[t] : ""
	crossover_eval()
	if (XO_N) printf "\ncrossover (work-per-hop: W ns of work before each hop; interpolated on log W between the measured W):\n"
	for (t = 1; t <= XO_N; t++)
		printf "  %-6s %-10s %-26s %s from %s%s\n", col_label(XO_col[t]), wvar_name(XO_var[t]), XO_impl[t],
		       xo_label(XO_what[t]), XO_text[t],
		       XO_note[t] != "" ? "  (" XO_note[t] ")" : ""
	if (NROWS == 0) print "bench: no result rows"
	printf "\n(/go, /futex: this impl's cost over go's / threads-futex's, same case, metric and column;\n"
	printf " rates are inverted, so below 1 is cheaper.  CPU/op: user+system time per operation; /wall\n"
	printf " above 1 means more than one CPU busy per operation.  insns: guest instructions per operation,\n"
	printf " counted by QEMU icount in a second boot of the same programs: a repeatable work count, blind to\n"
	printf " idle time and IPI cost, charging busy-polling; all vCPUs' instructions in the interval count.)\n"
}
