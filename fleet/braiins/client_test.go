package braiins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

func newSimServer(t testing.TB, dev fleet.DeviceState) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewSimHandler(dev))
	t.Cleanup(srv.Close)
	return srv
}

func hostOf(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// TestClientAgainstSim reads a simulated miner and changes it through the
// REST API; what Status reports must be the device's state.
func TestClientAgainstSim(t *testing.T) {
	dev := newFakeDevice()
	srv := newSimServer(t, dev)
	c := New(hostOf(srv), Config{Credentials: SimCredentials})
	ctx := context.Background()

	want := dev.Snapshot()
	want.Address, want.Firmware = hostOf(srv), fleet.FirmwareBraiins
	got, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status() error: %v", err)
	}
	if got.Address != want.Address {
		t.Errorf("Status().Address = %q, want %q", got.Address, want.Address)
	}
	checkStatus(t, "Status()", got, want)

	if err := c.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error: %v", err)
	}
	got, err = c.Status(ctx)
	if err != nil {
		t.Fatalf("Status() after Sleep error: %v", err)
	}
	if got.Mode != fleet.ModeSleeping || got.HashrateTH != 0 || got.PowerW != 12 {
		t.Errorf("Status() after Sleep = mode %q, %v TH/s, %v W; want sleeping, 0, 12", got.Mode, got.HashrateTH, got.PowerW)
	}

	if err := c.SetPowerTarget(ctx, 2799.6); err != nil {
		t.Fatalf("SetPowerTarget(2799.6) error: %v", err)
	}
	if err := c.Wake(ctx); err != nil {
		t.Fatalf("Wake() error: %v", err)
	}
	got, err = c.Status(ctx)
	if err != nil {
		t.Fatalf("Status() after Wake error: %v", err)
	}
	if got.Mode != fleet.ModeMining || got.PowerLimitW != 2800 || got.PowerW != 2780 {
		t.Errorf("Status() after SetPowerTarget(2799.6)+Wake = mode %q, limit %v W, power %v W; want mining, 2800, 2780", got.Mode, got.PowerLimitW, got.PowerW)
	}

	if err := c.Reboot(ctx); err != nil {
		t.Fatalf("Reboot() error: %v", err)
	}
	dev.mu.Lock()
	reboots := dev.reboots
	dev.mu.Unlock()
	if reboots != 1 {
		t.Errorf("after Reboot() the device rebooted %d times, want 1", reboots)
	}
}

func TestSetPowerTargetRejected(t *testing.T) {
	srv := newSimServer(t, newFakeDevice())
	c := New(hostOf(srv), Config{Credentials: SimCredentials})
	for _, w := range []float64{0, -5, math.NaN(), math.Inf(1), 2e6} {
		if err := c.SetPowerTarget(context.Background(), w); err == nil {
			t.Errorf("SetPowerTarget(%v) = nil, want an error", w)
		}
	}
	// In range for the driver, refused by the device (fake accepts 1000..4000).
	err := c.SetPowerTarget(context.Background(), 500)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusBadRequest || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("SetPowerTarget(500) error = %v, want HTTP 400 with the device's message", err)
	}
}

func TestBadCredentials(t *testing.T) {
	srv := newSimServer(t, newFakeDevice())
	c := New(hostOf(srv), Config{Credentials: fleet.Credentials{User: "root", Password: "wrong-secret"}})
	_, err := c.Status(context.Background())
	if !errors.Is(err, fleet.ErrAuth) {
		t.Fatalf("Status() with a wrong password: error = %v, want fleet.ErrAuth", err)
	}
	var fe *fleet.Error
	if !errors.As(err, &fe) || fe.Address != hostOf(srv) || fe.Command != "status" {
		t.Errorf("error = %#v, want a *fleet.Error naming %s and status", err, hostOf(srv))
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error %q contains the password", err)
	}
	if err := c.Sleep(context.Background()); !errors.Is(err, fleet.ErrAuth) {
		t.Errorf("Sleep() with a wrong password: error = %v, want fleet.ErrAuth", err)
	}
}

// swapHandler lets a test replace the handler behind a running server, as a
// miner that rebooted and forgot its tokens.
type swapHandler struct{ h atomic.Value }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.h.Load().(http.Handler).ServeHTTP(w, r)
}

func TestTokenExpiredLogsInAgain(t *testing.T) {
	dev := newFakeDevice()
	var sw swapHandler
	sw.h.Store(NewSimHandler(dev))
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/auth/login" {
			logins.Add(1)
		}
		sw.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(hostOf(srv), Config{Credentials: SimCredentials})
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatalf("Status() error: %v", err)
	}
	sw.h.Store(NewSimHandler(dev)) // the device forgot every token
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatalf("Status() after the device forgot the token: error %v", err)
	}
	if n := logins.Load(); n != 2 {
		t.Errorf("logins = %d, want 2 (one at start, one after the 401)", n)
	}
}

// TestHungDevice: a device that accepts and never answers fails the call
// at the driver's deadline instead of blocking.
func TestHungDevice(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	c := New(hostOf(srv), Config{Credentials: SimCredentials, Timeout: 50 * time.Millisecond})
	_, err := c.Status(context.Background())
	var fe *fleet.Error
	if err == nil || !errors.As(err, &fe) {
		t.Fatalf("Status() on a hung device: error = %v, want a *fleet.Error", err)
	}
}

// TestCancelledContext: the caller's context bounds a call too.
func TestCancelledContext(t *testing.T) {
	srv := newSimServer(t, newFakeDevice())
	c := New(hostOf(srv), Config{Credentials: SimCredentials})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Status(cancelled ctx) error = %v, want context.Canceled", err)
	}
}

func TestGarbageAndOversizedReplies(t *testing.T) {
	login := func(w http.ResponseWriter) { fmt.Fprint(w, `{"token":"t","timeout_s":3600}`) }
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
		want    string
	}{
		{"garbage login", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("\x00\xff<html>not json"))
		}, func(err error) bool { var pe *ParseError; return errors.As(err, &pe) }, "a *ParseError"},
		{"garbage stats", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/v1/auth/login":
				login(w)
			case "/api/v1/miner/details":
				fmt.Fprint(w, `{"status":2}`)
			default:
				fmt.Fprint(w, `{"miner_stats":{"real_hashrate":{"last_5s":{"gigahash_per_second":"fast"}}}}`)
			}
		}, func(err error) bool {
			var pe *ParseError
			return errors.As(err, &pe) && pe.Endpoint == epStats
		}, "a *ParseError naming miner/stats"},
		{"negative power", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/v1/auth/login":
				login(w)
			case "/api/v1/miner/details":
				fmt.Fprint(w, `{}`)
			case "/api/v1/miner/stats":
				fmt.Fprint(w, `{"power_stats":{"approximated_consumption":{"watt":-3}}}`)
			default:
				http.NotFound(w, r) // an older gateway without the optional endpoints
			}
		}, func(err error) bool {
			var pe *ParseError
			return errors.As(err, &pe) && pe.Field == "power_stats.approximated_consumption.watt"
		}, "a *ParseError naming power_stats.approximated_consumption.watt"},
		{"oversized", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/auth/login" {
				login(w)
				return
			}
			_, _ = io.WriteString(w, `{"pad":"`+strings.Repeat("x", 2<<10)+`"}`)
		}, func(err error) bool { return errors.Is(err, ErrReplyTooLarge) }, "ErrReplyTooLarge"},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && se.Code == 500
		}, "a *StatusError 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			c := New(hostOf(srv), Config{API: APIREST, MaxReplyBytes: 1 << 10})
			_, err := c.Status(context.Background())
			if err == nil || !tc.check(err) {
				t.Errorf("Status() error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestConcurrentCallsLogInOnce(t *testing.T) {
	dev := newFakeDevice()
	var logins atomic.Int32
	h := NewSimHandler(dev)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/auth/login" {
			logins.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(hostOf(srv), Config{Credentials: SimCredentials, API: APIREST})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.Status(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Status() error: %v", err)
		}
	}
	if n := logins.Load(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
}

func TestMinimalStatus(t *testing.T) {
	dev := newFakeDevice()
	var paths []string
	var mu sync.Mutex
	h := NewSimHandler(dev)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	got, err := New(hostOf(srv), Config{Credentials: SimCredentials, Minimal: true}).Status(context.Background())
	if err != nil {
		t.Fatalf("minimal Status() error: %v", err)
	}
	want := dev.Snapshot()
	if got.Mode != want.Mode || got.Model != want.Model || got.PowerW != want.PowerW || got.PowerLimitW != want.PowerLimitW ||
		!near(got.HashrateTH, want.HashrateTH) || got.TempsC != nil || got.FansRPM != nil || got.Pools != nil || got.Errors != nil {
		t.Errorf("minimal Status() = %+v, want mode, model, power, limit and hashrate only", got)
	}
	wantPaths := []string{"/api/v1/auth/login", "/api/v1/miner/details", "/api/v1/miner/stats", "/api/v1/performance/tuner-state"}
	if strings.Join(paths, " ") != strings.Join(wantPaths, " ") {
		t.Errorf("minimal Status() requested %v, want %v", paths, wantPaths)
	}
}
