package cgminer

import (
	"bytes"
	"context"
	"errors"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
)

func simStatus(model string) fleet.Status {
	return fleet.Status{
		Model: model, HashrateTH: 108.51234, Hashrate5sTH: 110.2049,
		PowerW: 3206.4, PowerLimitW: 3420,
		TempsC: []float64{70.2, 72.9, 68.4}, FansRPM: []int{5400, 5460, 5380, 5420},
		Mode:  fleet.ModeMining,
		Pools: []fleet.Pool{{URL: "stratum+tcp://pool.example.com:3333", User: "site.rack1", Status: "Alive", Accepted: 12, Rejected: 1}},
	}
}

// TestDriverReadsWhatTheSimulatorServes: the driver parses the simulator's
// bytes back to the device's numbers, within the wire's rounding (hashrate
// to 0.01 GH/s, temperatures and power to whole units).
func TestDriverReadsWhatTheSimulatorServes(t *testing.T) {
	for _, tc := range []struct {
		kind  Kind
		model string
	}{{Antminer, "Antminer S19 Pro"}, {Antminer, "Antminer S9"}, {Avalon, "Avalon 1246"}, {Generic, "cgminer"}} {
		t.Run(tc.kind.Firmware()+" "+tc.model, func(t *testing.T) {
			dev := &fakeDevice{st: simStatus(tc.model)}
			addr := serveSim(t, dev, tc.kind)
			got, err := New(addr, tc.kind, Options{}).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := dev.Snapshot()
			if got.Model != want.Model && tc.kind != Generic {
				t.Errorf("Model = %q, want %q", got.Model, want.Model)
			}
			if !near(got.HashrateTH, want.HashrateTH, 1e-5) || !near(got.Hashrate5sTH, want.Hashrate5sTH, 1e-5) {
				t.Errorf("hashrate = %v, %v; want %v, %v", got.HashrateTH, got.Hashrate5sTH, want.HashrateTH, want.Hashrate5sTH)
			}
			if got.Mode != fleet.ModeMining {
				t.Errorf("Mode = %q, want mining", got.Mode)
			}
			if tc.kind == Generic {
				return
			}
			if len(got.TempsC) != len(want.TempsC) {
				t.Fatalf("TempsC = %v, want %v", got.TempsC, want.TempsC)
			}
			for i := range want.TempsC {
				if !near(got.TempsC[i], want.TempsC[i], 0.5) {
					t.Errorf("TempsC[%d] = %v, want %v", i, got.TempsC[i], want.TempsC[i])
				}
			}
			if len(got.FansRPM) != len(want.FansRPM) {
				t.Errorf("FansRPM = %v, want %v", got.FansRPM, want.FansRPM)
			}
			if len(got.Pools) != 1 || got.Pools[0] != want.Pools[0] {
				t.Errorf("Pools = %+v, want %+v", got.Pools, want.Pools)
			}
			switch tc.kind {
			case Antminer:
				m, _ := LookupModel(tc.model)
				if !got.PowerEstimated || !near(got.PowerW, m.EfficiencyJTH()*want.HashrateTH, 0.01) {
					t.Errorf("PowerW = %v (estimated %v), want %v estimated", got.PowerW, got.PowerEstimated, m.EfficiencyJTH()*want.HashrateTH)
				}
			case Avalon:
				if !near(got.PowerW, want.PowerW, 0.5) || got.PowerLimitW != want.PowerLimitW {
					t.Errorf("power = %v limit %v, want %v limit %v", got.PowerW, got.PowerLimitW, want.PowerW, want.PowerLimitW)
				}
			}
		})
	}
}

func TestAvalonControl(t *testing.T) {
	dev := &fakeDevice{st: simStatus("Avalon 1246")}
	addr := serveSim(t, dev, Avalon)
	m := New(addr, Avalon, Options{Now: func() time.Time { return time.Unix(1753434816, 0) }})
	ctx := context.Background()

	if err := m.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error %v", err)
	}
	if st, err := m.Status(ctx); err != nil || st.Mode != fleet.ModeSleeping || st.HashrateTH != 0 {
		t.Errorf("after Sleep, Status() = mode %q hashrate %v, %v; want sleeping, 0", st.Mode, st.HashrateTH, err)
	}
	if err := m.Wake(ctx); err != nil {
		t.Fatalf("Wake() error %v", err)
	}
	if got := dev.Snapshot().Mode; got != fleet.ModeMining {
		t.Errorf("after Wake, device mode = %q", got)
	}
	// Levels of the Avalon 1246: 2800, 3100, 3420 W.
	for _, tc := range []struct{ target, want float64 }{{3000, 2800}, {3100, 3100}, {5000, 3420}, {100, 2800}} {
		if err := m.SetPowerTarget(ctx, tc.target); err != nil {
			t.Fatalf("SetPowerTarget(%v) error %v", tc.target, err)
		}
		if got := dev.Snapshot().PowerLimitW; got != tc.want {
			t.Errorf("SetPowerTarget(%v): device limit %v, want %v", tc.target, got, tc.want)
		}
	}
	if err := m.SetPowerTarget(ctx, math.NaN()); err == nil {
		t.Errorf("SetPowerTarget(NaN) = nil, want an error")
	}
	if err := m.Reboot(ctx); err != nil || dev.reboots != 1 {
		t.Errorf("Reboot() = %v, reboots %d; want nil, 1", err, dev.reboots)
	}
}

func TestAntminerControlIsUnsupported(t *testing.T) {
	dev := &fakeDevice{st: simStatus("Antminer S19 Pro")}
	m := New(serveSim(t, dev, Antminer), Antminer, Options{})
	ctx := context.Background()
	for name, err := range map[string]error{
		"Sleep":          m.Sleep(ctx),
		"Wake":           m.Wake(ctx),
		"SetPowerTarget": m.SetPowerTarget(ctx, 3000),
	} {
		if !errors.Is(err, fleet.ErrUnsupported) {
			t.Errorf("%s() = %v, want ErrUnsupported", name, err)
		}
	}
	if err := m.Reboot(ctx); err != nil || dev.reboots != 1 {
		t.Errorf("Reboot() = %v, reboots %d; want nil, 1", err, dev.reboots)
	}
}

func TestSimAnswersUnknownCommandsWithStatusE(t *testing.T) {
	addr := serveSim(t, &fakeDevice{st: simStatus("Antminer S19 Pro")}, Antminer)
	_, err := (&Client{Addr: addr}).Command(context.Background(), "ascset", "0,softoff,1:1")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 14 {
		t.Errorf("ascset on an Antminer: error %v, want STATUS E code 14", err)
	}
}

// versionedDevice is a fakeDevice with a state version and a count of
// snapshots taken.
type versionedDevice struct {
	fakeDevice
	version   uint64
	snapshots int
}

func (d *versionedDevice) Version() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.version
}

func (d *versionedDevice) Snapshot() fleet.Status {
	d.mu.Lock()
	d.snapshots++
	d.mu.Unlock()
	return d.fakeDevice.Snapshot()
}

func (d *versionedDevice) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.snapshots
}

var timeStamps = regexp.MustCompile(`"When":\d+|"Elapsed":\d+|Elapsed\[\d+\]`)

// TestSimCachesRepliesWhileTheStateHolds: a versioned device's read-only
// replies are built once per version and served with fresh time stamps,
// the same bytes as a reply built on the spot; commands are never cached.
func TestSimCachesRepliesWhileTheStateHolds(t *testing.T) {
	for _, kind := range []Kind{Antminer, Avalon, Generic} {
		t.Run(kind.Firmware(), func(t *testing.T) {
			dev := &versionedDevice{fakeDevice: fakeDevice{st: simStatus("Avalon 1246")}}
			req := statsRequest
			if kind == Generic {
				req = JSONRequest("summary+devs", "")
			}
			s := newSimServer(dev, kind)
			s.warm(req)
			built := dev.count()
			if built == 0 {
				t.Fatal("warm built nothing")
			}
			first := s.Reply(req)
			second := s.Reply(req)
			if n := dev.count(); n != built {
				t.Errorf("two stats replies at one version took %d more snapshots, want 0", n-built)
			}
			onTheSpot := (&simServer{dev: &dev.fakeDevice, kind: kind, start: s.start}).Reply(req)
			for _, r := range [][]byte{first, second} {
				if got, want := timeStamps.ReplaceAllString(string(r), "T"), timeStamps.ReplaceAllString(string(onTheSpot), "T"); got != want {
					t.Fatalf("cached reply\n%s\nreply built on the spot\n%s", got, want)
				}
				if !timeStamps.Match(r) {
					t.Fatalf("cached reply %q has no time stamps", r)
				}
			}
			dev.mu.Lock()
			dev.version++
			dev.st.HashrateTH = 1
			dev.mu.Unlock()
			if r := s.Reply(req); bytes.Equal(r, first) || dev.count() == built {
				t.Errorf("after a version change the reply was not rebuilt")
			}
			n := dev.count()
			s.Reply([]byte("summary|x")) // a parameter: built on the spot
			s.Reply([]byte("ascset|0,help"))
			if dev.count() == n {
				t.Errorf("requests with parameters were served from the cache")
			}
		})
	}
}

// serveSimWeb serves dev as a stock Antminer answering RPC and its web UI
// on one loopback port.
func serveSimWeb(t *testing.T, dev fleet.DeviceState, cfg antweb.SimConfig) string {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ServeSimWeb(ctx, ln, dev, Antminer, antweb.NewSimHandler(dev, cfg)); err != nil {
			t.Errorf("ServeSimWeb: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// TestAntminerControlThroughTheWebAPI: with its web address, a stock
// Antminer sleeps, wakes, takes the work mode a power target maps to
// (refusing a target below low power) and reboots through the web UI,
// while the RPC keeps answering on the same simulated port.
func TestAntminerControlThroughTheWebAPI(t *testing.T) {
	dev := &fakeDevice{st: simStatus("Antminer S19 Pro")}
	normalW, lowW := AntminerModeWatts(Models[1])
	addr := serveSimWeb(t, dev, antweb.SimConfig{ModeKey: antweb.KeyMinerMode, NormalW: normalW, LowW: lowW})
	for _, tr := range transports(t) {
		m := New(addr, Antminer, Options{WebAddr: addr, WebCredentials: antweb.FactoryCredentials, Transport: tr.t, NoPools: true})
		ctx := context.Background()
		if err := m.Sleep(ctx); err != nil || dev.Snapshot().Mode != fleet.ModeSleeping {
			t.Fatalf("%s: Sleep() = %v, device %q", tr.name, err, dev.Snapshot().Mode)
		}
		if err := m.Wake(ctx); err != nil || dev.Snapshot().Mode != fleet.ModeMining || dev.Snapshot().PowerLimitW != normalW {
			t.Fatalf("%s: Wake() = %v, device %q limit %v", tr.name, err, dev.Snapshot().Mode, dev.Snapshot().PowerLimitW)
		}
		for _, tc := range []struct {
			watts, wantLimit float64
			wantErr          error
		}{{3000, lowW, nil}, {4000, normalW, nil}, {lowW, lowW, nil}, {1000, normalW, ErrTargetTooLow}} {
			err := m.SetPowerTarget(ctx, tc.watts)
			if !errors.Is(err, tc.wantErr) || err == nil && dev.Snapshot().PowerLimitW != tc.wantLimit {
				t.Errorf("%s: SetPowerTarget(%v) = %v, limit %v; want %v, %v", tr.name, tc.watts, err, dev.Snapshot().PowerLimitW, tc.wantErr, tc.wantLimit)
			}
			if tc.wantErr == nil {
				continue
			}
			// Back to normal for the next case.
			if err := m.SetPowerTarget(ctx, normalW); err != nil {
				t.Fatal(err)
			}
		}
		before := dev.reboots
		if err := m.Reboot(ctx); err != nil || dev.reboots != before+1 {
			t.Errorf("%s: Reboot() = %v, reboots %d; want nil, %d", tr.name, err, dev.reboots, before+1)
		}
		if st, err := m.Status(ctx); err != nil || st.Model != "Antminer S19 Pro" {
			t.Errorf("%s: Status() beside the web API = %+v, %v", tr.name, st, err)
		}
	}
}
