package market

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var updateArchiveSample = flag.Bool("update-ercot-archive", false, "rewrite testdata/ercot-np6-785-er-sample.zip")

// archivePoint is a settlement point of a test archive and the offset added
// to its prices, so that a row taken from the wrong point or type shows.
type archivePoint struct {
	name, typ string
	offset    float64
}

var archivePoints = []archivePoint{
	{"HB_WEST", "HU", 0},
	{"LZ_WEST", "LZ", 1000},
	{"LZ_WEST", "LZEW", 2000},
	{"HB_NORTH", "HU", 3000},
}

// archivePrice is the test archive's price of point p for the interval
// starting at t: ercotPriceAt (a closed form of the instant) plus the
// point's offset.
func archivePrice(p archivePoint, t time.Time) float64 { return ercotPriceAt(t) + p.offset }

// archiveHeader is the header row of NP6-785-ER sheets.
var archiveHeader = []any{"Delivery Date", "Delivery Hour", "Delivery Interval", "Repeated Hour Flag", "Settlement Point Name", "Settlement Point Type", "Settlement Point Price"}

// archiveSheets builds the rows of an NP6-785-ER workbook for the local
// delivery dates from..to (inclusive), one sheet per month named Jan, Feb...
// Labels come from each interval's wall clock in US Central, independently
// of the code under test: hour ending = wall hour + 1 (so the spring day
// has no hour ending 3), interval = minute/15 + 1, and the second pass of
// the autumn day's 01:xx is flagged Y. serialDates writes dates as Excel
// serial numbers instead of text; inline writes strings inline.
func archiveSheets(from, to string, points []archivePoint, serialDates, inline bool) []xlSheet {
	loc, _ := time.LoadLocation("America/Chicago")
	f, _ := time.ParseInLocation(time.DateOnly, from, loc)
	e, _ := time.ParseInLocation(time.DateOnly, to, loc)
	e = e.AddDate(0, 0, 1)
	var sheets []xlSheet
	for t := f; t.Before(e); t = t.Add(15 * time.Minute) {
		lt := t.In(loc)
		name := lt.Format("Jan")
		if len(sheets) == 0 || sheets[len(sheets)-1].name != name {
			sheets = append(sheets, xlSheet{name: name, inline: inline, rows: [][]any{archiveHeader}})
		}
		s := &sheets[len(sheets)-1]
		flag := "N"
		if lt.Hour() == 1 && t.Add(-time.Hour).In(loc).Hour() == 1 {
			flag = "Y"
		}
		var date any = lt.Format("01/02/2006")
		if serialDates {
			date = int(time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
		}
		for _, p := range points {
			s.rows = append(s.rows, []any{date, lt.Hour() + 1, lt.Minute()/15 + 1, flag, p.name, p.typ, archivePrice(p, t)})
		}
	}
	return sheets
}

// archiveZip wraps a workbook in the yearly zip as ERCOT serves it.
func archiveZip(t testing.TB, year int, book xlBook) []byte {
	t.Helper()
	return zipStored(t, fmt.Sprintf("rpt.00013061.0000000000000000.RTMLZHBSPP_%d.xlsx", year), book.build(t))
}

func zipStored(t testing.TB, name string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	zw.Close()
	return buf.Bytes()
}

// testArchive2024 holds both DST days of 2024: March 9-11 (text dates,
// shared strings) and November 2-4 (serial dates, inline strings), with a
// blank footer row at the end of the last sheet as some years have.
func testArchive2024(t testing.TB) []byte {
	sheets := archiveSheets("2024-03-09", "2024-03-11", archivePoints, false, false)
	nov := archiveSheets("2024-11-02", "2024-11-04", archivePoints, true, true)
	nov[0].rows = append(nov[0].rows, []any{"Total rows per sheet are approximate"})
	return archiveZip(t, 2024, xlBook{sheets: append(sheets, nov...)})
}

// wantIntervals returns the interval starts of local dates from..to.
func wantIntervals(from, to string) []time.Time {
	loc, _ := time.LoadLocation("America/Chicago")
	f, _ := time.ParseInLocation(time.DateOnly, from, loc)
	e, _ := time.ParseInLocation(time.DateOnly, to, loc)
	var out []time.Time
	for x := f; x.Before(e.AddDate(0, 0, 1)); x = x.Add(15 * time.Minute) {
		out = append(out, x)
	}
	return out
}

func checkArchivePrices(t *testing.T, got []ERCOTPrice, p archivePoint, starts []time.Time) {
	t.Helper()
	if len(got) != len(starts) {
		t.Fatalf("%d prices, want %d", len(got), len(starts))
	}
	for i, g := range got {
		if !g.Start.Equal(starts[i]) || g.PriceUSDPerMWh != archivePrice(p, starts[i]) || g.SettlementPoint != p.name {
			t.Fatalf("price %d = %s %s %v, want %s %s %v", i, g.Start.Format(time.RFC3339), g.SettlementPoint, g.PriceUSDPerMWh,
				starts[i].Format(time.RFC3339), p.name, archivePrice(p, starts[i]))
		}
	}
}

func TestParseERCOTArchive(t *testing.T) {
	data := testArchive2024(t)
	starts := append(wantIntervals("2024-03-09", "2024-03-11"), wantIntervals("2024-11-02", "2024-11-04")...)
	if n := len(starts); n != 96+92+96+96+100+96 {
		t.Fatalf("test: %d intervals, want 576", n)
	}
	for _, tc := range []struct {
		point, typ string
		want       archivePoint
	}{
		{"HB_WEST", "", archivePoints[0]},
		{"hb_west", "hu", archivePoints[0]},
		{"LZ_WEST", "LZ", archivePoints[1]},
		{"LZ_WEST", "lzew", archivePoints[2]},
		{"HB_NORTH", "", archivePoints[3]},
	} {
		t.Run(tc.point+"/"+tc.typ, func(t *testing.T) {
			sheets := 0
			a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "RTMLZHBSPP_2024.zip",
				ERCOTArchiveOptions{SettlementPoint: tc.point, SettlementPointType: tc.typ, OnSheet: func(done, total int) { sheets = done }})
			if err != nil {
				t.Fatalf("ParseERCOTArchive(%s, %s) error = %v", tc.point, tc.typ, err)
			}
			checkArchivePrices(t, a.Prices, tc.want, starts)
			if a.SettlementPointType != tc.want.typ || sheets != 2 {
				t.Errorf("type %q after %d sheets, want %q after 2", a.SettlementPointType, sheets, tc.want.typ)
			}
			wantSheets := []string{"RTMLZHBSPP_2024.zip/rpt.00013061.0000000000000000.RTMLZHBSPP_2024.xlsx!Mar", "RTMLZHBSPP_2024.zip/rpt.00013061.0000000000000000.RTMLZHBSPP_2024.xlsx!Nov"}
			if !slices.Equal(a.Sheets, wantSheets) {
				t.Errorf("sheets = %q, want %q", a.Sheets, wantSheets)
			}
			if len(a.Skipped) != 1 || !strings.HasSuffix(a.Skipped[0], "!Nov:1170") {
				t.Errorf("skipped = %q, want the footer row Nov:1170", a.Skipped)
			}
			// March 12 to November 1 are absent.
			if len(a.Incomplete) != 235 || a.Incomplete[0].Date.Format(time.DateOnly) != "2024-03-12" || a.Incomplete[0].Want != 96 {
				t.Errorf("incomplete = %d days from %+v, want 235 from 2024-03-12", len(a.Incomplete), a.Incomplete[0])
			}
		})
	}
}

func TestParseERCOTArchiveDSTDays(t *testing.T) {
	// The autumn day: hour ending 2 twice, the second flagged Y, mapped to
	// 01:00 CDT then 01:00 CST; the spring day skips 02:00 local.
	loc, _ := time.LoadLocation("America/Chicago")
	data := testArchive2024(t)
	a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range a.Prices {
		if l := p.Start.In(loc); (l.Day() == 3 || l.Day() == 10) && l.Hour() >= 1 && l.Hour() <= 3 && l.Minute() == 0 {
			got = append(got, p.Start.UTC().Format("01-02T15:04Z")+" "+l.Format("15:04 MST"))
		}
	}
	want := []string{"03-10T07:00Z 01:00 CST", "03-10T08:00Z 03:00 CDT", "11-03T06:00Z 01:00 CDT", "11-03T07:00Z 01:00 CST", "11-03T08:00Z 02:00 CST", "11-03T09:00Z 03:00 CST"}
	if !slices.Equal(got, want) {
		t.Errorf("hours around DST = %q, want %q", got, want)
	}
	for _, d := range a.Incomplete {
		if ds := d.Date.Format(time.DateOnly); ds == "2024-03-10" || ds == "2024-11-03" {
			t.Errorf("DST day %s listed as incomplete (%d of %d)", ds, d.Intervals, d.Want)
		}
	}
	// The spring day labelled the other way (hour ending 2 skipped) maps to
	// the same instants.
	sheets := archiveSheets("2024-03-10", "2024-03-10", archivePoints[:1], false, false)
	for _, r := range sheets[0].rows[1:] {
		if r[1].(int) == 2 {
			r[1] = 3
		}
	}
	data = archiveZip(t, 2024, xlBook{sheets: sheets})
	b, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
	if err != nil {
		t.Fatal(err)
	}
	checkArchivePrices(t, b.Prices, archivePoints[0], wantIntervals("2024-03-10", "2024-03-10"))
}

// TestERCOTArchiveFullYear reads a whole leap year with both DST days,
// twelve sheets, and loads the cache file it makes as dispatch does: 35,136
// contiguous intervals, the same prices.
func TestERCOTArchiveFullYear(t *testing.T) {
	if testing.Short() {
		t.Skip("a year of intervals; skipped with -short")
	}
	data := archiveZip(t, 2024, xlBook{sheets: archiveSheets("2024-01-01", "2024-12-31", archivePoints[:1], false, false)})
	a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "RTMLZHBSPP_2024.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
	if err != nil {
		t.Fatal(err)
	}
	starts := wantIntervals("2024-01-01", "2024-12-31")
	if len(starts) != 366*96 || len(a.Sheets) != 12 || len(a.Incomplete) != 0 {
		t.Fatalf("%d intervals in %d sheets, %d incomplete days; want 35136 in 12, none", len(starts), len(a.Sheets), len(a.Incomplete))
	}
	checkArchivePrices(t, a.Prices, archivePoints[0], starts)
	var csv bytes.Buffer
	if err := WriteERCOTCache(&csv, a.Prices); err != nil {
		t.Fatal(err)
	}
	s, err := LoadPrices(&csv, "ercot-rt-HB_WEST.csv", PriceOptions{})
	if err != nil || len(s.PricesUSDPerMWh) != len(starts) || !s.Start.Equal(starts[0]) {
		t.Fatalf("LoadPrices = %d prices from %v, %v; want %d from %v", len(s.PricesUSDPerMWh), s.Start, err, len(starts), starts[0])
	}
	for i, st := range starts {
		if s.PricesUSDPerMWh[i] != archivePrice(archivePoints[0], st) {
			t.Fatalf("LoadPrices interval %d (%v) = %v, want %v", i, st, s.PricesUSDPerMWh[i], archivePrice(archivePoints[0], st))
		}
	}
}

// mutateRow returns an archive of 2024-11-03 (HB_WEST only) with row r
// (1-based, as in the sheet) changed by f.
func mutateRow(t *testing.T, r int, f func(row []any) []any) []byte {
	sheets := archiveSheets("2024-11-03", "2024-11-03", archivePoints[:1], false, false)
	sheets[0].rows[r-1] = f(slices.Clone(sheets[0].rows[r-1]))
	return archiveZip(t, 2024, xlBook{sheets: sheets})
}

func TestParseERCOTArchiveErrors(t *testing.T) {
	const member = "a.zip/rpt.00013061.0000000000000000.RTMLZHBSPP_2024.xlsx!Nov"
	set := func(c int, v any) func([]any) []any { return func(r []any) []any { r[c] = v; return r } }
	bomb := func(t *testing.T, declared uint64, content []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		rawZipEntry(t, zw, "RTMLZHBSPP_2024.xlsx", content, declared)
		zw.Close()
		return buf.Bytes()
	}
	good := testArchive2024(t)
	for _, tc := range []struct {
		name  string
		data  func(t *testing.T) []byte
		point string
		want  string
		is    error
	}{
		{"malformed price", func(t *testing.T) []byte { return mutateRow(t, 7, set(6, "12,5")) }, "",
			member + `:7:7: Settlement Point Price (G7): not a number: "12,5"`, nil},
		{"empty price", func(t *testing.T) []byte { return mutateRow(t, 7, set(6, nil)) }, "",
			member + `:7:7: Settlement Point Price (G7): missing value: empty price`, ErrMissingValue},
		{"error cell", func(t *testing.T) []byte { return mutateRow(t, 9, set(6, xlRaw(` t="e"><v>#N/A</v></c>`))) }, "",
			`Settlement Point Price (G9): want a number, got the error value "#N/A"`, nil},
		{"hour 25", func(t *testing.T) []byte { return mutateRow(t, 3, set(1, 25)) }, "",
			member + `:3:2: Delivery Hour (B3): want a whole number 1..24, got "25"`, nil},
		{"fractional interval", func(t *testing.T) []byte { return mutateRow(t, 3, set(2, 1.5)) }, "",
			`Delivery Interval (C3): want a whole number 1..4, got "1.5"`, nil},
		{"bad date", func(t *testing.T) []byte { return mutateRow(t, 3, set(0, "2024/11/03")) }, "",
			`Delivery Date (A3): date "2024/11/03": want 2006-01-02 or 01/02/2006`, nil},
		{"numeric point name", func(t *testing.T) []byte { return mutateRow(t, 3, set(4, 7)) }, "",
			`Settlement Point Name (E3): want a settlement point name, got the number "7"`, nil},
		{"bad flag", func(t *testing.T) []byte { return mutateRow(t, 3, set(3, "maybe")) }, "",
			`Repeated Hour Flag (D3): want Y or N, got the text "maybe"`, nil},
		{"flag Y on another hour", func(t *testing.T) []byte { return mutateRow(t, 40, set(3, "Y")) }, "",
			member + `:40:4: Repeated Hour Flag (D40): Y on hour ending 9 of 2024-11-03: only hour ending 2 of the day clocks go back (a 25-hour day) repeats`, nil},
		{"repeat not flagged", func(t *testing.T) []byte { return mutateRow(t, 10, set(3, "N")) }, "",
			member + `:10: Delivery Hour: the interval starting 2024-11-03T01:00:00-05:00 is given twice (also ` + member + `:6)`, nil},
		{"header lacks a column", func(t *testing.T) []byte {
			return mutateRow(t, 1, func([]any) []any { return []any{"Delivery Date", "Delivery Hour", "Settlement Point Name", "Price"} })
		}, "", member + `:1: header "Delivery Date,Delivery Hour,Settlement Point Name,Price" lacks Delivery Interval, Settlement Point Price`, nil},
		{"no such point", func(t *testing.T) []byte { return good }, "HB_PAN",
			`a.zip: no settlement point "HB_PAN"; the archive has HB_NORTH, HB_WEST, LZ_WEST`, ErrNoData},
		{"two types", func(t *testing.T) []byte { return good }, "LZ_WEST",
			`a.zip: settlement point LZ_WEST has 2 types in the archive: LZ (576 rows), LZEW (576 rows); choose one as the settlement point type`, ErrBadRequest},
		{"truncated zip", func(t *testing.T) []byte { return good[:len(good)*2/3] }, "",
			`a.zip: not a readable zip archive, truncated or corrupt`, nil},
		{"no workbook", func(t *testing.T) []byte { return zipStored(t, "readme.txt", []byte("hello")) }, "",
			`a.zip: no data: no .xlsx workbook in the archive (entries: readme.txt)`, ErrNoData},
		{"declared zip bomb", func(t *testing.T) []byte { return bomb(t, 1<<40, []byte("PK")) }, "",
			`a.zip/RTMLZHBSPP_2024.xlsx: input too large: declares 1099511627776 bytes uncompressed, at most 268435456`, ErrTooLarge},
		{"lying zip bomb", func(t *testing.T) []byte { return bomb(t, 100, bytes.Repeat([]byte{'P'}, 1<<20)) }, "",
			`a.zip/RTMLZHBSPP_2024.xlsx`, nil},
		{"not a zip", func(t *testing.T) []byte { return []byte("<html>Access denied</html>") }, "",
			`a.zip: not a readable zip archive`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			point := tc.point
			if point == "" {
				point = "HB_WEST"
			}
			_, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: point})
			var pe *ParseError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &pe) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("ParseERCOTArchive error =\n  %v\nwant a *ParseError containing\n  %s", err, tc.want)
			}
		})
	}
}

func TestParseERCOTArchiveBounds(t *testing.T) {
	data := testArchive2024(t)
	saved := archiveLimits
	t.Cleanup(func() { archiveLimits = saved })
	for _, tc := range []struct {
		name string
		set  func()
		want string
	}{
		{"rows", func() { archiveLimits.XLSX.MaxRows = 1000 }, "row 1001, at most 1000 rows"},
		{"sheet bytes", func() { archiveLimits.XLSX.MaxPartBytes = 100 << 10 }, "at most 102400"},
		{"workbook bytes", func() { archiveLimits.MaxWorkbookBytes = 10 << 10 }, "at most 10240"},
		{"points", func() { archiveLimits.MaxPoints = 2 }, "more than 2 settlement points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archiveLimits = saved
			tc.set()
			_, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want ErrTooLarge with %q", err, tc.want)
			}
		})
	}
}

func TestParseERCOTArchiveBareWorkbook(t *testing.T) {
	// The .xlsx taken out of the zip reads the same; the 1904 date system
	// shifts serial dates.
	sheets := archiveSheets("2024-11-03", "2024-11-03", archivePoints[:1], true, false)
	for _, r := range sheets[0].rows[1:] {
		r[0] = r[0].(int) - 1462 // 1904-01-01 is day 1462 of the 1900 system
	}
	data := xlBook{sheets: sheets, date1904: true}.build(t)
	a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "book.xlsx", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
	if err != nil {
		t.Fatal(err)
	}
	checkArchivePrices(t, a.Prices, archivePoints[0], wantIntervals("2024-11-03", "2024-11-03"))
}

// fakeMIS serves ERCOT's MIS document list and downloads: archives by
// DocID, faults queued per path.
type fakeMIS struct {
	mu       sync.Mutex
	docs     []map[string]any
	files    map[string][]byte
	faults   map[string][]http.HandlerFunc
	requests []string
}

func newFakeMIS(t *testing.T) (*fakeMIS, *httptest.Server) {
	f := &fakeMIS{files: map[string][]byte{}, faults: map[string][]http.HandlerFunc{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// add lists an archive of year published at pub under DocID id.
func (f *fakeMIS) add(id string, year int, pub string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs = append(f.docs, map[string]any{"Document": map[string]any{
		"ExpiredDate": "2099-12-31T23:59:59-06:00", "ILMStatus": "EXT", "SecurityStatus": "P", "ContentSize": fmt.Sprint(len(data)),
		"Extension": "zip", "ReportTypeID": 13061, "FriendlyName": fmt.Sprintf("RTMLZHBSPP_%d", year),
		"ConstructedName": fmt.Sprintf("rpt.00013061.0000000000000000.%s.RTMLZHBSPP_%d.zip", strings.ReplaceAll(pub[:10], "-", ""), year),
		"DocID":           id, "PublishDate": pub, "ReportName": "Historical RTM Load Zone and Hub Prices",
	}})
	f.files[id] = data
}

func (f *fakeMIS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	if q := f.faults[r.URL.Path]; len(q) > 0 {
		f.faults[r.URL.Path] = q[1:]
		f.mu.Unlock()
		q[0](w, r)
		return
	}
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/misapp/servlets/IceDocListJsonWS":
		if r.URL.Query().Get("reportTypeId") != "13061" {
			json.NewEncoder(w).Encode(map[string]any{"ListDocsByRptTypeRes": map[string]any{"DocumentList": []any{}}})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ListDocsByRptTypeRes": map[string]any{"DocumentList": f.docs}})
	case "/misdownload/servlets/mirDownload":
		data, ok := f.files[r.URL.Query().Get("doclookupId")]
		if !ok {
			http.Error(w, "no such document", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="archive.zip"`)
		w.Write(data)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeMIS) fault(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[path] = append(f.faults[path], h)
}

func (f *fakeMIS) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// shortBody answers with Content-Length len(data) but sends only half.
func shortBody(data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:len(data)/2])
	}
}

func TestSyncERCOTArchive(t *testing.T) {
	fm, srv := newFakeMIS(t)
	full := testArchive2024(t)
	fm.add("900", 2024, "2024-12-01T06:00:00-06:00", []byte("an older, partial version that must not be used"))
	fm.add("901", 2024, "2025-01-02T06:00:12-06:00", full)
	fm.add("800", 2023, "2024-01-02T06:00:12-06:00", nil)
	fm.fault("/misapp/servlets/IceDocListJsonWS", status(500, "busy"))
	fm.fault("/misdownload/servlets/mirDownload", shortBody(full))
	c, sl := testClient(t)
	dir := t.TempDir()
	res, err := c.SyncERCOTArchive(context.Background(), dir, ERCOTArchiveRequest{Year: 2024, SettlementPoint: "hb_west", BaseURL: srv.URL})
	if err != nil {
		t.Fatalf("SyncERCOTArchive error = %v", err)
	}
	if len(sl.all()) != 2 {
		t.Errorf("%d retries, want 2 (a 500 on the list, a short body on the download)", len(sl.all()))
	}
	wantReqs := []string{
		"/misapp/servlets/IceDocListJsonWS?reportTypeId=13061", "/misapp/servlets/IceDocListJsonWS?reportTypeId=13061",
		"/misdownload/servlets/mirDownload?doclookupId=901", "/misdownload/servlets/mirDownload?doclookupId=901",
	}
	if got := fm.seen(); !slices.Equal(got, wantReqs) {
		t.Errorf("requests = %q, want %q", got, wantReqs)
	}
	path := filepath.Join(dir, "ercot-rt-HB_WEST.csv")
	if res.Path != path || res.Rows != 576 || res.Added != 576 || res.First != "2024-03-09T00:00:00-06:00" || res.Last != "2024-11-04T23:45:00-06:00" {
		t.Errorf("result = %+v", res)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, w := range []string{"RTMLZHBSPP_2024, published 2025-01-02T06:00:12-06:00: 576 intervals of HB_WEST (type HU)",
		"360 delivery date(s) of 2024 missing or incomplete in the archive: 2024-01-01, 2024-01-02",
		"1 row(s) without data skipped: "} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes %q lack %q", notes, w)
		}
	}
	starts := append(wantIntervals("2024-03-09", "2024-03-11"), wantIntervals("2024-11-02", "2024-11-04")...)
	checkArchivePrices(t, readERCOTFile(t, path), archivePoints[0], starts)
	meta, err := ReadMeta(path)
	if err != nil || meta.Source != "ercot NP6-785-ER" || meta.Rows != 576 || !strings.Contains(meta.URL, "doclookupId=901") || meta.Format != "timestamp,price" {
		t.Errorf("meta = %+v, %v", meta, err)
	}

	// A complete past year in the cache costs no request.
	loc, _ := time.LoadLocation("America/Chicago")
	var year []ERCOTPrice
	for x := time.Date(2023, 1, 1, 0, 0, 0, 0, loc); x.Before(time.Date(2024, 1, 1, 0, 0, 0, 0, loc)); x = x.Add(15 * time.Minute) {
		year = append(year, ERCOTPrice{Start: x, SettlementPoint: "HB_WEST", PriceUSDPerMWh: 1})
	}
	dir2 := t.TempDir()
	if err := writeCacheFile(filepath.Join(dir2, "ercot-rt-HB_WEST.csv"), func(w io.Writer) error { return WriteERCOTCache(w, year) }, Meta{}); err != nil {
		t.Fatal(err)
	}
	before := len(fm.seen())
	res, err = c.SyncERCOTArchive(context.Background(), dir2, ERCOTArchiveRequest{Year: 2023, SettlementPoint: "HB_WEST", BaseURL: srv.URL})
	if err != nil || !res.UpToDate || res.Rows != 35040 || len(fm.seen()) != before {
		t.Errorf("complete 2023: %+v, %v, %d new requests; want up to date, 35040 rows, none", res, err, len(fm.seen())-before)
	}
}

func TestSyncERCOTArchiveFailures(t *testing.T) {
	fm, srv := newFakeMIS(t)
	full := testArchive2024(t)
	fm.add("901", 2024, "2025-01-02T06:00:12-06:00", full[:len(full)-100]) // served whole, but cut
	fm.add("902", 2022, "2023-01-02T06:00:12-06:00", full)
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	rawZipEntry(t, zw, "rpt.00013061.0000000000000000.RTMLZHBSPP_2020.xlsx", bytes.Repeat([]byte{0}, 1<<16), 1<<40)
	zw.Close()
	fm.add("903", 2020, "2021-01-02T06:00:12-06:00", bomb.Bytes())
	fm.add("904", 2019, "2020-01-02T06:00:12-06:00", mutateRow(t, 7, func(r []any) []any { r[6] = "12,5"; return r }))
	c, _ := testClient(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ercot-rt-HB_WEST.csv")
	old := "timestamp,price\n2020-01-01T00:00:00-06:00,1\n"
	os.WriteFile(path, []byte(old), 0o644)
	for _, tc := range []struct {
		name string
		req  ERCOTArchiveRequest
		want string
		is   error
	}{
		{"truncated archive", ERCOTArchiveRequest{Year: 2024, SettlementPoint: "HB_WEST"}, "doclookupId=901: not a readable zip archive, truncated or corrupt", nil},
		{"year not listed", ERCOTArchiveRequest{Year: 2021, SettlementPoint: "HB_WEST"}, "no NP6-785-ER archive for 2021 in " + srv.URL + "/misapp/servlets/IceDocListJsonWS?reportTypeId=13061 (years listed: 2019 to 2024)", ErrNoData},
		{"zip bomb", ERCOTArchiveRequest{Year: 2020, SettlementPoint: "HB_WEST"}, "doclookupId=903/rpt.00013061.0000000000000000.RTMLZHBSPP_2020.xlsx: input too large: declares 1099511627776 bytes uncompressed", ErrTooLarge},
		{"malformed price", ERCOTArchiveRequest{Year: 2019, SettlementPoint: "HB_WEST"}, `doclookupId=904/rpt.00013061.0000000000000000.RTMLZHBSPP_2024.xlsx!Nov:7:7: Settlement Point Price (G7): not a number: "12,5"`, nil},
		{"year out of range", ERCOTArchiveRequest{Year: 2009, SettlementPoint: "HB_WEST"}, "year 2009: want 2010 to 2025", ErrBadRequest},
		{"future year", ERCOTArchiveRequest{Year: 2026, SettlementPoint: "HB_WEST"}, "year 2026: want 2010 to 2025", ErrBadRequest},
		{"bad point", ERCOTArchiveRequest{Year: 2024, SettlementPoint: "HB WEST"}, `settlement point "HB WEST"`, ErrBadRequest},
		{"bad type", ERCOTArchiveRequest{Year: 2024, SettlementPoint: "LZ_WEST", SettlementPointType: "L/Z"}, `settlement point type "L/Z"`, ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.BaseURL = srv.URL
			_, err := c.SyncERCOTArchive(context.Background(), dir, tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
			if got, _ := os.ReadFile(path); string(got) != old {
				t.Errorf("the cache changed after a failure: %q", got)
			}
			assertNoTempFiles(t, dir)
		})
	}
	// A list that is not the MIS format.
	fm.fault("/misapp/servlets/IceDocListJsonWS", ok(`<html>Access Denied</html>`))
	_, err := c.SyncERCOTArchive(context.Background(), dir, ERCOTArchiveRequest{Year: 2022, SettlementPoint: "HB_WEST", BaseURL: srv.URL})
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.File, "IceDocListJsonWS") {
		t.Errorf("HTML list: error = %v, want a *ParseError naming the list URL", err)
	}
	// An unusable cache file stops the fetch with its line.
	os.WriteFile(path, []byte("timestamp,price\nyesterday,1\n"), 0o644)
	_, err = c.SyncERCOTArchive(context.Background(), dir, ERCOTArchiveRequest{Year: 2022, SettlementPoint: "HB_WEST", BaseURL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "ercot-rt-HB_WEST.csv:2") || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("bad cache: error = %v", err)
	}
}

func TestImportERCOTArchive(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "RTMLZHBSPP_2024.zip")
	os.WriteFile(file, testArchive2024(t), 0o644)
	c, _ := testClient(t)
	res, err := c.ImportERCOTArchive(dir, file, ERCOTArchiveRequest{SettlementPoint: "LZ_WEST", SettlementPointType: "LZEW"})
	if err != nil {
		t.Fatalf("ImportERCOTArchive error = %v", err)
	}
	if res.Rows != 576 || !strings.Contains(strings.Join(res.Notes, "\n"), "RTMLZHBSPP_2024.zip: 576 intervals of LZ_WEST (type LZEW)") {
		t.Errorf("result = %+v", res)
	}
	starts := append(wantIntervals("2024-03-09", "2024-03-11"), wantIntervals("2024-11-02", "2024-11-04")...)
	got := readERCOTFile(t, filepath.Join(dir, "ercot-rt-LZ_WEST.csv"))
	for i := range got {
		got[i].SettlementPoint = "LZ_WEST"
	}
	checkArchivePrices(t, got, archivePoints[2], starts)
	// A bad cell in a local file names the file (bad input).
	os.WriteFile(file, mutateRow(t, 7, func(r []any) []any { r[6] = "x"; return r }), 0o644)
	_, err = c.ImportERCOTArchive(dir, file, ERCOTArchiveRequest{SettlementPoint: "HB_WEST"})
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.File, file+"/") {
		t.Errorf("bad cell: error = %v, want a *ParseError in %s", err, file)
	}
	if _, err := c.ImportERCOTArchive(dir, filepath.Join(dir, "absent.zip"), ERCOTArchiveRequest{SettlementPoint: "HB_WEST"}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("absent file: error = %v, want ErrBadRequest", err)
	}
}

// TestERCOTCacheLoadsAsPrices is the round trip of the ERCOT cache files:
// what the API fetcher (ercot-prices) and the archive fetcher
// (ercot-archive) write loads through LoadPrices, dispatch's --prices
// reader, with every interval and every price, across both DST days.
func TestERCOTCacheLoadsAsPrices(t *testing.T) {
	loc, _ := time.LoadLocation("America/Chicago")
	check := func(t *testing.T, path string, from, to string, price func(time.Time) float64) {
		t.Helper()
		cached := readERCOTFile(t, path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		starts := wantIntervals(from, to)
		f, _ := time.ParseInLocation(time.DateOnly, from, loc)
		s, err := LoadPrices(bytes.NewReader(data), path, PriceOptions{From: f, To: starts[len(starts)-1].Add(15 * time.Minute)})
		if err != nil {
			t.Fatalf("LoadPrices(%s) error = %v", path, err)
		}
		n := 0
		for _, p := range cached {
			if !p.Start.Before(f) && p.Start.Before(s.End()) {
				n++
			}
		}
		if len(s.PricesUSDPerMWh) != len(starts) || n != len(starts) || s.Interval != 15*time.Minute || !s.Start.Equal(starts[0]) {
			t.Fatalf("LoadPrices(%s) = %d prices every %v from %v (cache rows in window %d), want %d every 15m from %v",
				path, len(s.PricesUSDPerMWh), s.Interval, s.Start, n, len(starts), starts[0])
		}
		for i, st := range starts {
			if !s.Time(i).Equal(st) || s.PricesUSDPerMWh[i] != price(st) {
				t.Fatalf("interval %d = %v %v, want %v %v", i, s.Time(i), s.PricesUSDPerMWh[i], st, price(st))
			}
		}
	}
	t.Run("ercot-prices", func(t *testing.T) {
		srv := httptest.NewServer(&fakeERCOT{})
		defer srv.Close()
		c, _ := testClient(t)
		dir := t.TempDir()
		res, err := c.SyncERCOTPrices(context.Background(), dir, ERCOTRequest{SettlementPoint: "HB_WEST",
			From: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 11, 5, 0, 0, 0, 0, time.UTC), BaseURL: srv.URL, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 5*96+4 {
			t.Errorf("rows = %d, want %d", res.Rows, 5*96+4)
		}
		check(t, res.Path, "2024-11-01", "2024-11-05", ercotPriceAt)
		res, err = c.SyncERCOTPrices(context.Background(), dir, ERCOTRequest{SettlementPoint: "HB_WEST",
			From: time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC), BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res.Path, "2024-03-09", "2024-03-11", ercotPriceAt)
	})
	t.Run("ercot-archive", func(t *testing.T) {
		fm, srv := newFakeMIS(t)
		sheets := archiveSheets("2024-10-28", "2024-11-05", archivePoints, false, false)
		fm.add("901", 2024, "2025-01-02T06:00:12-06:00", archiveZip(t, 2024, xlBook{sheets: append(sheets, archiveSheets("2024-03-08", "2024-03-12", archivePoints, true, true)...)}))
		c, _ := testClient(t)
		dir := t.TempDir()
		res, err := c.SyncERCOTArchive(context.Background(), dir, ERCOTArchiveRequest{Year: 2024, SettlementPoint: "LZ_WEST", SettlementPointType: "LZ", BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if want := 9*96 + 4 + 5*96 - 4; res.Rows != want {
			t.Errorf("rows = %d, want %d", res.Rows, want)
		}
		price := func(x time.Time) float64 { return archivePrice(archivePoints[1], x) }
		check(t, res.Path, "2024-10-28", "2024-11-05", price)
		check(t, res.Path, "2024-03-08", "2024-03-12", price)
	})
}

func TestParseMISDocList(t *testing.T) {
	pub := time.Date(2025, 1, 2, 12, 0, 12, 0, time.UTC)
	for _, tc := range []struct {
		name, body string
		want       []misDocument
		err        string
	}{
		{"list", `{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1065471230","FriendlyName":"RTMLZHBSPP_2024","ConstructedName":"rpt.00013061.0000000000000000.RTMLZHBSPP_2024.zip","PublishDate":"2025-01-02T06:00:12-06:00","ContentSize":"14000000"}}]}}`,
			[]misDocument{{"1065471230", "RTMLZHBSPP_2024", "rpt.00013061.0000000000000000.RTMLZHBSPP_2024.zip", pub}}, ""},
		{"one object, numeric id", `{"ListDocsByRptTypeRes":{"DocumentList":{"Document":{"DocID":42,"FriendlyName":"RTMLZHBSPP_2011"}}}}`,
			[]misDocument{{DocID: "42", FriendlyName: "RTMLZHBSPP_2011"}}, ""},
		{"empty", `{"ListDocsByRptTypeRes":{"DocumentList":[]}}`, []misDocument{}, ""},
		{"no list", `{"ListDocsByRptTypeRes":{}}`, []misDocument{}, ""},
		{"not the format", `{"error":"maintenance"}`, nil, `list.json: no data: no "ListDocsByRptTypeRes"`},
		{"bad id", `{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"../etc"}}]}}`, nil, `list.json: ListDocsByRptTypeRes.DocumentList[0].Document.DocID: want a number, got "../etc"`},
		{"bad date", `{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1","PublishDate":"yesterday"}}]}}`, nil, `DocumentList[0].Document.PublishDate: want RFC 3339, got "yesterday"`},
		{"no document", `{"ListDocsByRptTypeRes":{"DocumentList":[{}]}}`, nil, `DocumentList[0].Document: missing`},
		{"truncated", `{"ListDocsByRptTypeRes":{"DocumentList":[{"Doc`, nil, `list.json:1:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMISDocList([]byte(tc.body), "list.json")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("parseMISDocList error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("parseMISDocList = %+v, %v; want %+v", got, err, tc.want)
			}
			for i := range got {
				if got[i].DocID != tc.want[i].DocID || got[i].FriendlyName != tc.want[i].FriendlyName || got[i].ConstructedName != tc.want[i].ConstructedName || !got[i].PublishDate.Equal(tc.want[i].PublishDate) {
					t.Errorf("document %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestPickArchive(t *testing.T) {
	at := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, s); return x }
	docs := []misDocument{
		{DocID: "5", FriendlyName: "RTMLZHBSPP_2023", PublishDate: at("2024-01-02T06:00:00-06:00")},
		{DocID: "7", ConstructedName: "rpt.00013061.0000000000000000.20240601.RTMLZHBSPP_2024.zip", PublishDate: at("2024-06-01T06:00:00-05:00")},
		{DocID: "9", FriendlyName: "RTMLZHBSPP_2024", PublishDate: at("2025-01-02T06:00:00-06:00")},
		{DocID: "10", FriendlyName: "RTMLZHBSPP_2024", PublishDate: at("2025-01-02T06:00:00-06:00")},
		{DocID: "11", FriendlyName: "README"},
	}
	for _, tc := range []struct {
		year int
		id   string
		ok   bool
	}{{2024, "10", true}, {2023, "5", true}, {2022, "", false}} {
		d, years, ok := pickArchive(docs, tc.year)
		if ok != tc.ok || d.DocID != tc.id || !slices.Equal(years, []int{2023, 2024}) {
			t.Errorf("pickArchive(%d) = %q, %v, %v; want %q, %v, [2023 2024]", tc.year, d.DocID, years, ok, tc.id, tc.ok)
		}
	}
}

const archiveSamplePath = "testdata/ercot-np6-785-er-sample.zip"

// TestArchiveSample checks the sample archive of the example (the autumn
// DST day 2024-11-03, HB_WEST and both types of LZ_WEST); run with
// -update-ercot-archive to write it again.
func TestArchiveSample(t *testing.T) {
	if *updateArchiveSample {
		book := xlBook{sheets: archiveSheets("2024-11-03", "2024-11-03", archivePoints[:3], false, false)}
		if err := os.WriteFile(archiveSamplePath, archiveZip(t, 2024, book), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(archiveSamplePath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), archiveSamplePath, ERCOTArchiveOptions{SettlementPoint: "LZ_WEST", SettlementPointType: "LZ"})
	if err != nil {
		t.Fatal(err)
	}
	checkArchivePrices(t, a.Prices, archivePoints[1], wantIntervals("2024-11-03", "2024-11-03"))
}

// The yearly archive read for one hub; the autumn DST day has 100
// intervals, its repeated hour at two different instants.
func ExampleParseERCOTArchive() {
	f, err := os.Open("testdata/ercot-np6-785-er-sample.zip")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := ParseERCOTArchive(f, st.Size(), "RTMLZHBSPP_2024.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d intervals of %s (type %s)\n", len(a.Prices), a.Prices[0].SettlementPoint, a.SettlementPointType)
	for _, p := range a.Prices[4:13] {
		if p.Start.Minute() == 0 || p.Start.Minute() == 45 {
			fmt.Printf("%s  %s  %.2f\n", p.Start.UTC().Format("15:04Z"), p.Start.In(ercotLoc()).Format(time.RFC3339), p.PriceUSDPerMWh)
		}
	}
	// Output:
	// 100 intervals of HB_WEST (type HU)
	// 06:00Z  2024-11-03T01:00:00-05:00  62.50
	// 06:45Z  2024-11-03T01:45:00-05:00  65.50
	// 07:00Z  2024-11-03T01:00:00-06:00  66.50
	// 07:45Z  2024-11-03T01:45:00-06:00  69.50
	// 08:00Z  2024-11-03T02:00:00-06:00  70.50
}

// FuzzParseERCOTArchive feeds whole archives to the parser: no panic, an
// error is a *ParseError, and what is returned is sorted without repeats.
func FuzzParseERCOTArchive(f *testing.F) {
	f.Add(archiveZip(f, 2024, xlBook{sheets: archiveSheets("2024-11-03", "2024-11-03", archivePoints[:1], false, false)}))
	f.Add(xlBook{sheets: archiveSheets("2024-03-10", "2024-03-10", archivePoints[:1], true, true)}.build(f))
	f.Add(zipStored(f, "a.xlsx", []byte("PK")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		saved := archiveLimits
		archiveLimits.MaxWorkbookBytes, archiveLimits.XLSX.MaxPartBytes, archiveLimits.XLSX.MaxTotalBytes = 4<<20, 4<<20, 8<<20
		defer func() { archiveLimits = saved }()
		a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: "HB_WEST"})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if len(a.Prices) > 0 {
				t.Fatalf("prices and an error")
			}
			return
		}
		for i := 1; i < len(a.Prices); i++ {
			if !a.Prices[i].Start.After(a.Prices[i-1].Start) {
				t.Fatalf("prices %d and %d not in order: %v, %v", i-1, i, a.Prices[i-1].Start, a.Prices[i].Start)
			}
		}
	})
}

// FuzzParseMISDocList: no panic; an error is a *ParseError; DocIDs are
// digits (they go into a URL).
func FuzzParseMISDocList(f *testing.F) {
	f.Add(`{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1065471230","FriendlyName":"RTMLZHBSPP_2024","PublishDate":"2025-01-02T06:00:12-06:00"}}]}}`)
	f.Add(`{"ListDocsByRptTypeRes":{"DocumentList":{"Document":{"DocID":42}}}}`)
	f.Add(`{"ListDocsByRptTypeRes":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		docs, err := parseMISDocList([]byte(body), "list.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		for _, d := range docs {
			if d.DocID == "" || strings.Trim(d.DocID, "0123456789") != "" {
				t.Fatalf("DocID %q is not digits", d.DocID)
			}
		}
	})
}

// BenchmarkParseERCOTArchive reads a month sheet the size of a real one
// (January 2024, 20 settlement points: 59,520 rows).
func BenchmarkParseERCOTArchive(b *testing.B) {
	var points []archivePoint
	for i := range 20 {
		points = append(points, archivePoint{fmt.Sprintf("HB_P%02d", i), "HU", float64(i)})
	}
	data := archiveZip(b, 2024, xlBook{sheets: archiveSheets("2024-01-01", "2024-01-31", points, true, false)})
	b.ReportAllocs()
	for b.Loop() {
		a, err := ParseERCOTArchive(bytes.NewReader(data), int64(len(data)), "a.zip", ERCOTArchiveOptions{SettlementPoint: "HB_P07"})
		if err != nil || len(a.Prices) != 31*96 {
			b.Fatalf("%d prices, %v", len(a.Prices), err)
		}
	}
}
