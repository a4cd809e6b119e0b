package luxos_test

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/luxos"
)

// device is the smallest fleet.DeviceState: a miner that sleeps, wakes and
// takes a power target.
type device struct {
	mu sync.Mutex
	st fleet.Status
}

func (d *device) Snapshot() fleet.Status { d.mu.Lock(); defer d.mu.Unlock(); return d.st }
func (d *device) Sleep()                 { d.mu.Lock(); d.st.Mode, d.st.PowerW = fleet.ModeSleeping, 8; d.mu.Unlock() }
func (d *device) Wake()                  { d.mu.Lock(); d.st.Mode = fleet.ModeMining; d.mu.Unlock() }
func (d *device) Reboot()                {}
func (d *device) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.PowerLimitW, d.st.PowerW = w, w-40
	return nil
}

// A LuxOS miner simulated on loopback: its profiles run from 1200 W to
// 2880 W in 120 W steps; a 2000 W target picks the 1920 W profile.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	dev := &device{st: fleet.Status{Model: "Antminer S19k Pro", Mode: fleet.ModeMining, PowerW: 2360, PowerLimitW: 2400}}
	go func() { done <- luxos.ServeSim(ctx, ln, dev) }()
	defer func() { cancel(); <-done }()

	miner := luxos.New(ln.Addr().String(), luxos.Config{})
	if err := miner.SetPowerTarget(ctx, 2000); err != nil {
		fmt.Println(err)
		return
	}
	st, err := miner.Status(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s: %s, %.0f W, limit %.0f W\n", st.Firmware, st.Model, st.Mode, st.PowerW, st.PowerLimitW)
	// Output: luxos Antminer S19k Pro: mining, 1880 W, limit 1920 W
}
