# SPDX-License-Identifier: GPL-2.0
# icount.awk — renames the rows of a VM boot under QEMU's instruction
# counter (tests/vm/run-vm --icount; bench/run-bench) so that they sit
# beside the wall-time boot's rows in results.csv without colliding:
#   awk -f bench/icount.awk vm-K-icount.raw.csv > vm-K-icount.csv
# Under -icount shift=0 the guest's clock advances 1 ns per instruction
# executed (by any vCPU), so the programs' own figures read as counts:
#   - unit ns: the metric's word "ns" becomes "insns" (ns_per_roundtrip ->
#     insns_per_roundtrip, cpu_ns_per_msg -> cpu_insns_per_msg, ns ->
#     insns), or "_insns" is appended when it has none; unit insns;
#   - unit */s (a rate per virtual second): inverted into instructions per
#     item, msgs_per_s<rest> -> insns_per_msg<rest> (p10 and p90 swap);
#   - unit x (a ratio of two such figures): "_insns" appended;
#   - anything else (counters, bytes, shares: not clock readings): the
#     "_icount" suffix, the same measurement taken in the counting boot.
# The same mapping is insns_metric() in bench/results.awk.  Header and
# comment lines ("#env ...") pass unchanged.  Plain POSIX awk.
BEGIN { FS = OFS = "," }
NF != 9 || $1 == "kernel" { print; next }
{
	m = $4; u = $6
	if (u == "ns") {
		n = split(m, w, "_"); s = ""; hit = 0
		for (j = 1; j <= n; j++) {
			if (w[j] == "ns") { w[j] = "insns"; hit = 1 }
			s = s (j > 1 ? "_" : "") w[j]
		}
		$4 = hit ? s : m "_insns"; $6 = "insns"
	} else if (u ~ /\/s$/) {
		$4 = (m ~ /^msgs_per_s/) ? "insns_per_msg" substr(m, 11) : m "_insns"
		if ($4 ~ /^insns_per_msg/) {
			lo = $7; hi = $8
			$5 = ($5 + 0 > 0) ? sprintf("%.6g", 1e9 / $5) : ""
			$7 = (hi + 0 > 0) ? sprintf("%.6g", 1e9 / hi) : ""
			$8 = (lo + 0 > 0) ? sprintf("%.6g", 1e9 / lo) : ""
			$6 = "insns"
		}
	} else if (u == "x")
		$4 = m "_insns"
	else
		$4 = m "_icount"
	print
}
