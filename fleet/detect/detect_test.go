package detect

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
	"github.com/hashpivot/hashpivot/fleet/braiins"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/luxos"
	"github.com/hashpivot/hashpivot/fleet/whatsminer"
)

type device struct {
	mu sync.Mutex
	st fleet.Status
}

func (d *device) Snapshot() fleet.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}
func (d *device) Sleep() { d.mu.Lock(); d.st.Mode = fleet.ModeSleeping; d.mu.Unlock() }
func (d *device) Wake()  { d.mu.Lock(); d.st.Mode = fleet.ModeMining; d.mu.Unlock() }
func (d *device) SetPowerTarget(w float64) error {
	d.mu.Lock()
	d.st.PowerLimitW = w
	d.mu.Unlock()
	return nil
}
func (d *device) Reboot() {}

func newDevice(model string) *device {
	return &device{st: fleet.Status{
		Model: model, HashrateTH: 100, Hashrate5sTH: 101, PowerW: 3000, PowerLimitW: 3100,
		TempsC: []float64{70, 71, 72}, FansRPM: []int{5000, 5100}, Mode: fleet.ModeMining,
		Pools: []fleet.Pool{{URL: "stratum+tcp://pool.example.com:3333", User: "u", Status: "Alive"}},
	}}
}

func serve(t *testing.T, run func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = run(ctx, ln)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func serveHTTP(h http.Handler) func(context.Context, net.Listener) error {
	return func(ctx context.Context, ln net.Listener) error {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
		go func() { <-ctx.Done(); srv.Close() }()
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// Every simulated firmware is identified, and the driver Open returns reads it.
func TestIdentifyEverySimulatedFirmware(t *testing.T) {
	tests := []struct {
		firmware, model string
		run             func(context.Context, net.Listener, fleet.DeviceState) error
		creds           fleet.Credentials
	}{
		{fleet.FirmwareAntminer, "Antminer S19 Pro", func(ctx context.Context, ln net.Listener, d fleet.DeviceState) error {
			return cgminer.ServeSim(ctx, ln, d, cgminer.Antminer)
		}, fleet.Credentials{}},
		{fleet.FirmwareAvalon, "Avalon 1246", func(ctx context.Context, ln net.Listener, d fleet.DeviceState) error {
			return cgminer.ServeSim(ctx, ln, d, cgminer.Avalon)
		}, fleet.Credentials{}},
		{fleet.FirmwareCGMiner, "", func(ctx context.Context, ln net.Listener, d fleet.DeviceState) error {
			return cgminer.ServeSim(ctx, ln, d, cgminer.Generic)
		}, fleet.Credentials{}},
		{fleet.FirmwareWhatsminer, "WhatsMiner M50S", whatsminer.ServeSimV2, whatsminer.SimCredentials},
		{fleet.FirmwareWhatsminerV3, "WhatsMiner M60S", whatsminer.ServeSimV3, whatsminer.SimCredentialsV3},
		{fleet.FirmwareLuxOS, "Antminer S19k Pro", luxos.ServeSim, fleet.Credentials{}},
		{fleet.FirmwareBraiins, "", func(ctx context.Context, ln net.Listener, d fleet.DeviceState) error {
			return serveHTTP(braiins.NewSimHandler(d))(ctx, ln)
		}, braiins.SimCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.firmware, func(t *testing.T) {
			model := tc.model
			if model == "" {
				model = "Antminer S19 XP"
			}
			dev := newDevice(model)
			addr := serve(t, func(ctx context.Context, ln net.Listener) error { return tc.run(ctx, ln, dev) })
			o := Options{Timeout: 2 * time.Second, Credentials: func(string) fleet.Credentials { return tc.creds }}
			r, err := Identify(context.Background(), addr, o)
			if err != nil {
				t.Fatalf("Identify(%s) error %v", addr, err)
			}
			if r.Firmware != tc.firmware || r.Model != tc.model || r.Address != addr {
				t.Errorf("Identify() = %+v, want firmware %q model %q", r, tc.firmware, tc.model)
			}
			m, err := Open(r, o)
			if err != nil {
				t.Fatal(err)
			}
			st, err := m.Status(context.Background())
			if err != nil {
				t.Fatalf("Status() after Open: %v", err)
			}
			if st.Firmware != tc.firmware || st.HashrateTH < 99 || st.HashrateTH > 101 {
				t.Errorf("Status() = firmware %q hashrate %v, want %q about 100", st.Firmware, st.HashrateTH, tc.firmware)
			}
		})
	}
}

func TestIdentifyFailures(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	tests := []struct {
		name string
		addr string
		want error
	}{
		{"nothing listens", refused, nil},
		{"plain web server", serve(t, serveHTTP(http.NotFoundHandler())), ErrUnknown},
		{"garbage", serve(t, func(ctx context.Context, ln net.Listener) error {
			return cgminer.ServeConns(ctx, ln, func(c net.Conn) { c.Read(make([]byte, 64)); c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n")) })
		}), ErrUnknown},
		{"hangs", serve(t, func(ctx context.Context, ln net.Listener) error {
			return cgminer.ServeConns(ctx, ln, func(c net.Conn) { io.Copy(io.Discard, c) })
		}), context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Identify(context.Background(), tc.addr, Options{Timeout: 200 * time.Millisecond})
			if err == nil {
				t.Fatalf("Identify() = %+v, want an error", r)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Identify() error %v, want %v", err, tc.want)
			}
			var fe *fleet.Error
			if !errors.As(err, &fe) || fe.Address != tc.addr {
				t.Errorf("error %v does not name %s", err, tc.addr)
			}
		})
	}
}

// Version replies of real devices; expected names read off the files.
func TestClassifyRealReplies(t *testing.T) {
	dir := "../../../shared/data/miner-replies"
	tests := []struct{ file, firmware, model string }{
		{"antminer/v2020/version.json", fleet.FirmwareAntminer, "Antminer S19 Pro"},
		{"avalonminer/version.json", fleet.FirmwareAvalon, "Avalon Q"},
		{"luxminer/v1/version.json", fleet.FirmwareLuxOS, "Antminer S19k Pro"},
		{"whatsminer/v2/get_version.json", fleet.FirmwareWhatsminer, ""},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Skipf("real replies not available (%v)", err)
		}
		fw, model, ok := Classify(b)
		if !ok || fw != tc.firmware || model != tc.model {
			t.Errorf("Classify(%s) = %q, %q, %v; want %q, %q", tc.file, fw, model, ok, tc.firmware, tc.model)
		}
	}
	for _, in := range []string{`{"STATUS":[{"STATUS":"S","Description":"BOSminer+ 0.2.0"}],"VERSION":[{"BOSminer+":"0.2.0"}]}`} {
		if fw, _, ok := Classify([]byte(in)); !ok || fw != fleet.FirmwareBraiins {
			t.Errorf("Classify(%s) = %q, %v; want braiins", in, fw, ok)
		}
	}
	if _, _, ok := Classify([]byte("HTTP/1.1 400 Bad Request")); ok {
		t.Errorf("Classify(HTTP) ok")
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{`{"STATUS":"E","Msg":"x"}`, `{"VERSION":[{"BMMiner":"1","Type":"Antminer S9"}]}`, `{"VERSION":[{"PROD":"Avalon Q"}]}`, `{"STATUS":[{"Description":"LUXminer"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fw, _, ok := Classify(in)
		if ok != (fw != "") {
			t.Fatalf("Classify(%q) = %q, %v", in, fw, ok)
		}
	})
}

// TestStockAntminerWebUI: a port that answers HTTP with stock Antminer's
// digest challenge is an Antminer (not a Braiins OS, which also answers
// its login endpoint); its driver reads the RPC on 4028 of the host and
// controls the miner through the probed web address.
func TestStockAntminerWebUI(t *testing.T) {
	dev := newDevice("Antminer S19 Pro")
	web := serve(t, serveHTTP(antweb.NewSimHandler(dev, antweb.SimConfig{ModeKey: antweb.KeyMinerMode, NormalW: 3250, LowW: 2437.5})))
	r, err := probeHTTP(context.Background(), web, Options{})
	if err != nil || r.Firmware != fleet.FirmwareAntminer || r.Via != "http" {
		t.Fatalf("probeHTTP(stock web UI) = %+v, %v; want antminer via http", r, err)
	}
	r.Address = web
	host, _, _ := net.SplitHostPort(web)
	if got := r.DriverAddress(); got != net.JoinHostPort(host, "4028") {
		t.Errorf("DriverAddress() = %s, want the RPC port 4028 of %s", got, host)
	}
	m, err := Open(r, Options{Credentials: func(string) fleet.Credentials { return antweb.FactoryCredentials }})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Sleep(context.Background()); err != nil || dev.Snapshot().Mode != fleet.ModeSleeping {
		t.Errorf("Sleep() through the probed web UI = %v, device %q", err, dev.Snapshot().Mode)
	}
	// A target file naming the firmware: the web API is where AntminerWeb says.
	m, _ = Open(Result{Address: "127.0.0.1:1", Firmware: fleet.FirmwareAntminer, Via: "given"},
		Options{AntminerWeb: func(string) string { return web }, Credentials: func(string) fleet.Credentials { return antweb.FactoryCredentials }})
	if err := m.Wake(context.Background()); err != nil || dev.Snapshot().Mode != fleet.ModeMining {
		t.Errorf("Wake() through AntminerWeb = %v, device %q", err, dev.Snapshot().Mode)
	}
}
