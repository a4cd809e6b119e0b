package cgminer

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// slowAntminerStats reads a stats reply the tolerant way: Parse, the
// STATUS check, the tree parse. It is the reference of the fast path.
func slowAntminerStats(in []byte) (fleet.Status, error) {
	var st fleet.Status
	v, _, err := minerjson.Parse(in)
	if err != nil {
		return st, err
	}
	if err := CheckStatus(v); err != nil {
		return st, err
	}
	err = parseAntminerStats(v, &st)
	return st, err
}

// antminerReplies are stats replies as real and simulated bmminers send
// them, each with whether the fast path must take it.
func antminerReplies(t testing.TB) map[string]struct {
	data []byte
	fast bool
} {
	out := map[string]struct {
		data []byte
		fast bool
	}{}
	for _, model := range []string{"Antminer S19 Pro", "Antminer S9", "Antminer S21"} {
		s := &simServer{dev: &fakeDevice{st: simStatus(model)}, kind: Antminer}
		out["sim "+model] = struct {
			data []byte
			fast bool
		}{s.Reply(statsRequest), true}
	}
	if b, err := os.ReadFile(filepath.Join(repliesDir, "antminer/v2020/stats.json")); err == nil {
		out["real v2020"] = struct {
			data []byte
			fast bool
		}{b, true}
	}
	for _, name := range []string{"s9-stats-missing-comma.bin", "stats-duplicate-nan-trailing-comma.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		out["capture "+name] = struct {
			data []byte
			fast bool
		}{b, name == "s9-stats-missing-comma.bin"}
	}
	return out
}

// TestAntminerFastPathAgreesWithParse: on the simulator's replies, a real
// one and wire captures, the fast path takes what it should (the
// simulator's S9 "}{" included) and reads the same Status as the tolerant
// path; it leaves quirky captures (nan, ",}") to that path.
func TestAntminerFastPathAgreesWithParse(t *testing.T) {
	for name, tc := range antminerReplies(t) {
		t.Run(name, func(t *testing.T) {
			want, err := slowAntminerStats(tc.data)
			if err != nil {
				t.Fatalf("tolerant path: %v", err)
			}
			var got fleet.Status
			fast := parseAntminerStatsFast(tc.data, &got)
			if fast != tc.fast {
				t.Fatalf("parseAntminerStatsFast took it = %v, want %v", fast, tc.fast)
			}
			if fast && !reflect.DeepEqual(got, want) {
				t.Errorf("fast path read %+v\ntolerant path read %+v", got, want)
			}
			if !fast && !reflect.DeepEqual(got, fleet.Status{}) {
				t.Errorf("a refused reply changed the Status: %+v", got)
			}
		})
	}
}

// TestAntminerFastPathRefusesFailures: replies the fast path must leave to
// the tolerant path, which reports their error or repairs them.
func TestAntminerFastPathRefusesFailures(t *testing.T) {
	for name, in := range map[string]string{
		"status E":           `{"STATUS":[{"STATUS":"E","Code":14,"Msg":"Invalid command"}],"id":1}`,
		"lowercase status":   `{"STATUS":[{"STATUS":"s"}],"STATS":[{"GHS av":1}],"id":1}`,
		"no STATS":           `{"STATUS":[{"STATUS":"S"}],"id":1}`,
		"empty STATS":        `{"STATUS":[{"STATUS":"S"}],"STATS":[],"id":1}`,
		"STATS not an array": `{"STATUS":[{"STATUS":"S"}],"STATS":{"GHS av":1},"id":1}`,
		"no hashrate":        `{"STATUS":[{"STATUS":"S"}],"STATS":[{"Type":"Antminer S9"}],"id":1}`,
		"two STATS":          `{"STATUS":[{"STATUS":"S"}],"STATS":[{"GHS av":1}],"STATS":[{"GHS av":2}],"id":1}`,
		"status string":      `{"STATUS":"S","STATS":[{"GHS av":1}]}`,
		"nan":                `{"STATUS":[{"STATUS":"S"}],"STATS":[{"GHS av":nan}],"id":1}`,
		"cut":                `{"STATUS":[{"STATUS":"S"}],"STATS":[{"GHS av":1`,
		"garbage":            "\x13\x37garbage",
	} {
		var st fleet.Status
		if parseAntminerStatsFast([]byte(in), &st) {
			t.Errorf("%s: parseAntminerStatsFast(%q) took it, want the tolerant path", name, in)
		}
	}
	// And one it takes: lowercase is CheckStatus's to accept, "S" is plain.
	var st fleet.Status
	if !parseAntminerStatsFast([]byte(`{"STATUS":[{"STATUS":"S"}],"STATS":[{"Type":"Antminer S9"},{"GHS av":13500}],"id":1}`), &st) || st.HashrateTH != 13.5 {
		t.Errorf("minimal reply: fast path = %+v, want 13.5 TH/s", st)
	}
}

// TestAntminerFastPathAllocations: the fast path allocates only what the
// Status keeps (model, temperatures, fans).
func TestAntminerFastPathAllocations(t *testing.T) {
	s := &simServer{dev: &fakeDevice{st: simStatus("Antminer S19 Pro")}, kind: Antminer}
	reply := s.Reply(statsRequest)
	allocs := testing.AllocsPerRun(200, func() {
		var st fleet.Status
		if !parseAntminerStatsFast(reply, &st) {
			t.Fatal("fast path refused the simulator's reply")
		}
	})
	if allocs > 3 {
		t.Errorf("parseAntminerStatsFast: %v allocations, want at most 3 (model, temperatures, fans)", allocs)
	}
}

// TestNoPoolsSendsOneStatsCommand: with NoPools an Antminer is read with
// the stats command alone, and reads what the full Status reads but pools.
func TestNoPoolsSendsOneStatsCommand(t *testing.T) {
	dev := &fakeDevice{st: simStatus("Antminer S19 Pro")}
	sim := &simServer{dev: dev, kind: Antminer}
	var mu sync.Mutex
	var cmds []string
	addr := serve(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		cmd, _ := parseRequest(buf[:n])
		mu.Lock()
		cmds = append(cmds, cmd)
		mu.Unlock()
		c.Write(sim.Reply(buf[:n]))
	})
	lean, err := New(addr, Antminer, Options{NoPools: true}).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	full, err := New(addr, Antminer, Options{}).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"stats", "stats+pools"}; !reflect.DeepEqual(cmds, want) {
		t.Errorf("commands sent = %q, want %q", cmds, want)
	}
	if len(full.Pools) != 1 || lean.Pools != nil {
		t.Errorf("pools: full %v, lean %v; want one and none", full.Pools, lean.Pools)
	}
	full.Pools = nil
	full.Hashrate5sTH, lean.Hashrate5sTH = 0, 0 // fakeDevice's noise-free, but keep the test about structure
	if !reflect.DeepEqual(lean, full) {
		t.Errorf("NoPools Status = %+v\nfull Status     = %+v", lean, full)
	}
}

// FuzzAntminerFastPath: on any bytes the fast path takes, the tolerant
// path reads the same Status (the fast path is an optimisation, never a
// second set of rules); on bytes it refuses, it leaves the Status alone.
func FuzzAntminerFastPath(f *testing.F) {
	for _, tc := range antminerReplies(f) {
		f.Add(tc.data)
	}
	f.Add([]byte(`{"STATUS":[{"STATUS":"S"}],"STATS":[{"Type":" Antminer S9 ","Type":""},{"GHS av":"13500","GHS av":"x","MHS av":1e6,"rate_unit":"mh","fan3":600,"fan3":"nan","fan_num":4,"temp_chip01":"70-71","chain_rate01":"5","chain_acn1":0,"chain_rate1":0,"temp1":65,"temp1":66}],"id":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var got fleet.Status
		if !parseAntminerStatsFast(in, &got) {
			if !reflect.DeepEqual(got, fleet.Status{}) {
				t.Fatalf("refused %q but changed the Status: %+v", in, got)
			}
			return
		}
		want, err := slowAntminerStats(in)
		if err != nil {
			t.Fatalf("fast path took %q, tolerant path fails: %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast path read %+v\ntolerant path read %+v", in, got, want)
		}
	})
}

func BenchmarkAntminerStats(b *testing.B) {
	s := &simServer{dev: &fakeDevice{st: simStatus("Antminer S19 Pro")}, kind: Antminer}
	reply := s.Reply(statsRequest)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(reply)))
		for b.Loop() {
			var st fleet.Status
			if !parseAntminerStatsFast(reply, &st) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("tolerant", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(reply)))
		for b.Loop() {
			if _, err := slowAntminerStats(reply); err != nil {
				b.Fatal(err)
			}
		}
	})
}
