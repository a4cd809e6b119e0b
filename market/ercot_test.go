package market

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ercotPriceAt is the fake ERCOT's price of the interval starting at t: a
// closed form of the instant, so that a wrong time conversion shows up as
// a wrong price. Some prices are negative, as real ones are.
func ercotPriceAt(t time.Time) float64 {
	return float64(t.Unix()/900%97) - 10.5
}

// fakeERCOT serves the public reports API: NP6-905-CD and NP4-190-CD pages
// with "_meta", "fields" and row arrays. Labels are derived from each
// interval's local wall clock (hour ending = wall hour + 1; the repeated
// autumn hour flagged DSTFlag=true), independently of the code under test.
type fakeERCOT struct {
	mu       sync.Mutex
	faults   []http.HandlerFunc
	requests []string
	failPage int // the first request for this page gets a 500
}

func (f *fakeERCOT) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	if len(f.faults) > 0 {
		h := f.faults[0]
		f.faults = f.faults[1:]
		f.mu.Unlock()
		h(w, r)
		return
	}
	f.mu.Unlock()
	loc, _ := time.LoadLocation("America/Chicago")
	q := r.URL.Query()
	from, err1 := time.ParseInLocation(time.DateOnly, q.Get("deliveryDateFrom"), loc)
	to, err2 := time.ParseInLocation(time.DateOnly, q.Get("deliveryDateTo"), loc)
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("size"))
	if err1 != nil || err2 != nil || page < 1 || size < 1 {
		status(400, `{"statusCode":400,"message":"bad query"}`)(w, r)
		return
	}
	f.mu.Lock()
	fail := f.failPage == page
	if fail {
		f.failPage = 0
	}
	f.mu.Unlock()
	if fail {
		status(500, `{"statusCode":500,"message":"Internal server error"}`)(w, r)
		return
	}
	sp := q.Get("settlementPoint")
	rt := strings.Contains(r.URL.Path, "np6-905-cd/spp_node_zone_hub")
	step := time.Hour
	fields := []string{"deliveryDate", "hourEnding", "settlementPoint", "settlementPointPrice", "DSTFlag"}
	if rt {
		step = 15 * time.Minute
		fields = []string{"deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointType", "settlementPointPrice", "DSTFlag"}
	}
	var rows [][]any
	end := to.AddDate(0, 0, 1)
	var prevWall = -1
	repeated := false
	for t := from; t.Before(end); t = t.Add(step) {
		lt := t.In(loc)
		date := lt.Format(time.DateOnly)
		if lt.Hour() == 0 && lt.Minute() == 0 {
			prevWall, repeated = -1, false
		}
		if wall := lt.Hour()*60 + lt.Minute(); wall <= prevWall {
			repeated = true // clocks went back: the repeat of 01:xx
		} else {
			prevWall = wall
		}
		dst := repeated && lt.Hour() == 1
		he := lt.Hour() + 1
		if rt {
			rows = append(rows, []any{date, he, lt.Minute()/15 + 1, sp, "HU", ercotPriceAt(t), dst})
		} else {
			rows = append(rows, []any{date, strconv.Itoa(he/10) + strconv.Itoa(he%10) + ":00", sp, ercotPriceAt(t), map[bool]string{true: "Y", false: "N"}[dst]})
		}
	}
	total := len(rows)
	pages := (total + size - 1) / size
	lo, hi := min((page-1)*size, total), min(page*size, total)
	var fs []map[string]any
	for _, n := range fields {
		fs = append(fs, map[string]any{"name": n, "label": n, "dataType": "VARCHAR", "hasRange": false})
	}
	json.NewEncoder(w).Encode(map[string]any{
		"_meta":  map[string]any{"totalRecords": total, "pageSize": size, "totalPages": pages, "currentPage": page},
		"report": map[string]any{"reportEMILID": "NP6-905-CD"},
		"fields": fs,
		"data":   rows[lo:hi],
		"_links": map[string]any{"self": map[string]any{"href": r.URL.String()}},
	})
}

func (f *fakeERCOT) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func readERCOTFile(t *testing.T, path string) []ERCOTPrice {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ReadERCOTCache(bytes.NewReader(data), path, "HB_WEST")
	if err != nil {
		t.Fatalf("ReadERCOTCache(%s) error = %v", path, err)
	}
	return ps
}

// checkERCOT checks that ps covers [from 00:00, to+1 00:00) local time at
// step with the fake's prices.
func checkERCOT(t *testing.T, ps []ERCOTPrice, from, to string, step time.Duration, wantRows int) {
	t.Helper()
	loc, _ := time.LoadLocation("America/Chicago")
	f, _ := time.ParseInLocation(time.DateOnly, from, loc)
	e, _ := time.ParseInLocation(time.DateOnly, to, loc)
	e = e.AddDate(0, 0, 1)
	var want []time.Time
	for x := f; x.Before(e); x = x.Add(step) {
		want = append(want, x)
	}
	if len(want) != wantRows {
		t.Fatalf("test: %s..%s has %d intervals, want %d", from, to, len(want), wantRows)
	}
	var in []ERCOTPrice
	for _, p := range ps {
		if !p.Start.Before(f) && p.Start.Before(e) {
			in = append(in, p)
		}
	}
	if len(in) != len(want) {
		t.Fatalf("%s..%s: %d rows, want %d", from, to, len(in), len(want))
	}
	for i, p := range in {
		if !p.Start.Equal(want[i]) || p.PriceUSDPerMWh != ercotPriceAt(want[i]) {
			t.Fatalf("row %d = %s %v, want %s %v", i, p.Start.Format(time.RFC3339), p.PriceUSDPerMWh, want[i].Format(time.RFC3339), ercotPriceAt(want[i]))
		}
	}
}

func TestSyncERCOTRealTimeAcrossDST(t *testing.T) {
	fe := &fakeERCOT{failPage: 3} // a 500 in the middle of the pages
	srv := httptest.NewServer(fe)
	defer srv.Close()
	c, _ := testClient(t)
	dir := t.TempDir()
	req := ERCOTRequest{SettlementPoint: "hb_west", From: day0("2024-03-09"), To: day0("2024-03-11"), BaseURL: srv.URL, PageSize: 50}
	res, err := c.SyncERCOTPrices(context.Background(), dir, req)
	if err != nil {
		t.Fatalf("SyncERCOTPrices() error = %v", err)
	}
	path := filepath.Join(dir, "ercot-rt-HB_WEST.csv")
	if res.Path != path || res.Rows != 96+92+96 || res.Added != res.Rows {
		t.Errorf("result = %+v", res)
	}
	checkERCOT(t, readERCOTFile(t, path), "2024-03-09", "2024-03-11", 15*time.Minute, 96+92+96)
	if n := len(fe.seen()); n != (96+92+96+49)/50+1 {
		t.Errorf("%d requests, want %d pages and the retry of page 3", n, (96+92+96+49)/50)
	}

	// The autumn day, into the same file: only its dates are asked for.
	req.From, req.To = day0("2024-11-02"), day0("2024-11-04")
	before := len(fe.seen())
	if _, err := c.SyncERCOTPrices(context.Background(), dir, req); err != nil {
		t.Fatalf("SyncERCOTPrices(autumn) error = %v", err)
	}
	ps := readERCOTFile(t, path)
	checkERCOT(t, ps, "2024-11-02", "2024-11-04", 15*time.Minute, 96+100+96)
	checkERCOT(t, ps, "2024-03-09", "2024-03-11", 15*time.Minute, 96+92+96)
	for _, u := range fe.seen()[before:] {
		if !strings.Contains(u, "deliveryDateFrom=2024-11-02") || !strings.Contains(u, "deliveryDateTo=2024-11-04") || !strings.Contains(u, "settlementPoint=HB_WEST") {
			t.Errorf("unexpected request %s", u)
		}
	}

	// Everything cached: nothing asked.
	before = len(fe.seen())
	res, err = c.SyncERCOTPrices(context.Background(), dir, req)
	if err != nil || !res.UpToDate || len(fe.seen()) != before {
		t.Errorf("repeat = %+v, %v, %d new requests", res, err, len(fe.seen())-before)
	}
	m, err := ReadMeta(path)
	if err != nil || m.Source != "ercot NP6-905-CD" || m.Format != ERCOTCacheHeader || m.Rows != len(ps) {
		t.Errorf("meta = %+v, %v", m, err)
	}
	// The file's timestamps carry the US Central offset.
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte("\n2024-11-03T01:00:00-05:00,")) || !bytes.Contains(data, []byte("\n2024-11-03T01:00:00-06:00,")) {
		t.Errorf("file lacks both 01:00 intervals of 2024-11-03:\n%s", data[:200])
	}
}

func TestSyncERCOTDayAheadAndFaults(t *testing.T) {
	fe := &fakeERCOT{}
	// 429 with Retry-After, then a 500, then a truncated body; all retried.
	fe.faults = []http.HandlerFunc{
		status(429, `{"statusCode":429,"message":"Rate limit is exceeded."}`, "Retry-After", "4"),
		status(500, "internal"),
		truncated(`{"_meta": {"totalRecords": 7`),
	}
	srv := httptest.NewServer(fe)
	defer srv.Close()
	c, sl := testClient(t)
	dir := t.TempDir()
	req := ERCOTRequest{Market: ERCOTDayAhead, SettlementPoint: "HB_WEST", From: day0("2024-11-02"), To: day0("2024-11-04"), BaseURL: srv.URL, PageSize: 24}
	if _, err := c.SyncERCOTPrices(context.Background(), dir, req); err != nil {
		t.Fatalf("SyncERCOTPrices(dam) error = %v", err)
	}
	checkERCOT(t, readERCOTFile(t, filepath.Join(dir, "ercot-dam-HB_WEST.csv")), "2024-11-02", "2024-11-04", time.Hour, 24+25+24)
	if w := sl.all(); len(w) != 3 || w[0] != 4*time.Second {
		t.Errorf("waits = %v, want 4s then two backoffs", w)
	}
	for _, u := range fe.seen() {
		if !strings.HasPrefix(u, "/np4-190-cd/dam_stlmnt_pnt_prices?") {
			t.Errorf("request %s, want the NP4-190-CD endpoint", u)
		}
	}
}

func TestSyncERCOTMalformedRow(t *testing.T) {
	fe := &fakeERCOT{}
	fe.faults = []http.HandlerFunc{ok(`{"_meta":{"totalRecords":2,"pageSize":10,"totalPages":1,"currentPage":1},
"fields":[{"name":"deliveryDate"},{"name":"deliveryHour"},{"name":"deliveryInterval"},{"name":"settlementPoint"},{"name":"settlementPointType"},{"name":"settlementPointPrice"},{"name":"DSTFlag"}],
"data":[["2024-06-01",1,1,"HB_WEST","HU",23.5,false],
["2024-06-01",1,2,"HB_WEST","HU","n/a",false]]}`)}
	srv := httptest.NewServer(fe)
	defer srv.Close()
	c, _ := testClient(t)
	dir := t.TempDir()
	_, err := c.SyncERCOTPrices(context.Background(), dir, ERCOTRequest{SettlementPoint: "HB_WEST", From: day0("2024-06-01"), To: day0("2024-06-01"), BaseURL: srv.URL})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 || pe.Field != "data[1].settlementPointPrice" {
		t.Fatalf("SyncERCOTPrices(malformed) error = %v, want line 4 data[1].settlementPointPrice", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ercot-rt-HB_WEST.csv")); !os.IsNotExist(err) {
		t.Errorf("a cache file was written despite the error")
	}
}

func TestSyncERCOTBadRequest(t *testing.T) {
	c, _ := testClient(t)
	for _, req := range []ERCOTRequest{
		{SettlementPoint: "../etc", From: day0("2024-06-01")},
		{SettlementPoint: "HB_WEST"},
		{SettlementPoint: "HB_WEST", Market: "xx", From: day0("2024-06-01")},
		{SettlementPoint: "HB_WEST", From: day0("2030-06-01")},
	} {
		if _, err := c.SyncERCOTPrices(context.Background(), t.TempDir(), req); err == nil {
			t.Errorf("SyncERCOTPrices(%+v) = nil error", req)
		}
	}
}

func TestERCOTIntervalStart(t *testing.T) {
	loc, _ := time.LoadLocation("America/Chicago")
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.In(loc)
	}
	tests := []struct {
		date     string
		he, iv   int
		dst      bool
		want     string
		wantErrS string
	}{
		{date: "2024-06-01", he: 1, iv: 1, want: "2024-06-01T00:00:00-05:00"},
		{date: "2024-06-01", he: 24, iv: 4, want: "2024-06-01T23:45:00-05:00"},
		{date: "2024-01-15", he: 18, want: "2024-01-15T17:00:00-06:00"},
		// Spring: 2024-03-10 has 23 hours; either label of the short hour.
		{date: "2024-03-10", he: 2, want: "2024-03-10T01:00:00-06:00"},
		{date: "2024-03-10", he: 3, want: "2024-03-10T01:00:00-06:00"},
		{date: "2024-03-10", he: 4, want: "2024-03-10T03:00:00-05:00"},
		{date: "2024-03-10", he: 24, iv: 4, want: "2024-03-10T23:45:00-05:00"},
		// Autumn: 2024-11-03 has 25 hours; hour ending 2 twice.
		{date: "2024-11-03", he: 2, want: "2024-11-03T01:00:00-05:00"},
		{date: "2024-11-03", he: 2, dst: true, want: "2024-11-03T01:00:00-06:00"},
		{date: "2024-11-03", he: 3, want: "2024-11-03T02:00:00-06:00"},
		{date: "2024-11-03", he: 24, want: "2024-11-03T23:00:00-06:00"},
		{date: "2024-06-01", he: 0, wantErrS: "hour ending 0"},
		{date: "2024-06-01", he: 25, wantErrS: "hour ending 25"},
		{date: "2024-06-01", he: 1, iv: 5, wantErrS: "interval 5"},
	}
	for _, tc := range tests {
		got, err := ercotIntervalStart(day0(tc.date), tc.he, tc.iv, tc.dst)
		if tc.wantErrS != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrS) {
				t.Errorf("ercotIntervalStart(%s, %d, %d) error = %v, want %q", tc.date, tc.he, tc.iv, err, tc.wantErrS)
			}
			continue
		}
		if err != nil || !got.Equal(at(tc.want)) {
			t.Errorf("ercotIntervalStart(%s, %d, %d, %v) = %s, %v; want %s", tc.date, tc.he, tc.iv, tc.dst, got.In(loc).Format(time.RFC3339), err, tc.want)
		}
	}
}

func TestReadERCOTCache(t *testing.T) {
	for _, tc := range []struct{ in, errHas string }{
		{"timestamp,price\n2024-06-01T00:00:00-05:00,23.5\n2024-06-01T00:15:00-05:00,-3\n", ""},
		{"timestamp,price\n2024-06-01 00:00:00,23.5\n", "e.csv:2: timestamp: want RFC 3339"},
		{"timestamp,price\n2024-06-01T00:00:00-05:00,x\n", "e.csv:2: price: not a number"},
		{"timestamp,price\n2024-06-01T00:15:00-05:00,1\n2024-06-01T00:00:00-05:00,1\n", "e.csv:3: timestamp: 2024-06-01T00:00:00-05:00 is not after"},
		{"Timestamp,Settlement Point Name,Price\n", ""},
		{"time,value\n", "e.csv:1: header"},
	} {
		_, err := ReadERCOTCache(strings.NewReader(tc.in), "e.csv", "HB_WEST")
		if tc.errHas == "" && err != nil || tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
			t.Errorf("ReadERCOTCache(%q) error = %v, want %q", tc.in, err, tc.errHas)
		}
	}
}

func FuzzParseERCOTPage(f *testing.F) {
	f.Add(`{"_meta":{"totalRecords":1,"pageSize":10,"totalPages":1,"currentPage":1},"fields":[{"name":"deliveryDate"},{"name":"deliveryHour"},{"name":"deliveryInterval"},{"name":"settlementPoint"},{"name":"settlementPointType"},{"name":"settlementPointPrice"},{"name":"DSTFlag"}],"data":[["2024-11-03",2,1,"HB_WEST","HU",23.5,true]]}`, false)
	f.Add(`{"fields":[{"name":"deliveryDate"},{"name":"hourEnding"},{"name":"settlementPoint"},{"name":"settlementPointPrice"},{"name":"DSTFlag"}],"data":[["03/10/2024","03:00","HB_WEST",-1.5,"N"]]}`, true)
	f.Add(`{"data":[{"deliveryDate":"2024-06-01","hourEnding":"24:00","settlementPoint":"X","settlementPointPrice":"5"}]}`, true)
	f.Fuzz(func(t *testing.T, in string, dam bool) {
		mkt := ERCOTRealTime
		if dam {
			mkt = ERCOTDayAhead
		}
		p, err := parseERCOTPage([]byte(in), "f.json", mkt)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		// Round trip of the sorted, de-duplicated rows through the cache.
		rows, _ := mergeERCOT(nil, p.Rows)
		var buf bytes.Buffer
		if err := WriteERCOTCache(&buf, rows); err != nil {
			t.Fatal(err)
		}
		again, err := ReadERCOTCache(&buf, "again.csv", "X")
		if err != nil || len(again) != len(rows) {
			t.Fatalf("round trip: %v (%d vs %d rows)", err, len(again), len(rows))
		}
		for i := range rows {
			if !again[i].Start.Equal(rows[i].Start) || again[i].PriceUSDPerMWh != rows[i].PriceUSDPerMWh {
				t.Fatalf("round trip row %d: %+v != %+v", i, again[i], rows[i])
			}
		}
	})
}

func FuzzReadERCOTCache(f *testing.F) {
	f.Add("timestamp,price\n2024-06-01T00:00:00-05:00,23.5\n2024-06-01T00:15:00-05:00,-3\n")
	f.Add("timestamp,price\n2024-06-01 00:00:00,23.5\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ReadERCOTCache(strings.NewReader(in), "f.csv", "X")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		for i := 1; i < len(ps); i++ {
			if !ps[i].Start.After(ps[i-1].Start) {
				t.Fatalf("rows out of order")
			}
		}
	})
}
