package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
)

// Delays are how long a simulated device takes to change state.
type Delays struct {
	Sleep   time.Duration // from the command to hash boards off
	Wake    time.Duration // from the command to full hashrate (boards start, then ramp)
	Reboot  time.Duration // controller down, then a wake
	TempTau time.Duration // time constant of temperature
}

// DefaultDelays are typical of air-cooled ASICs: a few seconds to stop,
// a minute and a half to hash again, two minutes to reboot.
var DefaultDelays = Delays{Sleep: 5 * time.Second, Wake: 90 * time.Second, Reboot: 120 * time.Second, TempTau: time.Minute}

// Physical constants of the device model.
const (
	StandbyW     = 12.0 // control board and idle fans of a sleeping miner, W
	AmbientC     = 25.0 // intake air, °C
	FullLoadC    = 75.0 // hottest chip at nameplate power, °C
	noise5s      = 0.015
	minTargetPct = 0.45 // lowest power target, share of nameplate (an Avalon Q's eco level is 48 %)
	maxTargetPct = 1.15 // highest
)

type phase int

const (
	phaseMining   phase = iota
	phaseStopping       // ramping down after Sleep
	phaseSleeping
	phaseStarting // ramping up after Wake or reboot
	phaseRebooting
)

// Device is one simulated miner. It is safe for concurrent use.
type Device struct {
	firmware string
	model    cgminer.Model
	index    int
	now      func() time.Time
	delays   Delays
	// targetable: the firmware lets the operator set a power target. Stock
	// Antminer firmware does not: it has work modes (normal, low power)
	// whose power the driver estimates from the hashrate at nameplate
	// efficiency (see steadyW).
	targetable bool
	thFactor   float64 // this unit's hashrate relative to nameplate

	mu         sync.Mutex
	rng        *rand.Rand
	phase      phase
	since      time.Time // start of the phase
	fromW      float64   // power when the phase began
	fromTH     float64
	targetW    float64
	tempC      float64 // temperature at tempAt
	tempAt     time.Time
	errors     []string
	reboots    int
	asleepWant bool   // the state a reboot returns to
	version    uint64 // see Version
}

var (
	_ fleet.DeviceState    = (*Device)(nil)
	_ cgminer.StateVersion = (*Device)(nil)
)

// NewDevice returns a mining device of the given firmware and model,
// at steady state at now(). seed makes its unit variation and noise
// reproducible.
func NewDevice(firmware string, model cgminer.Model, index int, seed uint64, now func() time.Time, d Delays) *Device {
	rng := rand.New(rand.NewPCG(seed, uint64(index)))
	dev := &Device{
		firmware: firmware, model: model, index: index, now: now, delays: d,
		targetable: firmware != fleet.FirmwareAntminer && firmware != fleet.FirmwareCGMiner,
		thFactor:   0.97 + 0.06*rng.Float64(),
		rng:        rng,
		targetW:    model.PowerW,
	}
	if len(model.LevelsW) > 0 {
		dev.targetW = model.LevelsW[len(model.LevelsW)-1]
	}
	t := now()
	dev.since, dev.tempAt = t, t
	dev.fromW, dev.fromTH = dev.steadyW(), dev.steadyTH()
	dev.tempC = dev.equilibriumC(dev.steadyW())
	return dev
}

// Firmware returns the firmware the device speaks.
func (d *Device) Firmware() string { return d.firmware }

// steadyW is the power of a mining device at its target. A stock
// Antminer draws nameplate J/TH times its hashrate at nameplate, scaled by
// its work mode's share (targetW / nameplate): in low-power mode it draws
// less than nameplate J/TH times its (lower) hashrate, so a driver's
// estimate errs on the high side. Caller holds mu.
func (d *Device) steadyW() float64 {
	if !d.targetable {
		return d.model.EfficiencyJTH() * d.steadyTHAt(d.model.PowerW) * d.targetW / d.model.PowerW
	}
	return d.targetW
}

// steadyTHAt is the hashrate at power p: below nameplate a miner runs at
// lower voltage and is more efficient, TH ∝ p^0.8 (a fit to published
// power-target curves of Braiins OS and LuxOS profiles).
func (d *Device) steadyTHAt(p float64) float64 {
	return d.model.HashrateTH * d.thFactor * math.Pow(p/d.model.PowerW, 0.8)
}

func (d *Device) steadyTH() float64 {
	return d.steadyTHAt(d.targetW)
}

func (d *Device) equilibriumC(p float64) float64 {
	return AmbientC + (FullLoadC-AmbientC)*p/d.model.PowerW
}

// settle moves finished transitions on: stopping to sleeping, starting to
// mining, rebooting to what the device was told to be. Caller holds mu.
func (d *Device) settle(t time.Time) {
	for range 4 {
		el := t.Sub(d.since)
		switch {
		case d.phase == phaseStopping && el >= d.delays.Sleep:
			d.phase, d.since = phaseSleeping, d.since.Add(d.delays.Sleep)
		case d.phase == phaseStarting && el >= d.delays.Wake:
			d.phase, d.since = phaseMining, d.since.Add(d.delays.Wake)
			d.fromW, d.fromTH = d.steadyW(), d.steadyTH()
		case d.phase == phaseRebooting && el >= d.delays.Reboot:
			d.since = d.since.Add(d.delays.Reboot)
			d.fromW, d.fromTH = StandbyW, 0
			if d.asleepWant {
				d.phase = phaseSleeping
			} else {
				d.phase = phaseStarting
			}
		case d.phase == phaseMining && el >= d.delays.Wake/10:
			d.fromW, d.fromTH = d.steadyW(), d.steadyTH()
			return
		default:
			return
		}
	}
}

// current returns power, hashrate and the reported mode at t, after
// settle. Caller holds mu.
func (d *Device) current(t time.Time) (powerW, th float64, mode fleet.Mode) {
	d.settle(t)
	el := t.Sub(d.since)
	frac := func(total time.Duration) float64 {
		if total <= 0 || el >= total {
			return 1
		}
		return max(0, float64(el)/float64(total))
	}
	lerp := func(a, b, f float64) float64 { return a + (b-a)*f }
	switch d.phase {
	case phaseStopping:
		f := frac(d.delays.Sleep)
		return lerp(d.fromW, StandbyW, f), d.fromTH * (1 - f), fleet.ModeMining
	case phaseSleeping:
		return StandbyW, 0, fleet.ModeSleeping
	case phaseStarting:
		f := frac(d.delays.Wake)
		return lerp(d.fromW, d.steadyW(), f), lerp(d.fromTH, d.steadyTH(), f), fleet.ModeMining
	case phaseRebooting:
		return StandbyW, 0, fleet.ModeUnknown
	}
	// Mining: a changed target is reached over a tenth of the wake time.
	f := frac(d.delays.Wake / 10)
	return lerp(d.fromW, d.steadyW(), f), lerp(d.fromTH, d.steadyTH(), f), fleet.ModeMining
}

// temp returns the hottest chip temperature at t, moving it toward the
// equilibrium of power p. Caller holds mu.
func (d *Device) temp(t time.Time, p float64) float64 {
	eq := d.equilibriumC(p)
	dt := t.Sub(d.tempAt)
	if dt <= 0 {
		return d.tempC
	}
	tau := d.delays.TempTau
	if tau <= 0 {
		tau = time.Nanosecond
	}
	c := eq + (d.tempC-eq)*math.Exp(-float64(dt)/float64(tau))
	d.tempC, d.tempAt = c, t
	return c
}

// enter starts a new phase at t from the current state. Caller holds mu.
func (d *Device) enter(p phase, t time.Time) {
	w, th, _ := d.current(t)
	d.temp(t, w)
	d.fromW, d.fromTH = w, th
	d.phase, d.since = p, t
}

// Snapshot is the device's state now, rounded as firmwares report it:
// hashrate to 0.01 GH/s, power to whole watts, temperatures to 0.1 °C.
func (d *Device) Snapshot() fleet.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.now()
	w, th, mode := d.current(t)
	c := d.temp(t, w)
	th5 := th * (1 + noise5s*d.rng.NormFloat64())
	st := fleet.Status{
		Firmware:     d.firmware,
		Model:        d.model.Name,
		HashrateTH:   math.Round(th*1e5) / 1e5,
		Hashrate5sTH: math.Round(max(th5, 0)*1e5) / 1e5,
		PowerW:       math.Round(w),
		PowerLimitW:  math.Round(d.targetW),
		Mode:         mode,
		Errors:       append([]string(nil), d.errors...),
		Pools: []fleet.Pool{{
			URL: "stratum+tcp://pool.example.com:3333", User: "site.m" + strconv.Itoa(d.index),
			Status: "Alive", Accepted: 1000 + int64(d.index%977), Rejected: int64(d.index % 7),
		}},
	}
	offsets := []float64{-1.8, 0, -0.9, -2.4}
	for i := range max(d.model.Boards, 1) {
		st.TempsC = append(st.TempsC, math.Round((c+offsets[i%len(offsets)])*10)/10)
	}
	rpm := 1200.0
	if mode != fleet.ModeSleeping {
		rpm = min(6600, max(1800, 1800+96*(c-AmbientC)))
	}
	for i := range max(d.model.Fans, 1) {
		st.FansRPM = append(st.FansRPM, int(math.Round(rpm))+30*(i%2))
	}
	return st
}

// Version changes whenever what the device reports may have changed: after
// every command, and at every call while the device is moving (ramping
// down, starting, rebooting, reaching a new power target, warming or
// cooling). A protocol server may serve a reply built at the same version
// again (with fresh time stamps): a steady device's 5-second hashrate then
// keeps its noise until the next change.
func (d *Device) Version() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.now()
	w, _, _ := d.current(t)
	c := d.temp(t, w)
	settled := math.Abs(c-d.equilibriumC(w)) < 1e-3
	switch {
	case d.phase == phaseSleeping && settled:
	case d.phase == phaseMining && settled &&
		(t.Sub(d.since) >= d.delays.Wake/10 || d.fromW == d.steadyW() && d.fromTH == d.steadyTH()):
	default:
		d.version++
	}
	return d.version
}

// Sleep stops hashing after Delays.Sleep.
func (d *Device) Sleep() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.asleepWant = true
	t := d.now()
	d.settle(t)
	if d.phase == phaseSleeping || d.phase == phaseStopping || d.phase == phaseRebooting {
		return
	}
	d.enter(phaseStopping, t)
}

// Wake starts hashing; full hashrate after Delays.Wake.
func (d *Device) Wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.asleepWant = false
	t := d.now()
	d.settle(t)
	if d.phase == phaseMining || d.phase == phaseStarting || d.phase == phaseRebooting {
		return
	}
	d.enter(phaseStarting, t)
}

// SetPowerTarget sets the power a mining device draws, within 45–115 % of
// nameplate.
func (d *Device) SetPowerTarget(watts float64) error {
	lo, hi := d.model.PowerW*minTargetPct, d.model.PowerW*maxTargetPct
	if math.IsNaN(watts) || watts < lo || watts > hi {
		return fmt.Errorf("sim: power target %.0f W outside %.0f–%.0f W of a %s", watts, lo, hi, d.model.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	if t := d.now(); d.phase == phaseMining {
		d.enter(phaseMining, t)
	}
	d.targetW = watts
	return nil
}

// Reboot takes the controller down for Delays.Reboot, then comes back in
// the state it was commanded to (mining or sleeping).
func (d *Device) Reboot() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.reboots++
	d.enter(phaseRebooting, d.now())
}

// SetErrors sets the error codes the device reports.
func (d *Device) SetErrors(codes ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.errors = append([]string(nil), codes...)
}
