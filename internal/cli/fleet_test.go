package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/sim"
)

// runFleet calls Main and returns its exit code, stdout and stderr.
func runFleet(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startTestSite serves a simulated site in this process, on a loopback
// range of its own below the ephemeral ports.
func startTestSite(t *testing.T, cfg sim.Config) (*sim.Sim, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Now()}
	cfg.Now = clk.now
	cfg.Listen = fmt.Sprintf("127.%d.%d.1", 1+rand.IntN(250), rand.IntN(250))
	cfg.BasePort = 20000 + rand.IntN(5000)
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lns, err := s.Listen(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lns, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sim: %v", err)
		}
	})
	return s, clk
}

// targetRange writes the site's addresses as TARGETS arguments: one
// host:first-last range per address.
func targetRange(s *sim.Sim) []string {
	return strings.Fields(spans(s.Addresses()))
}

// TestFleetStatusMatchesTheSimulatorTruth scans a simulated site of every
// firmware, reads it with `fleet status --json` and checks the totals
// against the simulator's truth, and the JSON keys against the contract.
func TestFleetStatusMatchesTheSimulatorTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 2,000 devices")
	}
	s, _ := startTestSite(t, sim.Config{Miners: 2000, PortsPerAddr: 1000, Seed: 11})
	args := append([]string{"fleet", "scan"}, targetRange(s)...)
	code, scanOut, errs := runFleet(t, args...)
	if code != 0 {
		t.Fatalf("fleet scan exit %d: %s", code, errs)
	}
	if !strings.Contains(scanOut, "# scanned 2000, found 2000, unrecognised 0, silent 0") {
		t.Fatalf("fleet scan summary: %s", scanOut[max(0, len(scanOut)-200):])
	}
	inventory := filepath.Join(t.TempDir(), "site.txt")
	if err := os.WriteFile(inventory, []byte(scanOut), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runFleet(t, "fleet", "status", "--json", "@"+inventory)
	if code != 0 {
		t.Fatalf("fleet status exit %d: %s", code, errs)
	}
	var doc struct {
		Devices []map[string]json.RawMessage `json:"devices"`
		Totals  map[string]float64           `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("fleet status --json is not JSON: %v", err)
	}
	wantKeys := []string{"address", "firmware", "model", "hashrate_th", "power_w", "power_limit_w", "temps_c", "fans_rpm", "mode", "errors", "ok", "error"}
	slices.Sort(wantKeys)
	for _, d := range doc.Devices[:3] {
		var keys []string
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("device keys %v, want %v", keys, wantKeys)
		}
	}
	var totalKeys []string
	for k := range doc.Totals {
		totalKeys = append(totalKeys, k)
	}
	slices.Sort(totalKeys)
	if !slices.Equal(totalKeys, []string{"devices", "hashrate_th", "ok", "power_w"}) {
		t.Errorf("totals keys %v", totalKeys)
	}
	truth := s.Truth()
	if doc.Totals["devices"] != 2000 || doc.Totals["ok"] != 2000 {
		t.Errorf("totals devices %v ok %v, want 2000, 2000", doc.Totals["devices"], doc.Totals["ok"])
	}
	if got := doc.Totals["power_w"]; math.Abs(got-truth.PowerW) > 1e-4*truth.PowerW {
		t.Errorf("fleet status power %.1f W, simulator truth %.1f W", got, truth.PowerW)
	}
	if got := doc.Totals["hashrate_th"]; math.Abs(got-truth.HashrateTH) > 1e-4*truth.HashrateTH {
		t.Errorf("fleet status hashrate %.4f TH/s, simulator truth %.4f TH/s", got, truth.HashrateTH)
	}
}

// Sleep, wake and power-target reach the devices; the sleep shows in the
// truth once the devices' delay has passed on the simulator's clock.
func TestFleetCommands(t *testing.T) {
	s, clk := startTestSite(t, sim.Config{Miners: 60, Firmware: fleet.FirmwareAvalon, Seed: 2})
	targets := targetRange(s)
	code, out, errs := runFleet(t, append([]string{"fleet", "sleep", "--firmware", "avalon", "--json"}, targets...)...)
	if code != 0 {
		t.Fatalf("fleet sleep exit %d: %s %s", code, out, errs)
	}
	var rep struct {
		Totals struct{ Devices, OK int } `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Totals.OK != 60 {
		t.Fatalf("fleet sleep --json: %v %+v", err, rep)
	}
	clk.advance(sim.DefaultDelays.Sleep)
	if tr := s.Truth(); tr.Sleeping != 60 {
		t.Errorf("after sleep: %d of 60 sleeping", tr.Sleeping)
	}
	if code, out, errs := runFleet(t, append([]string{"fleet", "wake"}, targets...)...); code != 0 {
		t.Fatalf("fleet wake exit %d: %s %s", code, out, errs)
	}
	clk.advance(sim.DefaultDelays.Wake)
	if tr := s.Truth(); tr.Sleeping != 0 {
		t.Errorf("after wake: %d sleeping", tr.Sleeping)
	}
	// Avalon work levels: 3000 W picks the highest level not above it.
	if code, out, errs := runFleet(t, append([]string{"fleet", "power-target", "--watts", "3000"}, targets...)...); code != 0 {
		t.Fatalf("fleet power-target exit %d: %s %s", code, out, errs)
	}
	for i, d := range s.Devices() {
		st := d.Snapshot()
		want := map[string]float64{"Avalon 1246": 2800, "Avalon 1366": 3000, "Avalon Q": 1674}[st.Model]
		if st.PowerLimitW != want {
			t.Errorf("device %d (%s): limit %v W, want %v", i, st.Model, st.PowerLimitW, want)
		}
	}
}

func TestFleetCommandFailuresAreReported(t *testing.T) {
	s, _ := startTestSite(t, sim.Config{Miners: 4, Firmware: fleet.FirmwareCGMiner, Seed: 3})
	code, out, errs := runFleet(t, append([]string{"fleet", "sleep"}, targetRange(s)...)...)
	if code != ExitFailure || !strings.Contains(out, "unsupported") || !strings.Contains(errs, "4 of 4 devices failed") {
		t.Errorf("sleep on generic cgminer: exit %d\n%s\n%s", code, out, errs)
	}
}

// Stock Antminers sleep and wake through their web UI (which the
// simulator serves on the RPC port); without it the command fails and
// says where it looked.
func TestFleetStockAntminerWebUI(t *testing.T) {
	s, clk := startTestSite(t, sim.Config{Miners: 8, Firmware: fleet.FirmwareAntminer, Seed: 6})
	targets := targetRange(s)
	code, out, errs := runFleet(t, append([]string{"fleet", "sleep", "--firmware", "antminer", "--antminer-web-port", "rpc"}, targets...)...)
	if code != 0 {
		t.Fatalf("fleet sleep exit %d: %s %s", code, out, errs)
	}
	clk.advance(sim.DefaultDelays.Sleep)
	if tr := s.Truth(); tr.Sleeping != 8 {
		t.Errorf("after sleep: %d of 8 sleeping", tr.Sleeping)
	}
	code, out, errs = runFleet(t, append([]string{"fleet", "wake", "--firmware", "antminer", "--antminer-web-port", "rpc"}, targets...)...)
	if code != 0 {
		t.Fatalf("fleet wake exit %d: %s %s", code, out, errs)
	}
	code, out, _ = runFleet(t, append([]string{"fleet", "sleep", "--firmware", "antminer", "--antminer-web-port", "1"}, targets...)...)
	if code != ExitFailure || !strings.Contains(out, ":1: get_miner_conf") {
		t.Errorf("sleep with the web UI on a closed port: exit %d\n%s", code, out)
	}
	if code, _, errs := runFleet(t, "fleet", "sleep", "--antminer-web-port", "http", targets[0]); code != ExitBadInput || !strings.Contains(errs, "--antminer-web-port") {
		t.Errorf("--antminer-web-port http: exit %d, %s", code, errs)
	}
}

// A wrong password from the environment fails with an authentication
// error, and the password appears nowhere.
func TestFleetCredentialsFromEnvironmentNeverPrinted(t *testing.T) {
	s, _ := startTestSite(t, sim.Config{Miners: 2, Firmware: fleet.FirmwareWhatsminer, Seed: 4})
	t.Setenv("HASHPIVOT_WHATSMINER_PASSWORD", "s3cret-wrong")
	code, out, errs := runFleet(t, append([]string{"fleet", "sleep", "--no-factory-logins"}, targetRange(s)...)...)
	if code != ExitFailure || !strings.Contains(out, "authentication failed") {
		t.Errorf("sleep with a wrong password: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, "s3cret") {
		t.Errorf("the password was printed:\n%s\n%s", out, errs)
	}
	t.Setenv("HASHPIVOT_WHATSMINER_PASSWORD", "admin")
	if code, out, errs := runFleet(t, append([]string{"fleet", "sleep", "--no-factory-logins"}, targetRange(s)...)...); code != 0 {
		t.Errorf("sleep with the right password: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestFleetCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "creds.yaml")
	if err := os.WriteFile(good, []byte("default:\n  user: root\n  password: p1\nwhatsminer:\n  password: p2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := loadCredentials(good)
	if err != nil {
		t.Fatal(err)
	}
	o := &fleetOpts{}
	env := map[string]string{}
	resolve := o.resolver(file, func(k string) string { return env[k] })
	tests := []struct {
		fw   string
		env  map[string]string
		want fleet.Credentials
	}{
		{"whatsminer", nil, fleet.Credentials{User: "admin", Password: "p2"}}, // factory user, file password
		{"braiins", nil, fleet.Credentials{User: "root", Password: "p1"}},
		{"braiins", map[string]string{"HASHPIVOT_MINER_PASSWORD": "e1"}, fleet.Credentials{User: "root", Password: "e1"}},
		{"whatsminer-v3", map[string]string{"HASHPIVOT_WHATSMINER_V3_USER": "user1", "HASHPIVOT_WHATSMINER_V3_PASSWORD": "e2"}, fleet.Credentials{User: "user1", Password: "e2"}},
	}
	for _, tc := range tests {
		env = tc.env
		if got := resolve(tc.fw); got != tc.want {
			t.Errorf("credentials for %s with env %v = %v, want %v", tc.fw, tc.env, got, tc.want)
		}
	}
	for name, text := range map[string]string{
		"unknown firmware": "antminr:\n  password: hunter2\n",
		"unknown field":    "default:\n  pasword: hunter2\n",
		"not a map":        "- hunter2\n",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runFleet(t, "fleet", "status", "--credentials", path, "127.0.0.1:1")
		if code != ExitBadInput || strings.Contains(out+errs, "hunter2") || !strings.Contains(errs, path) {
			t.Errorf("%s: exit %d, stderr %q (want 2, the file named, no password)", name, code, errs)
		}
	}
}

func TestFleetBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"fleet", "status"}, "no TARGETS"},
		{[]string{"fleet", "status", "10.0.0.1:0"}, `target "10.0.0.1:0"`},
		{[]string{"fleet", "scan", "10.0.0.9-3"}, "runs backwards"},
		{[]string{"fleet", "power-target", "10.0.0.1"}, "--watts: required"},
		{[]string{"fleet", "power-target", "--watts", "-5", "10.0.0.1"}, "--watts"},
		{[]string{"fleet", "status", "--firmware", "antminr", "10.0.0.1"}, "--firmware"},
		{[]string{"fleet", "status", "--concurrency", "0", "10.0.0.1"}, "--concurrency"},
		{[]string{"fleet", "status", "@/nonexistent/targets.txt"}, "targets file"},
		{[]string{"sim", "--miners", "0"}, "miners:"},
		{[]string{"sim", "--listen", "10.0.0.1"}, "listen:"},
		{[]string{"sim", "--faults", "1.5"}, "faults:"},
		{[]string{"sim", "--shards", "0"}, "--shards"},
	}
	for _, tc := range tests {
		code, _, errs := runFleet(t, tc.args...)
		if code != ExitBadInput || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestFleetStatusOfNothingIsAFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, out, _ := runFleet(t, "fleet", "status", "--timeout", "500ms", addr)
	if code != ExitFailure || !strings.Contains(out, "error") {
		t.Errorf("status of a closed port: exit %d\n%s", code, out)
	}
}

func TestSpans(t *testing.T) {
	got := spans([]string{"127.0.0.1:40000", "127.0.0.1:40001", "127.0.0.2:40000"})
	if got != "127.0.0.1:40000-40001 127.0.0.2:40000-40000" {
		t.Errorf("spans() = %q", got)
	}
}

// FuzzParseCredentials: no panic; an error never quotes a password.
func FuzzParseCredentials(f *testing.F) {
	f.Add([]byte("default:\n  user: root\n  password: hunter2\n"))
	f.Add([]byte("whatsminer: {password: hunter2}\n"))
	f.Add([]byte("antminr:\n  password: hunter2\n"))
	f.Add([]byte("default: [hunter2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseCredentials(data, "f.yaml")
		if err == nil {
			return
		}
		// Whatever follows "password:" must not reach the message.
		for _, part := range strings.Split(string(data), "password:")[1:] {
			v, _, _ := strings.Cut(part, "\n")
			v, _, _ = strings.Cut(v, "}")
			v, _, _ = strings.Cut(v, ",")
			v = strings.TrimSpace(v)
			if len(v) >= 4 && strings.Contains(err.Error(), v) {
				t.Fatalf("error %q quotes the password %q", err, v)
			}
		}
	})
}

// TestStatusJSONMatchesEncodingJSON: the hand-written status writer gives
// the bytes json.Marshal gives each row, and a document that decodes to
// what the indented encoder's does.
func TestStatusJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "127.0.0.1:4028", "Antminer S19 Pro", `a"b\c`, "<script>&</script>", "\x00\x07\x1f\b\f\n\r\t", "bad \xff utf8", "\u2028\u2029", "é 中 😀"}
	floats := []float64{0, 0.1, 123.456, 1e-7, -2.5e-9, 1e20, 1e21, 3.2e25, 5e-324, -0.0, 110566.89}
	var rep statusReport
	for i := range 200 {
		r := statusRow{
			Address: strs[rng.IntN(len(strs))], Firmware: strs[rng.IntN(len(strs))], Model: strs[rng.IntN(len(strs))],
			HashrateTH: floats[rng.IntN(len(floats))], PowerW: rng.Float64() * 4000, PowerLimitW: floats[rng.IntN(len(floats))],
			Mode: strs[rng.IntN(len(strs))], OK: i%3 == 0, Error: strs[rng.IntN(len(strs))],
		}
		if i%4 != 0 {
			r.TempsC = []float64{floats[rng.IntN(len(floats))], rng.Float64() * 90}
			r.FansRPM = []int{rng.IntN(7000), -1}
			r.Errors = []string{strs[rng.IntN(len(strs))]}
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendStatusRow(nil, &r); string(got) != string(want) {
			t.Fatalf("appendStatusRow(%+v)\n= %s\nwant %s", r, got, want)
		}
		rep.Devices = append(rep.Devices, r)
	}
	rep.Totals = statusTotals{Devices: 200, OK: 67, HashrateTH: 1.5, PowerW: 3e6}
	var fast, slow bytes.Buffer
	if err := writeStatusJSON(&fast, rep); err != nil {
		t.Fatal(err)
	}
	if err := writeFleetJSON(&slow, rep); err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(fast.Bytes(), &a); err != nil {
		t.Fatalf("writeStatusJSON wrote invalid JSON: %v", err)
	}
	if err := json.Unmarshal(slow.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("writeStatusJSON and the indented encoder disagree")
	}
	var empty bytes.Buffer
	if err := writeStatusJSON(&empty, statusReport{}); err != nil || !json.Valid(empty.Bytes()) {
		t.Errorf("empty report: %v %q", err, empty.String())
	}
}

// FuzzAppendJSONString: any string is escaped exactly as json.Marshal
// escapes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "<a&b>", "\x00\xff\u2028", `"\`, "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
