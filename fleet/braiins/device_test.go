package braiins

import (
	"errors"
	"slices"
	"sync"

	"github.com/hashpivot/hashpivot/fleet"
)

// fakeDevice is a fleet.DeviceState for tests: sleeping zeroes hashrate and
// power, a power target moves the limit and the power.
type fakeDevice struct {
	mu      sync.Mutex
	st      fleet.Status
	reboots int
}

func newFakeDevice() *fakeDevice {
	return &fakeDevice{st: fleet.Status{
		Model:        "Antminer S21 Pro",
		HashrateTH:   234.5,
		Hashrate5sTH: 236.25,
		PowerW:       3480,
		PowerLimitW:  3500,
		TempsC:       []float64{65.375, 63.5625, 63.5},
		FansRPM:      []int{5940, 5940, 5970, 5970},
		Mode:         fleet.ModeMining,
		Pools:        []fleet.Pool{{URL: "stratum+tcp://pool.example:3333", User: "acct.worker", Status: "Alive", Accepted: 848, Rejected: 2}},
		Errors:       []string{"V2: Overcurrent protection triggered or short circuit"},
	}}
}

func (d *fakeDevice) Snapshot() fleet.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.st
	s.TempsC = slices.Clone(s.TempsC)
	s.FansRPM = slices.Clone(s.FansRPM)
	s.Pools = slices.Clone(s.Pools)
	s.Errors = slices.Clone(s.Errors)
	return s
}

func (d *fakeDevice) Sleep() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeSleeping
	d.st.HashrateTH, d.st.Hashrate5sTH, d.st.PowerW = 0, 0, 12
}

func (d *fakeDevice) Wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeMining
	d.st.HashrateTH, d.st.Hashrate5sTH, d.st.PowerW = 234.5, 236.25, d.st.PowerLimitW-20
}

func (d *fakeDevice) SetPowerTarget(w float64) error {
	if w < 1000 || w > 4000 {
		return errors.New("power target out of range [1000, 4000] W")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.PowerLimitW = w
	if d.st.Mode == fleet.ModeMining {
		d.st.PowerW = w - 20
	}
	return nil
}

func (d *fakeDevice) Reboot() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reboots++
}
