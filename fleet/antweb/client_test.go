package antweb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// fakeDevice is a fleet.DeviceState whose state the test reads back.
type fakeDevice struct {
	mu      sync.Mutex
	st      fleet.Status
	reboots int
	refuse  error // SetPowerTarget's answer when set
}

func newFakeDevice() *fakeDevice {
	return &fakeDevice{st: fleet.Status{Model: "Antminer S19 Pro", Mode: fleet.ModeMining, PowerLimitW: 3250,
		Pools: []fleet.Pool{{URL: "stratum+tcp://pool.example.com:3333", User: "site.m1"}}}}
}

func (d *fakeDevice) Snapshot() fleet.Status { d.mu.Lock(); defer d.mu.Unlock(); return d.st }
func (d *fakeDevice) Sleep()                 { d.mu.Lock(); d.st.Mode = fleet.ModeSleeping; d.mu.Unlock() }
func (d *fakeDevice) Wake()                  { d.mu.Lock(); d.st.Mode = fleet.ModeMining; d.mu.Unlock() }
func (d *fakeDevice) Reboot()                { d.mu.Lock(); d.reboots++; d.mu.Unlock() }
func (d *fakeDevice) SetPowerTarget(w float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refuse != nil {
		return d.refuse
	}
	d.st.PowerLimitW = w
	return nil
}

// countingServer serves h and counts the requests and the 401s.
type countingServer struct {
	*httptest.Server
	requests, challenges atomic.Int64
}

func serveSim(t *testing.T, h http.Handler) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.requests.Add(1)
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.code == http.StatusUnauthorized {
			cs.challenges.Add(1)
		}
	}))
	t.Cleanup(cs.Close)
	return cs
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func addrOf(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func TestClientDrivesTheSimulatedWebUI(t *testing.T) {
	for _, key := range []string{KeyMinerMode, KeyWorkMode} {
		t.Run(key, func(t *testing.T) {
			dev := newFakeDevice()
			srv := serveSim(t, NewSimHandler(dev, SimConfig{ModeKey: key, NormalW: 3250, LowW: 2437.5}))
			c := New(addrOf(srv.Server), Config{Credentials: FactoryCredentials})
			ctx := context.Background()
			steps := []struct {
				mode      Mode
				wantMode  fleet.Mode
				wantLimit float64
			}{
				{ModeSleep, fleet.ModeSleeping, 3250},
				{ModeLow, fleet.ModeMining, 2437.5},
				{ModeNormal, fleet.ModeMining, 3250},
			}
			for _, s := range steps {
				if err := c.SetMode(ctx, s.mode); err != nil {
					t.Fatalf("SetMode(%v): %v", s.mode, err)
				}
				st := dev.Snapshot()
				if st.Mode != s.wantMode || st.PowerLimitW != s.wantLimit {
					t.Errorf("after SetMode(%v): mode %q limit %v; want %q, %v", s.mode, st.Mode, st.PowerLimitW, s.wantMode, s.wantLimit)
				}
				conf, err := c.MinerConf(ctx)
				if err != nil || conf.ModeKey != key || conf.Mode != s.mode {
					t.Errorf("MinerConf after SetMode(%v) = %+v, %v; want key %s mode %v", s.mode, conf, err, key, s.mode)
				}
			}
			if err := c.Reboot(ctx); err != nil || dev.reboots != 1 {
				t.Errorf("Reboot() = %v, reboots %d; want nil, 1", err, dev.reboots)
			}
			si, err := c.SystemInfo(ctx)
			if err != nil || si.MinerType != "Antminer S19 Pro" {
				t.Errorf("SystemInfo() = %+v, %v", si, err)
			}
			// One challenge for the whole session: the nonce is reused
			// with a growing nc.
			if n := srv.challenges.Load(); n != 1 {
				t.Errorf("%d challenges over %d requests, want 1", n, srv.requests.Load())
			}
		})
	}
}

func TestClientWrongLoginIsErrAuth(t *testing.T) {
	dev := newFakeDevice()
	srv := serveSim(t, NewSimHandler(dev, SimConfig{ModeKey: KeyMinerMode, NormalW: 3250}))
	secret := "not-the-password-4711"
	c := New(addrOf(srv.Server), Config{Credentials: fleet.Credentials{User: "root", Password: secret}})
	err := c.SetMode(context.Background(), ModeSleep)
	var fe *fleet.Error
	if !errors.Is(err, fleet.ErrAuth) || !errors.As(err, &fe) || fe.Command != "get_miner_conf" {
		t.Fatalf("SetMode with a wrong password: %v; want fleet.ErrAuth from get_miner_conf", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error %q shows the password", err)
	}
	if dev.Snapshot().Mode != fleet.ModeMining {
		t.Error("a refused login changed the device")
	}
}

func TestClientWithoutWorkModeIsUnsupported(t *testing.T) {
	srv := serveSim(t, NewSimHandler(newFakeDevice(), SimConfig{}))
	err := New(addrOf(srv.Server), Config{Credentials: FactoryCredentials}).SetMode(context.Background(), ModeSleep)
	if !errors.Is(err, fleet.ErrUnsupported) {
		t.Errorf("SetMode on firmware without work modes: %v, want fleet.ErrUnsupported", err)
	}
}

func TestClientReportsARefusal(t *testing.T) {
	dev := newFakeDevice()
	dev.refuse = errors.New("target out of range")
	srv := serveSim(t, NewSimHandler(dev, SimConfig{ModeKey: KeyWorkMode, NormalW: 3250, LowW: 2437.5}))
	err := New(addrOf(srv.Server), Config{Credentials: FactoryCredentials}).SetMode(context.Background(), ModeLow)
	var re *RefusedError
	if !errors.As(err, &re) || re.Code != "M003" {
		t.Errorf("SetMode refused by the device: %v, want a *RefusedError M003", err)
	}
}

// TestClientRenewsAForgottenNonce: when the device has forgotten the nonce
// the client holds, one new challenge and one retry do.
func TestClientRenewsAForgottenNonce(t *testing.T) {
	dev := newFakeDevice()
	srv := serveSim(t, NewSimHandler(dev, SimConfig{ModeKey: KeyMinerMode, NormalW: 3250}))
	c := New(addrOf(srv.Server), Config{Credentials: FactoryCredentials})
	if _, err := c.MinerConf(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range simMaxNonces + 1 { // other clients push the nonce out
		resp, err := http.Get(srv.URL + "/cgi-bin/get_miner_conf.cgi")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := c.MinerConf(context.Background()); err != nil {
		t.Errorf("MinerConf after the nonce was forgotten: %v", err)
	}
}

// TestSimRefusesReplays: an Authorization header sent twice (same nc) is
// refused the second time; a wrong URI is refused.
func TestSimRefusesReplays(t *testing.T) {
	h := NewSimHandler(newFakeDevice(), SimConfig{ModeKey: KeyMinerMode, NormalW: 3250})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/cgi-bin/get_miner_conf.cgi", nil))
	ch, err := parseChallenges(rec.Result().Header.Values("WWW-Authenticate"))
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := ch.authorization("GET", "/cgi-bin/get_miner_conf.cgi", "root", "root", 1)
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		req := httptest.NewRequest("GET", "/cgi-bin/get_miner_conf.cgi", nil)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("request %d with one answer: HTTP %d, want %d", i+1, rec.Code, want)
		}
	}
	auth, _ = ch.authorization("GET", "/cgi-bin/get_miner_conf.cgi", "root", "root", 2)
	req := httptest.NewRequest("GET", "/cgi-bin/reboot.cgi", nil)
	req.Header.Set("Authorization", auth)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("an answer for another URI: HTTP %d, want 401", rec.Code)
	}
}

func TestClientBoundsAndDeadlines(t *testing.T) {
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"a":"` + strings.Repeat("x", 2<<20) + `"}`))
	}))
	defer big.Close()
	if _, err := New(addrOf(big), Config{}).MinerConf(context.Background()); !errors.Is(err, ErrReplyTooLarge) {
		t.Errorf("2 MiB reply: %v, want ErrReplyTooLarge", err)
	}
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	if _, err := New(addrOf(hung), Config{Timeout: 100 * time.Millisecond}).MinerConf(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent device: %v, want the deadline", err)
	}
	moved := httptest.NewServer(http.RedirectHandler("http://127.0.0.1:1/elsewhere", http.StatusFound))
	defer moved.Close()
	var se *StatusError
	if _, err := New(addrOf(moved), Config{}).MinerConf(context.Background()); !errors.As(err, &se) || se.Code != http.StatusFound {
		t.Errorf("redirect: %v, want a *StatusError 302 (not followed)", err)
	}
}

func TestParseMinerConf(t *testing.T) {
	tests := []struct {
		in      string
		key     string
		mode    Mode
		wantErr bool
	}{
		{`{"miner-mode":1,"pools":[]}`, KeyMinerMode, ModeSleep, false},
		{`{"bitmain-work-mode":"3","bitmain-freq-level":"100"}`, KeyWorkMode, ModeLow, false},
		{`{"bitmain-fan-ctrl":false}`, "", 0, false},
		{`{"miner-mode":"x"}`, "", 0, true},
		{`{"miner-mode":-1}`, "", 0, true},
		{`[1,2]`, "", 0, true},
		{``, "", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseMinerConf([]byte(tc.in))
		if (err != nil) != tc.wantErr || err == nil && (got.ModeKey != tc.key || got.Mode != tc.mode) {
			t.Errorf("ParseMinerConf(%q) = %+v, %v; want key %q mode %v error %v", tc.in, got, err, tc.key, tc.mode, tc.wantErr)
		}
	}
}

// TestWithModeKeepsTheSettings: the posted configuration carries the fan,
// frequency and pools as read, and the new mode under the firmware's key.
func TestWithModeKeepsTheSettings(t *testing.T) {
	conf, err := ParseMinerConf([]byte(`{"pools":[{"url":"u","user":"w","pass":"x"}],"bitmain-fan-ctrl":true,"bitmain-fan-pwm":"80","bitmain-freq-level":"95","bitmain-work-mode":"0","api-allow":"A:0/0"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := conf.withMode(ModeSleep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bitmain-fan-ctrl":true,"bitmain-fan-pwm":"80","bitmain-work-mode":1,"freq-level":"95","pools":[{"pass":"x","url":"u","user":"w"}]}`
	if string(b) != want {
		t.Errorf("withMode(sleep) = %s\nwant %s", b, want)
	}
}

func TestParseSetResult(t *testing.T) {
	for in, want := range map[string]string{
		`{"stats":"success","code":"M000","msg":"OK!"}`: "",
		`ok`: "",
		`{"stats":"error","code":"M001","msg":"Illegal parameter!"}`: `antweb: device refused the configuration: error M001 "Illegal parameter!"`,
	} {
		err := ParseSetResult([]byte(in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("ParseSetResult(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseReplies: the parsers of the CGI replies never panic, and a
// configuration they accept re-encodes for any mode.
func FuzzParseReplies(f *testing.F) {
	for _, s := range []string{
		`{"miner-mode":1,"pools":[{"url":"u"}]}`, `{"bitmain-work-mode":"3"}`, `{"stats":"error","code":"M001"}`,
		`{"minertype":"Antminer S21","hostname":"Antminer"}`, `[`, `{"pools":"x","miner-mode":0,"bitmain-fan-pwm":nan}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if conf, err := ParseMinerConf(b); err == nil && conf.ModeKey != "" {
			if _, err := conf.withMode(ModeLow); err != nil {
				t.Fatalf("withMode of %q: %v", b, err)
			}
		}
		_ = ParseSetResult(b)
		_, _ = ParseSystemInfo(b)
	})
}

func ExampleClient_SetMode() {
	dev := newFakeDevice()
	srv := httptest.NewServer(NewSimHandler(dev, SimConfig{ModeKey: KeyWorkMode, NormalW: 3250, LowW: 2437.5}))
	defer srv.Close()
	c := New(strings.TrimPrefix(srv.URL, "http://"), Config{Credentials: FactoryCredentials})
	if err := c.SetMode(context.Background(), ModeSleep); err != nil {
		fmt.Println(err)
		return
	}
	conf, _ := c.MinerConf(context.Background())
	fmt.Println(dev.Snapshot().Mode, conf.ModeKey, conf.Mode)
	// Output: sleeping bitmain-work-mode sleep
}
