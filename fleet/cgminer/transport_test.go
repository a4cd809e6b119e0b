package cgminer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"
)

type namedTransport struct {
	name string
	t    *Transport
}

// transports are the ways a Client can carry its exchanges: net.Dialer,
// and a Transport where the system has one (closed at the end of the test).
func transports(t *testing.T) []namedTransport {
	t.Helper()
	out := []namedTransport{{"net", nil}}
	tr, err := NewTransport(2)
	if err != nil {
		t.Logf("no Transport here (%v): net.Dialer only", err)
		return out
	}
	t.Cleanup(func() { tr.Close() })
	return append(out, namedTransport{"epoll", tr})
}

func newTransport(t *testing.T, loops int) *Transport {
	t.Helper()
	tr, err := NewTransport(loops)
	if err != nil {
		t.Skipf("no Transport on this system: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestTransportReadsWhatNetReads: every kind and command the simulator
// answers reads the same over a Transport as over net.Dialer.
func TestTransportReadsWhatNetReads(t *testing.T) {
	tr := newTransport(t, 1)
	for _, tc := range []struct {
		kind    Kind
		model   string
		noPools bool
	}{{Antminer, "Antminer S19 Pro", true}, {Antminer, "Antminer S9", false}, {Avalon, "Avalon 1246", false}, {Generic, "cgminer", true}} {
		t.Run(fmt.Sprintf("%s %s nopools=%v", tc.kind.Firmware(), tc.model, tc.noPools), func(t *testing.T) {
			addr := serveSim(t, &fakeDevice{st: simStatus(tc.model)}, tc.kind)
			want, err := New(addr, tc.kind, Options{NoPools: tc.noPools}).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := New(addr, tc.kind, Options{NoPools: tc.noPools, Transport: tr}).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("over the Transport: %+v\nover net: %+v", got, want)
			}
		})
	}
}

// TestTransportHungDeviceDelaysNoOther: a device that never answers holds
// its own exchange to its deadline; exchanges started with the same
// deadline on the same loop all complete, so none waited for it.
func TestTransportHungDeviceDelaysNoOther(t *testing.T) {
	tr := newTransport(t, 1)
	hung := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	var addrs []string
	for range 20 {
		addrs = append(addrs, serveSim(t, &fakeDevice{st: simStatus("Antminer S19 Pro")}, Antminer))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var hungErr error
	wg.Go(func() {
		_, hungErr = New(hung, Antminer, Options{Transport: tr, NoPools: true}).Status(ctx)
	})
	errs := make([]error, 5*len(addrs))
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = New(addrs[i%len(addrs)], Antminer, Options{Transport: tr, NoPools: true}).Status(ctx)
		})
	}
	wg.Wait()
	if !errors.Is(hungErr, context.DeadlineExceeded) {
		t.Errorf("hung device: error %v, want the deadline", hungErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("device %d beside a hung one: %v", i, err)
		}
	}
}

// TestTransportCancel: cancelling the context ends an exchange with a
// device that hangs, long before its deadline.
func TestTransportCancel(t *testing.T) {
	tr := newTransport(t, 1)
	accepted := make(chan struct{}, 1)
	addr := serve(t, func(c net.Conn) {
		accepted <- struct{}{}
		io.Copy(io.Discard, c)
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted
		cancel()
	}()
	_, err := New(addr, Antminer, Options{Transport: tr, Timeout: time.Hour}).Status(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled exchange: error %v, want context.Canceled", err)
	}
}

// TestTransportDialErrors: nothing listening is a dial error, as with
// net.Dialer (detection stops probing such an address).
func TestTransportDialErrors(t *testing.T) {
	tr := newTransport(t, 1)
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	for _, x := range transports(t) {
		_, err := (&Client{Addr: addr, Transport: x.t}).Exchange(context.Background(), []byte("version"))
		var oe *net.OpError
		if !errors.As(err, &oe) || oe.Op != "dial" {
			t.Errorf("%s: exchange with a closed port: %v, want a *net.OpError from dial", x.name, err)
		}
	}
	tr.Close()
	tr.Close()
	_, err := (&Client{Addr: addr, Transport: tr}).Exchange(context.Background(), []byte("version"))
	if !errors.Is(err, errTransportClosed) {
		t.Errorf("exchange on a closed Transport: %v, want errTransportClosed", err)
	}
}

// TestTransportManyExchanges: many concurrent exchanges over several
// loops each read their own device (run with -race).
func TestTransportManyExchanges(t *testing.T) {
	tr := newTransport(t, 3)
	const devices = 16
	var addrs []string
	var devs []*fakeDevice
	for i := range devices {
		st := simStatus("Antminer S19 Pro")
		st.HashrateTH = float64(100 + i)
		d := &fakeDevice{st: st}
		devs = append(devs, d)
		addrs = append(addrs, serveSim(t, d, Antminer))
	}
	var wg sync.WaitGroup
	errs := make([]error, 400)
	for i := range errs {
		wg.Go(func() {
			st, err := New(addrs[i%devices], Antminer, Options{Transport: tr, NoPools: true}).Status(context.Background())
			if err == nil && st.HashrateTH != float64(100+i%devices) {
				err = fmt.Errorf("read %v TH/s, want %v", st.HashrateTH, 100+i%devices)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("exchange %d: %v", i, err)
		}
	}
}
