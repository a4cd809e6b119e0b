package market

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// feesSample is in the format of mempool.space's
// /api/v1/mining/blocks/fees/:interval (its SQL selects avgHeight,
// timestamp, avgFees and the USD price, which may be null).
const feesSample = `[{"avgHeight":887001,"timestamp":1741536000,"avgFees":2300000,"USD":84000},
{"avgHeight":887145,"timestamp":1741622400,"avgFees":1850000,"USD":null},
{"avgHeight":886857,"timestamp":1741449600,"avgFees":3100000,"USD":83000}]`

func TestLoadMempoolFees(t *testing.T) {
	got, err := LoadMempoolFees(strings.NewReader(feesSample), "fees.json")
	if err != nil {
		t.Fatalf("LoadMempoolFees() error = %v", err)
	}
	want := []BlockFees{
		{886857, time.Unix(1741449600, 0).UTC(), 0.031},
		{887001, time.Unix(1741536000, 0).UTC(), 0.023},
		{887145, time.Unix(1741622400, 0).UTC(), 0.0185},
	}
	if len(got) != len(want) {
		t.Fatalf("LoadMempoolFees() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("LoadMempoolFees()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLoadMempoolFeesErrors(t *testing.T) {
	tests := []struct{ name, in, errHas string }{
		{"object", `{}`, `f.json:1:1: want "[", got "{"`},
		{"negative fees", `[{"avgHeight":1,"timestamp":1741536000,"avgFees":-1}]`, "f.json:1:2: [0].avgFees: must be >= 0"},
		{"missing height", `[{"timestamp":1741536000,"avgFees":1}]`, "[0].avgHeight: missing"},
		{"bad time", `[{"avgHeight":1,"timestamp":"soon","avgFees":1}]`, "[0].timestamp: not a number"},
		{"dup height", `[{"avgHeight":1,"timestamp":1741536000,"avgFees":1},{"avgHeight":1,"timestamp":1741536001,"avgFees":1}]`, "height 1 given twice"},
		{"truncated", `[{"avgHeight":1,"timestamp":1741536000,"avgFe`, "truncated"},
		{"second line", "[{\"avgHeight\":1,\"timestamp\":1741536000,\"avgFees\":1},\n{\"avgHeight\":true}]", "f.json:2:1: [1]: want a number, got true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMempoolFees(strings.NewReader(tc.in), "f.json")
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("LoadMempoolFees(%q) error = %v, want %q", tc.in, err, tc.errHas)
			}
		})
	}
}

func TestLoadFees(t *testing.T) {
	in := "avg_height,time,fees_btc\n886857,2025-03-08T16:00:00Z,0.031\n887001,1741536000,0.023\n"
	got, err := LoadFees(strings.NewReader(in), "fees.csv")
	if err != nil {
		t.Fatalf("LoadFees() error = %v", err)
	}
	if len(got) != 2 || got[0] != (BlockFees{886857, time.Unix(1741449600, 0).UTC(), 0.031}) || got[1].FeesBTC != 0.023 {
		t.Fatalf("LoadFees() = %+v", got)
	}
	bad := []struct{ in, errHas string }{
		{"avg_height,time,fees_btc\n1,2025-03-08T16:00:00Z,-1\n", "fees.csv:2: fees_btc: must be >= 0"},
		{"avg_height,time,fees_btc\n2,2025-03-08T16:00:00Z,1\n1,2025-03-08T16:00:00Z,1\n", "fees.csv:3: avg_height: 1 is not after"},
		{"avg_height,time,fees_btc\n2,yesterday,1\n", "fees.csv:2: time: not a number"},
		{"avg_height,time\n", "fees.csv:1: header"},
	}
	for _, tc := range bad {
		if _, err := LoadFees(strings.NewReader(tc.in), "fees.csv"); err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("LoadFees(%q) error = %v, want %q", tc.in, err, tc.errHas)
		}
	}
}

func TestMergeFees(t *testing.T) {
	at := func(h int64, d int) BlockFees {
		return BlockFees{h, time.Unix(1741449600+int64(d)*86400, 0).UTC(), float64(h)}
	}
	got := mergeFees([]BlockFees{at(1, 0), at(2, 1), at(3, 2)}, []BlockFees{at(4, 2), at(5, 3)})
	if len(got) != 4 || got[0].AvgHeight != 1 || got[1].AvgHeight != 2 || got[2].AvgHeight != 4 || got[3].AvgHeight != 5 {
		t.Fatalf("mergeFees = %+v, want heights 1 2 4 5", got)
	}
}

func FuzzLoadMempoolFees(f *testing.F) {
	f.Add(feesSample)
	f.Add(`[{"avgHeight":1,"timestamp":1741536000,"avgFees":-1}]`)
	f.Add(`[{"avgHeight":"1","timestamp":1741536000,"avgFees":1e2}]`)
	f.Fuzz(func(t *testing.T, in string) {
		fs, err := LoadMempoolFees(strings.NewReader(in), "f.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		if len(fs) == 0 {
			return
		}
		var buf bytes.Buffer
		if err := WriteFees(&buf, fs); err != nil {
			t.Fatal(err)
		}
		again, err := LoadFees(&buf, "again.csv")
		if err != nil || len(again) != len(fs) {
			t.Fatalf("round trip through the CSV: %v", err)
		}
		for i := range fs {
			if again[i] != fs[i] {
				t.Fatalf("round trip %d: %+v != %+v", i, again[i], fs[i])
			}
		}
	})
}

func FuzzLoadFees(f *testing.F) {
	f.Add("avg_height,time,fees_btc\n886857,2025-03-08T16:00:00Z,0.031\n887001,1741536000,0.023\n")
	f.Add("avg_height,time,fees_btc\n2,yesterday,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		fs, err := LoadFees(strings.NewReader(in), "f.csv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteFees(&buf, fs); err != nil {
			t.Fatal(err)
		}
		again, err := LoadFees(&buf, "again.csv")
		if err != nil || len(again) != len(fs) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range fs {
			if again[i] != fs[i] {
				t.Fatalf("round trip %d: %+v != %+v", i, again[i], fs[i])
			}
		}
	})
}
