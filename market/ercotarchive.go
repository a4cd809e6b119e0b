package market

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ERCOT's yearly archives of real-time prices: report NP6-785-ER,
// "Historical RTM Load Zone and Hub Prices" (MIS report type 13061), one
// zip a year (RTMLZHBSPP_2024.zip) holding an .xlsx workbook with a sheet
// a month. Each row is one 15-minute interval of one hub or load zone:
//
//	Delivery Date | Delivery Hour | Delivery Interval | Repeated Hour Flag | Settlement Point Name | Settlement Point Type | Settlement Point Price
//	01/01/2024    | 1             | 1                 | N                  | HB_WEST               | HU                    | 14.22
//
// Delivery Hour is the hour ending (1..24) in US Central clock time; the
// repeated hour of the autumn DST day comes twice, the second time with
// Repeated Hour Flag Y. Load zones come twice per interval, as type LZ
// (the settlement point price) and LZEW (energy weighted).

// Where ERCOT lists and serves the archives.
const (
	// DefaultERCOTMISURL is ERCOT's Market Information System host, which
	// lists report documents and serves them without a key.
	DefaultERCOTMISURL = "https://www.ercot.com"
	// ERCOTArchiveReportTypeID is the MIS report type of NP6-785-ER.
	ERCOTArchiveReportTypeID = 13061
	misListPath              = "/misapp/servlets/IceDocListJsonWS"
	misDownloadPath          = "/misdownload/servlets/mirDownload"
)

// archiveLimits bound an archive: entries of the outer zip, the size of a
// workbook inside it, and the workbook's own limits. Tests lower them.
var archiveLimits = struct {
	MaxEntries       int
	MaxWorkbookBytes int64
	XLSX             xlsxLimits
	MaxPoints        int
}{
	MaxEntries:       64,
	MaxWorkbookBytes: 256 << 20,
	XLSX:             defaultXLSXLimits,
	MaxPoints:        10_000,
}

// ERCOTArchiveOptions choose the prices ParseERCOTArchive keeps.
type ERCOTArchiveOptions struct {
	// SettlementPoint is the hub or load zone (HB_WEST, LZ_WEST), compared
	// without regard to case. Required.
	SettlementPoint string
	// SettlementPointType picks one type of the point (LZ or LZEW for a
	// load zone). Empty means the point's only type; a point with several
	// is then an error that lists them.
	SettlementPointType string
	// OnSheet, when set, is called after each sheet with the sheets done
	// and the total (for a progress bar).
	OnSheet func(done, total int)
}

// ERCOTArchive is what ParseERCOTArchive read for one settlement point.
type ERCOTArchive struct {
	// Prices are the point's 15-minute prices, sorted by Start, no two
	// with the same Start.
	Prices []ERCOTPrice
	// SettlementPointType is the type kept (HU, LZ, LZEW...).
	SettlementPointType string
	// Sheets names the sheets read, as workbook!sheet.
	Sheets []string
	// Skipped lists the rows without data (no hour, interval, point or
	// price, such as the blank footer row of some years) as sheet:row.
	Skipped []string
	// Incomplete lists the delivery dates between the first and the last
	// price that hold fewer intervals than the day has (96; 92 or 100 on
	// DST days).
	Incomplete []ERCOTDayCount
}

// ERCOTDayCount is the number of intervals of one delivery date.
type ERCOTDayCount struct {
	Date      time.Time // the date, at 00:00 UTC
	Intervals int
	Want      int
}

// archiveRow is one kept row and where it came from.
type archiveRow struct {
	start time.Time
	price float64
	sheet int // index in ERCOTArchive.Sheets
	row   int
}

// archiveColumns are the column indexes of a sheet's header (-1: absent).
type archiveColumns struct {
	date, hour, interval, flag, name, typ, price int
	header                                       []string
}

// archiveHeaders are the normalised header names (lower case, no spaces or
// underscores) of each column; the first four and the last two are required.
var archiveHeaders = []struct {
	field string
	names []string
}{
	{"Delivery Date", []string{"deliverydate"}},
	{"Delivery Hour", []string{"deliveryhour", "hourending"}},
	{"Delivery Interval", []string{"deliveryinterval"}},
	{"Settlement Point Name", []string{"settlementpointname", "settlementpoint"}},
	{"Settlement Point Price", []string{"settlementpointprice"}},
	{"Repeated Hour Flag", []string{"repeatedhourflag", "dstflag"}},
	{"Settlement Point Type", []string{"settlementpointtype"}},
}

func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	return strings.NewReplacer(" ", "", "_", "", "\u00a0", "").Replace(s)
}

// findArchiveColumns reads a header row; ok is false when the row has
// none of the archive's headers (not a price sheet).
func findArchiveColumns(cells []xlsxCell) (archiveColumns, []string, bool) {
	idx := make([]int, len(archiveHeaders))
	found := 0
	header := make([]string, len(cells))
	for i := range idx {
		idx[i] = -1
	}
	for c, cell := range cells {
		header[c] = strings.TrimSpace(cell.Value)
		h := normHeader(cell.Value)
		for i, ah := range archiveHeaders {
			if idx[i] < 0 && slices.Contains(ah.names, h) {
				idx[i] = c
				found++
			}
		}
	}
	var missing []string
	for i := 0; i < 5; i++ {
		if idx[i] < 0 {
			missing = append(missing, archiveHeaders[i].field)
		}
	}
	cols := archiveColumns{date: idx[0], hour: idx[1], interval: idx[2], name: idx[3], price: idx[4], flag: idx[5], typ: idx[6], header: header}
	return cols, missing, found > 0
}

// ParseERCOTArchive reads an NP6-785-ER yearly archive (a zip holding one
// or more .xlsx workbooks, or a bare .xlsx) of size bytes from r and
// returns the prices of one settlement point. name is used in messages,
// which name the workbook, the sheet, the row and the column:
// `RTMLZHBSPP_2024.zip/RTMLZHBSPP_2024.xlsx!Jan:7:7: Settlement Point
// Price (G7): not a number: "n/a"`.
//
// Each row maps to the exact instant its interval starts (US Central):
// the hour ending, the interval and the Repeated Hour Flag give it, so the
// repeated autumn hour keeps both passes and the short spring day skips
// one. Nothing is merged or dropped silently: two rows for one instant,
// a flag Y anywhere but on the repeated hour, a malformed date, hour,
// interval or price of the point are errors; rows with no data at all are
// listed in Skipped. Bounds (zip entries, declared and read sizes, rows)
// give ErrTooLarge; errors are *ParseError values (joined when several).
func ParseERCOTArchive(r io.ReaderAt, size int64, name string, opt ERCOTArchiveOptions) (ERCOTArchive, error) {
	want := strings.ToLower(strings.TrimSpace(opt.SettlementPoint))
	if want == "" {
		return ERCOTArchive{}, fmt.Errorf("%w: a settlement point is required", ErrBadRequest)
	}
	wantType := strings.ToLower(strings.TrimSpace(opt.SettlementPointType))
	books, err := openArchiveBooks(r, size, name)
	if err != nil {
		return ERCOTArchive{}, err
	}
	total := 0
	for _, b := range books {
		total += len(b.sheets)
	}
	var out ERCOTArchive
	byType := map[string][]archiveRow{} // lower-case type -> rows
	typeNames := map[string]string{}    // lower case -> as written
	points := map[string]string{}       // lower case -> as written
	for _, b := range books {
		for _, s := range b.sheets {
			si := len(out.Sheets)
			out.Sheets = append(out.Sheets, b.sheetName(s))
			err := readArchiveSheet(b, s, func(row int, typ string, rr archiveRow) {
				rr.sheet, rr.row = si, row
				k := strings.ToLower(typ)
				if _, ok := typeNames[k]; !ok {
					typeNames[k] = typ
				}
				byType[k] = append(byType[k], rr)
			}, want, wantType, points, &out.Skipped)
			if err != nil {
				return ERCOTArchive{}, err
			}
			if opt.OnSheet != nil {
				opt.OnSheet(si+1, total)
			}
		}
	}
	if len(byType) == 0 {
		what := fmt.Sprintf("settlement point %q", opt.SettlementPoint)
		if wantType != "" {
			what += fmt.Sprintf(" of type %q", opt.SettlementPointType)
		}
		return ERCOTArchive{}, &ParseError{File: name, Err: &choiceError{msg: fmt.Sprintf("no %s; the archive has %s", what, orNone(listPoints(points))), also: ErrNoData}}
	}
	if len(byType) > 1 {
		var ts []string
		for k, rows := range byType {
			ts = append(ts, fmt.Sprintf("%s (%d rows)", orNone(typeNames[k]), len(rows)))
		}
		slices.Sort(ts)
		return ERCOTArchive{}, &ParseError{File: name, Err: &choiceError{msg: fmt.Sprintf("settlement point %s has %d types in the archive: %s; choose one as the settlement point type",
			points[want], len(ts), strings.Join(ts, ", "))}}
	}
	var rows []archiveRow
	for k, rs := range byType {
		rows, out.SettlementPointType = rs, typeNames[k]
	}
	slices.SortStableFunc(rows, func(a, b archiveRow) int { return a.start.Compare(b.start) })
	var errs []error
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if !a.start.Equal(b.start) {
			continue
		}
		if len(errs) == maxPriceErrors {
			errs = append(errs, &ParseError{File: name, Err: errors.New("more intervals given twice")})
			break
		}
		loc, _ := ercotLocation()
		errs = append(errs, &ParseError{File: out.Sheets[b.sheet], Line: b.row, Field: "Delivery Hour",
			Err: fmt.Errorf("the interval starting %s is given twice (also %s:%d)", b.start.In(loc).Format(time.RFC3339), out.Sheets[a.sheet], a.row)})
	}
	if len(errs) > 0 {
		return ERCOTArchive{}, errors.Join(errs...)
	}
	sp := points[want]
	out.Prices = make([]ERCOTPrice, len(rows))
	for i, r := range rows {
		out.Prices[i] = ERCOTPrice{Start: r.start, SettlementPoint: sp, PriceUSDPerMWh: r.price}
	}
	out.Incomplete = incompleteDays(out.Prices)
	return out, nil
}

// choiceError is a request the archive cannot answer as asked: an unknown
// settlement point, or one with several types and none chosen. It matches
// ErrBadRequest (and also, when set).
type choiceError struct {
	msg  string
	also error
}

func (e *choiceError) Error() string { return e.msg }

// Is reports whether target is ErrBadRequest or e.also.
func (e *choiceError) Is(target error) bool {
	return target == ErrBadRequest || e.also != nil && target == e.also
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// openArchiveBooks opens the workbooks of an archive: the zip itself when
// it is an .xlsx, else each .xlsx entry of it (in name order).
func openArchiveBooks(r io.ReaderAt, size int64, name string) ([]*xlsxBook, error) {
	lim := archiveLimits
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("not a readable zip archive, truncated or corrupt: %w", err)}
	}
	parts, err := zipIndex(zr, name, max(lim.MaxEntries, lim.XLSX.MaxEntries))
	if err != nil {
		return nil, err
	}
	if parts["xl/workbook.xml"] != nil || parts["[content_types].xml"] != nil {
		b, err := openXLSX(r, size, name, lim.XLSX)
		if err != nil {
			return nil, err
		}
		return []*xlsxBook{b}, nil
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: %d zip entries, at most %d", ErrTooLarge, len(zr.File), lim.MaxEntries)}
	}
	var books []*xlsxBook
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !strings.HasSuffix(strings.ToLower(f.Name), ".xlsx") {
			continue
		}
		member := name + "/" + f.Name
		if f.UncompressedSize64 > uint64(lim.MaxWorkbookBytes) {
			return nil, &ParseError{File: member, Err: fmt.Errorf("%w: declares %d bytes uncompressed, at most %d", ErrTooLarge, f.UncompressedSize64, lim.MaxWorkbookBytes)}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &ParseError{File: member, Err: err}
		}
		data, err := readBounded(rc, lim.MaxWorkbookBytes, member)
		rc.Close()
		if err != nil {
			return nil, err
		}
		b, err := openXLSX(bytes.NewReader(data), int64(len(data)), member, lim.XLSX)
		if err != nil {
			return nil, err
		}
		books = append(books, b)
	}
	if len(books) == 0 {
		slices.Sort(names)
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: no .xlsx workbook in the archive (entries: %s)", ErrNoData, orNone(summarizeList(names, 8)))}
	}
	slices.SortFunc(books, func(a, b *xlsxBook) int { return strings.Compare(a.name, b.name) })
	return books, nil
}

// readArchiveSheet reads one sheet, calling keep for each row of the
// wanted point (and type, when wantType is set). Sheets with none of the
// archive's headers in their first row are not price sheets and are
// passed over.
func readArchiveSheet(b *xlsxBook, s xlsxSheet, keep func(row int, typ string, r archiveRow), want, wantType string, points map[string]string, skipped *[]string) error {
	file := b.sheetName(s)
	var cols *archiveColumns
	notPrices := false
	err := b.eachRow(s, func(row int, cells []xlsxCell) error {
		if notPrices || allEmpty(cells) {
			return nil
		}
		if cols == nil {
			c, missing, ok := findArchiveColumns(cells)
			if !ok {
				notPrices = true
				return nil
			}
			if len(missing) > 0 {
				return &ParseError{File: file, Line: row, Err: fmt.Errorf("header %q lacks %s", strings.Join(c.header, ","), strings.Join(missing, ", "))}
			}
			cols = &c
			return nil
		}
		get := func(i int) xlsxCell {
			if i < 0 || i >= len(cells) {
				return xlsxCell{}
			}
			return cells[i]
		}
		nameCell := get(cols.name)
		if get(cols.hour).Type == cellEmpty && get(cols.interval).Type == cellEmpty &&
			strings.TrimSpace(nameCell.Value) == "" && get(cols.price).Type == cellEmpty {
			*skipped = append(*skipped, fmt.Sprintf("%s:%d", file, row))
			return nil
		}
		bad := func(c int, format string, args ...any) error {
			return &ParseError{File: file, Line: row, Col: c + 1, Field: fmt.Sprintf("%s (%s)", archiveField(cols, c), cellRef(c, row)), Err: fmt.Errorf(format, args...)}
		}
		sp := strings.TrimSpace(nameCell.Value)
		if sp == "" || nameCell.Type != cellString {
			return bad(cols.name, "want a settlement point name, got %s", describeCell(nameCell))
		}
		key := strings.ToLower(sp)
		if _, ok := points[key]; !ok {
			if len(points) >= archiveLimits.MaxPoints {
				return bad(cols.name, "%w: more than %d settlement points", ErrTooLarge, archiveLimits.MaxPoints)
			}
			points[key] = sp
		}
		if key != want {
			return nil
		}
		typ := strings.TrimSpace(get(cols.typ).Value)
		if wantType != "" && strings.ToLower(typ) != wantType {
			return nil
		}
		date, err := archiveDate(get(cols.date), b.date1904)
		if err != nil {
			return bad(cols.date, "%v", err)
		}
		he, err := archiveInt(get(cols.hour), 1, 24)
		if err != nil {
			return bad(cols.hour, "%v", err)
		}
		iv, err := archiveInt(get(cols.interval), 1, 4)
		if err != nil {
			return bad(cols.interval, "%v", err)
		}
		repeated, err := archiveFlag(get(cols.flag))
		if err != nil {
			return bad(cols.flag, "%v", err)
		}
		if repeated && !(ercotDayHours(date) == 25 && he == 2) {
			return bad(cols.flag, "Y on hour ending %d of %s: only hour ending 2 of the day clocks go back (a 25-hour day) repeats", he, date.Format(time.DateOnly))
		}
		start, err := ercotIntervalStart(date, he, iv, repeated)
		if err != nil {
			return bad(cols.hour, "%v", err)
		}
		pc := get(cols.price)
		var price float64
		switch pc.Type {
		case cellNumber, cellString:
			if price, err = parseFinite(strings.TrimSpace(pc.Value)); err != nil {
				return bad(cols.price, "%v", err)
			}
		case cellEmpty:
			return bad(cols.price, "%w: empty price", ErrMissingValue)
		default:
			return bad(cols.price, "want a number, got %s", describeCell(pc))
		}
		keep(row, typ, archiveRow{start: start, price: price})
		return nil
	})
	return err
}

// archiveField names column c of a sheet by its header.
func archiveField(cols *archiveColumns, c int) string {
	if c >= 0 && c < len(cols.header) && cols.header[c] != "" {
		return cols.header[c]
	}
	return "column " + cellRef(c, 1)[:len(cellRef(c, 1))-1]
}

func allEmpty(cells []xlsxCell) bool {
	for _, c := range cells {
		if c.Type != cellEmpty && strings.TrimSpace(c.Value) != "" {
			return false
		}
	}
	return true
}

func describeCell(c xlsxCell) string {
	if c.Type == cellEmpty {
		return "an empty cell"
	}
	return fmt.Sprintf("the %s %q", c.Type, truncateText(c.Value, 40))
}

// archiveDate reads a delivery date: text (01/02/2006 or 2006-01-02) or an
// Excel serial day number (1900 or 1904 date system).
func archiveDate(c xlsxCell, date1904 bool) (time.Time, error) {
	switch c.Type {
	case cellString:
		return parseERCOTDate(c.Value)
	case cellNumber:
		v, err := parseFinite(c.Value)
		if err != nil {
			return time.Time{}, err
		}
		if v != math.Trunc(v) || v < 1 || v > 2958465 { // 9999-12-31
			return time.Time{}, fmt.Errorf("serial date %s: want a whole day number", c.Value)
		}
		// The 1900 system counts from 1899-12-31 as day 0 and keeps Lotus
		// 1-2-3's false 1900-02-29 as day 60: from day 61 on, day n is
		// 1899-12-30 + n. The 1904 system counts from 1904-01-01 as day 0.
		epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		if date1904 {
			epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		t := epoch.AddDate(0, 0, int(v))
		if t.Year() < 2000 {
			return time.Time{}, fmt.Errorf("serial date %s is %s, before 2000", c.Value, t.Format(time.DateOnly))
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a date, got %s", describeCell(c))
}

// archiveInt reads a whole number in [lo, hi] from a numeric or text cell.
func archiveInt(c xlsxCell, lo, hi int) (int, error) {
	if c.Type != cellNumber && c.Type != cellString {
		return 0, fmt.Errorf("want a whole number %d..%d, got %s", lo, hi, describeCell(c))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(c.Value), 64)
	if err != nil || v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return 0, fmt.Errorf("want a whole number %d..%d, got %q", lo, hi, truncateText(c.Value, 40))
	}
	return int(v), nil
}

// archiveFlag reads the Repeated Hour Flag: Y or N (empty is N).
func archiveFlag(c xlsxCell) (bool, error) {
	switch c.Type {
	case cellEmpty:
		return false, nil
	case cellBool:
		return c.Value == "1", nil
	case cellString:
		switch strings.ToUpper(strings.TrimSpace(c.Value)) {
		case "Y", "YES", "TRUE":
			return true, nil
		case "N", "NO", "FALSE", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("want Y or N, got %s", describeCell(c))
}

// ercotDayHours is the length in hours of a delivery date in US Central
// time: 23 when clocks go forward, 25 when they go back, else 24.
func ercotDayHours(date time.Time) int {
	loc, err := ercotLocation()
	if err != nil {
		return 24
	}
	y, m, d := date.Date()
	mid := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return int(time.Date(y, m, d+1, 0, 0, 0, 0, loc).Sub(mid) / time.Hour)
}

// incompleteDays lists the delivery dates from the first price's to the
// last's holding fewer 15-minute intervals than the day has.
func incompleteDays(ps []ERCOTPrice) []ERCOTDayCount {
	if len(ps) == 0 {
		return nil
	}
	loc, _ := ercotLocation()
	civil := func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	count := map[time.Time]int{}
	for _, p := range ps {
		count[civil(p.Start)]++
	}
	var out []ERCOTDayCount
	for d, last := civil(ps[0].Start), civil(ps[len(ps)-1].Start); !d.After(last); d = d.AddDate(0, 0, 1) {
		if want := ercotDayHours(d) * 4; count[d] < want {
			out = append(out, ERCOTDayCount{Date: d, Intervals: count[d], Want: want})
		}
	}
	return out
}

// misDocument is one document of ERCOT's MIS document list.
type misDocument struct {
	DocID           string
	FriendlyName    string
	ConstructedName string
	PublishDate     time.Time
}

// parseMISDocList reads ERCOT's MIS document list (IceDocListJsonWS):
//
//	{"ListDocsByRptTypeRes": {"DocumentList": [{"Document": {"DocID": "1065471230",
//	  "FriendlyName": "RTMLZHBSPP_2024", "ConstructedName":
//	  "rpt.00013061.0000000000000000.RTMLZHBSPP_2024.zip", "PublishDate":
//	  "2025-01-02T06:00:12-06:00", "Extension": "zip", ...}}, ...]}}
//
// DocumentList may also be a single object; DocID a number or a string.
func parseMISDocList(data []byte, name string) ([]misDocument, error) {
	var top struct {
		Res *struct {
			List json.RawMessage `json:"DocumentList"`
		} `json:"ListDocsByRptTypeRes"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(name, data, err)
	}
	if top.Res == nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: no \"ListDocsByRptTypeRes\"", ErrNoData)}
	}
	type entry struct {
		Document *struct {
			DocID           json.RawMessage `json:"DocID"`
			FriendlyName    string          `json:"FriendlyName"`
			ConstructedName string          `json:"ConstructedName"`
			PublishDate     string          `json:"PublishDate"`
		} `json:"Document"`
	}
	var entries []entry
	list := bytes.TrimSpace(top.Res.List)
	switch {
	case len(list) == 0 || string(list) == "null":
	case list[0] == '{':
		var e entry
		if err := json.Unmarshal(list, &e); err != nil {
			return nil, &ParseError{File: name, Field: "ListDocsByRptTypeRes.DocumentList", Err: err}
		}
		entries = []entry{e}
	default:
		if err := json.Unmarshal(list, &entries); err != nil {
			return nil, &ParseError{File: name, Field: "ListDocsByRptTypeRes.DocumentList", Err: err}
		}
	}
	out := make([]misDocument, 0, len(entries))
	for i, e := range entries {
		field := fmt.Sprintf("ListDocsByRptTypeRes.DocumentList[%d].Document", i)
		if e.Document == nil {
			return nil, &ParseError{File: name, Field: field, Err: errors.New("missing")}
		}
		id := strings.Trim(string(bytes.TrimSpace(e.Document.DocID)), `"`)
		if id == "" || strings.Trim(id, "0123456789") != "" || len(id) > 20 {
			return nil, &ParseError{File: name, Field: field + ".DocID", Err: fmt.Errorf("want a number, got %s", truncateForError(e.Document.DocID))}
		}
		d := misDocument{DocID: id, FriendlyName: e.Document.FriendlyName, ConstructedName: e.Document.ConstructedName}
		if e.Document.PublishDate != "" {
			t, err := time.Parse(time.RFC3339, e.Document.PublishDate)
			if err != nil {
				return nil, &ParseError{File: name, Field: field + ".PublishDate", Err: fmt.Errorf("want RFC 3339, got %q", truncateText(e.Document.PublishDate, 40))}
			}
			d.PublishDate = t
		}
		out = append(out, d)
	}
	return out, nil
}

// archiveYear returns the year a document is the archive of (from
// RTMLZHBSPP_2024 or ..._2024.zip), or 0.
func archiveYear(d misDocument) int {
	for _, s := range []string{d.FriendlyName, strings.TrimSuffix(strings.ToLower(d.ConstructedName), ".zip")} {
		if i := strings.LastIndexByte(s, '_'); i >= 0 && len(s)-i == 5 {
			if y, err := strconv.Atoi(s[i+1:]); err == nil && y >= 2000 {
				return y
			}
		}
	}
	return 0
}

// pickArchive returns the latest published document of year y.
func pickArchive(docs []misDocument, y int) (misDocument, []int, bool) {
	var best misDocument
	found := false
	var years []int
	for _, d := range docs {
		dy := archiveYear(d)
		if dy != 0 && !slices.Contains(years, dy) {
			years = append(years, dy)
		}
		if dy != y {
			continue
		}
		newer := d.PublishDate.After(best.PublishDate) ||
			d.PublishDate.Equal(best.PublishDate) && (len(d.DocID) > len(best.DocID) || len(d.DocID) == len(best.DocID) && d.DocID > best.DocID)
		if !found || newer {
			best, found = d, true
		}
	}
	slices.Sort(years)
	return best, years, found
}

// ERCOTArchiveRequest is what SyncERCOTArchive fetches.
type ERCOTArchiveRequest struct {
	// Year is the archive's year (2010 on; the current year's archive is
	// partial).
	Year int
	// SettlementPoint is a hub or load zone such as HB_WEST or LZ_WEST.
	SettlementPoint string
	// SettlementPointType picks LZ or LZEW for a load zone (see
	// ERCOTArchiveOptions).
	SettlementPointType string
	// BaseURL is ERCOT's MIS host ("" = DefaultERCOTMISURL).
	BaseURL string
}

// SyncERCOTArchive adds a year of real-time prices of one settlement point
// from ERCOT's NP6-785-ER archive to the cache file
// dir/ERCOTCacheFile(ERCOTRealTime, point), the file `fetch ercot-prices`
// keeps: it lists the report's documents
// (/misapp/servlets/IceDocListJsonWS?reportTypeId=13061), downloads the
// year's latest zip (/misdownload/servlets/mirDownload?doclookupId=ID),
// parses it with ParseERCOTArchive and merges (the archive wins) and writes
// the file and its sidecar atomically. A past year the file already holds
// whole costs no request.
func (c *Client) SyncERCOTArchive(ctx context.Context, dir string, req ERCOTArchiveRequest) (SyncResult, error) {
	sp, err := checkArchiveRequest(req, c.now(), true)
	if err != nil {
		return SyncResult{}, err
	}
	path := filepath.Join(dir, ERCOTCacheFile(ERCOTRealTime, sp))
	cached, err := loadCachedWith(path, func(r io.Reader, name string) ([]ERCOTPrice, error) { return ReadERCOTCache(r, name, sp) })
	if err != nil && !errors.Is(err, ErrNoCache) {
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	loc, _ := ercotLocation()
	base := orDefault(req.BaseURL, DefaultERCOTMISURL)
	if req.Year < c.now().In(loc).Year() && len(yearGaps(cached, req.Year, c.now())) == 0 {
		res := SyncResult{Path: path, UpToDate: true, Rows: len(cached), FetchedAt: c.now(), Source: "ercot NP6-785-ER", URL: base}
		res.First, res.Last = ercotBounds(cached)
		return res, nil
	}
	listURL, err := joinURL(base, misListPath, url.Values{"reportTypeId": {strconv.Itoa(ERCOTArchiveReportTypeID)}})
	if err != nil {
		return SyncResult{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	body, err := c.get(ctx, listURL)
	if err != nil {
		return SyncResult{}, err
	}
	docs, err := parseMISDocList(body, listURL)
	if err != nil {
		return SyncResult{}, err
	}
	doc, years, ok := pickArchive(docs, req.Year)
	if !ok {
		have := "none"
		if len(years) > 0 {
			have = fmt.Sprintf("%d to %d", years[0], years[len(years)-1])
		}
		return SyncResult{}, fmt.Errorf("%w: ercot-archive: no NP6-785-ER archive for %d in %s (years listed: %s)", ErrNoData, req.Year, listURL, have)
	}
	dl, err := joinURL(base, misDownloadPath, url.Values{"doclookupId": {doc.DocID}})
	if err != nil {
		return SyncResult{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	zipBody, err := c.get(ctx, dl)
	if err != nil {
		return SyncResult{}, err
	}
	what := doc.FriendlyName
	if what == "" {
		what = "NP6-785-ER " + strconv.Itoa(req.Year)
	}
	if !doc.PublishDate.IsZero() {
		what += ", published " + doc.PublishDate.Format(time.RFC3339)
	}
	return c.mergeArchive(path, cached, bytes.NewReader(zipBody), int64(len(zipBody)), dl, req, sp, what)
}

// ImportERCOTArchive adds an NP6-785-ER archive already on disk (the zip,
// or the .xlsx inside it) to the cache file as SyncERCOTArchive does,
// without network. req.Year, when not zero, is the year whose missing
// days are reported; req.BaseURL is not used.
func (c *Client) ImportERCOTArchive(dir, file string, req ERCOTArchiveRequest) (SyncResult, error) {
	sp, err := checkArchiveRequest(req, c.now(), false)
	if err != nil {
		return SyncResult{}, err
	}
	f, err := os.Open(file)
	if err != nil {
		return SyncResult{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return SyncResult{}, fmt.Errorf("market: %w", err)
	}
	if st.Size() > fileLimit {
		return SyncResult{}, &ParseError{File: file, Err: fmt.Errorf("%w (%d bytes, at most %d)", ErrTooLarge, st.Size(), fileLimit)}
	}
	path := filepath.Join(dir, ERCOTCacheFile(ERCOTRealTime, sp))
	cached, err := loadCachedWith(path, func(r io.Reader, name string) ([]ERCOTPrice, error) { return ReadERCOTCache(r, name, sp) })
	if err != nil && !errors.Is(err, ErrNoCache) {
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	abs, _ := filepath.Abs(file)
	return c.mergeArchive(path, cached, f, st.Size(), abs, req, sp, filepath.Base(file))
}

// checkArchiveRequest validates a request and returns the point in upper
// case.
func checkArchiveRequest(req ERCOTArchiveRequest, now time.Time, needYear bool) (string, error) {
	sp := strings.ToUpper(strings.TrimSpace(req.SettlementPoint))
	if !settlementPointRE.MatchString(sp) {
		return "", fmt.Errorf("%w: settlement point %q: want letters, digits and _ (such as HB_WEST)", ErrBadRequest, req.SettlementPoint)
	}
	if t := req.SettlementPointType; t != "" && !settlementPointRE.MatchString(strings.ToUpper(strings.TrimSpace(t))) {
		return "", fmt.Errorf("%w: settlement point type %q: want letters, digits and _ (such as LZ or LZEW)", ErrBadRequest, t)
	}
	loc, _ := ercotLocation()
	last := now.In(loc).Year()
	if (needYear || req.Year != 0) && (req.Year < 2010 || req.Year > last) {
		return "", fmt.Errorf("%w: ercot-archive: year %d: want 2010 to %d", ErrBadRequest, req.Year, last)
	}
	return sp, nil
}

// yearGaps lists the delivery dates of year y, up to the one of now, that
// ps lacks or holds in part.
func yearGaps(ps []ERCOTPrice, y int, now time.Time) []string {
	loc, _ := ercotLocation()
	count := map[time.Time]int{}
	for _, p := range ps {
		l := p.Start.In(loc)
		if l.Year() == y {
			count[time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)]++
		}
	}
	var out []string
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y && !d.After(today); d = d.AddDate(0, 0, 1) {
		if count[d] < ercotDayHours(d)*4 {
			out = append(out, d.Format(time.DateOnly))
		}
	}
	return out
}

// mergeArchive parses an archive, merges its prices into the cached ones
// and writes the cache file with its sidecar.
func (c *Client) mergeArchive(path string, cached []ERCOTPrice, r io.ReaderAt, size int64, name string, req ERCOTArchiveRequest, sp, what string) (SyncResult, error) {
	var bar Progress
	a, err := ParseERCOTArchive(r, size, name, ERCOTArchiveOptions{
		SettlementPoint: sp, SettlementPointType: req.SettlementPointType,
		OnSheet: func(done, total int) {
			if bar == nil {
				bar = c.progress("ercot archive "+sp+" (sheets)", int64(total))
			}
			bar.Add(1)
		},
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return SyncResult{}, err
	}
	merged, added := mergeERCOT(cached, a.Prices)
	res := SyncResult{Path: path, Rows: len(merged), Added: added, FetchedAt: c.now(), Source: "ercot NP6-785-ER", URL: name}
	res.First, res.Last = ercotBounds(merged)
	year := req.Year
	if year == 0 {
		loc, _ := ercotLocation()
		year = a.Prices[0].Start.In(loc).Year()
	}
	res.Notes = append(res.Notes, fmt.Sprintf("%s: %d intervals of %s (type %s), %s .. %s", what, len(a.Prices), sp, orNone(a.SettlementPointType),
		a.Prices[0].Start.In(ercotLoc()).Format(time.RFC3339), a.Prices[len(a.Prices)-1].Start.In(ercotLoc()).Format(time.RFC3339)))
	if gaps := yearGaps(a.Prices, year, c.now()); len(gaps) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d delivery date(s) of %d missing or incomplete in the archive: %s", len(gaps), year, summarizeList(gaps, 5)))
	}
	if len(a.Skipped) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d row(s) without data skipped: %s", len(a.Skipped), summarizeList(a.Skipped, 3)))
	}
	meta := Meta{Source: res.Source, URL: name, FetchedAt: res.FetchedAt, Rows: res.Rows, First: res.First, Last: res.Last, Format: ERCOTCacheHeader,
		Note: fmt.Sprintf("settlement point %s (type %s), 15m0s intervals, interval start times in US Central, USD/MWh; last merged: %s", sp, orNone(a.SettlementPointType), what)}
	if err := writeCacheFile(path, func(w io.Writer) error { return WriteERCOTCache(w, merged) }, meta); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}

// ercotLoc is US Central (UTC if the zone data is unavailable).
func ercotLoc() *time.Location {
	if loc, err := ercotLocation(); err == nil {
		return loc
	}
	return time.UTC
}
