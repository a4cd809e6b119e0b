package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/detect"
	"github.com/hashpivot/hashpivot/fleet/poll"
)

// startSim runs a simulated site on a loopback range of its own (other
// tests on this machine use other ranges) until the test ends.
func startSim(t *testing.T, cfg Config) (*Sim, string) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = fmt.Sprintf("127.%d.%d.1", 1+rand.IntN(250), rand.IntN(250))
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = 20000 + rand.IntN(10000)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lns, err := s.Listen(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	status, err := net.Listen("tcp", cfg.Listen+":0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lns, status) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, "http://" + status.Addr().String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func opts() detect.Options {
	return detect.Options{Timeout: 5 * time.Second, Credentials: Credentials}
}

// TestFleetReadsTheTruth: every simulated device of every firmware is
// identified and read through its real protocol, and the sums equal the
// simulator's truth.
func TestFleetReadsTheTruth(t *testing.T) {
	s, base := startSim(t, Config{Miners: 300, PortsPerAddr: 100, GPUs: 4, Seed: 9})
	addrs := s.Addresses()
	if !strings.HasSuffix(strings.Split(addrs[299], ":")[0], ".3") {
		t.Errorf("device 300 at %s: want the third address", addrs[299])
	}
	ctx := context.Background()
	miners := make([]fleet.Miner, len(addrs))
	errs := make([]error, len(addrs))
	poll.Each(ctx, len(addrs), poll.Options{Concurrency: 64}, func(ctx context.Context, i int) {
		r, err := detect.Identify(ctx, addrs[i], opts())
		if err != nil {
			errs[i] = err
			return
		}
		if r.Firmware != s.Devices()[i].Firmware() {
			errs[i] = fmt.Errorf("identified as %s, is %s", r.Firmware, s.Devices()[i].Firmware())
			return
		}
		miners[i], errs[i] = detect.Open(r, opts())
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	results := poll.Statuses(ctx, miners, poll.Options{Concurrency: 64})
	var power, hash float64
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Address, r.Err)
		}
		power += r.Status.PowerW
		hash += r.Status.HashrateTH
	}
	var truth Truth
	getJSON(t, base+"/truth", &truth)
	if truth.Devices != 300 || truth.Sleeping != 0 || truth.GPUs != 4 {
		t.Errorf("truth = %+v", truth)
	}
	if len(truth.ByFirmware) < 6 {
		t.Errorf("a mix of 300 has firmwares %v, want all six", truth.ByFirmware)
	}
	if math.Abs(power-truth.PowerW) > 1e-4*truth.PowerW || math.Abs(hash-truth.HashrateTH) > 1e-4*truth.HashrateTH {
		t.Errorf("fleet reads %.3f W %.5f TH/s; truth %.3f W %.5f TH/s", power, hash, truth.PowerW, truth.HashrateTH)
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "DCGM_FI_DEV_POWER_USAGE") {
		t.Errorf("/metrics lacks DCGM_FI_DEV_POWER_USAGE")
	}
	resp, err = http.Get(base + "/targets")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Fields(string(body)); len(lines) != 300 || lines[0] != addrs[0] {
		t.Errorf("/targets has %d lines starting %q", len(lines), lines[0])
	}
}

// TestFaultsNeverStallAPoll: with a third of connections misbehaving, a
// poll still ends (each device within its deadline), some devices fail and
// most are read.
func TestFaultsNeverStallAPoll(t *testing.T) {
	s, _ := startSim(t, Config{Miners: 120, Firmware: fleet.FirmwareAntminer, Faults: 0.3, SlowDelay: 50 * time.Millisecond, Seed: 3})
	miners := make([]fleet.Miner, len(s.Addresses()))
	for i, a := range s.Addresses() {
		m, err := detect.Open(detect.Result{Address: a, Firmware: fleet.FirmwareAntminer}, detect.Options{Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		miners[i] = m
	}
	res := poll.Statuses(context.Background(), miners, poll.Options{Concurrency: 32, Timeout: 500 * time.Millisecond})
	failed := 0
	for _, r := range res {
		if r.Err != nil {
			failed++
			var fe *fleet.Error
			if !errors.As(r.Err, &fe) || fe.Address != r.Address {
				t.Errorf("error %v does not name %s", r.Err, r.Address)
			}
		}
	}
	// Four of the five faults fail a read (a slow reply of 50 ms does not):
	// about 24 % of 120. Bounds far from that to stay deterministic enough.
	if failed == 0 || failed > 60 {
		t.Errorf("%d of 120 reads failed, want some but not most", failed)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	_, err := New(Config{Miners: -1, Firmware: "asicboost", BasePort: 70000, Listen: "10.0.0.1", Faults: 2, GPUs: -3})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, field := range []string{"miners:", "firmware:", "base-port:", "listen:", "faults:", "gpus:"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
	if _, err := New(Config{Miners: 300_000, Listen: "127.0.0.250", BasePort: 60000}); err == nil || !strings.Contains(err.Error(), "addresses") {
		t.Errorf("running out of loopback addresses: %v", err)
	}
}

// Two shards of one configuration serve disjoint halves of the same site.
func TestShardsSplitTheSite(t *testing.T) {
	cfg := Config{Miners: 90, Firmware: fleet.FirmwareAvalon, Listen: fmt.Sprintf("127.%d.%d.1", 1+rand.IntN(250), rand.IntN(250)), BasePort: 20000 + rand.IntN(10000), Seed: 5}
	whole, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var parts []Truth
	for i := range 2 {
		c := cfg
		c.Shard, c.Shards = i, 2
		s, _ := startSim(t, c)
		lo, hi := s.ShardRange()
		if want := []int{0, 45, 90}; lo != want[i] || hi != want[i+1] {
			t.Errorf("shard %d serves [%d, %d)", i, lo, hi)
		}
		parts = append(parts, s.Truth())
	}
	sum, all := SumTruth(parts...), whole.Truth()
	if sum.Devices != 90 || math.Abs(sum.PowerW-all.PowerW) > 1e-6 || math.Abs(sum.HashrateTH-all.HashrateTH) > 1e-6 {
		t.Errorf("shards sum to %+v, the whole site is %+v", sum, all)
	}
}

// TestStockAntminersSleepThroughTheirWebUI: simulated stock Antminers
// take sleep, power targets (work modes) and wake through the web UI they
// serve beside the RPC, and the truth follows.
func TestStockAntminersSleepThroughTheirWebUI(t *testing.T) {
	fast := Delays{Sleep: time.Nanosecond, Wake: time.Nanosecond, Reboot: time.Nanosecond, TempTau: time.Minute}
	s, base := startSim(t, Config{Miners: 40, Firmware: fleet.FirmwareAntminer, Seed: 5, Delays: fast})
	o := opts()
	o.AntminerWeb = func(rpc string) string { return rpc } // the simulator serves both on one port
	miners := make([]fleet.Miner, len(s.Addresses()))
	for i, a := range s.Addresses() {
		m, err := detect.Open(detect.Result{Address: a, Firmware: fleet.FirmwareAntminer, Via: "given"}, o)
		if err != nil {
			t.Fatal(err)
		}
		miners[i] = m
	}
	ctx := context.Background()
	run := func(name string, do func(context.Context, fleet.Miner) error) {
		t.Helper()
		if err := errors.Join(poll.Command(ctx, miners, poll.Options{Concurrency: 16}, do)...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	run("sleep", func(ctx context.Context, m fleet.Miner) error { return m.Sleep(ctx) })
	var truth Truth
	getJSON(t, base+"/truth", &truth)
	if truth.Sleeping != 40 {
		t.Errorf("after sleep: %d of 40 asleep", truth.Sleeping)
	}
	run("wake", func(ctx context.Context, m fleet.Miner) error { return m.Wake(ctx) })
	getJSON(t, base+"/truth", &truth)
	full := truth.PowerW
	if truth.Sleeping != 0 {
		t.Errorf("after wake: %d of 40 asleep", truth.Sleeping)
	}
	// 80 % of nameplate maps to the low-power mode (75 %) of every model.
	run("power-target", func(ctx context.Context, m fleet.Miner) error {
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		model, _ := cgminer.LookupModel(st.Model)
		return m.SetPowerTarget(ctx, 0.8*model.PowerW)
	})
	getJSON(t, base+"/truth", &truth)
	if r := truth.PowerW / full; math.Abs(r-cgminer.AntminerLowPowerShare) > 1e-3 {
		t.Errorf("low-power mode draws %.3f of normal, want %.2f", r, cgminer.AntminerLowPowerShare)
	}
}
