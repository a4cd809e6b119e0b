package market

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a small reader of the parts of an Office Open XML workbook
// (.xlsx, ECMA-376 / ISO/IEC 29500) that price archives need: the sheet
// list of the workbook, the shared strings, and the rows and cells of each
// sheet, with shared-string, inline-string, numeric, boolean and error
// cells. Styles, formulas, merged cells and the rest are ignored. Every
// read is bounded (xlsxLimits) and every problem is a *ParseError naming
// the part or the sheet, the row and the column.

// xlsxLimits bound what the workbook reader accepts.
type xlsxLimits struct {
	// MaxEntries bounds the zip entries of the workbook.
	MaxEntries int
	// MaxPartBytes bounds the uncompressed size of one part (a sheet, the
	// shared strings), declared or read.
	MaxPartBytes int64
	// MaxTotalBytes bounds the uncompressed bytes read from the whole
	// workbook.
	MaxTotalBytes int64
	// MaxRows and MaxCols bound a sheet (Excel's own limits by default).
	MaxRows, MaxCols int
	// MaxCellBytes bounds the text of one cell or shared string.
	MaxCellBytes int
	// MaxSharedStrings bounds the shared string table.
	MaxSharedStrings int
	// MaxSheets bounds the sheets of the workbook.
	MaxSheets int
}

// defaultXLSXLimits fit ERCOT's yearly archives (a sheet per month of some
// 70,000 rows, about 20 MB of XML each) with a wide margin.
var defaultXLSXLimits = xlsxLimits{
	MaxEntries:       1000,
	MaxPartBytes:     256 << 20,
	MaxTotalBytes:    2 << 30,
	MaxRows:          1 << 20, // 1,048,576: Excel's row limit
	MaxCols:          1 << 14, // 16,384: Excel's column limit (XFD)
	MaxCellBytes:     128 << 10,
	MaxSharedStrings: 1 << 22,
	MaxSheets:        1000,
}

// xlsxCellType is the kind of a cell's value.
type xlsxCellType uint8

// Cell kinds.
const (
	cellEmpty  xlsxCellType = iota // no cell, or a cell without a value
	cellString                     // shared, inline or formula string, or an ISO date (t="d")
	cellNumber                     // a number as written in the sheet (dates are serial numbers)
	cellBool                       // "0" or "1"
	cellError                      // an error value such as #N/A
)

func (t xlsxCellType) String() string {
	switch t {
	case cellString:
		return "text"
	case cellNumber:
		return "number"
	case cellBool:
		return "boolean"
	case cellError:
		return "error value"
	}
	return "empty"
}

// xlsxCell is one cell: its kind and its text.
type xlsxCell struct {
	Type  xlsxCellType
	Value string
}

// xlsxSheet is a worksheet of the workbook: its name and its part.
type xlsxSheet struct {
	Name string
	Path string
}

// xlsxBook is an open workbook.
type xlsxBook struct {
	name     string
	parts    map[string]*zip.File // by lower-case part name
	sheets   []xlsxSheet
	shared   []string
	date1904 bool
	lim      xlsxLimits
	read     int64 // uncompressed bytes read so far
}

// Relationship types (transitional and strict OOXML end the same way).
const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relSharedStrings  = "/sharedStrings"
)

// openXLSX opens the workbook in r (a zip of size bytes): it reads the sheet
// list, the date system and the shared strings. name is used in messages.
func openXLSX(r io.ReaderAt, size int64, name string, lim xlsxLimits) (*xlsxBook, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("not a readable .xlsx (zip) file, truncated or corrupt: %w", err)}
	}
	parts, err := zipIndex(zr, name, lim.MaxEntries)
	if err != nil {
		return nil, err
	}
	b := &xlsxBook{name: name, parts: parts, lim: lim}
	wbPath := "xl/workbook.xml"
	if rels, err := b.rels("_rels/.rels"); err != nil {
		return nil, err
	} else if t := rels.target(relOfficeDocument); t != "" {
		wbPath = t
	}
	if err := b.readWorkbook(wbPath); err != nil {
		return nil, err
	}
	return b, nil
}

// zipIndex maps the entries of zr by lower-case name; duplicate names and
// more than maxEntries entries are errors.
func zipIndex(zr *zip.Reader, name string, maxEntries int) (map[string]*zip.File, error) {
	if len(zr.File) > maxEntries {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: %d zip entries, at most %d", ErrTooLarge, len(zr.File), maxEntries)}
	}
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		k := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := parts[k]; dup {
			return nil, &ParseError{File: name, Err: fmt.Errorf("zip entry %q appears twice", f.Name)}
		}
		parts[k] = f
	}
	return parts, nil
}

// partName is the name used in messages for a part of the workbook.
func (b *xlsxBook) partName(p string) string { return b.name + "/" + p }

// sheetName is the name used in messages for a sheet: book!sheet.
func (b *xlsxBook) sheetName(s xlsxSheet) string { return b.name + "!" + s.Name }

// open opens a part for reading, refusing one that declares more than the
// bounds allow. The reader stops with ErrTooLarge at the bounds, whatever
// the part declared.
func (b *xlsxBook) open(p string) (io.ReadCloser, error) {
	f := b.parts[strings.ToLower(p)]
	if f == nil {
		return nil, nil
	}
	if f.UncompressedSize64 > uint64(b.lim.MaxPartBytes) {
		return nil, &ParseError{File: b.partName(p), Err: fmt.Errorf("%w: declares %d bytes uncompressed, at most %d", ErrTooLarge, f.UncompressedSize64, b.lim.MaxPartBytes)}
	}
	if b.read+int64(f.UncompressedSize64) > b.lim.MaxTotalBytes {
		return nil, &ParseError{File: b.partName(p), Err: fmt.Errorf("%w: the workbook declares more than %d bytes uncompressed", ErrTooLarge, b.lim.MaxTotalBytes)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &ParseError{File: b.partName(p), Err: err}
	}
	n := min(b.lim.MaxPartBytes, b.lim.MaxTotalBytes-b.read)
	return &countingReadCloser{b: b, rc: rc, lr: limitedReader{r: rc, n: n}}, nil
}

// countingReadCloser bounds a part's reader and adds what it read to the
// workbook's total.
type countingReadCloser struct {
	b  *xlsxBook
	rc io.ReadCloser
	lr limitedReader
}

func (c *countingReadCloser) Read(p []byte) (int, error) {
	n, err := c.lr.Read(p)
	c.b.read += int64(n)
	return n, err
}

func (c *countingReadCloser) Close() error { return c.rc.Close() }

// xlsxRels is a relationships part: Id -> (Type, Target resolved to a part
// name).
type xlsxRels []struct{ id, typ, target string }

func (r xlsxRels) target(typeSuffix string) string {
	for _, x := range r {
		if strings.HasSuffix(x.typ, typeSuffix) {
			return x.target
		}
	}
	return ""
}

func (r xlsxRels) byID(id string) (typ, target string, ok bool) {
	for _, x := range r {
		if x.id == id {
			return x.typ, x.target, true
		}
	}
	return "", "", false
}

// rels reads the relationships part p (absent: none). Targets are resolved
// against the folder of the part the relationships belong to.
func (b *xlsxBook) rels(p string) (xlsxRels, error) {
	rc, err := b.open(p)
	if err != nil || rc == nil {
		return nil, err
	}
	defer rc.Close()
	// "xl/_rels/workbook.xml.rels" belongs to "xl/workbook.xml": base "xl".
	base := path.Dir(path.Dir(p))
	var out xlsxRels
	err = walkXML(rc, b.partName(p), func(se xml.StartElement) error {
		if se.Name.Local != "Relationship" {
			return nil
		}
		if len(out) >= b.lim.MaxEntries {
			return fmt.Errorf("%w: more than %d relationships", ErrTooLarge, b.lim.MaxEntries)
		}
		var id, typ, target, mode string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				id = a.Value
			case "Type":
				typ = a.Value
			case "Target":
				target = a.Value
			case "TargetMode":
				mode = a.Value
			}
		}
		if mode == "External" {
			return nil
		}
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(base, target)
		}
		out = append(out, struct{ id, typ, target string }{id, typ, target})
		return nil
	})
	return out, err
}

// readWorkbook reads the sheet list and the date system of the workbook
// part p, then the shared strings.
func (b *xlsxBook) readWorkbook(p string) error {
	rc, err := b.open(p)
	if err != nil {
		return err
	}
	if rc == nil {
		return &ParseError{File: b.name, Err: fmt.Errorf("not a workbook: no %s (entries: %s)", p, b.entryList())}
	}
	defer rc.Close()
	type sheetRef struct{ name, rid, sheetID string }
	var refs []sheetRef
	err = walkXML(rc, b.partName(p), func(se xml.StartElement) error {
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					b.date1904 = a.Value == "1" || a.Value == "true"
				}
			}
		case "sheet":
			if len(refs) >= b.lim.MaxSheets {
				return fmt.Errorf("%w: more than %d sheets", ErrTooLarge, b.lim.MaxSheets)
			}
			var s sheetRef
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					s.name = a.Value
				case a.Name.Local == "sheetId":
					s.sheetID = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					s.rid = a.Value
				}
			}
			refs = append(refs, s)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rels, err := b.rels(path.Join(path.Dir(p), "_rels", path.Base(p)+".rels"))
	if err != nil {
		return err
	}
	for i, s := range refs {
		field := fmt.Sprintf("sheets[%d]", i)
		if s.name == "" {
			return &ParseError{File: b.partName(p), Field: field, Err: errors.New("sheet without a name")}
		}
		target := ""
		typ, t, ok := rels.byID(s.rid)
		switch {
		case ok && strings.HasSuffix(typ, relWorksheet):
			target = t
		case ok:
			continue // a chart sheet or a dialog sheet: no cells to read
		case len(rels) == 0 && s.sheetID != "":
			// No relationships at all: the conventional part name.
			target = path.Join(path.Dir(p), "worksheets", "sheet"+s.sheetID+".xml")
		}
		if target == "" || b.parts[strings.ToLower(target)] == nil {
			return &ParseError{File: b.partName(p), Field: field, Err: fmt.Errorf("sheet %q: no worksheet part (r:id %q, target %q)", s.name, s.rid, target)}
		}
		b.sheets = append(b.sheets, xlsxSheet{Name: s.name, Path: target})
	}
	ss := rels.target(relSharedStrings)
	if ss == "" {
		ss = path.Join(path.Dir(p), "sharedStrings.xml")
	}
	return b.readSharedStrings(ss)
}

// entryList names the first entries of the workbook, for messages.
func (b *xlsxBook) entryList() string {
	var names []string
	for _, f := range b.parts {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return summarizeList(names, 8)
}

// readSharedStrings reads the shared string table (absent: empty). Each
// <si> is the text of its <t> elements, runs included, phonetic guides
// (<rPh>) excluded.
func (b *xlsxBook) readSharedStrings(p string) error {
	rc, err := b.open(p)
	if err != nil || rc == nil {
		return err
	}
	defer rc.Close()
	name := b.partName(p)
	d := xml.NewDecoder(rc)
	var text []byte
	inSI, inT, rph := false, false, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlError(name, d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				if len(b.shared) >= b.lim.MaxSharedStrings {
					return &ParseError{File: name, Err: fmt.Errorf("%w: more than %d shared strings", ErrTooLarge, b.lim.MaxSharedStrings)}
				}
				inSI, text = true, text[:0]
			case "t":
				inT = inSI && rph == 0
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if inSI {
					b.shared = append(b.shared, string(text))
				}
				inSI = false
			case "t":
				inT = false
			case "rPh":
				rph = max(rph-1, 0)
			}
		case xml.CharData:
			if inT {
				if len(text)+len(t) > b.lim.MaxCellBytes {
					l, _ := d.InputPos()
					return &ParseError{File: name, Line: l, Field: fmt.Sprintf("si[%d]", len(b.shared)), Err: fmt.Errorf("%w: a string longer than %d bytes", ErrTooLarge, b.lim.MaxCellBytes)}
				}
				text = append(text, t...)
			}
		}
	}
	return nil
}

// walkXML calls fn for every start element of the document r.
func walkXML(r io.Reader, name string, fn func(xml.StartElement) error) error {
	d := xml.NewDecoder(r)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(name, d, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(se); err != nil {
				var pe *ParseError
				if errors.As(err, &pe) {
					return err
				}
				l, _ := d.InputPos()
				return &ParseError{File: name, Line: l, Field: se.Name.Local, Err: err}
			}
		}
	}
}

// xmlError turns a decoder error into a ParseError at its line.
func xmlError(name string, d *xml.Decoder, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, ErrTooLarge) {
		return &ParseError{File: name, Err: fmt.Errorf("%w: uncompressed part exceeds the bound", ErrTooLarge)}
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &ParseError{File: name, Line: se.Line, Err: fmt.Errorf("XML: %s", se.Msg)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		l, _ := d.InputPos()
		return &ParseError{File: name, Line: l, Err: errors.New("XML ends early (truncated?)")}
	}
	l, _ := d.InputPos()
	return &ParseError{File: name, Line: l, Err: err}
}

// eachRow calls fn for every <row> of sheet s, in order, with the row's 1-based number and its cells by
// column (index 0 is column A; missing cells are cellEmpty). The cells
// slice is reused between calls. An error from fn stops the walk and is
// returned as it is.
func (b *xlsxBook) eachRow(s xlsxSheet, fn func(row int, cells []xlsxCell) error) error {
	rc, err := b.open(s.Path)
	if err != nil {
		return err
	}
	if rc == nil {
		return &ParseError{File: b.sheetName(s), Err: fmt.Errorf("no part %s", s.Path)}
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, b.parts[strings.ToLower(s.Path)].UncompressedSize64+bytes.MinRead))
	_, err = buf.ReadFrom(rc)
	data := buf.Bytes()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return &ParseError{File: b.sheetName(s), Err: fmt.Errorf("%w: more than %d bytes uncompressed", ErrTooLarge, min(b.lim.MaxPartBytes, b.lim.MaxTotalBytes))}
		}
		return &ParseError{File: b.sheetName(s), Err: fmt.Errorf("reading %s: %w", s.Path, err)}
	}
	return scanSheet(data, b.sheetName(s), b.shared, b.lim, fn)
}

// maxXMLDepth bounds the nesting of a worksheet's elements.
const maxXMLDepth = 64

// scanSheet reads the <sheetData> of a worksheet part, calling fn for each
// row. name is the sheet's name in messages.
//
// It is a scanner of the XML 1.0 that worksheets are written in: elements
// with attributes in either quote, character data with the predefined and
// numeric character references, CDATA sections, comments and processing
// instructions (a DOCTYPE is refused; UTF-8 only). It checks that end tags
// match and keeps no token it does not need, which makes it about ten
// times faster than encoding/xml on ERCOT's sheets; the tests check it
// against encoding/xml.
func scanSheet(data []byte, name string, shared []string, lim xlsxLimits, fn func(row int, cells []xlsxCell) error) error {
	s := &sheetScan{data: data, name: name, shared: shared, lim: lim, fn: fn, col: -1}
	return s.run()
}

// sheetScan is the state of scanSheet.
type sheetScan struct {
	data   []byte
	pos    int
	name   string
	shared []string
	lim    xlsxLimits
	fn     func(int, []xlsxCell) error

	stack                         [][]byte // open elements' names
	cells                         []xlsxCell
	rowNum, prevRow, col, prevCol int
	inData, inRow, inV, inIS, inT bool
	rph                           int
	hasValue                      bool
	ctype                         string
	text, scratch                 []byte
	rowText                       []byte     // the values of the row's cells, one after another
	spans                         []cellSpan // where each value lies in rowText
}

// cellSpan places the value of cells[cell] at rowText[from:to].
type cellSpan struct{ cell, from, to int }

var (
	xmlPIEnd   = []byte("?>")
	xmlComment = []byte("<!--")
	xmlCommEnd = []byte("-->")
	xmlCDATA   = []byte("<![CDATA[")
	xmlCDEnd   = []byte("]]>")
)

func (s *sheetScan) run() error {
	d := s.data
	switch {
	case bytes.HasPrefix(d, []byte("\xef\xbb\xbf")):
		s.pos = 3
	case len(d) >= 2 && (d[0] == 0xfe && d[1] == 0xff || d[0] == 0xff && d[1] == 0xfe):
		return s.syntax("UTF-16 is not supported, want UTF-8")
	}
	for {
		k := bytes.IndexByte(d[s.pos:], '<')
		if k < 0 {
			if len(s.stack) > 0 {
				return s.truncated()
			}
			return nil
		}
		if k > 0 {
			if err := s.chars(d[s.pos : s.pos+k]); err != nil {
				return err
			}
			s.pos += k
		}
		rest := d[s.pos:]
		if len(rest) < 2 {
			return s.truncated()
		}
		var err error
		switch rest[1] {
		case '/':
			err = s.endTag()
		case '?':
			err = s.skipPast(xmlPIEnd)
		case '!':
			switch {
			case bytes.HasPrefix(rest, xmlComment):
				err = s.skipPast(xmlCommEnd)
			case bytes.HasPrefix(rest, xmlCDATA):
				e := bytes.Index(rest[len(xmlCDATA):], xmlCDEnd)
				if e < 0 {
					return s.truncated()
				}
				if s.inV || s.inT {
					err = s.collect(rest[len(xmlCDATA):len(xmlCDATA)+e], false)
				}
				s.pos += len(xmlCDATA) + e + len(xmlCDEnd)
			default:
				return s.syntax("a DOCTYPE or declaration is not allowed in a worksheet")
			}
		default:
			err = s.startTag()
		}
		if err != nil {
			return err
		}
	}
}

// skipPast moves past the next end marker.
func (s *sheetScan) skipPast(end []byte) error {
	e := bytes.Index(s.data[s.pos+2:], end)
	if e < 0 {
		return s.truncated()
	}
	s.pos += 2 + e + len(end)
	return nil
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// readName reads an XML name at s.pos.
func (s *sheetScan) readName() []byte {
	d := s.data
	i := s.pos
	for i < len(d) && !isXMLSpace(d[i]) && d[i] != '>' && d[i] != '/' && d[i] != '=' && d[i] != '<' {
		i++
	}
	n := d[s.pos:i]
	s.pos = i
	return n
}

func (s *sheetScan) skipSpace() {
	for s.pos < len(s.data) && isXMLSpace(s.data[s.pos]) {
		s.pos++
	}
}

// localName is a name without its namespace prefix.
func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

func (s *sheetScan) startTag() error {
	s.pos++ // '<'
	qname := s.readName()
	if len(qname) == 0 {
		return s.syntax("expected an element name after <")
	}
	local := string(localName(qname)) // no allocation: compared, not kept
	var rAttr, tAttr []byte
	hasR, hasT := false, false
	for {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.truncated()
		}
		c := s.data[s.pos]
		if c == '>' || c == '/' {
			break
		}
		an := s.readName()
		if len(an) == 0 {
			return s.syntax(fmt.Sprintf("unexpected %q in <%s>", c, qname))
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.truncated()
		}
		if s.data[s.pos] != '=' {
			return s.syntax(fmt.Sprintf("attribute %s without a value", an))
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.truncated()
		}
		q := s.data[s.pos]
		if q != '"' && q != '\'' {
			return s.syntax(fmt.Sprintf("attribute %s: unquoted value", an))
		}
		e := bytes.IndexByte(s.data[s.pos+1:], q)
		if e < 0 {
			return s.truncated()
		}
		v := s.data[s.pos+1 : s.pos+1+e]
		s.pos += e + 2
		if bytes.IndexByte(v, '<') >= 0 {
			return s.syntax(fmt.Sprintf("attribute %s: '<' in a value", an))
		}
		switch string(localName(an)) {
		case "r":
			rAttr, hasR = v, true
		case "t":
			tAttr, hasT = v, true
		}
	}
	selfClosing := s.data[s.pos] == '/'
	if selfClosing {
		if s.pos+1 >= len(s.data) {
			return s.truncated()
		}
		if s.data[s.pos+1] != '>' {
			return s.syntax(fmt.Sprintf("expected /> to close <%s", qname))
		}
		s.pos += 2
	} else {
		s.pos++
	}
	if len(s.stack) >= maxXMLDepth {
		return s.syntax(fmt.Sprintf("XML nested deeper than %d elements", maxXMLDepth))
	}
	s.stack = append(s.stack, qname)
	attrText := func(v []byte) ([]byte, error) {
		if bytes.IndexByte(v, '&') < 0 {
			return v, nil
		}
		var err error
		s.scratch, err = appendXMLText(s.scratch[:0], v)
		return s.scratch, err
	}
	switch local {
	case "sheetData":
		s.inData = true
	case "row":
		if !s.inData {
			break
		}
		if s.inRow {
			return s.errAt("<row> inside a row")
		}
		n := s.prevRow + 1
		if hasR {
			v, err := attrText(rAttr)
			if err != nil {
				return s.syntax(err.Error())
			}
			k, ok := parseDigits(v)
			if !ok || k < 1 {
				return &ParseError{File: s.name, Line: s.prevRow + 1, Err: fmt.Errorf("row number %q: want an integer >= 1", truncateText(string(v), 20))}
			}
			n = k
		}
		if n <= s.prevRow {
			return &ParseError{File: s.name, Line: n, Err: fmt.Errorf("row %d comes after row %d: rows must increase", n, s.prevRow)}
		}
		if n > s.lim.MaxRows {
			return &ParseError{File: s.name, Line: n, Err: fmt.Errorf("%w: row %d, at most %d rows", ErrTooLarge, n, s.lim.MaxRows)}
		}
		s.inRow, s.rowNum, s.prevCol, s.cells = true, n, -1, s.cells[:0]
		s.rowText, s.spans = s.rowText[:0], s.spans[:0]
	case "c":
		if !s.inRow {
			break
		}
		c := s.prevCol + 1
		if hasR {
			ref, err := attrText(rAttr)
			if err != nil {
				return s.syntax(err.Error())
			}
			k, ok := parseCellColumn(ref)
			if !ok {
				s.col = -1
				return s.errAt("cell reference %q: want letters and a row number such as B7", truncateText(string(ref), 20))
			}
			c = k
		}
		s.col = c
		if c >= s.lim.MaxCols {
			return s.errAt("%w: column %d, at most %d columns", ErrTooLarge, c+1, s.lim.MaxCols)
		}
		if c <= s.prevCol {
			return s.errAt("cell %s comes after column %d: cells must go left to right", cellRef(c, s.rowNum), s.prevCol+1)
		}
		s.ctype = ""
		if hasT {
			v, err := attrText(tAttr)
			if err != nil {
				return s.syntax(err.Error())
			}
			switch string(v) { // the common types without an allocation
			case "s":
				s.ctype = "s"
			case "n":
				s.ctype = "n"
			case "str":
				s.ctype = "str"
			case "inlineStr":
				s.ctype = "inlineStr"
			default:
				s.ctype = string(v)
			}
		}
		s.text, s.hasValue = s.text[:0], false
	case "v":
		if s.col >= 0 {
			s.inV, s.hasValue = true, true
		}
	case "is":
		if s.col >= 0 {
			s.inIS, s.hasValue = true, true
		}
	case "t":
		s.inT = s.inIS && s.rph == 0
	case "rPh":
		s.rph++
	}
	if selfClosing {
		return s.end(qname)
	}
	return nil
}

func (s *sheetScan) endTag() error {
	s.pos += 2 // "</"
	qname := s.readName()
	s.skipSpace()
	if s.pos >= len(s.data) {
		return s.truncated()
	}
	if s.data[s.pos] != '>' {
		return s.syntax(fmt.Sprintf("expected > after </%s", qname))
	}
	s.pos++
	return s.end(qname)
}

// end closes the element qname.
func (s *sheetScan) end(qname []byte) error {
	n := len(s.stack)
	if n == 0 || !bytes.Equal(s.stack[n-1], qname) {
		open := "nothing"
		if n > 0 {
			open = "<" + string(s.stack[n-1]) + ">"
		}
		return s.syntax(fmt.Sprintf("</%s> closes %s", qname, open))
	}
	s.stack = s.stack[:n-1]
	switch string(localName(qname)) {
	case "sheetData":
		s.inData = false
	case "row":
		if !s.inRow {
			break
		}
		if len(s.spans) > 0 {
			text := string(s.rowText)
			for _, sp := range s.spans {
				s.cells[sp.cell].Value = text[sp.from:sp.to]
			}
		}
		if err := s.fn(s.rowNum, s.cells); err != nil {
			return err
		}
		s.inRow, s.prevRow = false, s.rowNum
	case "c":
		if s.col < 0 {
			break
		}
		if s.hasValue && !utf8.Valid(s.text) {
			return s.errAt("invalid UTF-8")
		}
		typ, sv, span, err := cellValue(s.ctype, s.text, s.hasValue, s.shared)
		if err != nil {
			return s.errAt("%v", err)
		}
		for len(s.cells) < s.col {
			s.cells = append(s.cells, xlsxCell{})
		}
		if typ != cellEmpty && sv == "" {
			// One string for all the row's values: one allocation a row.
			s.spans = append(s.spans, cellSpan{cell: len(s.cells), from: len(s.rowText), to: len(s.rowText) + len(span)})
			s.rowText = append(s.rowText, span...)
		}
		s.cells = append(s.cells, xlsxCell{Type: typ, Value: sv})
		s.prevCol, s.col = s.col, -1
	case "v":
		s.inV = false
	case "is":
		s.inIS = false
	case "t":
		s.inT = false
	case "rPh":
		s.rph = max(s.rph-1, 0)
	}
	return nil
}

// chars handles character data between tags.
func (s *sheetScan) chars(raw []byte) error {
	if !s.inV && !s.inT {
		return nil
	}
	return s.collect(raw, true)
}

// collect appends text to the current cell's value, decoding references
// (not in CDATA) and normalising line ends as XML does.
func (s *sheetScan) collect(raw []byte, refs bool) error {
	if len(s.text)+len(raw) > s.lim.MaxCellBytes {
		return s.errAt("%w: cell text longer than %d bytes", ErrTooLarge, s.lim.MaxCellBytes)
	}
	start := len(s.text)
	if refs {
		var err error
		if s.text, err = appendXMLText(s.text, raw); err != nil {
			return s.syntax(err.Error())
		}
	} else {
		s.text = append(s.text, raw...)
	}
	if bytes.IndexByte(s.text[start:], '\r') >= 0 {
		t := bytes.ReplaceAll(s.text[start:], []byte("\r\n"), []byte("\n"))
		t = bytes.ReplaceAll(t, []byte("\r"), []byte("\n"))
		s.text = append(s.text[:start], t...)
	}
	return nil
}

// appendXMLText appends raw character data to dst with its references
// (&lt; &gt; &amp; &quot; &apos; &#N; &#xH;) replaced.
func appendXMLText(dst, raw []byte) ([]byte, error) {
	for {
		k := bytes.IndexByte(raw, '&')
		if k < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:k]...)
		raw = raw[k+1:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 1 || semi > 10 {
			return dst, fmt.Errorf("bad character reference &%s", truncateText(string(raw), 10))
		}
		ref := raw[:semi]
		raw = raw[semi+1:]
		switch string(ref) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if ref[0] != '#' || len(ref) < 2 {
				return dst, fmt.Errorf("unknown entity &%s;", ref)
			}
			base, digits := 10, ref[1:]
			if digits[0] == 'x' {
				base, digits = 16, digits[1:]
			}
			n, err := strconv.ParseUint(string(digits), base, 32)
			if err != nil || len(digits) == 0 || digits[0] == '+' || !isXMLChar(rune(n)) {
				return dst, fmt.Errorf("bad character reference &%s;", ref)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// line is the 1-based line of the part at s.pos.
func (s *sheetScan) line() int {
	return 1 + bytes.Count(s.data[:min(s.pos, len(s.data))], []byte{'\n'})
}

// syntax is a malformed-XML error at the current row.
func (s *sheetScan) syntax(msg string) error {
	return &ParseError{File: s.name, Line: s.rowNum, Err: fmt.Errorf("XML (line %d of the part): %s", s.line(), msg)}
}

func (s *sheetScan) truncated() error {
	return &ParseError{File: s.name, Line: s.rowNum, Err: errors.New("the sheet's XML ends early (truncated?)")}
}

// errAt is an error at the current row and cell.
func (s *sheetScan) errAt(format string, args ...any) error {
	pe := &ParseError{File: s.name, Line: s.rowNum, Err: fmt.Errorf(format, args...)}
	if s.col >= 0 {
		pe.Col = s.col + 1
		pe.Field = cellRef(s.col, s.rowNum)
	}
	return pe
}

// cellValue classifies a cell by its type attribute and its text: a
// shared string (sharedValue), or the text that is its value (span;
// trimmed for numbers, booleans and errors). span aliases text.
func cellValue(ctype string, text []byte, hasValue bool, shared []string) (typ xlsxCellType, sharedValue string, span []byte, err error) {
	if !hasValue {
		return cellEmpty, "", nil, nil
	}
	switch ctype {
	case "s":
		digits := bytes.TrimSpace(text)
		i := 0
		for _, c := range digits {
			if c < '0' || c > '9' || i > 1<<40 {
				i = -1
				break
			}
			i = i*10 + int(c-'0')
		}
		if i < 0 || len(digits) == 0 {
			return 0, "", nil, fmt.Errorf("shared string index %q: want an integer >= 0", truncateText(string(text), 20))
		}
		if i >= len(shared) {
			return 0, "", nil, fmt.Errorf("shared string %d: the workbook has %d", i, len(shared))
		}
		return cellString, shared[i], nil, nil
	case "inlineStr", "str", "d":
		return cellString, "", text, nil
	case "b":
		return cellBool, "", bytes.TrimSpace(text), nil
	case "e":
		return cellError, "", bytes.TrimSpace(text), nil
	case "", "n":
		v := bytes.TrimSpace(text)
		if len(v) == 0 {
			return cellEmpty, "", nil, nil
		}
		return cellNumber, "", v, nil
	}
	return 0, "", nil, fmt.Errorf("cell type t=%q: want s, inlineStr, str, n, b, e or d", truncateText(ctype, 20))
}

// parseDigits reads a decimal number of at most 9 digits.
func parseDigits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseCellColumn reads the column of a cell reference such as "AB12"
// (0-based: A is 0).
func parseCellColumn(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		ch := ref[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch < 'A' || ch > 'Z' {
			break
		}
		if i >= 3 {
			return 0, false // beyond XFD
		}
		col = col*26 + int(ch-'A'+1)
	}
	if i == 0 || i == len(ref) {
		return 0, false
	}
	for _, ch := range ref[i:] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	return col - 1, true
}

// cellRef writes a 0-based column and a row as a reference such as B7.
func cellRef(col, row int) string {
	var b [8]byte
	i := len(b)
	for c := col + 1; c > 0 && i > 0; c = (c - 1) / 26 {
		i--
		b[i] = byte('A' + (c-1)%26)
	}
	return string(b[i:]) + strconv.Itoa(row)
}
