package market

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sharedFile opens a file of ../shared/data or skips the test.
func sharedFile(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "data", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("shared data file %s absent (%v): run with ../shared/data next to the repository", path, err)
	}
	return data
}

func day0(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLoadBTCPrices(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		policy  MissingPolicy
		want    []DailyClose
		skipped []int // lines
		errHas  string
		errIs   error
	}{
		{
			name: "cache format",
			in:   "date,close_usd\n2024-01-01,42000.5\n2024-01-02,43000\n",
			want: []DailyClose{{day0("2024-01-01"), 42000.5}, {day0("2024-01-02"), 43000}},
		},
		{
			name: "coingecko max export with empty close skipped",
			in: "event_date,close_price_usd,market_cap_usd,volume_usd\n" +
				"2026-07-17 00:00:00 UTC,63899.3262237992,1281671279122.6794,28906918204.03447\n" +
				"2026-07-19 00:00:00 UTC,\"\",1292361496904.9734,15704947278.9367\n",
			want:    []DailyClose{{day0("2026-07-17"), 63899.3262237992}},
			skipped: []int{3},
		},
		{
			name: "empty close rejected",
			in: "event_date,close_price_usd,market_cap_usd,volume_usd\n" +
				"2026-07-17 00:00:00 UTC,63899.3,1,1\n2026-07-19 00:00:00 UTC,\"\",1,1\n",
			policy: RejectMissing,
			errHas: "prices.csv:3: close_price_usd: missing value: empty close on 2026-07-19",
			errIs:  ErrMissingValue,
		},
		{
			name: "coingecko snapped_at and BOM and CRLF",
			in:   "\ufeffsnapped_at,price,market_cap,total_volume\r\n2013-04-28 00:00:00 UTC,135.3,1500517590,0\r\n",
			want: []DailyClose{{day0("2013-04-28"), 135.3}},
		},
		{
			name: "rfc3339 dates",
			in:   "date,close_usd\n2024-01-01T00:00:00Z,1\n",
			want: []DailyClose{{day0("2024-01-01"), 1}},
		},
		{name: "zero price", in: "date,close_usd\n2024-01-01,0\n", errHas: "prices.csv:2: close_usd: must be > 0 (got 0)"},
		{name: "negative", in: "date,close_usd\n2024-01-01,-3\n", errHas: "must be > 0"},
		{name: "nan", in: "date,close_usd\n2024-01-01,NaN\n", errHas: "prices.csv:2: close_usd: not a finite number"},
		{name: "text price", in: "date,close_usd\n2024-01-01,12abc\n", errHas: "prices.csv:2: close_usd: not a number: \"12abc\""},
		{name: "bad date", in: "date,close_usd\n2024-13-01,1\n", errHas: "prices.csv:2: date: date \"2024-13-01\""},
		{name: "not midnight", in: "date,close_usd\n2024-01-01 12:00:00 UTC,1\n", errHas: "want 00:00 UTC"},
		{name: "other zone", in: "date,close_usd\n2024-01-01 00:00:00 CET,1\n", errHas: "only UTC"},
		{name: "out of order", in: "date,close_usd\n2024-01-02,1\n2024-01-01,1\n", errHas: "prices.csv:3: date: date 2024-01-01 is not after the previous row's 2024-01-02"},
		{name: "duplicate", in: "date,close_usd\n2024-01-02,1\n2024-01-02,1\n", errHas: "is not after"},
		{name: "short row", in: "date,close_usd\n2024-01-02\n", errHas: "prices.csv:2: close_usd: row has 1 fields"},
		{name: "wrong header", in: "day,value\n2024-01-02,1\n", errHas: "prices.csv:1: header \"day,value\""},
		{name: "empty file", in: "", errHas: "prices.csv:1: no data", errIs: ErrNoData},
		{name: "header only", in: "date,close_usd\n", errHas: "no price rows", errIs: ErrNoData},
		{name: "bad quote", in: "date,close_usd\n2024-01-02,\"1\n", errHas: "prices.csv:2"},
		{name: "blank line skipped", in: "date,close_usd\n\n2024-01-02,7\n", want: []DailyClose{{day0("2024-01-02"), 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadBTCPrices(strings.NewReader(tc.in), "prices.csv", tc.policy)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("LoadBTCPrices() error = %v, want it to contain %q", err, tc.errHas)
				}
				if tc.errIs != nil && !errors.Is(err, tc.errIs) {
					t.Fatalf("LoadBTCPrices() error = %v, want errors.Is %v", err, tc.errIs)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("LoadBTCPrices() error %T, want *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadBTCPrices() error = %v", err)
			}
			if !equalCloses(got.Closes, tc.want) {
				t.Fatalf("LoadBTCPrices() = %v, want %v", got.Closes, tc.want)
			}
			var lines []int
			for _, s := range got.Skipped {
				lines = append(lines, s.Line)
			}
			if len(lines) != len(tc.skipped) || (len(lines) > 0 && lines[0] != tc.skipped[0]) {
				t.Fatalf("LoadBTCPrices() skipped lines %v, want %v", lines, tc.skipped)
			}
		})
	}
}

func equalCloses(a, b []DailyClose) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Date.Equal(b[i].Date) || a[i].CloseUSD != b[i].CloseUSD {
			return false
		}
	}
	return true
}

func TestLoadBTCPricesTooLarge(t *testing.T) {
	defer func(old int64) { fileLimit = old }(fileLimit)
	fileLimit = 1 << 16
	big := &repeatReader{head: "date,close_usd\n2024-01-01,", line: "1", n: 1 << 17}
	_, err := LoadBTCPrices(big, "big.csv", SkipMissing)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("LoadBTCPrices(>%d bytes) error = %v, want ErrTooLarge", fileLimit, err)
	}
	_, err = LoadMiningHistory(&repeatReader{head: "[", line: " ", n: 1 << 17}, "big.json")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("LoadMiningHistory(>%d bytes) error = %v, want ErrTooLarge", fileLimit, err)
	}
}

// repeatReader yields head then line n times, without allocating it all.
type repeatReader struct {
	head, line string
	n          int
	buf        []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		switch {
		case r.head != "":
			r.buf, r.head = []byte(r.head), ""
		case r.n > 0:
			r.buf = bytes.Repeat([]byte(r.line), min(r.n, 4096))
			r.n -= min(r.n, 4096)
		default:
			return 0, io.EOF
		}
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	return k, nil
}

func TestLoadBTCPricesSharedFile(t *testing.T) {
	data := sharedFile(t, "btc-usd-daily.csv")
	got, err := LoadBTCPrices(bytes.NewReader(data), "btc-usd-daily.csv", SkipMissing)
	if err != nil {
		t.Fatalf("LoadBTCPrices(shared) error = %v", err)
	}
	// README: 2013-04-28 → 2026-07-19, 4,828 days, the last close empty.
	if n := len(got.Closes); n != 4827 {
		t.Errorf("LoadBTCPrices(shared) closes = %d, want 4827 (4,828 days less the empty one)", n)
	}
	if len(got.Skipped) != 1 || got.Skipped[0].Line != 4829 || !got.Skipped[0].Date.Equal(day0("2026-07-19")) {
		t.Errorf("LoadBTCPrices(shared) skipped = %+v, want line 4829 (2026-07-19)", got.Skipped)
	}
	if first := got.Closes[0]; !first.Date.Equal(day0("2013-04-28")) || first.CloseUSD != 135.3 {
		t.Errorf("first close = %+v, want 2013-04-28 135.3", first)
	}
	_, err = LoadBTCPrices(bytes.NewReader(data), "btc-usd-daily.csv", RejectMissing)
	if !errors.Is(err, ErrMissingValue) || !strings.Contains(err.Error(), "btc-usd-daily.csv:4829:") {
		t.Errorf("LoadBTCPrices(shared, RejectMissing) error = %v, want ErrMissingValue at line 4829", err)
	}
}

func TestBTCPricesRoundTrip(t *testing.T) {
	in := []DailyClose{{day0("2020-01-01"), 7200.174393}, {day0("2020-01-03"), 1e-3}, {day0("2020-01-04"), 123456789.123456789}}
	var buf bytes.Buffer
	if err := WriteBTCPrices(&buf, in); err != nil {
		t.Fatal(err)
	}
	got, err := LoadBTCPrices(&buf, "rt.csv", RejectMissing)
	if err != nil {
		t.Fatalf("LoadBTCPrices(WriteBTCPrices()) error = %v", err)
	}
	if !equalCloses(got.Closes, in) {
		t.Fatalf("round trip = %v, want %v", got.Closes, in)
	}
}

func TestMergeCloses(t *testing.T) {
	a := []DailyClose{{day0("2020-01-01"), 1}, {day0("2020-01-02"), 2}}
	b := []DailyClose{{day0("2020-01-02"), 20}, {day0("2020-01-03"), 3}}
	got := mergeCloses(a, b)
	want := []DailyClose{{day0("2020-01-01"), 1}, {day0("2020-01-02"), 20}, {day0("2020-01-03"), 3}}
	if !equalCloses(got, want) {
		t.Fatalf("mergeCloses = %v, want %v", got, want)
	}
	if n := countChangedCloses(a, b); n != 2 {
		t.Fatalf("countChangedCloses = %d, want 2", n)
	}
}

func FuzzLoadBTCPrices(f *testing.F) {
	f.Add("date,close_usd\n2024-01-01,42000.5\n2024-01-02,43000\n")
	f.Add("event_date,close_price_usd,market_cap_usd,volume_usd\n2026-07-19 00:00:00 UTC,\"\",1,1\n")
	f.Add("snapped_at,price\n2013-04-28 00:00:00 UTC,135.3\n")
	f.Add("date,close_usd\n2024-01-02,\"1\n")
	f.Add("date,close_usd\n2024-01-02\n")
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range []MissingPolicy{SkipMissing, RejectMissing} {
			got, err := LoadBTCPrices(strings.NewReader(in), "f.csv", p)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T %v is not a *ParseError", err, err)
				}
				continue
			}
			if len(got.Closes) == 0 {
				t.Fatal("no error and no closes")
			}
			// Round trip through the cache format.
			var buf bytes.Buffer
			if err := WriteBTCPrices(&buf, got.Closes); err != nil {
				t.Fatal(err)
			}
			again, err := LoadBTCPrices(&buf, "again.csv", RejectMissing)
			if err != nil || !equalCloses(again.Closes, got.Closes) {
				t.Fatalf("round trip: %v, %v != %v", err, again.Closes, got.Closes)
			}
		}
	})
}

func BenchmarkLoadBTCPricesShared(b *testing.B) {
	data := sharedFile(b, "btc-usd-daily.csv")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := LoadBTCPrices(bytes.NewReader(data), "btc-usd-daily.csv", SkipMissing); err != nil {
			b.Fatal(err)
		}
	}
}
