package market

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DailyClose is the BTC/USD price of one UTC day.
//
// Convention: CloseUSD on Date D is the price at 00:00 UTC of D, as in
// CoinGecko's market chart and its CSV export (which calls it the close).
// Coin Metrics' PriceUSD of day D is its price at 00:00 UTC of D+1, so the
// Coin Metrics fetcher stores it under D+1.
type DailyClose struct {
	Date     time.Time // 00:00 UTC
	CloseUSD float64
}

// MissingPolicy says what a loader does with a row whose value is empty.
type MissingPolicy int

const (
	// SkipMissing drops the row and lists it in the result's Skipped, so the
	// caller can say so; the value is never read as 0.
	SkipMissing MissingPolicy = iota
	// RejectMissing fails with a *ParseError wrapping ErrMissingValue.
	RejectMissing
)

// SkippedRow is a row a loader dropped under SkipMissing.
type SkippedRow struct {
	Line   int
	Date   time.Time
	Reason string
}

// BTCPrices is a loaded daily BTC/USD series, dates strictly increasing
// (gaps allowed), with the rows skipped on the way.
type BTCPrices struct {
	Closes  []DailyClose
	Skipped []SkippedRow
}

// BTCPriceHeader is the header of hashpivot's cache format of daily prices.
const BTCPriceHeader = "date,close_usd"

// LoadBTCPrices reads a daily BTC/USD CSV. Columns are found by header name,
// so these formats load:
//
//   - hashpivot's cache: date,close_usd (dates 2006-01-02);
//   - the CoinGecko "max" export: event_date,close_price_usd,market_cap_usd,
//     volume_usd (dates "2013-04-28 00:00:00 UTC");
//   - CoinGecko's own CSV: snapped_at,price,market_cap,total_volume.
//
// Dates may also be RFC 3339; the time of day must be 00:00 UTC. A row with
// an empty close ("" in the CoinGecko export) follows missing; a value that
// is not a finite number > 0, a date out of order or repeated, or a short
// row is always an error naming name, the line and the column.
func LoadBTCPrices(r io.Reader, name string, missing MissingPolicy) (BTCPrices, error) {
	t, err := openCSV(r, name, fileLimit)
	if err != nil {
		return BTCPrices{}, err
	}
	di := t.col("date", "event_date", "snapped_at", "time", "timestamp")
	ci := t.col("close_usd", "close_price_usd", "price", "close", "price_usd")
	if di < 0 || ci < 0 {
		return BTCPrices{}, &ParseError{File: name, Line: 1, Err: fmt.Errorf("header %q: want a date column (date, event_date, snapped_at) and a close column (close_usd, close_price_usd, price)", strings.Join(t.header, ","))}
	}
	var out BTCPrices
	var prev time.Time
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return BTCPrices{}, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		ds, ok := field(rec, di)
		if !ok {
			return BTCPrices{}, t.errAt(di, "row has %d fields, want at least %d", len(rec), max(di, ci)+1)
		}
		d, err := parseDay(ds)
		if err != nil {
			return BTCPrices{}, t.errAt(di, "%v", err)
		}
		if !prev.IsZero() && !d.After(prev) {
			return BTCPrices{}, t.errAt(di, "date %s is not after the previous row's %s", d.Format(time.DateOnly), prev.Format(time.DateOnly))
		}
		prev = d
		cs, ok := field(rec, ci)
		if !ok {
			return BTCPrices{}, t.errAt(ci, "row has %d fields, want at least %d", len(rec), ci+1)
		}
		if isQuotedEmpty(cs) {
			if missing == RejectMissing {
				return BTCPrices{}, &ParseError{File: name, Line: t.line, Field: t.header[ci], Err: fmt.Errorf("%w: empty close on %s", ErrMissingValue, d.Format(time.DateOnly))}
			}
			out.Skipped = append(out.Skipped, SkippedRow{Line: t.line, Date: d, Reason: "empty " + t.header[ci]})
			continue
		}
		v, err := parsePositive(cs)
		if err != nil {
			return BTCPrices{}, t.errAt(ci, "%v", err)
		}
		out.Closes = append(out.Closes, DailyClose{Date: d, CloseUSD: v})
	}
	if len(out.Closes) == 0 {
		return out, &ParseError{File: name, Err: fmt.Errorf("%w: no price rows", ErrNoData)}
	}
	return out, nil
}

// parseDay parses a day as 2006-01-02, "2006-01-02 00:00:00 UTC",
// "2006-01-02 00:00:00" or RFC 3339; the instant must be 00:00 UTC.
func parseDay(s string) (time.Time, error) {
	var layouts []string
	v := s
	switch { // only the likely layout: a failed time.Parse allocates
	case len(s) == len(time.DateOnly):
		layouts = []string{time.DateOnly}
	case len(s) > 10 && s[10] == 'T':
		layouts = []string{time.RFC3339Nano}
	case strings.HasSuffix(s, " UTC"):
		v, layouts = strings.TrimSuffix(s, " UTC"), []string{time.DateTime}
	case len(s) == len(time.DateTime):
		layouts = []string{time.DateTime}
	default:
		if _, err := time.Parse("2006-01-02 15:04:05 MST", s); err == nil {
			return time.Time{}, fmt.Errorf("date %q: only UTC is accepted", s)
		}
	}
	for _, l := range layouts {
		t, err := time.Parse(l, v)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return time.Time{}, fmt.Errorf("date %q: want 00:00 UTC", s)
		}
		if t.Year() < 2009 || t.Year() > 9999 {
			return time.Time{}, fmt.Errorf("date %q: year out of range", s)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("date %q: want 2006-01-02, \"2006-01-02 00:00:00 UTC\" or RFC 3339", s)
}

// WriteBTCPrices writes closes in the cache format (BTCPriceHeader), one row
// a day, shortest exact decimal for each price.
func WriteBTCPrices(w io.Writer, closes []DailyClose) error {
	var b strings.Builder
	b.WriteString(BTCPriceHeader + "\n")
	for _, c := range closes {
		b.WriteString(c.Date.UTC().Format(time.DateOnly))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(c.CloseUSD, 'g', -1, 64))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mergeCloses merges two series by date; on the same date, b wins. The
// result is sorted.
func mergeCloses(a, b []DailyClose) []DailyClose {
	m := make(map[time.Time]float64, len(a)+len(b))
	for _, c := range a {
		m[c.Date] = c.CloseUSD
	}
	for _, c := range b {
		m[c.Date] = c.CloseUSD
	}
	out := make([]DailyClose, 0, len(m))
	for d, v := range m {
		out = append(out, DailyClose{Date: d, CloseUSD: v})
	}
	sortCloses(out)
	return out
}

func sortCloses(cs []DailyClose) {
	slices.SortFunc(cs, func(x, y DailyClose) int { return x.Date.Compare(y.Date) })
}
