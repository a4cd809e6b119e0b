package market

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// MaxFileBytes bounds what a loader reads from one file or body (256 MiB):
// more is ErrTooLarge, never an unbounded allocation.
const MaxFileBytes = 256 << 20

// fileLimit is the bound the loaders apply: MaxFileBytes, lowered by tests.
var fileLimit int64 = MaxFileBytes

// Sentinel errors; match them with errors.Is.
var (
	// ErrTooLarge: the input is longer than the loader's bound.
	ErrTooLarge = errors.New("market: input too large")
	// ErrMissingValue: a required value is empty (such as the BTC file's
	// empty close "") and the policy is to reject it.
	ErrMissingValue = errors.New("market: missing value")
	// ErrNoData: a file or a source holds no usable rows.
	ErrNoData = errors.New("market: no data")
	// ErrNoCache: the cache has no such file yet (fetch it first).
	ErrNoCache = errors.New("market: not in cache")
	// ErrBadRequest: a Sync* request is invalid (unknown source, dates
	// in the wrong order, bad settlement point name).
	ErrBadRequest = errors.New("market: bad request")
)

// ParseError is bad input at a place in a file: File:Line[:Col]: Field: Err.
// Line and Col count from 1; 0 means unknown. Field is the column name for
// CSV or the JSON path (difficulty[3].height).
type ParseError struct {
	File  string
	Line  int
	Col   int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("market: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "market: "))
	return b.String()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// contextError prefixes err's message with "market: what: ", dropping the
// "market: " err already starts with; errors.Is and As see err.
type contextError struct {
	what string
	err  error
}

func (e *contextError) Error() string {
	return "market: " + e.what + ": " + strings.TrimPrefix(e.err.Error(), "market: ")
}

func (e *contextError) Unwrap() error { return e.err }

// withContext wraps err (nil stays nil) as a contextError.
func withContext(what string, err error) error {
	if err == nil {
		return nil
	}
	return &contextError{what: what, err: err}
}

// noPrefix is err with its message's "market: " prefix dropped.
type noPrefix struct{ err error }

func (e noPrefix) Error() string { return strings.TrimPrefix(e.err.Error(), "market: ") }
func (e noPrefix) Unwrap() error { return e.err }

// readBounded reads all of r up to max bytes; more is ErrTooLarge.
func readBounded(r io.Reader, max int64, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	if int64(len(b)) > max {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, max)}
	}
	return b, nil
}

// lineCol maps byte offsets of one buffer to 1-based line and column. Calls
// must come with non-decreasing offsets (it counts newlines incrementally).
type lineCol struct {
	data      []byte
	off       int
	line      int
	lineStart int
}

func newLineCol(data []byte) *lineCol { return &lineCol{data: data, line: 1} }

func (lc *lineCol) at(off int64) (line, col int) {
	o := int(min(max(off, 0), int64(len(lc.data))))
	if o < lc.off { // not expected; recount from the start
		lc.off, lc.line, lc.lineStart = 0, 1, 0
	}
	for i := lc.off; i < o; i++ {
		if lc.data[i] == '\n' {
			lc.line++
			lc.lineStart = i + 1
		}
	}
	lc.off = o
	return lc.line, o - lc.lineStart + 1
}

// jsonError turns a decoding error of data into a ParseError with a line
// and column where encoding/json gives an offset.
func jsonError(name string, data []byte, err error) error {
	var off int64 = -1
	var field string
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		field = te.Field
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		off = int64(len(data))
		err = errors.New("unexpected end of JSON (truncated?)")
	}
	pe := &ParseError{File: name, Field: field, Err: err}
	if off >= 0 {
		pe.Line, pe.Col = newLineCol(data).at(off)
	}
	return pe
}

// csvTable reads a CSV file with a header row, keeping line numbers.
type csvTable struct {
	name   string
	r      *csv.Reader
	header []string
	cols   map[string]int
	line   int
}

// openCSV reads the header of a CSV file of at most max bytes. A UTF-8 BOM
// and surrounding spaces in header names are ignored; names compare in
// lower case.
func openCSV(r io.Reader, name string, max int64) (*csvTable, error) {
	cr := csv.NewReader(&limitedReader{r: r, n: max})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := &csvTable{name: name, r: cr, cols: map[string]int{}}
	rec, err := t.next()
	if err == io.EOF {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: empty file, want a header row", ErrNoData)}
	}
	if err != nil {
		return nil, err
	}
	rec = append([]string(nil), rec...) // the reader reuses its record
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		rec[i] = h
		if _, dup := t.cols[h]; !dup {
			t.cols[h] = i
		}
	}
	t.header = rec
	return t, nil
}

// col returns the index of the first header among names, or -1.
func (t *csvTable) col(names ...string) int {
	for _, n := range names {
		if i, ok := t.cols[n]; ok {
			return i
		}
	}
	return -1
}

// next returns the next record (io.EOF at the end) and sets t.line to its
// line number.
func (t *csvTable) next() ([]string, error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &ParseError{File: t.name, Line: pe.Line, Col: pe.Column, Err: pe.Err}
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, &ParseError{File: t.name, Err: err}
		}
		return nil, &ParseError{File: t.name, Line: t.line + 1, Err: err}
	}
	t.line, _ = t.r.FieldPos(0)
	return rec, nil
}

// errAt builds a ParseError at the current line for column i.
func (t *csvTable) errAt(i int, format string, args ...any) error {
	field := ""
	if i >= 0 && i < len(t.header) {
		field = t.header[i]
	}
	return &ParseError{File: t.name, Line: t.line, Field: field, Err: fmt.Errorf(format, args...)}
}

// field returns column i of rec, or "" with ok=false when the row is short.
func field(rec []string, i int) (string, bool) {
	if i < 0 || i >= len(rec) {
		return "", false
	}
	return strings.TrimSpace(rec[i]), true
}

// limitedReader is io.LimitReader that reports ErrTooLarge instead of EOF.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One more byte would exceed the bound: check whether any is left.
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			return 0, ErrTooLarge
		}
		if err == nil {
			return 0, nil
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// parsePositive parses a finite number > 0.
func parsePositive(s string) (float64, error) {
	v, err := parseFinite(s)
	if err != nil {
		return 0, err
	}
	if !(v > 0) {
		return 0, fmt.Errorf("must be > 0 (got %s)", s)
	}
	return v, nil
}

// parseNonNegative parses a finite number >= 0.
func parseNonNegative(s string) (float64, error) {
	v, err := parseFinite(s)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, fmt.Errorf("must be >= 0 (got %s)", s)
	}
	return v, nil
}

// parseFinite parses a finite float (no NaN, no Inf).
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a finite number: %q", s)
	}
	return v, nil
}

// isQuotedEmpty reports whether a raw value is empty: "" or a literal "".
func isQuotedEmpty(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == `""`
}
