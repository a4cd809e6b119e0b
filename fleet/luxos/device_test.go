package luxos

import (
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
		Model:        "Antminer S19k Pro",
		HashrateTH:   118.5,
		Hashrate5sTH: 120.25,
		PowerW:       2355,
		PowerLimitW:  2400,
		TempsC:       []float64{61, 63.5, 62},
		FansRPM:      []int{4020, 4020, 4080, 4080},
		Mode:         fleet.ModeMining,
		Pools:        []fleet.Pool{{URL: "stratum+tcp://pool.example:700", User: "acct.worker", Status: "Alive", Accepted: 724, Rejected: 1}},
		Errors:       []string{"REBOOT_NOT_HASHING: Board reboot due to it not hashing."},
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
	d.st.HashrateTH, d.st.Hashrate5sTH, d.st.PowerW = 0, 0, 8
}

func (d *fakeDevice) Wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeMining
	d.st.HashrateTH, d.st.Hashrate5sTH, d.st.PowerW = 118.5, 120.25, d.st.PowerLimitW-45
}

func (d *fakeDevice) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.PowerLimitW = w
	if d.st.Mode == fleet.ModeMining {
		d.st.PowerW = w - 45
	}
	return nil
}

func (d *fakeDevice) Reboot() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reboots++
}
