package market

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PriceOptions choose what LoadPrices keeps from a price file.
type PriceOptions struct {
	// SettlementPoint picks one settlement point of an ERCOT-style file
	// (compared without regard to case). Empty means the file's only
	// point; a file with several is then an error that lists them.
	SettlementPoint string
	// From and To keep the intervals starting in [From, To); a zero time
	// leaves that side open. Use them to cut one contiguous window out of a
	// file that is not contiguous (one January a year, say).
	From, To time.Time
	// Location reads timestamps that carry no UTC offset; nil means UTC.
	// Such timestamps are wall-clock times: a repeated hour at the end of
	// daylight saving time is a duplicate.
	Location *time.Location
	// Interval, when not zero, is the interval the file must have;
	// otherwise it is inferred (5, 15 or 60 minutes).
	Interval time.Duration
	// MaxBytes bounds what is read; 0 means MaxFileBytes.
	MaxBytes int64
}

// PriceSeries is a contiguous series of power prices.
type PriceSeries struct {
	// Name is the file the series came from.
	Name string
	// SettlementPoint is the point chosen, "" for a plain file.
	SettlementPoint string
	// Start is the start of the first interval.
	Start time.Time
	// Interval is the length of each interval: 5, 15 or 60 minutes.
	Interval time.Duration
	// PricesUSDPerMWh holds one price per interval, without gaps.
	PricesUSDPerMWh []float64
}

// Time returns the start of interval i.
func (s PriceSeries) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Interval) }

// End returns the end of the last interval.
func (s PriceSeries) End() time.Time { return s.Time(len(s.PricesUSDPerMWh)) }

// Errors of LoadPrices about settlement points; match them with errors.Is.
var (
	// ErrAmbiguousPoint: the file has several settlement points and none
	// was chosen; the message lists them.
	ErrAmbiguousPoint = errors.New("market: several settlement points")
	// ErrNoSuchPoint: the point asked for is not in the file (or the file
	// has no settlement point column); the message lists those it has.
	ErrNoSuchPoint = errors.New("market: no such settlement point")
)

// maxPriceErrors bounds how many gap or duplicate errors one load reports.
const maxPriceErrors = 20

// Header names LoadPrices recognises, lower case.
var (
	timestampHeaders = []string{"timestamp", "time", "datetime", "date_time", "interval_start", "interval start"}
	pointHeaders     = []string{"settlement point name", "settlement point", "settlementpointname", "settlementpoint", "settlement_point", "settlement_point_name"}
	priceHeaders     = []string{"price", "hourly average price", "settlement point price", "settlementpointprice", "price_usd_per_mwh", "lmp", "spp"}
)

// priceRow is one kept row.
type priceRow struct {
	at    time.Time
	price float64
	line  int
}

// LoadPrices reads a power price series from CSV. Two layouts are read:
//
//   - ERCOT style, `Timestamp,Settlement Point Name,Price` (also with the
//     price column named `Hourly Average Price` or `Settlement Point
//     Price`), several settlement points in one file: choose one with
//     opt.SettlementPoint;
//   - plain `timestamp,price`, with or without that header row.
//
// Timestamps are RFC 3339 or `2006-01-02 15:04[:05]` (optionally with a T),
// read in opt.Location when they carry no offset. Rows may come in any
// order. The interval (5, 15 or 60 minutes) is inferred from the most
// common step. Duplicated timestamps (such as the repeated hour when
// daylight saving time ends in a file of local times), gaps and irregular
// steps are errors naming the lines involved: nothing is filled in. name is
// used in messages. Errors are *ParseError values (joined when there are
// several), matching ErrTooLarge when the input passes opt.MaxBytes,
// ErrNoData when nothing is left, ErrAmbiguousPoint and ErrNoSuchPoint.
func LoadPrices(r io.Reader, name string, opt PriceOptions) (PriceSeries, error) {
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = fileLimit
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	cr := csv.NewReader(&limitedReader{r: r, n: limit})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	read := func() ([]string, int, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, &ParseError{File: name, Line: pe.Line, Col: pe.Column, Err: pe.Err}
			}
			if errors.Is(err, ErrTooLarge) {
				return nil, 0, &ParseError{File: name, Err: fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, limit)}
			}
			return nil, 0, &ParseError{File: name, Err: err}
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}

	first, line, err := read()
	if err == io.EOF {
		return PriceSeries{}, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: empty file", ErrNoData)}
	}
	if err != nil {
		return PriceSeries{}, err
	}
	header := make([]string, len(first))
	for i, h := range first {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	ti, pi, si := findColumn(header, timestampHeaders), findColumn(header, priceHeaders), findColumn(header, pointHeaders)
	pending := [][]string(nil) // a headerless file's first row
	if ti < 0 && pi < 0 && len(first) == 2 {
		if _, err := parseTimestamp(strings.TrimSpace(first[0]), loc); err == nil {
			ti, pi, si = 0, 1, -1
			pending = [][]string{slices.Clone(first)}
			header = []string{"timestamp", "price"}
		}
	}
	if ti < 0 || pi < 0 {
		return PriceSeries{}, &ParseError{File: name, Line: 1, Err: fmt.Errorf(
			"header %q: want Timestamp,Settlement Point Name,Price (ERCOT style) or timestamp,price", strings.Join(first, ","))}
	}
	want := strings.ToLower(strings.TrimSpace(opt.SettlementPoint))
	if want != "" && si < 0 {
		return PriceSeries{}, &ParseError{File: name, Line: 1, Err: fmt.Errorf(
			"%w: %q asked for, but the file has no settlement point column", ErrNoSuchPoint, opt.SettlementPoint)}
	}
	errAt := func(line, col int, format string, args ...any) error {
		f := ""
		if col >= 0 && col < len(header) {
			f = header[col]
		}
		return &ParseError{File: name, Line: line, Field: f, Err: fmt.Errorf(format, args...)}
	}

	var rows []priceRow
	points := map[string]string{} // lower case -> as written
	chosen := ""                  // lower-case point kept when none was asked for
	ambiguous := false
	for {
		var rec []string
		if len(pending) > 0 {
			rec, line, pending = pending[0], 1, nil
		} else {
			rec, line, err = read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return PriceSeries{}, err
			}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= max(ti, pi, si) {
			return PriceSeries{}, errAt(line, -1, "row has %d fields, want %d", len(rec), len(header))
		}
		if si >= 0 {
			sp := strings.TrimSpace(rec[si])
			key := strings.ToLower(sp)
			if _, ok := points[key]; !ok {
				if len(points) >= 10_000 {
					return PriceSeries{}, errAt(line, si, "more than 10000 settlement points")
				}
				points[key] = sp
			}
			switch {
			case want != "":
				if key != want {
					continue
				}
			case chosen == "":
				chosen = key
			case key != chosen:
				ambiguous = true
			}
			if ambiguous {
				continue
			}
		}
		ts := strings.TrimSpace(rec[ti])
		at, err := parseTimestamp(ts, loc)
		if err != nil {
			return PriceSeries{}, errAt(line, ti, "%v", err)
		}
		if !opt.From.IsZero() && at.Before(opt.From) || !opt.To.IsZero() && !at.Before(opt.To) {
			continue
		}
		ps := strings.TrimSpace(rec[pi])
		v, err := strconv.ParseFloat(ps, 64)
		switch {
		case ps == "":
			return PriceSeries{}, errAt(line, pi, "%w: empty price", ErrMissingValue)
		case err != nil:
			return PriceSeries{}, errAt(line, pi, "not a number: %q", ps)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return PriceSeries{}, errAt(line, pi, "not a finite number: %q", ps)
		}
		if len(rows) >= 20_000_000 {
			return PriceSeries{}, errAt(line, -1, "more than 20,000,000 prices")
		}
		rows = append(rows, priceRow{at: at, price: v, line: line})
	}
	if ambiguous {
		return PriceSeries{}, &ParseError{File: name, Err: fmt.Errorf(
			"%w: the file has %d settlement points, choose one: %s", ErrAmbiguousPoint, len(points), listPoints(points))}
	}
	if want != "" {
		if _, ok := points[want]; !ok {
			return PriceSeries{}, &ParseError{File: name, Err: fmt.Errorf(
				"%w %q; the file has %s", ErrNoSuchPoint, opt.SettlementPoint, listPoints(points))}
		}
		chosen = want
	}
	if len(rows) == 0 {
		return PriceSeries{}, &ParseError{File: name, Err: fmt.Errorf("%w: no prices%s", ErrNoData, windowText(opt))}
	}
	out := PriceSeries{Name: name, SettlementPoint: points[chosen]}
	slices.SortStableFunc(rows, func(a, b priceRow) int { return a.at.Compare(b.at) })
	step, err := inferInterval(rows, opt.Interval)
	if err != nil {
		return PriceSeries{}, &ParseError{File: name, Err: err}
	}
	var errs []error
	more := 0
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		d := b.at.Sub(a.at)
		var e error
		switch {
		case d == step:
			continue
		case d == 0:
			e = errAt(b.line, ti, "duplicated timestamp %s (also on line %d)", b.at.Format(time.RFC3339), a.line)
		case d%step == 0:
			e = errAt(b.line, ti, "gap: %d missing intervals between %s (line %d) and %s", int64(d/step)-1,
				a.at.Format(time.RFC3339), a.line, b.at.Format(time.RFC3339))
		default:
			e = errAt(b.line, ti, "step of %v after %s (line %d), want %v", d, a.at.Format(time.RFC3339), a.line, step)
		}
		if len(errs) < maxPriceErrors {
			errs = append(errs, e)
		} else {
			more++
		}
	}
	if more > 0 {
		errs = append(errs, &ParseError{File: name, Err: fmt.Errorf("%d more gaps or duplicates", more)})
	}
	if len(errs) > 0 {
		return PriceSeries{}, errors.Join(errs...)
	}
	out.Start, out.Interval = rows[0].at, step
	out.PricesUSDPerMWh = make([]float64, len(rows))
	for i, r := range rows {
		out.PricesUSDPerMWh[i] = r.price
	}
	return out, nil
}

// findColumn returns the index of the first header in names, or -1.
func findColumn(header, names []string) int {
	for _, n := range names {
		if i := slices.Index(header, n); i >= 0 {
			return i
		}
	}
	return -1
}

func listPoints(points map[string]string) string {
	names := make([]string, 0, len(points))
	for _, v := range points {
		names = append(names, v)
	}
	slices.Sort(names)
	if len(names) > 50 {
		return strings.Join(names[:50], ", ") + fmt.Sprintf(" and %d more", len(names)-50)
	}
	return strings.Join(names, ", ")
}

func windowText(opt PriceOptions) string {
	switch {
	case !opt.From.IsZero() && !opt.To.IsZero():
		return fmt.Sprintf(" in [%s, %s)", opt.From.Format(time.RFC3339), opt.To.Format(time.RFC3339))
	case !opt.From.IsZero():
		return " from " + opt.From.Format(time.RFC3339)
	case !opt.To.IsZero():
		return " before " + opt.To.Format(time.RFC3339)
	}
	return ""
}

// allowedIntervals are the steps LoadPrices accepts.
var allowedIntervals = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour}

// inferInterval returns the most common positive step between sorted rows
// (the shorter on a tie), which must be 5, 15 or 60 minutes, or want.
func inferInterval(rows []priceRow, want time.Duration) (time.Duration, error) {
	if want != 0 {
		if !slices.Contains(allowedIntervals, want) {
			return 0, fmt.Errorf("interval %v: want 5, 15 or 60 minutes", want)
		}
		return want, nil
	}
	if len(rows) < 2 {
		return 0, fmt.Errorf("%w: one price, cannot infer the interval", ErrNoData)
	}
	count := map[time.Duration]int{}
	for i := 1; i < len(rows); i++ {
		if d := rows[i].at.Sub(rows[i-1].at); d > 0 {
			count[d]++
		}
	}
	best, n := time.Duration(0), 0
	for d, k := range count {
		if k > n || k == n && d < best {
			best, n = d, k
		}
	}
	if !slices.Contains(allowedIntervals, best) {
		return 0, fmt.Errorf("the most common step is %v: want 5, 15 or 60 minutes", best)
	}
	return best, nil
}

// timestampLayouts are the forms parseTimestamp reads without an offset.
var timestampLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
}

// parseTimestamp reads RFC 3339 (with offset) or a local wall-clock time in
// loc. Years outside 1900..9999 are refused.
func parseTimestamp(s string, loc *time.Location) (time.Time, error) {
	var at time.Time
	var err error
	if at, err = time.Parse(time.RFC3339, s); err != nil {
		for _, layout := range timestampLayouts {
			if at, err = time.ParseInLocation(layout, s, loc); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("want a time like 2024-01-01 00:00:00 or 2024-01-01T00:00:00-06:00, got %q", truncateText(s, 40))
	}
	if y := at.Year(); y < 1900 || y > 9999 {
		return time.Time{}, fmt.Errorf("year out of range: %q", s)
	}
	return at, nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
