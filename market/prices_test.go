package market

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

var priceCases = []struct {
	name    string
	in      string
	opt     PriceOptions
	start   time.Time
	step    time.Duration
	point   string
	prices  []float64
	wantErr []string // substrings of the error
}{
	{
		name: "ERCOT style, one point chosen",
		in: "Timestamp,Settlement Point Name,Price\n" +
			"2024-01-01 00:00:00,HB_BUSAVG,14.0\n2024-01-01 00:00:00,HB_HUBAVG,13.5\n" +
			"2024-01-01 01:00:00,HB_BUSAVG,16.0\n2024-01-01 01:00:00,HB_HUBAVG,15.5\n",
		opt:   PriceOptions{SettlementPoint: "hb_hubavg"},
		start: utc("2024-01-01 00:00"), step: time.Hour, point: "HB_HUBAVG", prices: []float64{13.5, 15.5},
	},
	{
		name: "shared file's header",
		in: "Timestamp,Settlement Point Name,Hourly Average Price\n" +
			"2024-01-01 00:00:00,HB_HUBAVG,13.8825\n2024-01-01 01:00:00,HB_HUBAVG,15.5\n",
		start: utc("2024-01-01 00:00"), step: time.Hour, point: "HB_HUBAVG", prices: []float64{13.8825, 15.5},
	},
	{
		name: "several points and none chosen",
		in: "Timestamp,Settlement Point Name,Price\n" +
			"2024-01-01 00:00:00,HB_BUSAVG,14.0\n2024-01-01 00:00:00,HB_HUBAVG,13.5\n2024-01-01 00:00:00,HB_NORTH,1\n",
		wantErr: []string{"prices.csv: several settlement points: the file has 3 settlement points, choose one: HB_BUSAVG, HB_HUBAVG, HB_NORTH"},
	},
	{
		name:    "unknown point",
		in:      "Timestamp,Settlement Point Name,Price\n2024-01-01 00:00:00,HB_BUSAVG,14.0\n",
		opt:     PriceOptions{SettlementPoint: "HB_WEST"},
		wantErr: []string{`prices.csv: no such settlement point "HB_WEST"; the file has HB_BUSAVG`},
	},
	{
		name:  "plain with header and offsets, 15 minutes, out of order",
		in:    "timestamp,price\n2024-07-01T00:15:00-05:00,21\n2024-07-01T00:00:00-05:00,20\n2024-07-01T00:30:00-05:00,-3.5\n",
		start: utc("2024-07-01 05:00"), step: 15 * time.Minute, prices: []float64{20, 21, -3.5},
	},
	{
		name:  "plain without header, 5 minutes",
		in:    "2024-07-01 00:00,20\n2024-07-01 00:05,21\n2024-07-01 00:10,22\n",
		start: utc("2024-07-01 00:00"), step: 5 * time.Minute, prices: []float64{20, 21, 22},
	},
	{
		name:  "window",
		in:    "timestamp,price\n2023-01-31 23:00,1\n2024-01-01 00:00,2\n2024-01-01 01:00,3\n2024-02-01 00:00,4\n",
		opt:   PriceOptions{From: utc("2024-01-01 00:00"), To: utc("2024-02-01 00:00")},
		start: utc("2024-01-01 00:00"), step: time.Hour, prices: []float64{2, 3},
	},
	{
		name:    "gap",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 04:00,3\n2024-01-01 05:00,3\n",
		wantErr: []string{"prices.csv:4: timestamp: gap: 2 missing intervals between 2024-01-01T01:00:00Z (line 3) and 2024-01-01T04:00:00Z"},
	},
	{
		name:    "duplicate",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 01:00,2.5\n2024-01-01 02:00,3\n",
		wantErr: []string{"prices.csv:4: timestamp: duplicated timestamp 2024-01-01T01:00:00Z (also on line 3)"},
	},
	{
		name:    "irregular step",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n2024-01-01 02:07,3\n",
		wantErr: []string{"prices.csv:5: timestamp: step of 7m0s after 2024-01-01T02:00:00Z (line 4), want 1h0m0s"},
	},
	{
		name:    "unsupported interval",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 00:30,2\n2024-01-01 01:00,3\n",
		wantErr: []string{"most common step is 30m0s: want 5, 15 or 60 minutes"},
	},
	{
		name:    "NaN price",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,NaN\n",
		wantErr: []string{"prices.csv:3: price: not a finite number: \"NaN\""},
	},
	{
		name:    "empty price",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,\n",
		wantErr: []string{"prices.csv:3: price: missing value: empty price"},
	},
	{
		name:    "bad timestamp",
		in:      "timestamp,price\n01/02/2024 00:00,1\n",
		wantErr: []string{"prices.csv:2: timestamp: want a time like"},
	},
	{
		name:    "bad header",
		in:      "when,what\n2024-01-01 00:00,1\n",
		wantErr: []string{`prices.csv:1: header "when,what": want Timestamp,Settlement Point Name,Price`},
	},
	{
		name:    "short row",
		in:      "timestamp,price\n2024-01-01 00:00\n",
		wantErr: []string{"prices.csv:2: row has 1 fields, want 2"},
	},
	{
		name:    "empty",
		in:      "",
		wantErr: []string{"no data: empty file"},
	},
	{
		name:    "one price",
		in:      "timestamp,price\n2024-01-01 00:00,1\n",
		wantErr: []string{"one price, cannot infer the interval"},
	},
	{
		name:  "one price with a given interval",
		in:    "timestamp,price\n2024-01-01 00:00,1\n",
		opt:   PriceOptions{Interval: time.Hour},
		start: utc("2024-01-01 00:00"), step: time.Hour, prices: []float64{1},
	},
	{
		name:    "nothing in the window",
		in:      "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,1\n",
		opt:     PriceOptions{From: utc("2025-01-01 00:00")},
		wantErr: []string{"no prices from 2025-01-01T00:00:00Z"},
	},
}

func TestLoadPrices(t *testing.T) {
	for _, tc := range priceCases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadPrices(strings.NewReader(tc.in), "prices.csv", tc.opt)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadPrices = %+v, want an error containing %q", s, tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("LoadPrices error = %q, want it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadPrices: %v", err)
			}
			if !s.Start.Equal(tc.start) || s.Interval != tc.step || s.SettlementPoint != tc.point || !slices.Equal(s.PricesUSDPerMWh, tc.prices) {
				t.Errorf("LoadPrices = start %v step %v point %q prices %v, want %v %v %q %v",
					s.Start, s.Interval, s.SettlementPoint, s.PricesUSDPerMWh, tc.start, tc.step, tc.point, tc.prices)
			}
		})
	}
}

func TestLoadPricesPointErrors(t *testing.T) {
	two := "Timestamp,Settlement Point Name,Price\n2024-01-01 00:00,A,1\n2024-01-01 00:00,B,2\n"
	cases := []struct {
		in, point string
		want      error
	}{
		{two, "", ErrAmbiguousPoint},
		{two, "C", ErrNoSuchPoint},
		{"timestamp,price\n2024-01-01 00:00,1\n", "A", ErrNoSuchPoint},
	}
	for _, tc := range cases {
		_, err := LoadPrices(strings.NewReader(tc.in), "p.csv", PriceOptions{SettlementPoint: tc.point})
		if !errors.Is(err, tc.want) {
			t.Errorf("LoadPrices(point %q) = %v, want %v", tc.point, err, tc.want)
		}
	}
}

func TestLoadPricesTooLarge(t *testing.T) {
	in := "timestamp,price\n" + strings.Repeat("2024-01-01 00:00,1\n", 100)
	_, err := LoadPrices(strings.NewReader(in), "big.csv", PriceOptions{MaxBytes: 200})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("LoadPrices of %d bytes with MaxBytes 200: err = %v, want ErrTooLarge", len(in), err)
	}
}

// Daylight saving time ends on 2024-11-03 in Texas: local wall-clock times
// repeat 01:00-01:45. In naive local time that is a duplicate, reported
// with both lines; with UTC offsets the same hours are distinct.
func TestLoadPricesDST(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "prices-ercot-dst.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = LoadPrices(f, "prices-ercot-dst.csv", PriceOptions{SettlementPoint: "HB_HUBAVG"})
	if err == nil || !strings.Contains(err.Error(), "prices-ercot-dst.csv:18: timestamp: duplicated timestamp 2024-11-03T01:00:00Z (also on line 10)") {
		t.Fatalf("LoadPrices of a DST repeat: err = %v, want the duplicate on lines 10 and 18", err)
	}
	if n := strings.Count(err.Error(), "duplicated"); n != 4 {
		t.Errorf("LoadPrices reported %d duplicates, want 4 (01:00, 01:15, 01:30, 01:45)", n)
	}

	g, err := os.Open(filepath.Join("testdata", "prices-offsets-dst.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s, err := LoadPrices(g, "prices-offsets-dst.csv", PriceOptions{})
	if err != nil {
		t.Fatalf("LoadPrices with offsets: %v", err)
	}
	if len(s.PricesUSDPerMWh) != 16 || s.Interval != 15*time.Minute || !s.Start.Equal(utc("2024-11-03 05:00")) {
		t.Errorf("LoadPrices with offsets = %d prices, step %v, start %v; want 16, 15m, 2024-11-03 05:00 UTC", len(s.PricesUSDPerMWh), s.Interval, s.Start)
	}
}

// TestLoadPricesSharedJanuary reads the real ERCOT hub file: January 2024
// at HB_HUBAVG is 744 hourly prices, including the cold-snap spike of
// 2024-01-16 18:00 (677.47 USD/MWh, line 21551 of the file). The whole
// file, one January a year, is not contiguous: without a window the gaps
// between years are reported.
func TestLoadPricesSharedJanuary(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "ercot-hub-hourly-january.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("shared data absent (%v): skipping the real ERCOT file", err)
	}
	s, err := LoadPrices(strings.NewReader(string(data)), "ercot-hub-hourly-january.csv", PriceOptions{
		SettlementPoint: "HB_HUBAVG", From: utc("2024-01-01 00:00"), To: utc("2024-02-01 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.PricesUSDPerMWh) != 744 || s.Interval != time.Hour {
		t.Fatalf("January 2024: %d prices every %v, want 744 every hour", len(s.PricesUSDPerMWh), s.Interval)
	}
	if got := s.PricesUSDPerMWh[15*24+18]; got != 677.47 {
		t.Errorf("2024-01-16 18:00 = %v, want 677.47", got)
	}
	if got := s.PricesUSDPerMWh[0]; got != 13.8825 {
		t.Errorf("2024-01-01 00:00 = %v, want 13.8825", got)
	}
	_, err = LoadPrices(strings.NewReader(string(data)), "ercot-hub-hourly-january.csv", PriceOptions{SettlementPoint: "HB_HUBAVG"})
	if err == nil || !strings.Contains(err.Error(), "gap: ") {
		t.Errorf("whole file: err = %v, want gaps between the Januaries", err)
	}
	_, err = LoadPrices(strings.NewReader(string(data)), "ercot-hub-hourly-january.csv", PriceOptions{})
	if err == nil || !strings.Contains(err.Error(), "choose one: HB_BUSAVG, HB_HUBAVG") {
		t.Errorf("no settlement point: err = %v, want the list of points", err)
	}
}

func FuzzLoadPrices(f *testing.F) {
	for _, tc := range priceCases {
		f.Add(tc.in, tc.opt.SettlementPoint)
	}
	f.Fuzz(func(t *testing.T, in, point string) {
		s, err := LoadPrices(strings.NewReader(in), "fuzz.csv", PriceOptions{SettlementPoint: point, MaxBytes: 1 << 16})
		if err != nil {
			if len(s.PricesUSDPerMWh) != 0 {
				t.Fatalf("LoadPrices returned both prices and error %v", err)
			}
			return
		}
		if len(s.PricesUSDPerMWh) == 0 {
			t.Fatal("LoadPrices returned no prices and no error")
		}
		if !slices.Contains(allowedIntervals, s.Interval) {
			t.Fatalf("interval %v", s.Interval)
		}
		for _, v := range s.PricesUSDPerMWh {
			if v != v || v > 1e308 || v < -1e308 {
				t.Fatalf("non-finite price %v", v)
			}
		}
	})
}

func BenchmarkLoadPricesSharedJanuary(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "ercot-hub-hourly-january.csv"))
	if err != nil {
		b.Skipf("shared data absent: %v", err)
	}
	opt := PriceOptions{SettlementPoint: "HB_HUBAVG", From: utc("2024-01-01 00:00"), To: utc("2024-02-01 00:00")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadPrices(strings.NewReader(string(data)), "ercot.csv", opt); err != nil {
			b.Fatal(err)
		}
	}
}
