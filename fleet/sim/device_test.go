package sim

import (
	"math"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func model(t *testing.T, name string) cgminer.Model {
	t.Helper()
	m, ok := cgminer.LookupModel(name)
	if !ok {
		t.Fatalf("no model %q", name)
	}
	return m
}

func TestDeviceSteadyState(t *testing.T) {
	c := &clock{t: time.Unix(1_750_000_000, 0)}
	wm := NewDevice(fleet.FirmwareWhatsminer, model(t, "WhatsMiner M50S"), 3, 42, c.now, DefaultDelays)
	st := wm.Snapshot()
	if st.PowerW != 3276 || st.PowerLimitW != 3276 || st.Mode != fleet.ModeMining {
		t.Errorf("M50S at rest: power %v limit %v mode %q; want nameplate 3276 W, mining", st.PowerW, st.PowerLimitW, st.Mode)
	}
	// Unit variation stays within ±3 % of the nameplate 126 TH/s.
	if st.HashrateTH < 126*0.97-1e-9 || st.HashrateTH > 126*1.03+1e-9 {
		t.Errorf("M50S hashrate %v, want 126 TH/s ± 3 %%", st.HashrateTH)
	}
	// Stock Antminer: no power target; power is nameplate J/TH times hashrate.
	am := NewDevice(fleet.FirmwareAntminer, model(t, "Antminer S19 Pro"), 4, 42, c.now, DefaultDelays)
	st = am.Snapshot()
	if want := math.Round(3250.0 / 110 * st.HashrateTH); math.Abs(st.PowerW-want) > 1 {
		t.Errorf("S19 Pro power %v, want J/TH × hashrate = %v", st.PowerW, want)
	}
	if len(st.TempsC) != 3 || len(st.FansRPM) != 4 {
		t.Errorf("S19 Pro has %d boards, %d fans; want 3, 4", len(st.TempsC), len(st.FansRPM))
	}
	// Temperatures start at equilibrium: hottest board at 75 °C at nameplate power.
	hot := 0.0
	for _, x := range st.TempsC {
		hot = max(hot, x)
	}
	if eq := AmbientC + (FullLoadC-AmbientC)*st.PowerW/3250; math.Abs(hot-eq) > 0.2 {
		t.Errorf("hottest board %v °C, want about %v", hot, eq)
	}
}

func TestDeviceSleepWakeWithDelays(t *testing.T) {
	c := &clock{t: time.Unix(1_750_000_000, 0)}
	d := NewDevice(fleet.FirmwareAvalon, model(t, "Avalon 1246"), 0, 1, c.now, DefaultDelays)
	full := d.Snapshot()

	d.Sleep()
	c.advance(DefaultDelays.Sleep / 2)
	mid := d.Snapshot()
	if mid.Mode != fleet.ModeMining || mid.PowerW >= full.PowerW || mid.PowerW <= StandbyW {
		t.Errorf("half-way to sleep: mode %q power %v; want still mining, between %v and %v", mid.Mode, mid.PowerW, StandbyW, full.PowerW)
	}
	c.advance(DefaultDelays.Sleep / 2)
	asleep := d.Snapshot()
	if asleep.Mode != fleet.ModeSleeping || asleep.PowerW != StandbyW || asleep.HashrateTH != 0 {
		t.Errorf("after the sleep delay: mode %q power %v hashrate %v; want sleeping, %v W, 0", asleep.Mode, asleep.PowerW, asleep.HashrateTH, StandbyW)
	}
	// Ten time constants later the chips sit at the standby equilibrium.
	c.advance(10 * DefaultDelays.TempTau)
	cold := d.Snapshot()
	eq := AmbientC + (FullLoadC-AmbientC)*StandbyW/3420
	if math.Abs(cold.TempsC[1]-eq) > 0.1 {
		t.Errorf("sleeping board at %v °C, want about %v", cold.TempsC[1], eq)
	}

	d.Wake()
	c.advance(DefaultDelays.Wake - time.Second)
	if st := d.Snapshot(); st.HashrateTH >= full.HashrateTH || st.Mode != fleet.ModeMining {
		t.Errorf("one second before full: hashrate %v, want below %v", st.HashrateTH, full.HashrateTH)
	}
	c.advance(time.Second)
	if st := d.Snapshot(); st.HashrateTH != full.HashrateTH || st.PowerW != full.PowerW {
		t.Errorf("after the wake delay: %v TH/s %v W; want %v, %v", st.HashrateTH, st.PowerW, full.HashrateTH, full.PowerW)
	}
}

func TestDevicePowerTarget(t *testing.T) {
	c := &clock{t: time.Unix(1_750_000_000, 0)}
	m := model(t, "WhatsMiner M60S")
	d := NewDevice(fleet.FirmwareWhatsminer, m, 0, 7, c.now, DefaultDelays)
	before := d.Snapshot()
	for _, bad := range []float64{100, 10000, math.NaN()} {
		if err := d.SetPowerTarget(bad); err == nil {
			t.Errorf("SetPowerTarget(%v) = nil, want out of range", bad)
		}
	}
	if err := d.SetPowerTarget(2800); err != nil {
		t.Fatal(err)
	}
	c.advance(DefaultDelays.Wake / 10)
	st := d.Snapshot()
	// TH ∝ P^0.8 from the same unit.
	want := before.HashrateTH * math.Pow(2800/m.PowerW, 0.8)
	if st.PowerW != 2800 || math.Abs(st.HashrateTH-want) > 1e-4 {
		t.Errorf("at 2800 W: %v W %v TH/s; want 2800 W, %v TH/s", st.PowerW, st.HashrateTH, want)
	}
}

func TestDeviceReboot(t *testing.T) {
	c := &clock{t: time.Unix(1_750_000_000, 0)}
	d := NewDevice(fleet.FirmwareLuxOS, model(t, "Antminer S21"), 0, 7, c.now, DefaultDelays)
	full := d.Snapshot()
	d.Reboot()
	c.advance(time.Second)
	if st := d.Snapshot(); st.Mode != fleet.ModeUnknown || st.HashrateTH != 0 {
		t.Errorf("rebooting: mode %q hashrate %v", st.Mode, st.HashrateTH)
	}
	c.advance(DefaultDelays.Reboot + DefaultDelays.Wake)
	if st := d.Snapshot(); st.Mode != fleet.ModeMining || st.HashrateTH != full.HashrateTH {
		t.Errorf("after reboot and ramp: mode %q hashrate %v, want mining %v", st.Mode, st.HashrateTH, full.HashrateTH)
	}
	d.Sleep()
	d.Reboot()
	c.advance(DefaultDelays.Reboot + time.Second)
	if st := d.Snapshot(); st.Mode != fleet.ModeSleeping {
		t.Errorf("a sleeping device came back from reboot %q", st.Mode)
	}
}

// TestDeviceVersion: a steady device keeps its version (a server may reuse
// its reply); a command changes it, and so does every call while the
// device ramps, until it is steady again.
func TestDeviceVersion(t *testing.T) {
	c := &clock{t: time.Unix(1_750_000_000, 0)}
	d := NewDevice(fleet.FirmwareAvalon, model(t, "Avalon 1246"), 0, 1, c.now, DefaultDelays)
	v0 := d.Version()
	c.advance(time.Second)
	if v := d.Version(); v != v0 {
		t.Fatalf("steady new device: Version %d then %d, want the same", v0, v)
	}
	d.Sleep()
	v1 := d.Version()
	if v1 == v0 {
		t.Fatalf("Version after Sleep = %d, want a change from %d", v1, v0)
	}
	c.advance(time.Second) // ramping down
	if v := d.Version(); v == v1 {
		t.Errorf("Version while ramping down stayed %d", v)
	}
	c.advance(DefaultDelays.Sleep + 20*DefaultDelays.TempTau) // asleep and cooled
	v2 := d.Version()
	c.advance(time.Minute)
	if v := d.Version(); v != v2 {
		t.Errorf("asleep and cool: Version %d then %d, want the same", v2, v)
	}
	if err := d.SetPowerTarget(3100); err != nil {
		t.Fatal(err)
	}
	if v := d.Version(); v == v2 {
		t.Errorf("Version after SetPowerTarget stayed %d", v)
	}
}
