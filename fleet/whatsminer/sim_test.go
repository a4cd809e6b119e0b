package whatsminer

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

func TestV2AgainstSimulator(t *testing.T) {
	dev := &fakeDevice{st: simStatus()}
	addr := serveWith(t, func(ctx context.Context, ln net.Listener) error { return ServeSimV2(ctx, ln, dev) })
	m := NewV2(addr, Options{Credentials: SimCredentials})
	ctx := context.Background()
	got, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := dev.Snapshot()
	if got.Model != want.Model || got.Mode != fleet.ModeMining || !near(got.HashrateTH, want.HashrateTH, 1e-6) ||
		!near(got.Hashrate5sTH, want.Hashrate5sTH, 1e-6) || got.PowerW != want.PowerW || got.PowerLimitW != want.PowerLimitW {
		t.Errorf("Status() = %+v\nwant %+v", got, want)
	}
	for i := range want.TempsC {
		if i >= len(got.TempsC) || !near(got.TempsC[i], want.TempsC[i], 0.005) {
			t.Errorf("TempsC = %v, want %v", got.TempsC, want.TempsC)
			break
		}
	}
	if len(got.Errors) != 1 || got.Errors[0] != "110" {
		t.Errorf("Errors = %q, want [110]", got.Errors)
	}

	if err := m.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error %v", err)
	}
	if st, _ := m.Status(ctx); st.Mode != fleet.ModeSleeping || st.HashrateTH != 0 {
		t.Errorf("after Sleep: mode %q hashrate %v", st.Mode, st.HashrateTH)
	}
	if err := m.Wake(ctx); err != nil {
		t.Fatalf("Wake() error %v", err)
	}
	if err := m.SetPowerTarget(ctx, 2999.6); err != nil {
		t.Fatalf("SetPowerTarget error %v", err)
	}
	if got := dev.Snapshot().PowerLimitW; got != 3000 {
		t.Errorf("device power limit %v, want 3000", got)
	}
	if err := m.SetPowerTarget(ctx, 9000); err == nil {
		t.Errorf("SetPowerTarget(9000) above the supply: no error")
	}
	if err := m.Reboot(ctx); err != nil || dev.reboots != 1 {
		t.Errorf("Reboot() = %v, reboots %d", err, dev.reboots)
	}
}

func TestV2WrongPasswordIsErrAuth(t *testing.T) {
	dev := &fakeDevice{st: simStatus()}
	addr := serveWith(t, func(ctx context.Context, ln net.Listener) error { return ServeSimV2(ctx, ln, dev) })
	m := NewV2(addr, Options{Credentials: fleet.Credentials{User: "admin", Password: "wrong"}})
	err := m.Sleep(context.Background())
	if !errors.Is(err, fleet.ErrAuth) {
		t.Fatalf("Sleep() with a wrong password = %v, want ErrAuth", err)
	}
	var fe *fleet.Error
	if !errors.As(err, &fe) || fe.Command != "power_off" || fe.Address != addr {
		t.Errorf("error %v does not name the address and power_off", err)
	}
	if dev.Snapshot().Mode != fleet.ModeMining {
		t.Errorf("the device slept on a wrong password")
	}
}

func TestV2ReusesTokens(t *testing.T) {
	dev := &fakeDevice{st: simStatus()}
	var tokens int
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sim := &simV2{dev: dev, cred: SimCredentials, salt: saltFor(ln.Addr().String())}
	ln.Close()
	addr := serve(t, func(c net.Conn) {
		b := make([]byte, 8192)
		n, _ := c.Read(b)
		if string(b[:n]) == `{"cmd":"get_token"}` {
			tokens++
		}
		c.Write(sim.reply(b[:n], time.Now()))
	})
	m := NewV2(addr, Options{Credentials: SimCredentials})
	for range 3 {
		if err := m.Wake(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if tokens != 1 {
		t.Errorf("3 writes asked for %d tokens, want 1", tokens)
	}
}

func TestV3AgainstSimulator(t *testing.T) {
	dev := &fakeDevice{st: simStatus()}
	addr := serveWith(t, func(ctx context.Context, ln net.Listener) error { return ServeSimV3(ctx, ln, dev) })
	m := NewV3(addr, Options{Credentials: SimCredentialsV3})
	ctx := context.Background()
	got, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := dev.Snapshot()
	if got.Model != want.Model || !near(got.HashrateTH, want.HashrateTH, 5e-4) || got.PowerW != want.PowerW {
		t.Errorf("Status() = %+v\nwant %+v", got, want)
	}
	if err := m.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error %v", err)
	}
	if st, _ := m.Status(ctx); st.Mode != fleet.ModeSleeping {
		t.Errorf("after Sleep: mode %q", st.Mode)
	}
	if err := m.Wake(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.SetPowerTarget(ctx, 3100); err != nil || dev.Snapshot().PowerLimitW != 3100 {
		t.Errorf("SetPowerTarget(3100) = %v, limit %v", err, dev.Snapshot().PowerLimitW)
	}
	if err := m.Reboot(ctx); err != nil || dev.reboots != 1 {
		t.Errorf("Reboot() = %v, reboots %d", err, dev.reboots)
	}
	bad := NewV3(addr, Options{Credentials: fleet.Credentials{User: "super", Password: "nope"}})
	if err := bad.Sleep(ctx); !errors.Is(err, fleet.ErrAuth) {
		t.Errorf("Sleep() with a wrong password = %v, want ErrAuth", err)
	}
	other := NewV3(addr, Options{Credentials: fleet.Credentials{User: "user1", Password: "super"}})
	if err := other.Sleep(ctx); !errors.Is(err, fleet.ErrAuth) {
		t.Errorf("Sleep() as another account = %v, want ErrAuth", err)
	}
}

func TestV3BoundsAndDeadlines(t *testing.T) {
	tests := []struct {
		name    string
		handler func(net.Conn)
		want    error
	}{
		{"announces a huge frame", func(c net.Conn) { c.Write([]byte{0xff, 0xff, 0xff, 0x7f}) }, ErrFrameTooLarge},
		{"hangs", func(c net.Conn) { io.Copy(io.Discard, c) }, context.DeadlineExceeded},
		{"cuts the frame", func(c net.Conn) { c.Write([]byte{100, 0, 0, 0, '{'}) }, nil},
		{"answers garbage", func(c net.Conn) { WriteFrame(c, []byte("\x00\x01garbage")) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, tc.handler)
			_, err := NewV3(addr, Options{Timeout: 300 * time.Millisecond, MaxReply: 1 << 16}).Status(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Status() error %v, want %v", err, tc.want)
			}
		})
	}
}
