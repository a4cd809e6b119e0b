package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// jsonDoc walks one JSON document token by token so that errors inside
// arrays carry the line and column of the element.
type jsonDoc struct {
	name string
	data []byte
	dec  *json.Decoder
	lc   *lineCol
}

func newJSONDoc(data []byte, name string) *jsonDoc {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &jsonDoc{name: name, data: data, dec: dec, lc: newLineCol(data)}
}

// pos returns the line and column of the next value after the decoder's
// offset (skipping white space, commas and colons).
func (d *jsonDoc) pos() (int, int) {
	off := int(d.dec.InputOffset())
	for off < len(d.data) {
		switch d.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return d.lc.at(int64(off))
}

// errHere is a ParseError at the next value.
func (d *jsonDoc) errHere(path string, err error) error {
	l, c := d.pos()
	return &ParseError{File: d.name, Line: l, Col: c, Field: path, Err: err}
}

// wrap turns a decoder error into a ParseError with its position.
func (d *jsonDoc) wrap(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	return jsonError(d.name, d.data, err)
}

// delim reads the next token and checks that it is want.
func (d *jsonDoc) delim(want json.Delim, path string) error {
	l, c := d.pos()
	tok, err := d.dec.Token()
	if err != nil {
		return d.wrap(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return &ParseError{File: d.name, Line: l, Col: c, Field: path, Err: fmt.Errorf("want %q, got %v", string(want), describeToken(tok))}
	}
	return nil
}

// object walks the members of an object, calling fn with each key; fn must
// consume the value (or call skip).
func (d *jsonDoc) object(path string, fn func(key string) error) error {
	if err := d.delim('{', path); err != nil {
		return err
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.wrap(err)
		}
		key, _ := tok.(string)
		if err := fn(key); err != nil {
			return err
		}
	}
	return d.delim('}', path)
}

// array walks the elements of an array; fn must consume each element.
func (d *jsonDoc) array(path string, fn func(i int) error) error {
	if err := d.delim('[', path); err != nil {
		return err
	}
	for i := 0; d.dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	return d.delim(']', path)
}

// skip consumes one value.
func (d *jsonDoc) skip() error {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return d.wrap(err)
	}
	return nil
}

// decode decodes the next value into v, with the position on error.
func (d *jsonDoc) decode(path string, v any) error {
	l, c := d.pos()
	if err := d.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			f := path
			if te.Field != "" {
				f = path + "." + te.Field
			}
			return &ParseError{File: d.name, Line: l, Col: c, Field: f, Err: fmt.Errorf("want %s, got JSON %s", te.Type, te.Value)}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return d.wrap(err)
		}
		return &ParseError{File: d.name, Line: l, Col: c, Field: path, Err: err}
	}
	return nil
}

// end checks that nothing but white space follows the document.
func (d *jsonDoc) end() error {
	if _, err := d.dec.Token(); err != io.EOF {
		l, c := d.pos()
		return &ParseError{File: d.name, Line: l, Col: c, Err: errors.New("data after the end of the JSON document")}
	}
	return nil
}

func describeToken(tok any) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return fmt.Sprintf("%v", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// flexNumber is a JSON number that may also come as a string ("123"), as
// some APIs (Coin Metrics, mempool's reward-stats) send them.
type flexNumber struct {
	s   string
	set bool
}

func (n *flexNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		n.s, n.set = "", false
		return nil
	}
	if len(b) == 0 {
		return errors.New("want a number, got nothing")
	}
	switch b[0] {
	case '"':
		if len(b) >= 2 && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && b[len(b)-1] == '"' {
			n.s, n.set = string(b[1:len(b)-1]), true
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n.s, n.set = s, true
		return nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// The decoder has checked the syntax: b is a JSON number.
		n.s, n.set = string(b), true
		return nil
	}
	return fmt.Errorf("want a number, got %s", truncateForError(b))
}

func truncateForError(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// float returns the finite value, or an error naming what is wrong.
func (n flexNumber) float() (float64, error) {
	if !n.set {
		return 0, errors.New("missing")
	}
	return parseFinite(n.s)
}

// int returns the value as an integer (a float with no fraction is
// accepted: 12.0, 1.2e3).
func (n flexNumber) int() (int64, error) {
	if !n.set {
		return 0, errors.New("missing")
	}
	if i, err := strconv.ParseInt(n.s, 10, 64); err == nil {
		return i, nil
	}
	f, err := parseFinite(n.s)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("not an integer: %s", n.s)
	}
	return int64(f), nil
}

// unixTime converts Unix seconds to a UTC time, rejecting values before
// 2009 or after 9999.
func unixTime(sec int64) (time.Time, error) {
	if sec < 1230768000 || sec > 253402300799 { // 2009-01-01 .. 9999-12-31
		return time.Time{}, fmt.Errorf("unix time %d out of range", sec)
	}
	return time.Unix(sec, 0).UTC(), nil
}
