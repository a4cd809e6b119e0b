package whatsminer

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
)

type fakeDevice struct {
	mu      sync.Mutex
	st      fleet.Status
	reboots int
}

func (d *fakeDevice) Snapshot() fleet.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

func (d *fakeDevice) Sleep() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeSleeping
}

func (d *fakeDevice) Wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeMining
}

func (d *fakeDevice) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w > 5000 {
		return errors.New("above the supply")
	}
	d.st.PowerLimitW = w
	return nil
}

func (d *fakeDevice) Reboot() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reboots++
}

func simStatus() fleet.Status {
	return fleet.Status{
		Model: "WhatsMiner M50S", HashrateTH: 126.123456, Hashrate5sTH: 127.54321,
		PowerW: 3276, PowerLimitW: 3300, TempsC: []float64{78.25, 80.5, 79.75}, FansRPM: []int{5400, 5280},
		Mode: fleet.ModeMining, Errors: []string{"110"},
		Pools: []fleet.Pool{{URL: "stratum+tcp://pool.example.com:3333", User: "site.m50", Status: "Alive", Accepted: 7, Rejected: 1}},
	}
}

// serve runs handler for every connection on loopback until the test ends.
func serve(t *testing.T, handler func(net.Conn)) string {
	t.Helper()
	return serveWith(t, func(ctx context.Context, ln net.Listener) error { return cgminer.ServeConns(ctx, ln, handler) })
}

func serveWith(t *testing.T, run func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := run(ctx, ln); err != nil {
			t.Errorf("server: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func near(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }
