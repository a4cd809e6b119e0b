package market

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A hand-written workbook for the tests: each part is written as Excel
// writes it (ECMA-376 part names, relationships, a shared string table),
// so the reader is tested against the format, not against itself.

// xlRaw is a cell given as its raw XML (attributes and content after <c r=..).
type xlRaw string

// xlSheet is one test sheet: rows of cells, a cell being a string, a
// number (int or float64), nil (no cell) or xlRaw.
type xlSheet struct {
	name   string
	rows   [][]any
	inline bool // strings as inline strings instead of shared ones
	noRefs bool // rows and cells without r attributes
}

// xlBook is a test workbook.
type xlBook struct {
	sheets   []xlSheet
	date1904 bool
	noRels   bool // no relationships parts: parts found by convention
	extra    map[string]string
}

// build writes the workbook as .xlsx bytes (deflated parts).
func (b xlBook) build(t testing.TB) []byte {
	t.Helper()
	var shared []string
	sharedIdx := map[string]int{}
	var parts [][2]string
	var sheetsXML, relsXML strings.Builder
	for i, s := range b.sheets {
		fmt.Fprintf(&sheetsXML, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlEscape(s.name), i+1, i+1)
		fmt.Fprintf(&relsXML, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		var w strings.Builder
		w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
		w.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>`)
		for r, row := range s.rows {
			if s.noRefs {
				w.WriteString(`<row>`)
			} else {
				fmt.Fprintf(&w, `<row r="%d" spans="1:%d">`, r+1, max(len(row), 1))
			}
			for c, v := range row {
				if v == nil {
					continue
				}
				ref := ""
				if !s.noRefs {
					ref = fmt.Sprintf(` r="%s"`, cellRef(c, r+1))
				}
				switch x := v.(type) {
				case string:
					if s.inline {
						fmt.Fprintf(&w, `<c%s t="inlineStr"><is><t>%s</t></is></c>`, ref, xmlEscape(x))
						continue
					}
					k, ok := sharedIdx[x]
					if !ok {
						k = len(shared)
						sharedIdx[x] = k
						shared = append(shared, x)
					}
					fmt.Fprintf(&w, `<c%s t="s"><v>%d</v></c>`, ref, k)
				case int:
					fmt.Fprintf(&w, `<c%s><v>%d</v></c>`, ref, x)
				case float64:
					fmt.Fprintf(&w, `<c%s s="2"><v>%s</v></c>`, ref, strconv.FormatFloat(x, 'g', -1, 64))
				case xlRaw:
					fmt.Fprintf(&w, `<c%s%s`, ref, x)
				default:
					t.Fatalf("test: cell type %T", v)
				}
			}
			w.WriteString(`</row>`)
		}
		w.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
		parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), w.String()})
	}
	fmt.Fprintf(&relsXML, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, len(b.sheets)+1)
	var ss strings.Builder
	fmt.Fprintf(&ss, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(shared), len(shared))
	for _, s := range shared {
		fmt.Fprintf(&ss, `<si><t>%s</t></si>`, xmlEscape(s))
	}
	ss.WriteString(`</sst>`)
	pr := `<workbookPr defaultThemeVersion="124226"/>`
	if b.date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	head := []([2]string){
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><fileVersion appName="xl"/>` + pr + `<bookViews><workbookView/></bookViews><sheets>` + sheetsXML.String() + `</sheets><calcPr calcId="0"/></workbook>`},
		{"xl/sharedStrings.xml", ss.String()},
	}
	if !b.noRels {
		head = append(head,
			[2]string{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
			[2]string{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + relsXML.String() + `</Relationships>`})
	}
	parts = append(head, parts...)
	for k, v := range b.extra {
		parts = append(parts, [2]string{k, v})
	}
	return zipParts(t, parts)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// zipParts writes a deflated zip of (name, content) pairs with a fixed
// modification time.
func zipParts(t testing.TB, parts [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate, Modified: time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every sheet of a workbook: sheet name -> rows as text
// ("type:value" cells joined by |, row numbers kept).
func readAll(data []byte, lim xlsxLimits) (map[string][]string, []string, error) {
	b, err := openXLSX(bytes.NewReader(data), int64(len(data)), "book.xlsx", lim)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]string{}
	var names []string
	for _, s := range b.sheets {
		names = append(names, s.Name)
		err := b.eachRow(s, func(row int, cells []xlsxCell) error {
			var f []string
			for _, c := range cells {
				f = append(f, c.Type.String()+":"+c.Value)
			}
			out[s.Name] = append(out[s.Name], fmt.Sprintf("%d %s", row, strings.Join(f, "|")))
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return out, names, nil
}

func TestXLSXCells(t *testing.T) {
	book := xlBook{sheets: []xlSheet{
		{name: "Jan", rows: [][]any{
			{"Delivery Date", "Price", "Note"},
			{"01/01/2024", 14.25, "a & b <c>"},
			{45292, -3.5, nil, xlRaw(` t="b"><v>1</v></c>`)},
			nil,
			{xlRaw(` t="e"><v>#N/A</v></c>`), xlRaw(` t="str"><f>A2</f><v>01/01/2024</v></c>`), xlRaw(`/>`), xlRaw(` t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text</t></r><rPh><t>ignored</t></rPh></is></c>`)},
		}},
		{name: "Feb & Mar", inline: true, noRefs: true, rows: [][]any{
			{"inline", 1, "x"},
			{"y"},
		}},
	}}
	got, names, err := readAll(book.build(t), defaultXLSXLimits)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := map[string][]string{
		"Jan": {
			"1 text:Delivery Date|text:Price|text:Note",
			"2 text:01/01/2024|number:14.25|text:a & b <c>",
			"3 number:45292|number:-3.5|empty:|boolean:1",
			"4 ",
			"5 error value:#N/A|text:01/01/2024|empty:|text:rich text",
		},
		"Feb & Mar": {"1 text:inline|number:1|text:x", "2 text:y"},
	}
	if !slices.Equal(names, []string{"Jan", "Feb & Mar"}) {
		t.Errorf("sheets = %q, want Jan, Feb & Mar", names)
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("sheet %s rows =\n%q\nwant\n%q", k, got[k], w)
		}
	}
}

func TestXLSXWithoutRelationships(t *testing.T) {
	data := xlBook{noRels: true, date1904: true, sheets: []xlSheet{{name: "S", rows: [][]any{{"a", 1}}}}}.build(t)
	b, err := openXLSX(bytes.NewReader(data), int64(len(data)), "book.xlsx", defaultXLSXLimits)
	if err != nil {
		t.Fatalf("openXLSX: %v", err)
	}
	if !b.date1904 || len(b.sheets) != 1 || b.sheets[0].Path != "xl/worksheets/sheet1.xml" || len(b.shared) != 1 {
		t.Errorf("book = date1904 %v, sheets %+v, %d shared strings; want true, [S xl/worksheets/sheet1.xml], 1", b.date1904, b.sheets, len(b.shared))
	}
}

func TestCellReferences(t *testing.T) {
	for _, tc := range []struct {
		ref string
		col int
		ok  bool
	}{
		{"A1", 0, true}, {"Z9", 25, true}, {"AA10", 26, true}, {"az3", 51, true}, {"XFD1048576", 16383, true},
		{"", 0, false}, {"A", 0, false}, {"12", 0, false}, {"A1B", 0, false}, {"ABCD1", 0, false}, {"A-1", 0, false},
	} {
		col, ok := parseCellColumn([]byte(tc.ref))
		if ok != tc.ok || ok && col != tc.col {
			t.Errorf("parseCellColumn(%q) = %d, %v; want %d, %v", tc.ref, col, ok, tc.col, tc.ok)
		}
		if tc.ok && strings.ToUpper(tc.ref) != cellRef(tc.col, atoiSuffix(tc.ref)) {
			t.Errorf("cellRef(%d, %d) = %q, want %q", tc.col, atoiSuffix(tc.ref), cellRef(tc.col, atoiSuffix(tc.ref)), strings.ToUpper(tc.ref))
		}
	}
}

func atoiSuffix(s string) int {
	i := strings.IndexAny(s, "0123456789")
	n, _ := strconv.Atoi(s[i:])
	return n
}

// sheetXML wraps rows in a worksheet part.
func sheetXML(rows string) string {
	return `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
}

func TestScanSheetErrors(t *testing.T) {
	for _, tc := range []struct {
		name, xml, want string
		is              error
	}{
		{"shared index out of range", `<row r="3"><c r="B3" t="s"><v>7</v></c></row>`, `sheet!S:3:2: B3: shared string 7: the workbook has 1`, nil},
		{"shared index not a number", `<row r="1"><c r="A1" t="s"><v>x</v></c></row>`, `A1: shared string index "x"`, nil},
		{"cells out of order", `<row r="2"><c r="C2"><v>1</v></c><c r="B2"><v>2</v></c></row>`, `sheet!S:2:2: B2: cell B2 comes after column 3`, nil},
		{"rows out of order", `<row r="5"/><row r="4"/>`, `sheet!S:4: row 4 comes after row 5`, nil},
		{"bad row number", `<row r="x"/>`, `row number "x"`, nil},
		{"bad cell reference", `<row r="1"><c r="1A"><v>1</v></c></row>`, `cell reference "1A"`, nil},
		{"unknown cell type", `<row r="1"><c r="A1" t="q"><v>1</v></c></row>`, `cell type t="q"`, nil},
		{"too many rows", `<row r="11"/>`, `row 11, at most 10 rows`, ErrTooLarge},
		{"too many columns", `<row r="1"><c r="K1"><v>1</v></c></row>`, `column 11, at most 10 columns`, ErrTooLarge},
		{"long cell", `<row r="1"><c r="A1" t="inlineStr"><is><t>` + strings.Repeat("x", 101) + `</t></is></c></row>`, `cell text longer than 100 bytes`, ErrTooLarge},
		{"bad XML", `<row r="1"><c r="A1"><v>1</c></row>`, `sheet!S:1: XML (line 1 of the part): </c> closes <v>`, nil},
		{"truncated", `<row r="1"><c r="A1"><v>1</v>`, `sheet!S`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := defaultXLSXLimits
			lim.MaxRows, lim.MaxCols, lim.MaxCellBytes = 10, 10, 100
			err := scanSheet([]byte(sheetXML(tc.xml)), "sheet!S", []string{"a"}, lim, func(int, []xlsxCell) error { return nil })
			var pe *ParseError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &pe) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("scanSheet error = %v, want a *ParseError containing %q (is %v)", err, tc.want, tc.is)
			}
		})
	}
	// Truncated XML ends with a clear message.
	err := scanSheet([]byte(sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`)[:120]), "S", nil, defaultXLSXLimits, func(int, []xlsxCell) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "S") {
		t.Errorf("truncated sheet: error = %v", err)
	}
}

// rawZipEntry writes an entry with a declared uncompressed size and CRC of
// the caller's choosing (for zip bombs that lie).
func rawZipEntry(t testing.TB, zw *zip.Writer, name string, content []byte, declared uint64) {
	t.Helper()
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
}

func TestXLSXBounds(t *testing.T) {
	small := xlBook{sheets: []xlSheet{{name: "S", rows: [][]any{{"a", 1}, {"b", 2}}}}}
	t.Run("too many entries", func(t *testing.T) {
		b := small
		b.extra = map[string]string{}
		for i := range 5 {
			b.extra[fmt.Sprintf("docProps/x%d.xml", i)] = "<x/>"
		}
		lim := defaultXLSXLimits
		lim.MaxEntries = 8
		_, _, err := readAll(b.build(t), lim)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "zip entries") {
			t.Errorf("error = %v, want ErrTooLarge about zip entries", err)
		}
	})
	t.Run("declared bomb", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		data := small.build(t)
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		for _, f := range zr.File {
			if f.Name == "xl/worksheets/sheet1.xml" {
				rc, _ := f.Open()
				content, _ := io.ReadAll(rc)
				rawZipEntry(t, zw, f.Name, content, 1<<40)
				continue
			}
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		zw.Close()
		_, _, err := readAll(buf.Bytes(), defaultXLSXLimits)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "declares 1099511627776 bytes") {
			t.Errorf("error = %v, want ErrTooLarge naming the declared size", err)
		}
	})
	t.Run("inflates past the bound", func(t *testing.T) {
		b := xlBook{sheets: []xlSheet{{name: "S", rows: [][]any{{strings.Repeat(" ", 4000)}}}}}
		lim := defaultXLSXLimits
		lim.MaxPartBytes = 2000
		_, _, err := readAll(b.build(t), lim)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("error = %v, want ErrTooLarge", err)
		}
	})
	t.Run("total bound", func(t *testing.T) {
		b := xlBook{sheets: []xlSheet{{name: "A", rows: [][]any{{1}}}, {name: "B", rows: [][]any{{2}}}}}
		lim := defaultXLSXLimits
		lim.MaxTotalBytes = 2000
		_, _, err := readAll(b.build(t), lim)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("error = %v, want ErrTooLarge", err)
		}
	})
	t.Run("shared strings", func(t *testing.T) {
		b := xlBook{sheets: []xlSheet{{name: "S", rows: [][]any{{"a", "b", "c"}}}}}
		lim := defaultXLSXLimits
		lim.MaxSharedStrings = 2
		_, _, err := readAll(b.build(t), lim)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "shared strings") {
			t.Errorf("error = %v, want ErrTooLarge about shared strings", err)
		}
	})
	t.Run("not a zip", func(t *testing.T) {
		data := small.build(t)
		_, _, err := readAll(data[:len(data)/2], defaultXLSXLimits)
		if err == nil || !strings.Contains(err.Error(), "book.xlsx: not a readable .xlsx") {
			t.Errorf("error = %v, want not a readable .xlsx", err)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		data := zipParts(t, [][2]string{{"hello.txt", "hi"}})
		_, _, err := readAll(data, defaultXLSXLimits)
		if err == nil || !strings.Contains(err.Error(), "not a workbook: no xl/workbook.xml (entries: hello.txt)") {
			t.Errorf("error = %v, want not a workbook", err)
		}
	})
	t.Run("duplicate entry", func(t *testing.T) {
		data := zipParts(t, [][2]string{{"xl/workbook.xml", "<workbook/>"}, {"XL/Workbook.xml", "<workbook/>"}})
		_, _, err := readAll(data, defaultXLSXLimits)
		if err == nil || !strings.Contains(err.Error(), "appears twice") {
			t.Errorf("error = %v, want a duplicate entry error", err)
		}
	})
}

// sheetRows runs a sheet scanner and returns its rows as text.
func sheetRows(scan func(fn func(int, []xlsxCell) error) error) ([]string, error) {
	var rows []string
	err := scan(func(row int, cells []xlsxCell) error {
		var f []string
		for _, c := range cells {
			f = append(f, c.Type.String()+":"+c.Value)
		}
		rows = append(rows, fmt.Sprintf("%d %q", row, f))
		return nil
	})
	return rows, err
}

func TestScanSheetMatchesEncodingXML(t *testing.T) {
	for _, doc := range []string{
		sheetXML(`<row r="1"><c r="A1" t="s"><v>1</v></c><c r="C1"><v> 2.5 </v></c></row><row r="3"/>`),
		`<?xml version="1.0" encoding="UTF-8"?>` + "\r\n" + `<!-- made by hand --><x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r='2'><x:c r='B2' t='inlineStr'><x:is><x:t>a&amp;b &lt;&#65;&#x42;&gt; &quot;&apos;` + "\r\nz" + `</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
		sheetXML(`<row><c t="str"><f>A1</f><v><![CDATA[<raw> & ]]>text</v></c><c/><c t="e"><v>#DIV/0!</v></c><c t="b"><v>0</v></c></row>`),
		sheetXML(`<row r="1" spans="1:2" ht="15"><c r="A1" s="3" t="inlineStr"><is><r><t>a</t></r><rPh sb="0" eb="1"><t>x</t></rPh><r><t>b</t></r></is></c></row>`),
		sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><?pi data?>`),
	} {
		lim := defaultXLSXLimits
		shared := []string{"s0", "s1"}
		want, werr := sheetRows(func(fn func(int, []xlsxCell) error) error {
			return scanSheetXML(strings.NewReader(doc), "S", shared, lim, fn)
		})
		got, err := sheetRows(func(fn func(int, []xlsxCell) error) error { return scanSheet([]byte(doc), "S", shared, lim, fn) })
		if werr != nil || err != nil || !slices.Equal(got, want) {
			t.Errorf("scanSheet(%q) = %q, %v\nencoding/xml gives %q, %v", doc, got, err, want, werr)
		}
	}
}

// FuzzScanSheet feeds worksheet XML to the sheet scanner: no panic, an
// error is always a *ParseError, rows stay in the bounds, and whatever
// encoding/xml (scanSheetXML) reads, the scanner reads the same.
func FuzzScanSheet(f *testing.F) {
	for _, s := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>`,
		`<row><c t="inlineStr"><is><r><t>x&amp;y&#65;</t></r><rPh><t>y</t></rPh></is></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>`,
		`<row r="2"><c r="C2" t="str"><f>A1</f><v><![CDATA[z<]]></v></c></row><row r="1"/>`,
		`<row r="1"><c r="A1"><v>1</c></row>`,
		`<row r='1'><!-- c --><c r='AB1'><v>` + "\r\n" + `</v></c></row>`,
	} {
		f.Add(sheetXML(s))
	}
	f.Fuzz(func(t *testing.T, doc string) {
		lim := defaultXLSXLimits
		lim.MaxRows, lim.MaxCols = 1000, 100
		shared := []string{"a", "b"}
		got, err := sheetRows(func(fn func(int, []xlsxCell) error) error {
			return scanSheet([]byte(doc), "S", shared, lim, func(row int, cells []xlsxCell) error {
				if row < 1 || row > lim.MaxRows || len(cells) > lim.MaxCols {
					t.Fatalf("row %d with %d cells passes the bounds", row, len(cells))
				}
				return fn(row, cells)
			})
		})
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		want, werr := sheetRows(func(fn func(int, []xlsxCell) error) error {
			return scanSheetXML(strings.NewReader(doc), "S", shared, lim, fn)
		})
		if werr == nil && (err != nil || !slices.Equal(got, want)) {
			t.Fatalf("scanSheet = %q, %v; encoding/xml reads %q", got, err, want)
		}
	})
}

// FuzzOpenXLSX feeds whole files to the workbook reader.
func FuzzOpenXLSX(f *testing.F) {
	f.Add(xlBook{sheets: []xlSheet{{name: "S", rows: [][]any{{"a", 1, 2.5}}}}}.build(f))
	f.Add(xlBook{noRels: true, sheets: []xlSheet{{name: "S", inline: true, rows: [][]any{{"a"}}}}}.build(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := defaultXLSXLimits
		lim.MaxPartBytes, lim.MaxTotalBytes = 1<<20, 4<<20
		_, _, err := readAll(data, lim)
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
	})
}

// scanSheetXML is scanSheet written with encoding/xml: the second
// implementation the tests check the scanner against.
func scanSheetXML(r io.Reader, name string, shared []string, lim xlsxLimits, fn func(row int, cells []xlsxCell) error) error {
	d := xml.NewDecoder(r)
	var (
		cells           []xlsxCell
		rowNum, prevRow int
		inData, inRow   bool
		col             int // current cell's column, 0-based; -1 outside a cell
		prevCol         int
		ctype           string
		text            []byte
		inV, inIS, inT  bool
		rph             int
		hasValue        bool
		stack           []string // open elements: RawToken does not match them
	)
	errAt := func(format string, args ...any) error {
		pe := &ParseError{File: name, Line: rowNum, Err: fmt.Errorf(format, args...)}
		if col >= 0 {
			pe.Col = col + 1
			pe.Field = cellRef(col, rowNum)
		}
		return pe
	}
	col = -1
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if inData || inRow || len(stack) > 0 {
				return &ParseError{File: name, Line: rowNum, Err: errors.New("sheet XML ends inside <sheetData> (truncated?)")}
			}
			return nil
		}
		if err != nil {
			if inRow {
				var se *xml.SyntaxError
				if errors.As(err, &se) {
					return &ParseError{File: name, Line: rowNum, Err: fmt.Errorf("XML (line %d of the part): %s", se.Line, se.Msg)}
				}
			}
			return xmlError(name, d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return &ParseError{File: name, Line: rowNum, Err: fmt.Errorf("XML nested deeper than %d elements", maxXMLDepth)}
			}
			stack = append(stack, t.Name.Local)
			switch t.Name.Local {
			case "sheetData":
				inData = true
			case "row":
				if !inData {
					continue
				}
				if inRow {
					return errAt("<row> inside a row")
				}
				n := prevRow + 1
				if v := attr(t.Attr, "r"); v != "" {
					k, err := strconv.Atoi(v)
					if err != nil || k < 1 {
						return &ParseError{File: name, Line: prevRow + 1, Err: fmt.Errorf("row number %q: want an integer >= 1", v)}
					}
					n = k
				}
				if n <= prevRow {
					return &ParseError{File: name, Line: n, Err: fmt.Errorf("row %d comes after row %d: rows must increase", n, prevRow)}
				}
				if n > lim.MaxRows {
					return &ParseError{File: name, Line: n, Err: fmt.Errorf("%w: row %d, at most %d rows", ErrTooLarge, n, lim.MaxRows)}
				}
				inRow, rowNum, prevCol, cells = true, n, -1, cells[:0]
			case "c":
				if !inRow {
					continue
				}
				c := prevCol + 1
				if ref := attr(t.Attr, "r"); ref != "" {
					k, ok := parseCellColumn([]byte(ref))
					if !ok {
						col = -1
						return errAt("cell reference %q: want letters and a row number such as B7", truncateText(ref, 20))
					}
					c = k
				}
				col = c
				if c >= lim.MaxCols {
					return errAt("%w: column %d, at most %d columns", ErrTooLarge, c+1, lim.MaxCols)
				}
				if c <= prevCol {
					return errAt("cell %s comes after column %d: cells must go left to right", cellRef(c, rowNum), prevCol+1)
				}
				ctype, text, hasValue = attr(t.Attr, "t"), text[:0], false
			case "v":
				if col >= 0 {
					inV, hasValue = true, true
				}
			case "is":
				if col >= 0 {
					inIS, hasValue = true, true
				}
			case "t":
				inT = inIS && rph == 0
			case "rPh":
				rph++
			}
		case xml.EndElement:
			if n := len(stack); n == 0 || stack[n-1] != t.Name.Local {
				open := "nothing"
				if n > 0 {
					open = "<" + stack[n-1] + ">"
				}
				return &ParseError{File: name, Line: rowNum, Err: fmt.Errorf("XML: </%s> closes %s", t.Name.Local, open)}
			}
			stack = stack[:len(stack)-1]
			switch t.Name.Local {
			case "sheetData":
				inData = false
			case "row":
				if !inRow {
					continue
				}
				if err := fn(rowNum, cells); err != nil {
					return err
				}
				inRow, prevRow = false, rowNum
			case "c":
				if col < 0 {
					continue
				}
				cell, err := makeCell(ctype, text, hasValue, shared)
				if err != nil {
					return errAt("%v", err)
				}
				for len(cells) < col {
					cells = append(cells, xlsxCell{})
				}
				cells = append(cells, cell)
				prevCol, col = col, -1
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				rph = max(rph-1, 0)
			}
		case xml.Directive:
			return &ParseError{File: name, Line: rowNum, Err: errors.New("a DOCTYPE or declaration is not allowed in a worksheet")}
		case xml.CharData:
			if inV || inT {
				if len(text)+len(t) > lim.MaxCellBytes {
					return errAt("%w: cell text longer than %d bytes", ErrTooLarge, lim.MaxCellBytes)
				}
				text = append(text, t...)
			}
		}
	}
}

// attr returns the value of the attribute with local name local.
func attr(as []xml.Attr, local string) string {
	for _, a := range as {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// makeCell builds a cell for scanSheetXML.
func makeCell(ctype string, text []byte, hasValue bool, shared []string) (xlsxCell, error) {
	typ, sv, span, err := cellValue(ctype, text, hasValue, shared)
	if err != nil || typ == cellEmpty || sv != "" {
		return xlsxCell{Type: typ, Value: sv}, err
	}
	return xlsxCell{Type: typ, Value: string(span)}, nil
}

// BenchmarkScanSheet reads one month sheet the size of a real one
// (January 2024, 20 points: 59,520 rows) with the scanner and with
// encoding/xml (scanSheetXML); MB/s are of the sheet's XML.
func BenchmarkScanSheet(b *testing.B) {
	var points []archivePoint
	for i := range 20 {
		points = append(points, archivePoint{fmt.Sprintf("HB_P%02d", i), "HU", float64(i)})
	}
	data := xlBook{sheets: archiveSheets("2024-01-01", "2024-01-31", points, true, false)}.build(b)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var sheet, shared []byte
	for _, f := range zr.File {
		rc, _ := f.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		switch f.Name {
		case "xl/worksheets/sheet1.xml":
			sheet = content
		case "xl/sharedStrings.xml":
			shared = content
		}
	}
	bk := &xlsxBook{name: "b", lim: defaultXLSXLimits, parts: map[string]*zip.File{}}
	for _, f := range zr.File {
		bk.parts[strings.ToLower(f.Name)] = f
	}
	if err := bk.readSharedStrings("xl/sharedStrings.xml"); err != nil || len(shared) == 0 {
		b.Fatal(err)
	}
	count := func(n *int) func(int, []xlsxCell) error {
		return func(_ int, cells []xlsxCell) error { *n += len(cells); return nil }
	}
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(sheet)))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			if err := scanSheet(sheet, "S", bk.shared, defaultXLSXLimits, count(&n)); err != nil || n != 59521*7 {
				b.Fatalf("%d cells, %v", n, err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(sheet)))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			if err := scanSheetXML(bytes.NewReader(sheet), "S", bk.shared, defaultXLSXLimits, count(&n)); err != nil || n != 59521*7 {
				b.Fatalf("%d cells, %v", n, err)
			}
		}
	})
}
