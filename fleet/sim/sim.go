package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
	"github.com/hashpivot/hashpivot/fleet/braiins"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/gpu"
	"github.com/hashpivot/hashpivot/fleet/luxos"
	"github.com/hashpivot/hashpivot/fleet/whatsminer"
)

// FirmwareMix is the Firmware value that mixes every firmware.
const FirmwareMix = "mix"

// fileMargin is the open files a simulator needs besides one per device:
// connections being served, the status server, the runtime.
const fileMargin = 2048

// Config describes a simulated site. Zero fields take the defaults noted.
type Config struct {
	Miners       int     // number of miners (> 0)
	Firmware     string  // "mix" (default) or one fleet.Firmware* name
	Listen       string  // first loopback address; default 127.0.0.1
	BasePort     int     // first port; default 40000
	PortsPerAddr int     // ports used on each address; default up to 65535
	GPUs         int     // simulated GPUs served as dcgm-exporter /metrics
	Faults       float64 // share of connections that misbehave, [0, 1]
	SlowDelay    time.Duration
	Seed         uint64
	Delays       Delays
	Now          func() time.Time // default time.Now
	// Shard and Shards split the devices over processes (each process has
	// its own open-file limit): this Sim listens for and reports devices
	// [Shard*Miners/Shards, (Shard+1)*Miners/Shards) only. Shards 0 or 1:
	// all devices.
	Shard, Shards int
}

// mix is the share of each firmware in a "mix" fleet, typical of a
// North American site that has bought over several years.
var mix = []struct {
	firmware string
	weight   float64
	models   []string
}{
	{fleet.FirmwareAntminer, 0.35, []string{"Antminer S19 Pro", "Antminer S19j Pro", "Antminer S19k Pro", "Antminer S19 XP", "Antminer S21", "Antminer S9"}},
	{fleet.FirmwareWhatsminer, 0.20, []string{"WhatsMiner M30S++", "WhatsMiner M50S", "WhatsMiner M60S"}},
	{fleet.FirmwareWhatsminerV3, 0.05, []string{"WhatsMiner M60S"}},
	{fleet.FirmwareAvalon, 0.10, []string{"Avalon 1246", "Avalon 1366", "Avalon Q"}},
	{fleet.FirmwareBraiins, 0.15, []string{"Antminer S19j Pro", "Antminer S21"}},
	{fleet.FirmwareLuxOS, 0.15, []string{"Antminer S19k Pro", "Antminer S19 XP", "Antminer S21"}},
}

// Firmwares lists the names Config.Firmware accepts besides "mix".
func Firmwares() []string {
	out := []string{fleet.FirmwareCGMiner}
	for _, m := range mix {
		out = append(out, m.firmware)
	}
	return out
}

// Sim is a running or ready simulated site.
type Sim struct {
	cfg     Config
	devices []*Device
	addrs   []string
	gpus    []gpu.SimGPU
	start   time.Time

	mu        sync.Mutex
	listening bool
}

// New validates cfg and builds the devices. Every problem is reported at
// once, each naming its field.
func New(cfg Config) (*Sim, error) {
	if cfg.Firmware == "" {
		cfg.Firmware = FirmwareMix
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1"
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = 40000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Delays == (Delays{}) {
		cfg.Delays = DefaultDelays
	}
	if cfg.SlowDelay == 0 {
		cfg.SlowDelay = 2 * time.Second
	}
	var errs []error
	if cfg.Miners <= 0 || cfg.Miners > 1_000_000 {
		errs = append(errs, fmt.Errorf("miners: must be in 1..1000000 (got %d)", cfg.Miners))
	}
	known := cfg.Firmware == FirmwareMix
	for _, f := range Firmwares() {
		known = known || cfg.Firmware == f
	}
	if !known {
		errs = append(errs, fmt.Errorf("firmware: must be mix or one of %s (got %q)", strings.Join(Firmwares(), ", "), cfg.Firmware))
	}
	if cfg.BasePort < 1 || cfg.BasePort > 65535 {
		errs = append(errs, fmt.Errorf("base-port: must be in 1..65535 (got %d)", cfg.BasePort))
	}
	if cfg.PortsPerAddr == 0 {
		cfg.PortsPerAddr = 65535 - cfg.BasePort + 1
	}
	if cfg.PortsPerAddr < 1 || cfg.BasePort+cfg.PortsPerAddr-1 > 65535 {
		errs = append(errs, fmt.Errorf("ports-per-address: must keep ports within 65535 (got %d from %d)", cfg.PortsPerAddr, cfg.BasePort))
	}
	ip, err := netip.ParseAddr(cfg.Listen)
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		errs = append(errs, fmt.Errorf("listen: must be an IPv4 loopback address in 127.0.0.0/8 (got %q)", cfg.Listen))
	}
	if math.IsNaN(cfg.Faults) || cfg.Faults < 0 || cfg.Faults > 1 {
		errs = append(errs, fmt.Errorf("faults: must be in [0, 1] (got %v)", cfg.Faults))
	}
	if cfg.Shards < 0 || cfg.Shards > 1024 || cfg.Shard < 0 || (cfg.Shards > 0 && cfg.Shard >= cfg.Shards) || (cfg.Shards == 0 && cfg.Shard != 0) {
		errs = append(errs, fmt.Errorf("shards: shard %d of %d is not in 0..shards-1 with shards in 0..1024", cfg.Shard, cfg.Shards))
	}
	if cfg.GPUs < 0 || cfg.GPUs > 100_000 {
		errs = append(errs, fmt.Errorf("gpus: must be in 0..100000 (got %d)", cfg.GPUs))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("sim: %w", errors.Join(errs...))
	}
	s := &Sim{cfg: cfg, start: cfg.Now()}
	addrsNeeded := (cfg.Miners + cfg.PortsPerAddr - 1) / cfg.PortsPerAddr
	if last := ip.As4(); int(last[3])+addrsNeeded-1 > 254 {
		return nil, fmt.Errorf("sim: listen: %d devices need %d addresses from %s, beyond x.x.x.254", cfg.Miners, addrsNeeded, ip)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	for i := range cfg.Miners {
		a := ip.As4()
		a[3] += byte(i / cfg.PortsPerAddr)
		addr := net.JoinHostPort(netip.AddrFrom4(a).String(), strconv.Itoa(cfg.BasePort+i%cfg.PortsPerAddr))
		fw, modelName := pick(cfg.Firmware, rng)
		model, ok := cgminer.LookupModel(modelName)
		if !ok {
			return nil, fmt.Errorf("sim: no nameplate for model %q", modelName)
		}
		s.devices = append(s.devices, NewDevice(fw, model, i, cfg.Seed, cfg.Now, cfg.Delays))
		s.addrs = append(s.addrs, addr)
	}
	for i := range cfg.GPUs {
		s.gpus = append(s.gpus, gpu.SimGPU{Index: i, PowerW: 520 + float64(i%7)*9, UtilPct: 92 + float64(i%5), TempC: 61 + float64(i%9)})
	}
	return s, nil
}

func pick(firmware string, rng *rand.Rand) (string, string) {
	if firmware == fleet.FirmwareCGMiner {
		return firmware, "Antminer S9"
	}
	if firmware != FirmwareMix {
		for _, m := range mix {
			if m.firmware == firmware {
				return firmware, m.models[rng.IntN(len(m.models))]
			}
		}
	}
	x := rng.Float64()
	for _, m := range mix {
		if x < m.weight {
			return m.firmware, m.models[rng.IntN(len(m.models))]
		}
		x -= m.weight
	}
	last := mix[len(mix)-1]
	return last.firmware, last.models[0]
}

// Addresses returns every device's host:port, in device order (all shards).
func (s *Sim) Addresses() []string { return s.addrs }

// Devices returns every device, in the order of Addresses (all shards).
func (s *Sim) Devices() []*Device { return s.devices }

// ShardRange returns the devices this Sim serves: indices [lo, hi).
func (s *Sim) ShardRange() (lo, hi int) {
	if s.cfg.Shards <= 1 {
		return 0, len(s.devices)
	}
	n := len(s.devices)
	return s.cfg.Shard * n / s.cfg.Shards, (s.cfg.Shard + 1) * n / s.cfg.Shards
}

// Truth is what the simulated site really does, for comparison with what
// the fleet tools report.
type Truth struct {
	Devices    int            `json:"devices"`
	PowerW     float64        `json:"power_w"`
	HashrateTH float64        `json:"hashrate_th"`
	Sleeping   int            `json:"sleeping"`
	ByFirmware map[string]int `json:"by_firmware"`
	GPUs       int            `json:"gpus"`
	GPUPowerW  float64        `json:"gpu_power_w"`
}

// Truth sums the state now of the devices this Sim serves.
func (s *Sim) Truth() Truth {
	lo, hi := s.ShardRange()
	t := Truth{Devices: hi - lo, ByFirmware: map[string]int{}, GPUs: len(s.gpus)}
	for _, d := range s.devices[lo:hi] {
		st := d.Snapshot()
		t.PowerW += st.PowerW
		t.HashrateTH += st.HashrateTH
		if st.Mode == fleet.ModeSleeping {
			t.Sleeping++
		}
		t.ByFirmware[d.firmware]++
	}
	for _, g := range s.gpus {
		t.GPUPowerW += g.PowerW
	}
	return t
}

// cgminerDevice describes a cgminer-family device for cgminer.ServeSims.
func cgminerDevice(ln net.Listener, d *Device) (cgminer.SimDevice, bool) {
	switch d.firmware {
	case fleet.FirmwareAntminer:
		return cgminer.SimDevice{Listener: ln, State: d, Kind: cgminer.Antminer, Web: antweb.NewSimHandler(d, antminerWeb(d.model))}, true
	case fleet.FirmwareAvalon:
		return cgminer.SimDevice{Listener: ln, State: d, Kind: cgminer.Avalon}, true
	case fleet.FirmwareCGMiner:
		return cgminer.SimDevice{Listener: ln, State: d, Kind: cgminer.Generic}, true
	}
	return cgminer.SimDevice{}, false
}

// serveDevice runs one device's firmware server on ln until ctx ends.
func serveDevice(ctx context.Context, ln net.Listener, d *Device) error {
	switch d.firmware {
	case fleet.FirmwareAntminer:
		// The RPC and, on the same port, the web UI a real miner serves
		// on port 80 (sleep, wake, work modes, reboot).
		return cgminer.ServeSimWeb(ctx, ln, d, cgminer.Antminer, antweb.NewSimHandler(d, antminerWeb(d.model)))
	case fleet.FirmwareAvalon:
		return cgminer.ServeSim(ctx, ln, d, cgminer.Avalon)
	case fleet.FirmwareCGMiner:
		return cgminer.ServeSim(ctx, ln, d, cgminer.Generic)
	case fleet.FirmwareWhatsminer:
		return whatsminer.ServeSimV2(ctx, ln, d)
	case fleet.FirmwareWhatsminerV3:
		return whatsminer.ServeSimV3(ctx, ln, d)
	case fleet.FirmwareLuxOS:
		return luxos.ServeSim(ctx, ln, d)
	case fleet.FirmwareBraiins:
		srv := &http.Server{Handler: braiins.NewSimHandler(d), ReadHeaderTimeout: cgminer.SimReadTimeout, IdleTimeout: 30 * time.Second}
		stop := context.AfterFunc(ctx, func() { srv.Close() })
		defer stop()
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) || ctx.Err() != nil {
			return nil
		}
		return err
	}
	return fmt.Errorf("sim: no server for firmware %q", d.firmware)
}

// antminerWeb describes a simulated stock Antminer's web UI: newer
// firmware (S21, T21) writes its work mode as "bitmain-work-mode" strings,
// older as "miner-mode" numbers; every model has the normal and low-power
// modes (real firmware from before about 2020 has none).
func antminerWeb(m cgminer.Model) antweb.SimConfig {
	normalW, lowW := cgminer.AntminerModeWatts(m)
	key := antweb.KeyMinerMode
	if strings.Contains(m.Name, "S21") || strings.Contains(m.Name, "T21") {
		key = antweb.KeyWorkMode
	}
	return antweb.SimConfig{ModeKey: key, NormalW: normalW, LowW: lowW}
}

// Credentials returns the login every simulated device of a firmware
// accepts.
func Credentials(firmware string) fleet.Credentials {
	switch firmware {
	case fleet.FirmwareAntminer:
		return antweb.FactoryCredentials
	case fleet.FirmwareWhatsminer:
		return whatsminer.SimCredentials
	case fleet.FirmwareWhatsminerV3:
		return whatsminer.SimCredentialsV3
	case fleet.FirmwareBraiins:
		return braiins.SimCredentials
	}
	return fleet.Credentials{}
}

// Listen opens the port of every device this Sim serves (raising the
// open-file limit first) and returns the listeners in device order. On
// error nothing stays open.
func (s *Sim) Listen(ctx context.Context) ([]net.Listener, error) {
	lo, hi := s.ShardRange()
	if err := RaiseFileLimit(uint64(hi-lo) + fileMargin); err != nil {
		return nil, err
	}
	lc := net.ListenConfig{KeepAlive: -1, Control: deferAccept} // connections last one exchange
	lc.SetMultipathTCP(false)                                   // miners speak plain TCP (Go listens with MPTCP by default)
	lns := make([]net.Listener, 0, len(s.addrs))
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for i := lo; i < hi; i++ {
		addr := s.addrs[i]
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			closeAll()
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				return nil, fmt.Errorf("sim: out of file descriptors after %d of %d devices (%w): raise `ulimit -n` or use more shards", i-lo, hi-lo, err)
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("sim: device %d: %w (ports in the kernel's ephemeral range, %s, may be held by outgoing connections: choose base-port and ports-per-address below it)", i, err, ephemeralRange())
			}
			return nil, fmt.Errorf("sim: device %d: %w", i, err)
		}
		if s.cfg.Faults > 0 {
			ln = &faultListener{Listener: ln, rate: s.cfg.Faults, slow: s.cfg.SlowDelay, rng: rand.New(rand.NewPCG(s.cfg.Seed, uint64(i)+1<<32))}
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// Serve serves every device on its listener (from Listen) and, when
// statusLn is not nil, the status server, until ctx ends. It returns the
// first server error other than the shutdown.
func (s *Sim) Serve(ctx context.Context, lns []net.Listener, statusLn net.Listener) error {
	lo, hi := s.ShardRange()
	if len(lns) != hi-lo {
		return fmt.Errorf("sim: %d listeners for %d devices", len(lns), hi-lo)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			errOnce.Do(func() { firstErr = err; cancel() })
		}
	}
	// The cgminer family (most of a site) is served by one event loop
	// where the system has one; every other device by its own server.
	var cg []cgminer.SimDevice
	for i, ln := range lns {
		if d, ok := cgminerDevice(ln, s.devices[lo+i]); ok {
			cg = append(cg, d)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail(serveDevice(ctx, ln, s.devices[lo+i]))
		}()
	}
	if len(cg) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail(cgminer.ServeSims(ctx, cg))
		}()
	}
	if statusLn != nil {
		srv := &http.Server{Handler: s.StatusHandler(), ReadHeaderTimeout: 5 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := srv.Serve(statusLn)
			if !errors.Is(err, http.ErrServerClosed) {
				fail(err)
			}
		}()
		stop := context.AfterFunc(ctx, func() { srv.Close() })
		defer stop()
	}
	<-ctx.Done()
	wg.Wait()
	return firstErr
}

// StatusHandler serves GET /truth (Truth as JSON), GET /targets (one
// device address a line, for `hashpivot fleet status @file`) and, with
// GPUs, GET /metrics in dcgm-exporter's format.
func (s *Sim) StatusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /truth", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Truth())
	})
	mux.HandleFunc("GET /targets", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		var b strings.Builder
		for _, a := range s.addrs {
			b.WriteString(a)
			b.WriteByte('\n')
		}
		_, _ = w.Write([]byte(b.String()))
	})
	if len(s.gpus) > 0 {
		mux.Handle("GET /metrics", gpu.NewDCGMSimHandlerFunc(s.gpuSnapshot))
	}
	return mux
}

// gpuSnapshot advances each GPU's energy counter with the time since start.
func (s *Sim) gpuSnapshot() []gpu.SimGPU {
	el := s.cfg.Now().Sub(s.start).Seconds()
	out := make([]gpu.SimGPU, len(s.gpus))
	for i, g := range s.gpus {
		g.EnergyJ = 3.6e9 + g.PowerW*el
		out[i] = g
	}
	return out
}

// SumTruth adds the truths of shards.
func SumTruth(ts ...Truth) Truth {
	out := Truth{ByFirmware: map[string]int{}}
	for _, t := range ts {
		out.Devices += t.Devices
		out.PowerW += t.PowerW
		out.HashrateTH += t.HashrateTH
		out.Sleeping += t.Sleeping
		for k, v := range t.ByFirmware {
			out.ByFirmware[k] += v
		}
		out.GPUs += t.GPUs
		out.GPUPowerW += t.GPUPowerW
	}
	return out
}

// GPUHandler serves the simulated GPUs in dcgm-exporter's format (nil
// without GPUs).
func (s *Sim) GPUHandler() http.Handler {
	if len(s.gpus) == 0 {
		return nil
	}
	return gpu.NewDCGMSimHandlerFunc(s.gpuSnapshot)
}

// ephemeralRange reads the kernel's range of ports for outgoing
// connections (Linux), for error messages.
func ephemeralRange() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return "often 32768-60999"
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return "often 32768-60999"
	}
	return f[0] + "-" + f[1]
}
