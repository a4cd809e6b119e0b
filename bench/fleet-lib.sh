# Shared by bench/fleet-*.sh: build the binary, start and stop a simulator
# in another process, read CPU times. Source it; do not run it.

HP="${HP:-$(mktemp -d)/hashpivot}"
STATUS_ADDR="${STATUS_ADDR:-127.0.0.1:39999}"
SIM_PIDS=()

build() {
	(cd "$(dirname "$0")/.." && go build -o "$HP" ./cmd/hashpivot)
}

# start_sim ARGS...: start `hashpivot sim` and wait until its truth answers.
start_sim() {
	"$HP" sim --status-addr "$STATUS_ADDR" "$@" 2>"$WORK/sim.log" &
	SIM_PIDS+=($!)
	for _ in $(seq 1 600); do
		if curl -sf "http://$STATUS_ADDR/truth" >/dev/null 2>&1; then
			cat "$WORK/sim.log" >&2
			return 0
		fi
		if ! kill -0 "${SIM_PIDS[-1]}" 2>/dev/null; then
			cat "$WORK/sim.log" >&2
			echo "bench: the simulator exited" >&2
			return 1
		fi
		sleep 0.5
	done
	echo "bench: the simulator did not start" >&2
	return 1
}

stop_sim() {
	for pid in "${SIM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SIM_PIDS=()
}

# sim_cpu_ticks: user+system clock ticks of the simulator and its shards.
sim_cpu_ticks() {
	local total=0 pid kids
	for pid in "${SIM_PIDS[@]}"; do
		kids="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
		for k in $kids; do
			[[ -r /proc/$k/stat ]] || continue
			total=$((total + $(awk '{print $14 + $15}' "/proc/$k/stat")))
		done
	done
	echo "$total"
}

# targets FIRMWARE: the simulator's addresses as a targets file naming
# FIRMWARE (skips detection, as a scan's output does); for "mix", the bare
# addresses (a scan names the firmwares).
targets() {
	curl -sf "http://$STATUS_ADDR/targets" | awk -v fw="$1" 'NF {print $1, (fw == "mix" ? "" : fw)}' >"$WORK/targets.txt"
	wc -l <"$WORK/targets.txt"
}
