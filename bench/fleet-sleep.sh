#!/usr/bin/env bash
# Benchmark of `hashpivot fleet sleep`: deliver a sleep command to MINERS
# simulated devices (Avalon firmware by default: ascset softoff, one
# connection per device) and check in the truth that they all went to
# sleep once their delay passed.
#
#   bench/fleet-sleep.sh                      # 10,000 Avalons
#   FIRMWARE=whatsminer bench/fleet-sleep.sh  # token exchange + AES per device
#   FIRMWARE=antminer bench/fleet-sleep.sh    # stock Antminer web UI: digest, get + set_miner_conf
set -euo pipefail
MINERS="${MINERS:-10000}"
FIRMWARE="${FIRMWARE:-avalon}"
CONCURRENCY="${CONCURRENCY:-512}"
WORK="$(mktemp -d)"
source "$(dirname "$0")/fleet-lib.sh"
trap 'stop_sim; rm -rf "$WORK"' EXIT

build
start_sim --miners "$MINERS" --firmware "$FIRMWARE" --sleep-delay 1s \
	--listen 127.0.0.1 --base-port 10000 --ports-per-address 22000
n=$(targets "$FIRMWARE")
echo "bench: $n targets, firmware $FIRMWARE, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
EXTRA=()
if [[ "$FIRMWARE" == antminer ]]; then
	EXTRA=(--antminer-web-port rpc) # the simulator serves the web UI on the RPC port
fi
s0=$(sim_cpu_ticks)
/usr/bin/time -f "sleep: %e s wall, %U s user, %S s system, %M KiB peak RSS" \
	"$HP" fleet sleep --json --concurrency "$CONCURRENCY" "${EXTRA[@]}" "@$WORK/targets.txt" >"$WORK/sleep.json"
echo "sleep: simulator CPU $(awk -v d=$(( $(sim_cpu_ticks) - s0 )) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.2f", d / hz}') s"
sleep 2 # the simulated devices' 1 s sleep delay
curl -sf "http://$STATUS_ADDR/truth" >"$WORK/truth.json"
python3 - "$WORK/sleep.json" "$WORK/truth.json" <<'PY'
import json, sys
cmd = json.load(open(sys.argv[1]))["totals"]
tr = json.load(open(sys.argv[2]))
print(f"sleep: {cmd['ok']} of {cmd['devices']} devices took the command; "
      f"truth: {tr['sleeping']} of {tr['devices']} asleep, {tr['power_w']/1e3:.1f} kW")
PY
