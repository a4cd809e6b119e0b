#!/bin/sh
# risk-vs-numpy.sh — run `hashpivot risk` on examples/bench-risk.yaml and
# ../shared/bench/mc_numpy.py (the same monthly market model, vectorised in
# NumPy, as an analyst would write it) on the same number of paths, and
# print both times and their ratio.
#
#   bench/risk-vs-numpy.sh [PATHS] [REPEAT]     defaults: 1000000 paths, 1 run
#
# hashpivot is timed as a whole process with every metric of `risk --json`
# (NPV and IRR quantiles, CVaR, EBITDA CV, liquidity); NumPy by the script's
# own timer (its loop and percentiles; interpreter start and import are not
# counted). With REPEAT > 1 the best and the median time of each are
# printed, and the ratios of both. The machine's load
# average is printed too: on a shared machine it moves both figures.
# Needs Go, and python3 with NumPy (Debian: apt-get install python3-numpy).
set -eu
PATHS=${1:-1000000}
REPEAT=${2:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT=${NUMPY_SCRIPT:-$ROOT/../shared/bench/mc_numpy.py}
[ -f "$SCRIPT" ] || { echo "risk-vs-numpy: $SCRIPT not found (set NUMPY_SCRIPT)" >&2; exit 2; }

PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "risk-vs-numpy: no python3 with NumPy (apt-get install python3-numpy)" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$ROOT" && go build -o "$TMP/hashpivot" ./cmd/hashpivot)

now() { date +%s.%N; }
best_go= best_py=
all_go= all_py=
i=0
while [ "$i" -lt "$REPEAT" ]; do
	i=$((i + 1))
	t0=$(now)
	"$TMP/hashpivot" risk "$ROOT/examples/bench-risk.yaml" --paths "$PATHS" --json >"$TMP/risk.json"
	t1=$(now)
	go_s=$(awk "BEGIN { print $t1 - $t0 }")
	py_out=$("$PY" "$SCRIPT" "$PATHS" 180)
	py_s=$(echo "$py_out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
	printf 'run %d: hashpivot %.3f s, numpy %.3f s (load %s)\n' "$i" "$go_s" "$py_s" "$(cut -d' ' -f1-3 /proc/loadavg)"
	all_go="$all_go $go_s" all_py="$all_py $py_s"
	if [ -z "$best_go" ] || awk "BEGIN { exit !($go_s < $best_go) }"; then best_go=$go_s; fi
	if [ -z "$best_py" ] || awk "BEGIN { exit !($py_s < $best_py) }"; then best_py=$py_s; fi
done
printf 'paths=%d months=180 strategies=3 cores=%s\n' "$PATHS" "$(nproc)"
median() { echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med_go=$(median $all_go) med_py=$(median $all_py)
printf 'hashpivot risk: %.3f s best, %.3f s median\nnumpy:          %.3f s best, %.3f s median\n' "$best_go" "$med_go" "$best_py" "$med_py"
printf 'ratio (numpy / hashpivot): %.1fx best, %.1fx median\n' "$(awk "BEGIN { print $best_py / $best_go }")" "$(awk "BEGIN { print $med_py / $med_go }")"
