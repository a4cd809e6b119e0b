package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashpivot/hashpivot/fleet/sim"
	"github.com/spf13/cobra"
)

// simOpts are the flags of `hashpivot sim`.
type simOpts struct {
	miners       int
	firmware     string
	listen       string
	basePort     int
	portsPerAddr int
	gpus         int
	faults       float64
	slowDelay    time.Duration
	statusAddr   string
	seed         uint64
	sleepDelay   time.Duration
	wakeDelay    time.Duration
	rebootDelay  time.Duration
	shards       int
	shard        int // set in a shard's child process; -1 in the parent
}

func newSimCmd(e *env) *cobra.Command {
	o := &simOpts{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a site: miners speaking their real protocols on loopback, GPUs, faults",
		Long: `Serve --miners simulated miners from this process on consecutive loopback
ports, each speaking its firmware's real protocol (cgminer RPC with its
trailing NUL, WhatsMiner API v2/v3 with their token exchanges, Braiins OS
REST, LuxOS), with plausible telemetry and sleep/wake delays, and with
--faults of the connections misbehaving (hang, slow, garbage, reset,
truncated). A stock Antminer also serves its web UI (digest login root/root;
sleep, wake, work modes, reboot) on the same port as its RPC: drive it with
"hashpivot fleet ... --antminer-web-port rpc". When one address runs out of
ports the next is used (127.0.0.1, 127.0.0.2, ...). The process raises its
open-file limit itself.

The status server (--status-addr) answers GET /truth with the site's real
totals {"devices","power_w","hashrate_th","sleeping",...}, GET /targets with
every device address (a targets file for "hashpivot fleet status @file"),
and with --gpus GET /metrics in dcgm-exporter's format. Stop with Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config()
			if err != nil {
				return err
			}
			s, err := sim.New(cfg)
			if err != nil {
				return badInput(err)
			}
			if os.Getenv("GOGC") == "" {
				// Devices not served by the epoll loop (other firmwares,
				// fault-injecting listeners, other systems) are each a
				// goroutine parked in Accept, and every collection scans
				// them all: collect a quarter as often (tens of MB more per
				// 10,000 such devices).
				debug.SetGCPercent(400)
			}
			ctx, stop := fleetCtx(cmd)
			defer stop()
			if o.shards > 1 && o.shard < 0 {
				return runSimShards(ctx, e, o, s)
			}
			lns, err := s.Listen(ctx)
			if err != nil {
				return err
			}
			statusLn, err := net.Listen("tcp", o.statusAddr)
			if err != nil {
				for _, ln := range lns {
					ln.Close()
				}
				return fmt.Errorf("sim: --status-addr %s: %w", o.statusAddr, err)
			}
			if o.shard >= 0 {
				// A shard's child: tell the parent where its truth is.
				fmt.Fprintf(e.stdout, "ready %s\n", statusLn.Addr())
				return s.Serve(ctx, lns, statusLn)
			}
			announce(e, s, s.Truth(), statusLn.Addr().String(), o.gpus)
			err = s.Serve(ctx, lns, statusLn)
			fmt.Fprintln(e.stderr, "sim: stopped")
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.miners, "miners", 100, "number of simulated miners")
	f.StringVar(&o.firmware, "firmware", sim.FirmwareMix, "mix, or one of "+strings.Join(sim.Firmwares(), ", "))
	f.StringVar(&o.listen, "listen", "127.0.0.1", "first loopback address (127.0.0.0/8)")
	f.IntVar(&o.basePort, "base-port", 40000, "first port on each address")
	f.IntVar(&o.portsPerAddr, "ports-per-address", 0, "ports used on each address before the next (default: up to 65535)")
	f.IntVar(&o.gpus, "gpus", 0, "simulated GPUs served as dcgm-exporter /metrics on the status server")
	f.Float64Var(&o.faults, "faults", 0, "share of connections that misbehave, 0..1")
	f.DurationVar(&o.slowDelay, "slow-delay", 2*time.Second, "how late a slow fault answers")
	f.StringVar(&o.statusAddr, "status-addr", "127.0.0.1:39999", "address of the truth/targets/metrics server")
	f.Uint64Var(&o.seed, "seed", 1, "seed of models, unit variation, noise and faults")
	f.DurationVar(&o.sleepDelay, "sleep-delay", sim.DefaultDelays.Sleep, "time from a sleep command to boards off")
	f.DurationVar(&o.wakeDelay, "wake-delay", sim.DefaultDelays.Wake, "time from a wake command to full hashrate")
	f.DurationVar(&o.rebootDelay, "reboot-delay", sim.DefaultDelays.Reboot, "time a reboot keeps the controller down")
	f.IntVar(&o.shards, "shards", 1, "split the miners over this many child processes (each has its own open-file limit)")
	f.IntVar(&o.shard, "shard", -1, "internal: serve this shard only")
	_ = f.MarkHidden("shard")
	return cmd
}

func announce(e *env, s *sim.Sim, truth sim.Truth, statusAddr string, gpus int) {
	addrs := s.Addresses()
	fmt.Fprintf(e.stderr, "sim: %d miners (%s) on %s", len(addrs), firmwareCounts(truth.ByFirmware), spans(addrs))
	if gpus > 0 {
		fmt.Fprintf(e.stderr, ", %d GPUs at http://%s/metrics", gpus, statusAddr)
	}
	fmt.Fprintf(e.stderr, "\nsim: truth at http://%s/truth, targets at http://%s/targets; %.0f kW, %.1f PH/s; Ctrl-C to stop\n",
		statusAddr, statusAddr, truth.PowerW/1e3, truth.HashrateTH/1e3)
}

// simShard is one child process of a sharded simulator.
type simShard struct {
	cmd   *exec.Cmd
	truth string // URL of its /truth
}

// runSimShards starts one child process per shard, serves the site's
// status (the shards' truths summed, every target, the GPUs) and stops the
// children when ctx ends.
func runSimShards(ctx context.Context, e *env, o *simOpts, s *sim.Sim) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sim: find this program to start shards: %w", err)
	}
	statusLn, err := net.Listen("tcp", o.statusAddr)
	if err != nil {
		return fmt.Errorf("sim: --status-addr %s: %w", o.statusAddr, err)
	}
	defer statusLn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var shards []*simShard
	exited := make(chan error, o.shards)
	defer func() {
		for _, sh := range shards {
			_ = sh.cmd.Process.Signal(syscall.SIGTERM)
		}
		for range shards {
			<-exited
		}
	}()
	for i := range o.shards {
		args := []string{"sim", "--miners", strconv.Itoa(o.miners), "--firmware", o.firmware, "--listen", o.listen,
			"--base-port", strconv.Itoa(o.basePort), "--ports-per-address", strconv.Itoa(o.portsPerAddr),
			"--faults", strconv.FormatFloat(o.faults, 'g', -1, 64), "--slow-delay", o.slowDelay.String(),
			"--seed", strconv.FormatUint(o.seed, 10), "--sleep-delay", o.sleepDelay.String(), "--wake-delay", o.wakeDelay.String(),
			"--reboot-delay", o.rebootDelay.String(), "--shards", strconv.Itoa(o.shards), "--shard", strconv.Itoa(i),
			"--status-addr", "127.0.0.1:0"}
		c := exec.Command(exe, args...)
		c.Stderr = e.stderr
		out, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			return fmt.Errorf("sim: start shard %d: %w", i, err)
		}
		sh := &simShard{cmd: c}
		shards = append(shards, sh)
		go func() { exited <- c.Wait() }()
		line, err := bufio.NewReader(io.LimitReader(out, 256)).ReadString('\n')
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
		if err != nil || !ok {
			return fmt.Errorf("sim: shard %d did not start (see its message above)", i)
		}
		sh.truth = "http://" + addr + "/truth"
	}
	client := &http.Client{Timeout: 30 * time.Second}
	truth := func() (sim.Truth, error) {
		var parts []sim.Truth
		for i, sh := range shards {
			resp, err := client.Get(sh.truth)
			if err != nil {
				return sim.Truth{}, fmt.Errorf("shard %d: %w", i, err)
			}
			var t sim.Truth
			err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t)
			resp.Body.Close()
			if err != nil {
				return sim.Truth{}, fmt.Errorf("shard %d: %w", i, err)
			}
			parts = append(parts, t)
		}
		sum := sim.SumTruth(parts...)
		sum.GPUs = s.Truth().GPUs
		sum.GPUPowerW = s.Truth().GPUPowerW
		return sum, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /truth", func(w http.ResponseWriter, _ *http.Request) {
		t, err := truth()
		if err != nil {
			http.Error(w, "a shard did not answer", http.StatusBadGateway)
			fmt.Fprintf(e.stderr, "sim: truth: %v\n", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(t)
	})
	mux.HandleFunc("GET /targets", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, strings.Join(s.Addresses(), "\n")+"\n")
	})
	if h := s.GPUHandler(); h != nil {
		mux.Handle("GET /metrics", h)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(statusLn) }()
	defer srv.Close()
	t, err := truth()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	fmt.Fprintf(e.stderr, "sim: %d shard processes\n", o.shards)
	announce(e, s, t, statusLn.Addr().String(), o.gpus)
	select {
	case <-ctx.Done():
		fmt.Fprintln(e.stderr, "sim: stopped")
		return nil
	case err := <-exited:
		exited <- err // for the deferred wait
		return fmt.Errorf("sim: a shard exited: %v", err)
	}
}

func (o *simOpts) config() (sim.Config, error) {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--slow-delay", o.slowDelay}, {"--sleep-delay", o.sleepDelay}, {"--wake-delay", o.wakeDelay}, {"--reboot-delay", o.rebootDelay}} {
		if d.v < 0 || d.v > 24*time.Hour {
			errs = append(errs, fmt.Errorf("%s: must be in 0..24h (got %v)", d.name, d.v))
		}
	}
	if o.shards < 1 || o.shards > 1024 {
		errs = append(errs, fmt.Errorf("--shards: must be in 1..1024 (got %d)", o.shards))
	}
	if _, err := netip.ParseAddrPort(o.statusAddr); err != nil {
		errs = append(errs, fmt.Errorf("--status-addr: want ip:port (got %q)", o.statusAddr))
	}
	if len(errs) > 0 {
		return sim.Config{}, badInput(errors.Join(errs...))
	}
	return sim.Config{
		Miners: o.miners, Firmware: o.firmware, Listen: o.listen, BasePort: o.basePort, PortsPerAddr: o.portsPerAddr,
		GPUs: o.gpus, Faults: o.faults, SlowDelay: o.slowDelay, Seed: o.seed,
		Delays: sim.Delays{Sleep: o.sleepDelay, Wake: o.wakeDelay, Reboot: o.rebootDelay, TempTau: sim.DefaultDelays.TempTau},
		Shard:  max(o.shard, 0), Shards: o.shards,
	}, nil
}

// spans summarises consecutive addresses as host:first-last per host.
func spans(addrs []string) string {
	var parts []string
	host, first, last := "", "", ""
	flush := func() {
		if host != "" {
			parts = append(parts, host+":"+first+"-"+last)
		}
	}
	for _, a := range addrs {
		h, p, err := net.SplitHostPort(a)
		if err != nil {
			continue
		}
		if h != host {
			flush()
			host, first = h, p
		}
		last = p
	}
	flush()
	return strings.Join(parts, " ")
}

func firmwareCounts(by map[string]int) string {
	var parts []string
	for _, fw := range sim.Firmwares() {
		if n := by[fw]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, fw))
		}
	}
	return strings.Join(parts, ", ")
}
