package cgminer

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

// fakeDevice is a fleet.DeviceState whose numbers the test sets.
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
	d.st.HashrateTH, d.st.Hashrate5sTH = 0, 0
}

func (d *fakeDevice) Wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Mode = fleet.ModeMining
}

func (d *fakeDevice) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w <= 0 {
		return errors.New("bad target")
	}
	d.st.PowerLimitW = w
	return nil
}

func (d *fakeDevice) Reboot() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reboots++
}

// listen opens a loopback listener closed at the end of the test.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serve runs fn as the handler of every connection on a loopback listener
// and returns its address; the server stops at the end of the test.
func serve(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ServeConns(ctx, ln, fn)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// serveSim serves dev as kind on loopback.
func serveSim(t *testing.T, dev fleet.DeviceState, kind Kind) string {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ServeSim(ctx, ln, dev, kind); err != nil {
			t.Errorf("ServeSim: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func near(a, b, tol float64) bool {
	d := a - b
	return d <= tol && d >= -tol
}
