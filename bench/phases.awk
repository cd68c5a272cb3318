# SPDX-License-Identifier: GPL-2.0
# bench/phases.awk: the table of bench/vm/hop-phases.sh's output (a CSV),
# guest instructions per hop per phase, corrected for the tracer's hooks.
#   awk -f bench/phases.awk hop-phases-<kernel>.csv
BEGIN {
	FS = ","
	np = split("module yield wakeup futex block pick switch other syscall rest", order, " ")
}
$1 == "phase-hop" {
	if (!(($2) in untraced))
		rows[++nr] = $2
	untraced[$2] = $3
}
$1 == "phase-calls" {
	calls[$2] = $3
	hook[$2] = $4
	expect[$2] = $5
}
$1 == "phase-hop" { traced[$2] = $4 }
$1 == "phase" {
	v[$2, $3] = $4
	if ($4 + 0 != 0)
		seen[$3] = 1
}
END {
	printf "%-16s %7s", "insns per hop", "total"
	for (i = 1; i <= np; i++)
		if (order[i] in seen)
			printf " %7s", order[i]
	printf " %7s %6s\n", "calls", "check"
	for (r = 1; r <= nr; r++) {
		row = rows[r]
		printf "%-16s %7d", row, untraced[row]
		for (i = 1; i <= np; i++)
			if (order[i] in seen)
				printf " %7d", v[row, order[i]]
		# check: the traced hop against untraced + H per traced call.
		printf " %7.1f %6.2f\n", calls[row], expect[row] ? traced[row] / expect[row] : 0
	}
	printf "(hooks: %d insns per traced call, from yield-pinned)\n", hook[rows[1]]
}
