package cgminer

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
)

// serveSims serves devs with ServeSims on loopback listeners until the end
// of the test and returns their addresses.
func serveSims(t *testing.T, devs []SimDevice) []string {
	t.Helper()
	addrs := make([]string, len(devs))
	for i := range devs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		devs[i].Listener = ln
		addrs[i] = ln.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeSims(ctx, devs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeSims: %v", err)
		}
	})
	return addrs
}

// TestServeSimsServesEveryDevice: devices of every kind served together
// answer their own numbers; an Avalon takes its control commands; a
// stock Antminer's web UI answers on its RPC port; the bytes are those
// ServeSim sends.
func TestServeSimsServesEveryDevice(t *testing.T) {
	ant := &fakeDevice{st: simStatus("Antminer S19 Pro")}
	ava := &fakeDevice{st: simStatus("Avalon 1246")}
	gen := &fakeDevice{st: simStatus("cgminer")}
	ava.st.HashrateTH = 81.5
	normalW, lowW := AntminerModeWatts(Models[1])
	addrs := serveSims(t, []SimDevice{
		{State: ant, Kind: Antminer, Web: antweb.NewSimHandler(ant, antweb.SimConfig{ModeKey: antweb.KeyMinerMode, NormalW: normalW, LowW: lowW})},
		{State: ava, Kind: Avalon},
		{State: gen, Kind: Generic},
	})
	ctx := context.Background()
	for _, tr := range transports(t) {
		ava.mu.Lock()
		ava.st.HashrateTH = 81.5 // the fake's Sleep zeroes it
		ava.mu.Unlock()
		for i, tc := range []struct {
			kind Kind
			want float64
		}{{Antminer, ant.st.HashrateTH}, {Avalon, 81.5}, {Generic, gen.st.HashrateTH}} {
			st, err := New(addrs[i], tc.kind, Options{Transport: tr.t}).Status(ctx)
			if err != nil || !near(st.HashrateTH, tc.want, 1e-5) {
				t.Errorf("%s: %s Status() = %v TH/s, %v; want %v", tr.name, tc.kind.Firmware(), st.HashrateTH, err, tc.want)
			}
		}
		avalon := New(addrs[1], Avalon, Options{Transport: tr.t})
		if err := avalon.Sleep(ctx); err != nil || ava.Snapshot().Mode != fleet.ModeSleeping {
			t.Errorf("%s: Avalon Sleep() = %v, device %q", tr.name, err, ava.Snapshot().Mode)
		}
		if err := avalon.Wake(ctx); err != nil || ava.Snapshot().Mode != fleet.ModeMining {
			t.Errorf("%s: Avalon Wake() = %v, device %q", tr.name, err, ava.Snapshot().Mode)
		}
		web := New(addrs[0], Antminer, Options{Transport: tr.t, WebAddr: addrs[0], WebCredentials: antweb.FactoryCredentials})
		if err := web.Sleep(ctx); err != nil || ant.Snapshot().Mode != fleet.ModeSleeping {
			t.Errorf("%s: Antminer Sleep() through the web UI = %v, device %q", tr.name, err, ant.Snapshot().Mode)
		}
		if err := web.Wake(ctx); err != nil || ant.Snapshot().Mode != fleet.ModeMining {
			t.Errorf("%s: Antminer Wake() through the web UI = %v, device %q", tr.name, err, ant.Snapshot().Mode)
		}
	}
	// The bytes: what ServeSim's server builds for the same request.
	got := rawExchange(t, addrs[2], []byte(`{"command":"devs"}`))
	want := newSimServer(gen, Generic).Reply([]byte(`{"command":"devs"}`))
	if !bytes.Equal(stripWhen(got), stripWhen(want)) {
		t.Errorf("devs reply\n got %q\nwant %q", got, want)
	}
}

// TestServeSimsWaitsForALateRequest: a client that connects and speaks
// later gets its answer, and the device answers the next client once the
// first is done.
func TestServeSimsWaitsForALateRequest(t *testing.T) {
	dev := &fakeDevice{st: simStatus("Avalon 1246")}
	addrs := serveSims(t, []SimDevice{{State: dev, Kind: Avalon}})
	c, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A second client queues behind the first, as with cgminer's one
	// API thread.
	second := make(chan []byte, 1)
	go func() { second <- rawExchange(t, addrs[0], []byte("version")) }()
	// TCP_DEFER_ACCEPT is not set on this listener: the first client is
	// accepted before it has spoken, so its connection waits in the loop.
	if _, err := c.Write([]byte(`{"command":"summary"}`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Contains(got, []byte(`"SUMMARY"`)) || got[len(got)-1] != 0 {
		t.Errorf("late request: reply %q, %v; want a summary ending in NUL", got, err)
	}
	if v := <-second; !bytes.Contains(v, []byte(`"VERSION"`)) {
		t.Errorf("second client: reply %q, want a version reply", v)
	}
}

// rawExchange sends req to addr and reads the reply to the close.
func rawExchange(t *testing.T, addr string, req []byte) []byte {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(req); err != nil {
		t.Error(err)
		return nil
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Error(err)
	}
	return b
}

// stripWhen blanks the digits of "When" time stamps, which differ by the
// second between two replies.
func stripWhen(b []byte) []byte {
	out := bytes.Clone(b)
	key := []byte(`"When":`)
	for i := 0; ; {
		j := bytes.Index(out[i:], key)
		if j < 0 {
			return out
		}
		i += j + len(key)
		for i < len(out) && out[i] >= '0' && out[i] <= '9' {
			out[i] = '0'
			i++
		}
	}
}
