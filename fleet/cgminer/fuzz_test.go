package cgminer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseStats feeds any bytes through both stats parsers: never a
// panic, and hashrates never negative from a nonnegative reply.
func FuzzParseStats(f *testing.F) {
	seedFiles(f,
		filepath.Join(repliesDir, "antminer/v2020/stats.json"),
		filepath.Join(repliesDir, "avalonminer/avalon_a_stats.json"),
		filepath.Join(repliesDir, "avalonminer/stats.json"),
		"testdata/s9-stats-missing-comma.bin",
		"testdata/stats-duplicate-nan-trailing-comma.bin",
		"testdata/multi-cut-64k.bin",
	)
	f.Add([]byte(`{"STATS":[{"MM ID0":"Ver[1246] PS[1 2 3 4 5 6 7] MTmax[1 2] Fan1[3]"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := minerjson.Parse(in)
		if err != nil {
			return
		}
		var a, b fleet.Status
		_ = parseAntminerStats(v, &a)
		_ = parseAvalonStats(v, &b)
		_ = parseGenericSummary(v, v, &a)
		_ = parsePools(v)
	})
}

// FuzzBracketFields: never a panic; every value came from the input.
func FuzzBracketFields(f *testing.F) {
	f.Add("Ver[1246-83] PS[0 1214 3189] SYSTEMSTATU[Work: In Work, Hash Board: 3 ]")
	f.Add("'STATS':{Ver[Q] MPO[800]}")
	f.Add("[[]] ][ a[ b]")
	f.Fuzz(func(t *testing.T, in string) {
		for k, v := range BracketFields(in) {
			if k == "" {
				t.Fatalf("BracketFields(%q) has an empty key", in)
			}
			_ = bracketFloats(v)
		}
	})
}

// FuzzSimRequest: the simulated device answers any request with one reply
// that parses, ending in NUL.
func FuzzSimRequest(f *testing.F) {
	for _, s := range []string{`{"command":"stats+pools"}`, "summary", "ascset|0,softoff,1:1700000000", "ascset|0,worklevel,set,2", `{"command":"version"}`, "", "+", "|||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, req string) {
		for _, kind := range []Kind{Antminer, Avalon, Generic} {
			// Built on the spot, and from the cache of a versioned device.
			cached := newSimServer(&versionedDevice{fakeDevice: fakeDevice{st: simStatus("Avalon 1246")}}, kind)
			for _, s := range []*simServer{{dev: &fakeDevice{st: simStatus("Avalon 1246")}, kind: kind}, cached, cached} {
				out := s.Reply([]byte(req))
				if len(out) == 0 || out[len(out)-1] != 0 {
					t.Fatalf("Reply(%q) does not end in NUL", req)
				}
				if _, _, err := minerjson.Parse(out); err != nil {
					t.Fatalf("Reply(%q) = %q does not parse: %v", req, out, err)
				}
			}
		}
	})
}
