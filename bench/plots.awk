# SPDX-License-Identifier: GPL-2.0
# plots.awk — writes the report's plots as gnuplot scripts with their
# data (bench/report.sh runs them, one gnuplot per plot, so that one
# failing plot costs only itself):
#   - scaling: every case whose primary metrics end in _n<N> (ring,
#     fanout), value against N on log-log axes, one line per impl with
#     its p10..p90 bars, one plot per column (host run or VM boot);
#   - memory: bytes per idle unit, one bar per impl and column, user-space
#     RSS stacked with the kernel's share where measured;
#   - pingpong and chan-pingpong: round trip per impl, one plot per column,
#     bars with p10..p90 and the CPU time per round trip as points;
#   - work-per-hop: overhead_pct against W (the work per hop) on log-log
#     axes, one line per impl and variant (ping-pong solid, ring of 16
#     dashed) with p10..p90 bars and the 10 % line, one plot per column
#     (points at or below 0 % cannot be drawn on a log axis and are left
#     out, the title says how many).
# A VM column's latency plots (round trips) are wall time; where the
# question is work (instructions per round trip, how the cost of a hop
# grows with N) the same plots are drawn again from the boot under icount
# (metrics renamed by bench/icount.awk), in guest instructions.
# Plots are made only for the rows that exist; none is an error.
#   awk -v dir=BUILD/bench -v term=pngcairo -f results.awk -f plots.awk [env.txt] results.csv
# Prints one line per plot: SCRIPT<TAB>PNG<TAB>TITLE.

function safe(s) { gsub(/[^A-Za-z0-9._-]/, "_", s); return s }
function q(s) { gsub(/'/, "''", s); return "'" s "'" }
function col_desc(k,   d) {
	d = col_label(k)
	if (is_vm(k)) d = d " (VM, " (env(k, "emulation") ~ /TCG/ || env(k, "emulation") == "" ? "QEMU TCG" : "QEMU") ")"
	else d = d " (" (env(k, "cpu_model") != "" ? env(k, "cpu_model") : "native") ")"
	return d
}
function header(gp, png, title, w, h) {
	printf "set terminal %s size %d,%d noenhanced\n", term, w, h > gp
	printf "set output %s\n", q(png) > gp
	printf "set title %s\n", q(title) > gp
	printf "set grid\nset key outside right top\n" > gp
}
function emit(gp, png, title) {
	close(gp)
	printf "%s\t%s\t%s\n", gp, png, title
}

END {
	order_all()
	if (term == "") term = "png"
	pd = dir "/plots"

	# ---- scaling (ring, fanout, ...) ----
	for (cj = 1; cj <= N_CASES; cj++) {
		c = CASES[cj]
		# the case's metrics of the form BASE_n<N>, by BASE
		nb = 0; split("", bases)
		for (mj = 1; mj <= n_metric[c]; mj++) {
			m = metric_of[c, mj]
			if (!is_primary(c, m) || m !~ /_n[0-9]+$/) continue
			b = m; sub(/_n[0-9]+$/, "", b)
			if (!(b in bases)) { bases[b] = 1; base[++nb] = b }
		}
		for (bj = 1; bj <= nb * 2; bj++) {
			b = base[(bj + 1) % 2 == 0 ? (bj + 1) / 2 : bj / 2]
			ins = bj % 2 == 0	# the second pass: the icount twins
			for (ci = 1; ci <= N_COLS; ci++) {
				k = COLS[ci]
				name = safe(c (nb > 1 ? "-" b : "") "-" col_label(k) (ins ? "-insns" : ""))
				dat = pd "/" name ".dat"; gp = pd "/" name ".gp"; png = dir "/" name ".png"
				printf "" > dat
				ns = 0; u = ""
				for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
					i = IMPLS[k, c, ij]
					np = 0
					for (mj = 1; mj <= n_metric[c]; mj++) {
						m = metric_of[c, mj]
						if (index(m, b "_n") != 1 || substr(m, length(b) + 3) !~ /^[0-9]+$/) continue
						if (!has(k, c, i, m)) continue
						nv = substr(m, length(b) + 3)
						if (ins) m = insns_metric(m, unit_of(k, c, i, m))
						if (!has(k, c, i, m)) continue
						key = k SUBSEP c SUBSEP i SUBSEP m
						if (np == 0) printf "# %s\n", i > dat
						printf "%s %s %s %s\n", nv, VAL[key], P10[key], P90[key] > dat
						u = UNIT[key]; np++
					}
					if (np) { printf "\n\n" > dat; sname[++ns] = i }
				}
				close(dat)
				if (ns == 0) continue
				t = c ": " (ins ? insns_metric(b, "ns") " (work, icount boot)" : b) " against N, " col_desc(k)
				header(gp, png, t, 1000, 560)
				printf "set logscale xy\nset xlabel 'N'\nset ylabel %s\n", q((ins ? insns_metric(b, "ns") : b) " (" u "; median, p10..p90)") > gp
				printf "set offsets graph 0.05, graph 0.05, 0, 0\n" > gp
				printf "plot" > gp
				for (s = 1; s <= ns; s++)
					printf "%s %s index %d using 1:2:3:4 with yerrorlines lw 2 title %s", \
					       (s > 1 ? ", \\\n    " : ""), q(dat), s - 1, q(sname[s]) > gp
				printf "\n" > gp
				emit(gp, png, t)
			}
		}
	}

	# ---- memory per unit ----
	if ("memory" in case_seen) {
		dat = pd "/memory.dat"; gp = pd "/memory.gp"; png = dir "/memory.png"
		printf "" > dat
		nm = 0; kern = 0
		for (ci = 1; ci <= N_COLS; ci++) {
			k = COLS[ci]
			for (ij = 1; ij <= N_IMPLS[k, "memory"]; ij++) {
				i = IMPLS[k, "memory", ij]
				x = v(k, "memory", i, "bytes_per_unit")
				if (x == "") continue
				y = v(k, "memory", i, "kernel_bytes_per_unit")
				if (y != "") kern = 1
				n = v(k, "memory", i, "units")
				printf "\"%s\" %s %s\n", i " (" col_label(k) (n != "" ? ", N=" sprintf("%d", n) : "") ")", \
				       x / 1024, (y == "" ? 0 : y / 1024) > dat
				nm++
			}
		}
		close(dat)
		if (nm) {
			t = "memory per idle unit (KiB; the kernel share where measured)"
			header(gp, png, t, 1000, 560)
			printf "set style data histograms\nset style histogram rowstacked\n" > gp
			printf "set style fill solid 0.7 border -1\nset boxwidth 0.7\n" > gp
			printf "set xtics rotate by -30 nomirror\nset ylabel 'KiB per unit'\nset yrange [0:*]\n" > gp
			printf "plot %s using 2:xtic(1) title 'user-space RSS'", q(dat) > gp
			if (kern) printf ", \\\n    '' using 3 title 'kernel (stacks, page tables)'" > gp
			printf "\n" > gp
			emit(gp, png, t)
		}
	}

	# ---- work per hop: overhead against W ----
	for (pass = 1; pass <= 2; pass++) {
		ins = pass == 2	# the icount boot: overhead in instructions
		for (ci = 1; ci <= N_COLS; ci++) {
			k = COLS[ci]
			if (!N_IMPLS[k, "work-per-hop"]) continue
			name = safe("work-per-hop-" col_label(k) (ins ? "-insns" : ""))
			dat = pd "/" name ".dat"; gp = pd "/" name ".gp"; png = dir "/" name ".png"
			printf "" > dat
			ns = 0; left = 0
			for (vj = 1; vj <= 2; vj++) {
				prefix = vj == 1 ? "" : "ring_"
				for (ij = 1; ij <= N_IMPLS[k, "work-per-hop"]; ij++) {
					i = IMPLS[k, "work-per-hop", ij]
					nw = w_list(k, i, prefix)
					np = 0
					for (j = 1; j <= nw; j++) {
						m = prefix "overhead_pct_w" WL[j] (ins ? "_icount" : "")
						if (!has(k, "work-per-hop", i, m)) continue
						key = k SUBSEP "work-per-hop" SUBSEP i SUBSEP m
						if (VAL[key] + 0 <= 0) { left++; continue }
						lo = P10[key] + 0 > 0 ? P10[key] : VAL[key]
						if (np == 0) printf "# %s %s\n", i, wvar_name(prefix) > dat
						printf "%s %s %s %s\n", WL[j], VAL[key], lo, P90[key] > dat
						np++
					}
					if (np) {
						printf "\n\n" > dat
						ns++; sname[ns] = i " (" wvar_name(prefix) ")"; sdash[ns] = vj; scol[ns] = ij
					}
				}
			}
			close(dat)
			if (ns == 0) continue
			t = "work-per-hop: overhead against W" (ins ? " (instructions, icount boot)" : "") ", " col_desc(k) \
			    (left ? " (" left " point(s) at or below 0 % left out)" : "")
			header(gp, png, t, 1000, 600)
			printf "set logscale xy\nset xlabel 'W: work before each hop (ns%s)'\n", ins ? "; instructions under icount" : "" > gp
			printf "set ylabel 'overhead (ns_per_hop - W) / W, %% (median, p10..p90)'\n" > gp
			printf "set offsets graph 0.05, graph 0.05, 0, 0\n" > gp
			printf "plot" > gp
			for (s = 1; s <= ns; s++)
				printf "%s %s index %d using 1:2:3:4 with yerrorlines lw 2 lc %d dt %d title %s", \
				       (s > 1 ? ", \\\n    " : ""), q(dat), s - 1, scol[s], sdash[s], q(sname[s]) > gp
			printf ", \\\n    10 with lines lc 'black' dt 3 title '10 %%'\n" > gp
			emit(gp, png, t)
		}
	}

	# ---- round trips ----
	split("pingpong chan-pingpong", rt, " ")
	for (r = 1; r <= 4; r++) {
		c = rt[int((r + 1) / 2)]; ins = r % 2 == 0
		m = ins ? "insns_per_roundtrip" : "ns_per_roundtrip"
		for (ci = 1; ci <= N_COLS; ci++) {
			k = COLS[ci]
			name = safe(c "-" col_label(k) (ins ? "-insns" : ""))
			dat = pd "/" name ".dat"; gp = pd "/" name ".gp"; png = dir "/" name ".png"
			nb = 0
			printf "" > dat
			for (ij = 1; ij <= N_IMPLS[k, c]; ij++) {
				i = IMPLS[k, c, ij]
				if (!has(k, c, i, m)) continue
				key = k SUBSEP c SUBSEP i SUBSEP m
				cm = ins ? "" : cpu_metric(k, c, i, m)
				printf "\"%s\" %s %s %s %s\n", i, VAL[key], P10[key], P90[key], \
				       (cm != "" ? v(k, c, i, cm) : "NaN") > dat
				nb++
			}
			close(dat)
			if (nb == 0) continue
			t = c ": " (ins ? "guest instructions per round trip (work, icount boot), " : "round trip per impl (latency), ") col_desc(k)
			header(gp, png, t, 1000, 560)
			printf "set style fill solid 0.6 border -1\nset boxwidth 0.6\n" > gp
			printf "set logscale y\nset ylabel '%s per round trip (log)'\n", ins ? "instructions" : "ns" > gp
			printf "set xtics rotate by -30 nomirror\nset xrange [-0.6:%f]\n", nb - 0.4 > gp
			if (ins) {
				printf "plot %s using 0:2:3:4:(0.3) with boxerrorbars title 'instructions: median, p10..p90', \\\n", q(dat) > gp
			} else {
				printf "plot %s using 0:2:3:4:(0.3) with boxerrorbars title 'wall: median, p10..p90', \\\n", q(dat) > gp
				printf "    '' using 0:5 with points pt 7 ps 1.3 title 'CPU time (user+system)', \\\n" > gp
			}
			printf "    '' using 0:(NaN):xtic(1) notitle\n" > gp
			emit(gp, png, t)
		}
	}
}
