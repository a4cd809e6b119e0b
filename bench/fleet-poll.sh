#!/usr/bin/env bash
# Scale benchmark of `hashpivot fleet status`: one poll of MINERS simulated
# devices served by `hashpivot sim` in other processes (SHARDS of them, each
# under the per-process open-file limit), ports kept below the kernel's
# ephemeral range. Prints wall time, the poller's CPU and peak RSS, the
# simulator's CPU during the poll, and the totals against the truth.
#
#   bench/fleet-poll.sh                       # 100,000 stock Antminers
#   MINERS=20000 FIRMWARE=mix bench/fleet-poll.sh
set -euo pipefail
MINERS="${MINERS:-100000}"
FIRMWARE="${FIRMWARE:-antminer}"
SHARDS="${SHARDS:-$(((MINERS + 14999) / 15000))}"
CONCURRENCY="${CONCURRENCY:-512}"
WORK="$(mktemp -d)"
source "$(dirname "$0")/fleet-lib.sh"
trap 'stop_sim; rm -rf "$WORK"' EXIT

build
start_sim --miners "$MINERS" --firmware "$FIRMWARE" --shards "$SHARDS" \
	--listen 127.0.0.1 --base-port 10000 --ports-per-address 22000
n=$(targets "$FIRMWARE")
echo "bench: $n targets, firmware $FIRMWARE, $SHARDS simulator processes, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "$FIRMWARE" == mix ]]; then
	# A mixed site is scanned once; the scan's output names each firmware.
	s0=$(sim_cpu_ticks)
	/usr/bin/time -f "scan: %e s wall, %U s user, %S s system, %M KiB peak RSS" \
		"$HP" fleet scan --concurrency "$CONCURRENCY" "@$WORK/targets.txt" >"$WORK/site.txt"
	echo "scan: simulator CPU $(awk -v d=$(( $(sim_cpu_ticks) - s0 )) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.2f", d / hz}') s"
	cp "$WORK/site.txt" "$WORK/targets.txt"
fi

s0=$(sim_cpu_ticks)
/usr/bin/time -f "poll: %e s wall, %U s user, %S s system, %M KiB peak RSS" \
	"$HP" fleet status --json --concurrency "$CONCURRENCY" "@$WORK/targets.txt" >"$WORK/status.json"
echo "poll: simulator CPU $(awk -v d=$(( $(sim_cpu_ticks) - s0 )) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.2f", d / hz}') s"
curl -sf "http://$STATUS_ADDR/truth" >"$WORK/truth.json"
python3 - "$WORK/status.json" "$WORK/truth.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))["totals"]
tr = json.load(open(sys.argv[2]))
print(f"poll: {st['ok']} of {st['devices']} devices ok; "
      f"{st['hashrate_th']:.1f} TH/s vs truth {tr['hashrate_th']:.1f}; "
      f"{st['power_w']/1e3:.1f} kW vs truth {tr['power_w']/1e3:.1f}")
PY
