package luxos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// startSim serves dev on a loopback port until the test ends.
func startSim(t *testing.T, dev fleet.DeviceState) string { return startSimB(t, dev) }

func startSimB(t testing.TB, dev fleet.DeviceState) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeSim(ctx, ln, dev) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeSim returned %v after cancel, want nil", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends raw bytes and returns the raw reply, NUL included.
func rawExchange(t *testing.T, addr string, req []byte) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.LimitReader(conn, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClientAgainstSim(t *testing.T) {
	dev := newFakeDevice()
	addr := startSim(t, dev)
	c := New(addr, Config{})
	ctx := context.Background()

	want := dev.Snapshot()
	want.Firmware = fleet.FirmwareLuxOS
	got, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status() error: %v", err)
	}
	if got.Address != addr {
		t.Errorf("Status().Address = %q, want %q", got.Address, addr)
	}
	checkStatusT(t, "Status()", got, want)

	if err := c.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error: %v", err)
	}
	got, err = c.Status(ctx)
	if err != nil || got.Mode != fleet.ModeSleeping || got.HashrateTH != 0 || got.PowerW != 8 {
		t.Errorf("Status() after Sleep = mode %q, %v TH/s, %v W, error %v; want sleeping, 0, 8", got.Mode, got.HashrateTH, got.PowerW, err)
	}

	// The sim's profiles are 1200..2880 W in 120 W steps (2400 W × 0.5..1.2);
	// the highest at or below 2000 W is 1920 W.
	if err := c.SetPowerTarget(ctx, 2000); err != nil {
		t.Fatalf("SetPowerTarget(2000) error: %v", err)
	}
	if err := c.Wake(ctx); err != nil {
		t.Fatalf("Wake() error: %v", err)
	}
	got, err = c.Status(ctx)
	if err != nil || got.Mode != fleet.ModeMining || got.PowerLimitW != 1920 || got.PowerW != 1875 {
		t.Errorf("Status() after SetPowerTarget(2000)+Wake = mode %q, limit %v W, power %v W, error %v; want mining, 1920, 1875", got.Mode, got.PowerLimitW, got.PowerW, err)
	}
	if err := c.SetPowerTarget(ctx, 1000); !errors.Is(err, ErrTargetTooLow) {
		t.Errorf("SetPowerTarget(1000) error = %v, want ErrTargetTooLow", err)
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
	// Every write command logged off: a new actor can log on.
	if v, err := c.command(ctx, "logon", ""); err != nil {
		t.Errorf("logon after the driver's commands: error %v, want a free session", err)
	} else if sid, _ := v.Get("SESSION").Index(0).Get("SessionID").Str(); len(sid) != 8 {
		t.Errorf("logon SessionID = %q, want 8 characters", sid)
	}
}

// TestBorrowsActiveSession: when another actor holds the session, logon
// fails and the driver uses the session that "session" reports.
func TestBorrowsActiveSession(t *testing.T) {
	dev := newFakeDevice()
	addr := startSim(t, dev)
	other := New(addr, Config{})
	v, err := other.command(context.Background(), "logon", "")
	if err != nil {
		t.Fatal(err)
	}
	held, _ := v.Get("SESSION").Index(0).Get("SessionID").Str()

	if err := New(addr, Config{}).Sleep(context.Background()); err != nil {
		t.Fatalf("Sleep() while another session is active: error %v", err)
	}
	if dev.Snapshot().Mode != fleet.ModeSleeping {
		t.Errorf("device mode = %q after Sleep, want sleeping", dev.Snapshot().Mode)
	}
	// The borrowed session is left open for its owner.
	v, err = other.command(context.Background(), "session", "")
	if sid, _ := v.Get("SESSION").Index(0).Get("SessionID").Str(); err != nil || sid != held {
		t.Errorf("session after the borrow = %q, %v; want the owner's %q still active", sid, err, held)
	}
}

// TestNoSession: a miner that refuses logon and reports no active session
// gives a clear authentication error.
func TestNoSession(t *testing.T) {
	addr := fakeMiner(t, func(req []byte, _ <-chan struct{}) []byte {
		if bytes.Contains(req, []byte(`"logon"`)) {
			return []byte(`{"STATUS":[{"Code":317,"Msg":"Another session is active","STATUS":"E"}],"id":1}` + "\x00")
		}
		return []byte(`{"SESSION":[{"SessionID":""}],"STATUS":[{"Code":319,"Msg":"Session information","STATUS":"S"}],"id":1}` + "\x00")
	})
	err := New(addr, Config{}).Sleep(context.Background())
	if !errors.Is(err, fleet.ErrAuth) || !errors.Is(err, ErrNoSession) || !strings.Contains(err.Error(), "Another session is active") {
		t.Errorf("Sleep() without a session: error = %v, want fleet.ErrAuth and ErrNoSession with the miner's message", err)
	}
	var fe *fleet.Error
	if !errors.As(err, &fe) || fe.Address != addr || fe.Command != "sleep" {
		t.Errorf("error = %#v, want a *fleet.Error naming %s and sleep", err, addr)
	}
}

// fakeMiner serves answer(request) on loopback, one reply per connection.
// release closes when the test ends, for an answer that hangs.
func fakeMiner(t *testing.T, answer func(req []byte, release <-chan struct{}) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	release := make(chan struct{})
	t.Cleanup(func() { close(release); ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, _ := conn.Read(buf)
				if out := answer(buf[:n], release); out != nil {
					_, _ = conn.Write(out)
				}
			})
		}
	})
	return ln.Addr().String()
}

func TestSimWireFormat(t *testing.T) {
	addr := startSim(t, newFakeDevice())
	for _, req := range []string{`{"command":"version"}`, "version|", "version"} {
		b := rawExchange(t, addr, []byte(req))
		if len(b) == 0 || b[len(b)-1] != 0 || bytes.Count(b, []byte{0}) != 1 {
			t.Errorf("reply to %q = %q, want JSON ended by exactly one NUL", req, b)
			continue
		}
		v, q, err := minerjson.Parse(b)
		if err != nil || q != minerjson.QuirkTrailingNUL {
			t.Errorf("reply to %q: parse quirks %v, error %v; want only the trailing NUL", req, q, err)
		}
		if s, _ := v.Get("VERSION").Index(0).Get("LUXminer").Str(); s != simVersion {
			t.Errorf("reply to %q: VERSION[0].LUXminer = %q, want %q", req, s, simVersion)
		}
	}
	b := rawExchange(t, addr, []byte(`{"command":"bogus"}`))
	if v, _, _ := minerjson.Parse(b); checkStatus("bogus", v) == nil {
		t.Errorf("reply to an unknown command = %q, want STATUS E", b)
	}
	b = rawExchange(t, addr, []byte(`{"command":"curtail","parameter":"nosuchid,sleep"}`))
	if v, _, _ := minerjson.Parse(b); checkStatus("curtail", v) == nil {
		t.Errorf("curtail with a bad session = %q, want STATUS E", b)
	}
}

// TestBadDevices: a device that hangs, sends garbage, sends too much, or
// resets gives an error at once or at the deadline, never a hang.
func TestBadDevices(t *testing.T) {
	tests := []struct {
		name   string
		answer func([]byte, <-chan struct{}) []byte
		check  func(error) bool
		want   string
	}{
		{"hangs", func(_ []byte, release <-chan struct{}) []byte { <-release; return nil },
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, "context.DeadlineExceeded"},
		{"garbage", func([]byte, <-chan struct{}) []byte { return []byte("\xff\xfe<<garbage>>\x00") },
			func(err error) bool { var pe *ParseError; return errors.As(err, &pe) }, "a *ParseError"},
		{"not an object", func([]byte, <-chan struct{}) []byte { return []byte(`[1,2,3]` + "\x00") },
			func(err error) bool { var pe *ParseError; return errors.As(err, &pe) }, "a *ParseError"},
		{"too large", func([]byte, <-chan struct{}) []byte { return bytes.Repeat([]byte("x"), 4<<10) },
			func(err error) bool { return errors.Is(err, ErrReplyTooLarge) }, "ErrReplyTooLarge"},
		{"resets", func([]byte, <-chan struct{}) []byte { return nil },
			func(err error) bool { return err != nil }, "an error"},
		{"refuses", func([]byte, <-chan struct{}) []byte {
			return []byte(`{"STATUS":[{"Code":45,"Msg":"Access denied","STATUS":"E"}],"id":1}` + "\x00")
		}, func(err error) bool { var ce *CommandError; return errors.As(err, &ce) && ce.Msg == "Access denied" }, "a *CommandError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeMiner(t, tc.answer)
			c := New(addr, Config{Timeout: 100 * time.Millisecond, MaxReplyBytes: 1 << 10})
			_, err := c.Status(context.Background())
			var fe *fleet.Error
			if !tc.check(err) || !errors.As(err, &fe) || fe.Command != "status" {
				t.Errorf("Status() error = %v, want %s in a *fleet.Error for status", err, tc.want)
			}
		})
	}
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"NUL ends", "{\"a\":1}\x00junk", `{"a":1}`, false},
		{"EOF ends", `{"a":1}`, `{"a":1}`, false},
		{"empty", "", "", true},
		{"at the limit", strings.Repeat("x", 16), strings.Repeat("x", 16), false},
		{"over the limit", strings.Repeat("x", 17), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readReply(iotestOneByte(tc.in), 16)
			if (err != nil) != tc.wantErr || string(got) != tc.want {
				t.Errorf("readReply(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// iotestOneByte reads s one byte per Read, as a slow device sends.
func iotestOneByte(s string) io.Reader { return &oneByte{s: s} }

type oneByte struct{ s string }

func (r *oneByte) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// TestMinimalStatus: the lean poll reads mode, hashrate, power and limit,
// and leaves the rest empty.
func TestMinimalStatus(t *testing.T) {
	dev := newFakeDevice()
	addr := startSim(t, dev)
	c := New(addr, Config{Minimal: true})
	got, err := c.Status(context.Background())
	if err != nil {
		t.Fatalf("Status() error: %v", err)
	}
	want := dev.Snapshot()
	if got.Mode != want.Mode || got.Model != want.Model || got.PowerW != want.PowerW || got.PowerLimitW != want.PowerLimitW ||
		!near(got.HashrateTH, want.HashrateTH) || got.TempsC != nil || got.FansRPM != nil || got.Pools != nil || got.Errors != nil {
		t.Errorf("minimal Status() = %+v, want mode, model, power %v, limit %v, hashrate %v and nothing else", got, want.PowerW, want.PowerLimitW, want.HashrateTH)
	}
}
