package braiins_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/braiins"
)

// device is the smallest fleet.DeviceState: a miner that sleeps and wakes.
type device struct {
	mu sync.Mutex
	st fleet.Status
}

func (d *device) Snapshot() fleet.Status { d.mu.Lock(); defer d.mu.Unlock(); return d.st }
func (d *device) Sleep()                 { d.mu.Lock(); d.st.Mode, d.st.PowerW = fleet.ModeSleeping, 15; d.mu.Unlock() }
func (d *device) Wake()                  { d.mu.Lock(); d.st.Mode, d.st.PowerW = fleet.ModeMining, 3480; d.mu.Unlock() }
func (d *device) Reboot()                {}
func (d *device) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.PowerLimitW = w
	return nil
}

// A Braiins OS miner simulated on loopback, read and curtailed through its
// REST API.
func Example() {
	dev := &device{st: fleet.Status{Model: "Antminer S21 Pro", Mode: fleet.ModeMining, PowerW: 3480, PowerLimitW: 3500}}
	srv := httptest.NewServer(braiins.NewSimHandler(dev))
	defer srv.Close()

	miner := braiins.New(strings.TrimPrefix(srv.URL, "http://"), braiins.Config{Credentials: braiins.SimCredentials})
	ctx := context.Background()
	st, err := miner.Status(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s: %s, %.0f W of %.0f W\n", st.Firmware, st.Model, st.Mode, st.PowerW, st.PowerLimitW)

	if err := miner.Sleep(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st, _ = miner.Status(ctx)
	fmt.Printf("after Sleep: %s, %.0f W\n", st.Mode, st.PowerW)
	// Output:
	// braiins Antminer S21 Pro: mining, 3480 W of 3500 W
	// after Sleep: sleeping, 15 W
}
