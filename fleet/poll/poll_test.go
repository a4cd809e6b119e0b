package poll

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

func TestEachBoundsConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	var ran atomic.Int64
	done := make(chan int)
	go func() {
		done <- Each(context.Background(), 100, Options{Concurrency: 7}, func(ctx context.Context, i int) {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			started <- struct{}{}
			<-release
			inFlight.Add(-1)
			ran.Add(1)
		})
	}()
	for range 7 {
		<-started // seven calls run at once ...
	}
	close(release) // ... and no more until they finish.
	if got := <-done; got != 100 || ran.Load() != 100 {
		t.Errorf("Each ran %d (%d), want 100", got, ran.Load())
	}
	if p := peak.Load(); p != 7 {
		t.Errorf("peak concurrency %d, want 7", p)
	}
}

// A device that hangs costs one worker one deadline: the other devices,
// polled by the remaining workers, all finish; the hung one ends at its
// deadline, not later.
func TestHungDeviceDoesNotBlockOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var hungErr error
		var hungAt time.Duration
		finished := make([]bool, 50)
		Each(context.Background(), 50, Options{Concurrency: 4, Timeout: 3 * time.Second}, func(ctx context.Context, i int) {
			if i == 0 {
				<-ctx.Done() // hangs until the deadline
				hungErr, hungAt = ctx.Err(), time.Since(start)
				return
			}
			time.Sleep(10 * time.Millisecond) // a device answering in 10 ms (fake clock)
			finished[i] = true
		})
		for i := 1; i < 50; i++ {
			if !finished[i] {
				t.Fatalf("device %d did not finish", i)
			}
		}
		if !errors.Is(hungErr, context.DeadlineExceeded) || hungAt != 3*time.Second {
			t.Errorf("hung device ended with %v after %v, want deadline after 3s", hungErr, hungAt)
		}
		// 49 devices of 10 ms on 3 free workers: 170 ms, well inside the
		// hung device's 3 s; the whole poll takes exactly the deadline.
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("poll took %v, want 3s", got)
		}
	})
}

func TestEachStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	calls := 0
	ran := Each(ctx, 1000, Options{Concurrency: 1}, func(ctx context.Context, i int) {
		mu.Lock()
		calls++
		mu.Unlock()
		if i == 9 {
			cancel()
		}
	})
	if ran != 10 || calls != 10 {
		t.Errorf("Each after cancel ran %d (%d calls), want 10", ran, calls)
	}
}

type stubMiner struct {
	addr string
	err  error
}

func (m stubMiner) Address() string  { return m.addr }
func (m stubMiner) Firmware() string { return "stub" }
func (m stubMiner) Status(ctx context.Context) (fleet.Status, error) {
	return fleet.Status{Address: m.addr, HashrateTH: 1}, m.err
}
func (m stubMiner) Sleep(context.Context) error                   { return m.err }
func (m stubMiner) Wake(context.Context) error                    { return m.err }
func (m stubMiner) SetPowerTarget(context.Context, float64) error { return m.err }
func (m stubMiner) Reboot(context.Context) error                  { return m.err }

func TestStatusesAndCommandKeepOrder(t *testing.T) {
	bad := errors.New("boom")
	miners := []fleet.Miner{stubMiner{addr: "a"}, stubMiner{addr: "b", err: bad}, stubMiner{addr: "c"}}
	res := Statuses(context.Background(), miners, Options{Concurrency: 2})
	for i, want := range []string{"a", "b", "c"} {
		if res[i].Address != want {
			t.Errorf("result %d address %q, want %q", i, res[i].Address, want)
		}
	}
	if res[1].Err != bad || res[0].Err != nil {
		t.Errorf("errors %v %v, want nil, boom", res[0].Err, res[1].Err)
	}
	errs := Command(context.Background(), miners, Options{}, func(ctx context.Context, m fleet.Miner) error { return m.Sleep(ctx) })
	if !reflect.DeepEqual(errs, []error{nil, bad, nil}) {
		t.Errorf("Command errors %v", errs)
	}
}

func TestParseTargets(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"10.0.0.5"}, []string{"10.0.0.5:4028"}},
		{[]string{"10.0.0.5:4433"}, []string{"10.0.0.5:4433"}},
		{[]string{"127.0.0.1:40000-40002"}, []string{"127.0.0.1:40000", "127.0.0.1:40001", "127.0.0.1:40002"}},
		{[]string{"10.0.1.1-3"}, []string{"10.0.1.1:4028", "10.0.1.2:4028", "10.0.1.3:4028"}},
		{[]string{"10.0.1.254-10.0.2.1:80"}, []string{"10.0.1.254:80", "10.0.1.255:80", "10.0.2.0:80", "10.0.2.1:80"}},
		{[]string{"10.0.3.0/30"}, []string{"10.0.3.1:4028", "10.0.3.2:4028"}},
		{[]string{"10.0.3.9/32:1"}, []string{"10.0.3.9:1"}},
		{[]string{"127.0.0.1-2:5-6"}, []string{"127.0.0.1:5", "127.0.0.1:6", "127.0.0.2:5", "127.0.0.2:6"}},
		{[]string{"miner-7.site.local"}, []string{"miner-7.site.local:4028"}},
		{[]string{"[::1]:4028"}, []string{"[::1]:4028"}},
		{[]string{"10.0.0.5", "10.0.0.5:4028", "10.0.0.6"}, []string{"10.0.0.5:4028", "10.0.0.6:4028"}},
		{[]string{"@sites.txt"}, []string{"10.9.0.1:4028", "10.9.0.2:4433", "10.9.0.3:4433"}},
	}
	files := map[string]string{"sites.txt": "# rack 1\n10.9.0.1\n\n10.9.0.2-3:4433  # whatsminer v3\n"}
	hinted := map[string]string{"scan.txt": "127.0.0.1:40000  antminer  Antminer S19 Pro\n127.0.0.1:40001\twhatsminer\n"}
	open := func(p string) (io.ReadCloser, error) {
		s, ok := files[p]
		if !ok {
			return nil, errors.New("no such file")
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	for _, tc := range tests {
		got, err := ParseTargets(tc.in, open)
		if err != nil || !reflect.DeepEqual(Addrs(got), tc.want) {
			t.Errorf("ParseTargets(%q) = %q, %v; want %q", tc.in, Addrs(got), err, tc.want)
		}
	}
	got, err := ParseTargets([]string{"@scan.txt"}, func(p string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(hinted[p])), nil
	})
	want := []Target{{"127.0.0.1:40000", "antminer"}, {"127.0.0.1:40001", "whatsminer"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTargets(scan output) = %+v, %v; want %+v", got, err, want)
	}
}

func TestParseTargetsErrors(t *testing.T) {
	files := map[string]string{"bad.txt": "10.0.0.1\n10.0.0.2:99999\n"}
	open := func(p string) (io.ReadCloser, error) {
		s, ok := files[p]
		if !ok {
			return nil, errors.New("no such file")
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	tests := []struct {
		in   string
		want string // in the message
	}{
		{"10.0.0.1:0", `argument 1: target "10.0.0.1:0": port "0"`},
		{"10.0.0.1:5-4", "runs backwards"},
		{"10.0.0.9-3", "runs backwards"},
		{"10.0.0.1-300", "want 0..255"},
		{"10.0.0.1:", "empty port"},
		{"::1:4028", "brackets"},
		{"bad_host!", "neither an IP address nor a hostname"},
		{"10.0.0.0/4", "more than"},
		{"10.0.0.0-10.255.255.255:1-65535", "more than"},
		{"@bad.txt", `bad.txt:2: target "10.0.0.2:99999"`},
		{"@missing.txt", "targets file"},
	}
	for _, tc := range tests {
		_, err := ParseTargets([]string{tc.in}, open)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTargets(%q) error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

// FuzzParseTargets: no panic, and every address it returns splits into a
// host and a port in 1..65535.
func FuzzParseTargets(f *testing.F) {
	for _, s := range []string{"10.0.0.5", "127.0.0.1:40000-40010", "10.0.1.1-3", "10.0.3.0/29", "[::1]:1", "a.b:1-2", "1.2.3.4-1.2.3.9:7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 200 {
			return
		}
		n := 0
		err := Expand(in, func(a string) error {
			n++
			if n > 5000 {
				return ErrTooMany
			}
			return nil
		})
		if err != nil {
			return
		}
		out, err := ParseTargets([]string{in}, func(string) (io.ReadCloser, error) { return nil, errors.New("no files") })
		if err != nil && !strings.HasPrefix(in, "@") {
			t.Fatalf("Expand(%q) ok but ParseTargets fails: %v", in, err)
		}
		for _, a := range Addrs(out) {
			if _, _, err := splitPort(a); err != nil {
				t.Fatalf("ParseTargets(%q) gave %q: %v", in, a, err)
			}
		}
	})
}
