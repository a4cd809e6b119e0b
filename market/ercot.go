package market

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // ERCOT times are US Central; do not depend on the host's zoneinfo
)

// ERCOTMarket is an ERCOT price report.
type ERCOTMarket string

// The ERCOT reports SyncERCOTPrices reads.
const (
	// ERCOTRealTime is NP6-905-CD, real-time settlement point prices every
	// 15 minutes (/np6-905-cd/spp_node_zone_hub).
	ERCOTRealTime ERCOTMarket = "rt"
	// ERCOTDayAhead is NP4-190-CD, day-ahead settlement point prices every
	// hour (/np4-190-cd/dam_stlmnt_pnt_prices).
	ERCOTDayAhead ERCOTMarket = "dam"
)

// endpoint is the report's path under the public reports API.
func (m ERCOTMarket) endpoint() (string, error) {
	switch m {
	case ERCOTRealTime:
		return "/np6-905-cd/spp_node_zone_hub", nil
	case ERCOTDayAhead:
		return "/np4-190-cd/dam_stlmnt_pnt_prices", nil
	}
	return "", fmt.Errorf("%w: ERCOT market %q: want rt or dam", ErrBadRequest, string(m))
}

// interval is the report's price interval.
func (m ERCOTMarket) interval() time.Duration {
	if m == ERCOTRealTime {
		return 15 * time.Minute
	}
	return time.Hour
}

// ERCOTPrice is one settlement point price: Start is the interval's first
// instant (intervals are 15 minutes for RT, an hour for DAM).
type ERCOTPrice struct {
	Start           time.Time
	SettlementPoint string
	PriceUSDPerMWh  float64
}

// ercotLocation is ERCOT's time zone, US Central.
var ercotLocation = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation("America/Chicago")
})

// ercotIntervalStart converts ERCOT's delivery date, hour ending (1..24),
// 15-minute interval (1..4, or 0 for hourly) and DST flag to the interval's
// first instant. ERCOT labels hours by their end in local clock time: the
// 23-hour spring day skips one label (hour ending 2 or 3, sources differ),
// and the 25-hour autumn day repeats hour ending 2, the repeat flagged
// DSTFlag=Y. The hour's start is midnight plus its ordinal in elapsed
// hours, which is unambiguous on both days.
func ercotIntervalStart(date time.Time, hourEnding, interval int, dstRepeat bool) (time.Time, error) {
	loc, err := ercotLocation()
	if err != nil {
		return time.Time{}, fmt.Errorf("market: time zone America/Chicago: %w", err)
	}
	if hourEnding < 1 || hourEnding > 24 {
		return time.Time{}, fmt.Errorf("hour ending %d: want 1..24", hourEnding)
	}
	if interval < 0 || interval > 4 {
		return time.Time{}, fmt.Errorf("interval %d: want 1..4", interval)
	}
	y, m, d := date.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	hours := int(time.Date(y, m, d+1, 0, 0, 0, 0, loc).Sub(midnight) / time.Hour)
	n := hourEnding
	switch hours {
	case 23:
		switch {
		case hourEnding == 3:
			n = 2
		case hourEnding > 3:
			n = hourEnding - 1
		}
	case 25:
		switch {
		case hourEnding == 2 && dstRepeat:
			n = 3
		case hourEnding > 2:
			n = hourEnding + 1
		}
	}
	start := midnight.Add(time.Duration(n-1) * time.Hour)
	if interval > 0 {
		start = start.Add(time.Duration(interval-1) * 15 * time.Minute)
	}
	return start, nil
}

// ercotPage is one page of an ERCOT public report.
type ercotPage struct {
	Rows         []ERCOTPrice
	TotalPages   int
	CurrentPage  int
	TotalRecords int
}

// ercotRow is one raw element of "data" with its position.
type ercotRow struct {
	raw       json.RawMessage
	line, col int
}

// parseERCOTPage reads one page of ERCOT's public reports API:
//
//	{"_meta": {"totalRecords": 2976, "pageSize": 1000, "totalPages": 3, "currentPage": 1},
//	 "report": {...},
//	 "fields": [{"name": "deliveryDate", ...}, {"name": "deliveryHour"}, ...],
//	 "data": [["2024-06-01", 1, 1, "HB_WEST", "HU", 23.5, false], ...]}
//
// Rows are matched to fields by name: deliveryDate; deliveryHour (RT) or
// hourEnding ("01:00", DAM); deliveryInterval (RT only); settlementPoint
// (or settlementPointName); settlementPointPrice; DSTFlag (true/false or
// "Y"/"N"). Rows may also be objects keyed by field name.
func parseERCOTPage(data []byte, name string, mkt ERCOTMarket) (ercotPage, error) {
	d := newJSONDoc(data, name)
	var p ercotPage
	var fields []string
	var rows []ercotRow
	seenData := false
	err := d.object("", func(key string) error {
		switch key {
		case "_meta":
			var m struct {
				TotalRecords flexNumber `json:"totalRecords"`
				TotalPages   flexNumber `json:"totalPages"`
				CurrentPage  flexNumber `json:"currentPage"`
			}
			l, c := d.pos()
			if err := d.decode("_meta", &m); err != nil {
				return err
			}
			for _, f := range []struct {
				k   string
				n   flexNumber
				dst *int
			}{{"totalPages", m.TotalPages, &p.TotalPages}, {"currentPage", m.CurrentPage, &p.CurrentPage}, {"totalRecords", m.TotalRecords, &p.TotalRecords}} {
				if !f.n.set {
					continue
				}
				v, err := f.n.int()
				if err == nil && (v < 0 || v > 1e9) {
					err = fmt.Errorf("out of range: %d", v)
				}
				if err != nil {
					return &ParseError{File: name, Line: l, Col: c, Field: "_meta." + f.k, Err: err}
				}
				*f.dst = int(v)
			}
			return nil
		case "fields":
			var fs []struct {
				Name string `json:"name"`
			}
			if err := d.decode("fields", &fs); err != nil {
				return err
			}
			for _, f := range fs {
				fields = append(fields, f.Name)
			}
			return nil
		case "data":
			seenData = true
			return d.array("data", func(i int) error {
				l, c := d.pos()
				var raw json.RawMessage
				if err := d.decode(fmt.Sprintf("data[%d]", i), &raw); err != nil {
					return err
				}
				rows = append(rows, ercotRow{raw: raw, line: l, col: c})
				return nil
			})
		default:
			return d.skip()
		}
	})
	if err != nil {
		return ercotPage{}, err
	}
	if err := d.end(); err != nil {
		return ercotPage{}, err
	}
	if !seenData {
		return ercotPage{}, &ParseError{File: name, Err: fmt.Errorf("%w: no \"data\" key", ErrNoData)}
	}
	for i, r := range rows {
		path := fmt.Sprintf("data[%d]", i)
		vals, err := ercotRowValues(r.raw, fields)
		if err != nil {
			return ercotPage{}, &ParseError{File: name, Line: r.line, Col: r.col, Field: path, Err: err}
		}
		pr, f, err := ercotPriceFrom(vals, mkt)
		if err != nil {
			return ercotPage{}, &ParseError{File: name, Line: r.line, Col: r.col, Field: path + "." + f, Err: err}
		}
		p.Rows = append(p.Rows, pr)
	}
	return p, nil
}

// ercotRowValues maps a row (array by field order, or object) to values by
// field name.
func ercotRowValues(raw json.RawMessage, fields []string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch row := v.(type) {
	case map[string]any:
		return row, nil
	case []any:
		if len(fields) == 0 {
			return nil, fmt.Errorf("rows are arrays but the page has no \"fields\"")
		}
		if len(row) != len(fields) {
			return nil, fmt.Errorf("row has %d values, the page has %d fields", len(row), len(fields))
		}
		out := make(map[string]any, len(row))
		for i, f := range fields {
			out[f] = row[i]
		}
		return out, nil
	}
	return nil, fmt.Errorf("want an array or an object, got %s", truncateForError(raw))
}

// ercotPriceFrom builds one price from a row's values; on error it names
// the field.
func ercotPriceFrom(v map[string]any, mkt ERCOTMarket) (ERCOTPrice, string, error) {
	ds, ok := v["deliveryDate"].(string)
	if !ok {
		return ERCOTPrice{}, "deliveryDate", fmt.Errorf("want a date string, got %v", describeValue(v["deliveryDate"]))
	}
	date, err := parseERCOTDate(ds)
	if err != nil {
		return ERCOTPrice{}, "deliveryDate", err
	}
	var he, iv int
	if mkt == ERCOTRealTime {
		if he, err = intValue(v["deliveryHour"]); err != nil {
			return ERCOTPrice{}, "deliveryHour", err
		}
		if iv, err = intValue(v["deliveryInterval"]); err != nil {
			return ERCOTPrice{}, "deliveryInterval", err
		}
		if iv < 1 || iv > 4 {
			return ERCOTPrice{}, "deliveryInterval", fmt.Errorf("want 1..4, got %d", iv)
		}
	} else {
		hs, ok := v["hourEnding"].(string)
		if !ok {
			n, err := intValue(v["hourEnding"])
			if err != nil {
				return ERCOTPrice{}, "hourEnding", fmt.Errorf("want \"HH:00\", got %v", describeValue(v["hourEnding"]))
			}
			hs = strconv.Itoa(n)
		}
		h, _, _ := strings.Cut(strings.TrimSpace(hs), ":")
		if he, err = strconv.Atoi(h); err != nil {
			return ERCOTPrice{}, "hourEnding", fmt.Errorf("want \"HH:00\", got %q", hs)
		}
	}
	dst, err := boolFlag(v["DSTFlag"])
	if err != nil {
		return ERCOTPrice{}, "DSTFlag", err
	}
	start, err := ercotIntervalStart(date, he, iv, dst)
	if err != nil {
		f := "deliveryHour"
		if mkt != ERCOTRealTime {
			f = "hourEnding"
		}
		return ERCOTPrice{}, f, err
	}
	sp, _ := v["settlementPoint"].(string)
	if sp == "" {
		sp, _ = v["settlementPointName"].(string)
	}
	if sp == "" {
		return ERCOTPrice{}, "settlementPoint", fmt.Errorf("missing")
	}
	price, err := floatValue(v["settlementPointPrice"])
	if err != nil {
		return ERCOTPrice{}, "settlementPointPrice", err
	}
	return ERCOTPrice{Start: start, SettlementPoint: sp, PriceUSDPerMWh: price}, "", nil
}

// parseERCOTDate accepts 2006-01-02 (the API) and 01/02/2006 (ERCOT's CSV
// reports).
func parseERCOTDate(s string) (time.Time, error) {
	for _, l := range []string{time.DateOnly, "01/02/2006"} {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			if t.Year() < 2000 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("date %q out of range", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want 2006-01-02 or 01/02/2006", s)
}

func describeValue(v any) string {
	if v == nil {
		return "null or missing"
	}
	return fmt.Sprintf("%T %v", v, v)
}

func intValue(v any) (int, error) {
	switch x := v.(type) {
	case json.Number:
		n, err := flexNumber{s: x.String(), set: true}.int()
		if err != nil {
			return 0, err
		}
		if n < -1e9 || n > 1e9 {
			return 0, fmt.Errorf("out of range: %d", n)
		}
		return int(n), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("not an integer: %q", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("want an integer, got %s", describeValue(v))
}

func floatValue(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return parseFinite(x.String())
	case string:
		return parseFinite(strings.TrimSpace(x))
	}
	return 0, fmt.Errorf("want a number, got %s", describeValue(v))
}

func boolFlag(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToUpper(strings.TrimSpace(x)) {
		case "Y", "YES", "TRUE", "T":
			return true, nil
		case "N", "NO", "FALSE", "F", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("want true/false or Y/N, got %s", describeValue(v))
}

// ERCOTCacheHeader is the header of the ERCOT price cache files: the plain
// "timestamp,price" form that market.LoadPrices (dispatch's --prices)
// reads, timestamps RFC 3339 with the US Central offset, price USD/MWh.
const ERCOTCacheHeader = "timestamp,price"

// WriteERCOTCache writes prices (sorted by Start, one settlement point) in
// the cache format (ERCOTCacheHeader).
func WriteERCOTCache(w io.Writer, prices []ERCOTPrice) error {
	loc, err := ercotLocation()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(ERCOTCacheHeader + "\n")
	for _, p := range prices {
		b.WriteString(p.Start.In(loc).Format(time.RFC3339))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(p.PriceUSDPerMWh, 'f', -1, 64))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// ReadERCOTCache reads an ERCOT price cache file (ERCOTCacheHeader) written
// by WriteERCOTCache for settlement point sp. Timestamps must be RFC 3339
// and strictly increasing; prices finite (they may be negative).
func ReadERCOTCache(r io.Reader, name, sp string) ([]ERCOTPrice, error) {
	t, err := openCSV(r, name, fileLimit)
	if err != nil {
		return nil, err
	}
	ti, pi := t.col("timestamp"), t.col("price")
	if ti < 0 || pi < 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("header %q: want %s", strings.Join(t.header, ","), ERCOTCacheHeader)}
	}
	var out []ERCOTPrice
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ts, ok := field(rec, ti)
		if !ok {
			return nil, t.errAt(ti, "row has %d fields, want %d", len(rec), len(t.header))
		}
		at, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return nil, t.errAt(ti, "want RFC 3339, got %q", ts)
		}
		if at.Year() < 2000 || at.Year() > 9999 {
			return nil, t.errAt(ti, "year out of range: %q", ts)
		}
		ps, ok := field(rec, pi)
		if !ok {
			return nil, t.errAt(pi, "row has %d fields, want %d", len(rec), len(t.header))
		}
		v, err := parseFinite(ps)
		if err != nil {
			return nil, t.errAt(pi, "%v", err)
		}
		if n := len(out); n > 0 && !at.After(out[n-1].Start) {
			return nil, t.errAt(ti, "%s is not after the previous row's %s", ts, out[n-1].Start.Format(time.RFC3339))
		}
		out = append(out, ERCOTPrice{Start: at, SettlementPoint: sp, PriceUSDPerMWh: v})
	}
	return out, nil
}
