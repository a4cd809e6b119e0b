#!/usr/bin/env bash
# Times hashpivot's exact dispatch against glpsol (GNU GLPK's LP solver) on
# the same instances and prints both times, the ratio and both objectives.
#
# The instance is the dispatch benchmark (dispatch/bench_test.go): 20
# ramp-limited ASIC groups, 4CP, ERCOT-like 5-minute prices, cut to N
# intervals. Sizes: one week (2,016 intervals: glpsol finishes) and one year
# (105,120 intervals: glpsol runs until its time limit; the ratio printed is
# then a lower bound).
#
# Needs glpsol (Debian package glpk-utils). Usage:
#   bench/dispatch-vs-glpsol.sh [glpsol time limit in seconds, default 600]
# SIZES="288 2016" picks other numbers of intervals.
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-600}"
command -v glpsol >/dev/null || { echo "glpsol not found: apt-get install glpk-utils" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }

for n in ${SIZES:-2016 105120}; do
	echo "== $n intervals x 20 groups, with ramps"
	go test ./dispatch -run '^TestWriteBenchLP$' -count=1 -v -args -write-bench-lp="$tmp/b.lp" -bench-intervals="$n" |
		grep '^hashpivot' | tee "$tmp/ours.txt"
	ns=$(go test ./dispatch -run '^$' -bench '^BenchmarkSolveBenchIntervals$' -benchtime=10x -count=1 \
		-args -bench-intervals="$n" | awk '/^BenchmarkSolveBenchIntervals/ {print $3}')
	ours=$(calc "$ns / 1e9" 6)
	echo "hashpivot: $ours s per solve (mean of 10)"
	start=$(now)
	glpsol --lp "$tmp/b.lp" --tmlim "$limit" -w "$tmp/b.sol" >"$tmp/glpsol.log" 2>&1 || true
	end=$(now)
	theirs=$(calc "$end - $start" 1)
	solve=$(awk '/^Time used:/ {print $3}' "$tmp/glpsol.log" | tail -1)
	status=$(awk '$1 == "s" {print $5, $7}' "$tmp/b.sol" 2>/dev/null || true)
	if grep -q "TIME LIMIT EXCEEDED" "$tmp/glpsol.log"; then
		echo "glpsol: stopped at its time limit after ${theirs} s (simplex ${solve:-?} s), not optimal"
		echo "ratio: > $(calc "$theirs / $ours" 0)x (lower bound)"
	else
		echo "glpsol: ${theirs} s wall including reading the LP (simplex ${solve:-?} s); solution status and objective: ${status}"
		echo "ratio: $(calc "$theirs / $ours" 0)x (simplex only: $(calc "${solve:-0} / $ours" 0)x)"
	fi
	rm -f "$tmp/b.lp" "$tmp/b.sol"
done
