package market

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

const miningSample = `{"hashrates": [{"timestamp": 1741478400, "avgHashrate": 8.0e20},
 {"timestamp": 1741564800, "avgHashrate": 811163725167499000000}],
 "difficulty": [{"time": 1740342578, "height": 885024, "difficulty": 110568428300952.7, "adjustment": 0.9684770107269288},
  {"time": 1741535926, "height": 887040, "difficulty": 112149504190349.3, "adjustment": 1.014299988746643}],
 "currentHashrate": 814312098849725500000, "currentDifficulty": 112149504190349.3}`

func TestLoadMiningHistory(t *testing.T) {
	got, err := LoadMiningHistory(strings.NewReader(miningSample), "h.json")
	if err != nil {
		t.Fatalf("LoadMiningHistory() error = %v", err)
	}
	if len(got.Hashrates) != 2 || got.Hashrates[1].HashrateHs != 811163725167499000000 || !got.Hashrates[0].Time.Equal(time.Unix(1741478400, 0)) {
		t.Errorf("hashrates = %+v", got.Hashrates)
	}
	want := Retarget{Height: 887040, Time: time.Unix(1741535926, 0).UTC(), Difficulty: 112149504190349.3, Adjustment: 1.014299988746643}
	if len(got.Retargets) != 2 || got.Retargets[1] != want {
		t.Errorf("retargets[1] = %+v, want %+v", got.Retargets, want)
	}
	if got.CurrentDifficulty != 112149504190349.3 || got.CurrentHashrateHs != 814312098849725500000 {
		t.Errorf("current = %v %v", got.CurrentDifficulty, got.CurrentHashrateHs)
	}
}

func TestLoadMiningHistoryErrors(t *testing.T) {
	tests := []struct {
		name, in, errHas string
	}{
		{"truncated", `{"hashrates": [{"timestamp": 1741478400, "avg`, "h.json:1:"},
		{"truncated says so", `{"hashrates": [{"timestamp": 1741478400`, "truncated"},
		{"not object", `[1,2]`, `h.json:1:1: want "{", got "["`},
		{"negative hashrate", `{"hashrates": [{"timestamp": 1741478400, "avgHashrate": -1}]}`, "h.json:1:16: hashrates[0].avgHashrate: must be >= 0 (got -1)"},
		{"string hashrate", `{"hashrates": [{"timestamp": 1741478400, "avgHashrate": "x"}]}`, "hashrates[0].avgHashrate: not a number"},
		{"missing timestamp", `{"hashrates": [{"avgHashrate": 1}]}`, "hashrates[0].timestamp: missing"},
		{"old timestamp", `{"hashrates": [{"timestamp": 5, "avgHashrate": 1}]}`, "hashrates[0].timestamp: unix time 5 out of range"},
		{"unordered", `{"hashrates": [{"timestamp": 1741564800, "avgHashrate": 1},` + "\n" + ` {"timestamp": 1741478400, "avgHashrate": 1}]}`, "h.json:2:2: hashrates[1].timestamp"},
		{"zero difficulty", `{"difficulty": [{"time": 1741535926, "height": 1, "difficulty": 0}]}`, "difficulty[0].difficulty: must be > 0 (got 0)"},
		{"fractional height", `{"difficulty": [{"time": 1741535926, "height": 1.5, "difficulty": 1}]}`, "difficulty[0].height: not an integer: 1.5"},
		{"height repeat", `{"difficulty": [{"time": 1741535926, "height": 1, "difficulty": 1}, {"time": 1741535926, "height": 1, "difficulty": 1}]}`, "difficulty[1].height: 1 is not after"},
		{"difficulty not array", `{"difficulty": {}}`, `difficulty: want "[", got "{"`},
		{"element wrong type", `{"difficulty": [[1,2]]}`, "difficulty[0]"},
		{"trailing data", miningSample + `{}`, "data after the end"},
		{"empty object", `{}`, "no data"},
		{"empty input", ``, "h.json:"},
		{"current negative", `{"hashrates": [], "currentDifficulty": -2}`, "currentDifficulty: must be >= 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMiningHistory(strings.NewReader(tc.in), "h.json")
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("LoadMiningHistory(%q) error = %v, want it to contain %q", tc.in, err, tc.errHas)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
		})
	}
}

func TestLoadMiningHistorySharedFile(t *testing.T) {
	data := sharedFile(t, "bitcoin-hashrate-difficulty.json")
	h, err := LoadMiningHistory(bytes.NewReader(data), "bitcoin-hashrate-difficulty.json")
	if err != nil {
		t.Fatalf("LoadMiningHistory(shared) error = %v", err)
	}
	if len(h.Hashrates) != 5923 || len(h.Retargets) != 426 {
		t.Errorf("shared: %d hashrates, %d retargets; want 5923, 426", len(h.Hashrates), len(h.Retargets))
	}
	// README facts: 86.39T at 838,656; 88.10T at 840,672; 112.15T at 887,040.
	want := map[int64]float64{838656: 86.39e12, 840672: 88.10e12, 887040: 112.15e12}
	for _, r := range h.Retargets {
		if w, ok := want[r.Height]; ok {
			if math.Abs(r.Difficulty-w)/w > 0.001 {
				t.Errorf("difficulty at %d = %v, want %v ±0.1%%", r.Height, r.Difficulty, w)
			}
			delete(want, r.Height)
		}
		if r.Height%2016 != 0 {
			t.Errorf("retarget at height %d is not a multiple of 2016", r.Height)
		}
	}
	if len(want) != 0 {
		t.Errorf("heights not found: %v", want)
	}
	// Round trip through the writer (what the cache stores).
	var buf bytes.Buffer
	if err := WriteMiningHistory(&buf, h); err != nil {
		t.Fatal(err)
	}
	again, err := LoadMiningHistory(&buf, "again.json")
	if err != nil {
		t.Fatalf("LoadMiningHistory(WriteMiningHistory(shared)) error = %v", err)
	}
	if len(again.Retargets) != len(h.Retargets) || again.Retargets[425] != h.Retargets[425] || again.Hashrates[5922] != h.Hashrates[5922] {
		t.Errorf("round trip differs")
	}
	// And the retargets through the CSV.
	buf.Reset()
	if err := WriteRetargets(&buf, h.Retargets); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRetargets(&buf, "difficulty.csv")
	if err != nil {
		t.Fatalf("LoadRetargets(WriteRetargets(shared)) error = %v", err)
	}
	for i := range rs {
		if rs[i] != h.Retargets[i] {
			t.Fatalf("csv round trip [%d] = %+v, want %+v", i, rs[i], h.Retargets[i])
		}
	}
}

func TestLoadRetargets(t *testing.T) {
	tests := []struct {
		name, in, errHas string
		want             []Retarget
	}{
		{name: "rfc3339", in: "height,time,difficulty,adjustment\n887040,2025-03-09T15:58:46Z,112149504190349.3,1.0143\n",
			want: []Retarget{{887040, time.Unix(1741535926, 0).UTC(), 112149504190349.3, 1.0143}}},
		{name: "unix and no adjustment", in: "height,time,difficulty\n0,1231006505,1\n",
			want: []Retarget{{0, time.Unix(1231006505, 0).UTC(), 1, 0}}},
		{name: "bad time", in: "height,time,difficulty,adjustment\n1,2025-03-09,1,1\n", errHas: "d.csv:2: time: time \"2025-03-09\": want RFC 3339"},
		{name: "bad difficulty", in: "height,time,difficulty,adjustment\n1,1231006505,x,1\n", errHas: "d.csv:2: difficulty: not a number"},
		{name: "negative height", in: "height,time,difficulty,adjustment\n-1,1231006505,1,1\n", errHas: "d.csv:2: height: must be >= 0"},
		{name: "order", in: "height,time,difficulty,adjustment\n5,1231006505,1,1\n4,1231006505,1,1\n", errHas: "d.csv:3: height: 4 is not after"},
		{name: "short", in: "height,time,difficulty,adjustment\n5,1231006505\n", errHas: "d.csv:2: difficulty: row has 2 fields"},
		{name: "header", in: "a,b\n", errHas: "d.csv:1: header"},
		{name: "none", in: "height,time,difficulty,adjustment\n", errHas: "no data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadRetargets(strings.NewReader(tc.in), "d.csv")
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("LoadRetargets() error = %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadRetargets() error = %v", err)
			}
			if len(got) != len(tc.want) || got[0] != tc.want[0] {
				t.Fatalf("LoadRetargets() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMergeMiningHistory(t *testing.T) {
	ts := func(d int) time.Time { return time.Unix(1741478400+int64(d)*86400, 0).UTC() }
	older := MiningHistory{
		Hashrates: []HashrateSample{{ts(0), 1}, {ts(1), 2}, {ts(2), 3}},
		Retargets: []Retarget{{Height: 2016, Difficulty: 1}, {Height: 4032, Difficulty: 2}},
	}
	newer := MiningHistory{
		Hashrates:         []HashrateSample{{ts(2), 30}, {ts(3), 4}},
		Retargets:         []Retarget{{Height: 4032, Difficulty: 2.5}, {Height: 6048, Difficulty: 3}},
		CurrentDifficulty: 3,
	}
	got := mergeMiningHistory(older, newer)
	wantH := []float64{1, 2, 30, 4}
	if len(got.Hashrates) != len(wantH) {
		t.Fatalf("merged hashrates = %+v", got.Hashrates)
	}
	for i, w := range wantH {
		if got.Hashrates[i].HashrateHs != w {
			t.Errorf("hashrate[%d] = %v, want %v", i, got.Hashrates[i].HashrateHs, w)
		}
	}
	if len(got.Retargets) != 3 || got.Retargets[1].Difficulty != 2.5 || got.CurrentDifficulty != 3 {
		t.Errorf("merged retargets = %+v current %v", got.Retargets, got.CurrentDifficulty)
	}
}

func FuzzLoadMiningHistory(f *testing.F) {
	f.Add(miningSample)
	f.Add(`{"hashrates": [{"timestamp": 1741478400, "avgHashrate": -1}]}`)
	f.Add(`{"difficulty": [{"time": "1741535926", "height": "1", "difficulty": "1e3"}]}`)
	f.Add(`{"hashrates": [{"timestamp": 1741478400`)
	f.Fuzz(func(t *testing.T, in string) {
		h, err := LoadMiningHistory(strings.NewReader(in), "f.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteMiningHistory(&buf, h); err != nil {
			t.Fatal(err)
		}
		again, err := LoadMiningHistory(&buf, "again.json")
		if err != nil {
			t.Fatalf("round trip error %v", err)
		}
		if len(again.Hashrates) != len(h.Hashrates) || len(again.Retargets) != len(h.Retargets) {
			t.Fatalf("round trip lengths differ")
		}
		for i := range h.Retargets {
			if again.Retargets[i] != h.Retargets[i] {
				t.Fatalf("round trip retarget %d: %+v != %+v", i, again.Retargets[i], h.Retargets[i])
			}
		}
	})
}

func FuzzLoadRetargets(f *testing.F) {
	f.Add("height,time,difficulty,adjustment\n887040,2025-03-09T15:58:46Z,112149504190349.3,1.0143\n")
	f.Add("height,time,difficulty\n0,1231006505,1\n")
	f.Add("height,time,difficulty,adjustment\n5,1231006505\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := LoadRetargets(strings.NewReader(in), "f.csv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteRetargets(&buf, rs); err != nil {
			t.Fatal(err)
		}
		again, err := LoadRetargets(&buf, "again.csv")
		if err != nil || len(again) != len(rs) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range rs {
			if again[i] != rs[i] {
				t.Fatalf("round trip %d: %+v != %+v", i, again[i], rs[i])
			}
		}
	})
}

func BenchmarkLoadMiningHistoryShared(b *testing.B) {
	data := sharedFile(b, "bitcoin-hashrate-difficulty.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := LoadMiningHistory(bytes.NewReader(data), "h.json"); err != nil {
			b.Fatal(err)
		}
	}
}
