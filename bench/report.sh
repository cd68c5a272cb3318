#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# report.sh BENCH_DIR — writes BENCH_DIR/report.md and its PNG plots from
# BENCH_DIR/results.csv and BENCH_DIR/env.txt (both by bench/run-bench).
#
# The plots are gnuplot scripts written by bench/plots.awk, run one by one
# (BENCH_DIR/plots/: scripts, data, logs); a plot that fails, and gnuplot
# itself missing, are reported on stderr and in the report, never fatal.
# The report is bench/report.awk.  Exit status: non-zero only when there
# are no results or the report cannot be written.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: report.sh BENCH_DIR}
csv=$dir/results.csv
envf=$dir/env.txt
[ -s "$csv" ] || { echo "report: no $csv" >&2; exit 1; }
[ -f "$envf" ] || envf=/dev/null

pd=$dir/plots
mkdir -p "$pd" || exit 1
rm -f "$pd"/* "$dir"/*.png
manifest=$pd/plots.txt
: > "$manifest"
if command -v gnuplot > /dev/null 2>&1; then
	# Debian's gnuplot-nox has both; pngcairo draws better.
	if gnuplot -e 'set terminal pngcairo' < /dev/null > /dev/null 2>&1; then
		term=pngcairo
	else
		term=png
	fi
	awk -v dir="$dir" -v term="$term" -f "$here/results.awk" -f "$here/plots.awk" \
		"$envf" "$csv" > "$pd/list.txt" || echo "report: plots.awk failed" >&2
	tab=$(printf '\t')
	while IFS=$tab read -r gp png title; do
		if gnuplot "$gp" > "${gp%.gp}.log" 2>&1 && [ -s "$png" ]; then
			printf '%s\t%s\n' "$(basename "$png")" "$title" >> "$manifest"
		else
			echo "report: plot $(basename "$png") failed (see ${gp%.gp}.log)" >&2
			printf '#failed\t%s\t%s\n' "$(basename "$png")" "$title" >> "$manifest"
		fi
	done < "$pd/list.txt"
else
	echo "report: gnuplot not found (scripts/deps.d/bench.txt); no plots" >&2
	printf '#nognuplot\n' >> "$manifest"
fi

awk -f "$here/results.awk" -f "$here/report.awk" "$envf" "$manifest" "$csv" \
	> "$dir/report.md.tmp" && mv "$dir/report.md.tmp" "$dir/report.md"
