package minerjson

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// ErrNotStrict is returned by Reader.Err for input that needs
// one of Parse's repairs (or is not JSON at all): the caller then reads it
// with Parse, which repairs what can be repaired and reports what cannot.
var ErrNotStrict = errors.New("minerjson: not strict JSON; use Parse")

// Raw is one value as it stands in the input, as Reader.Value returns it,
// without copying or allocating. Text aliases the input.
//
// Float, Int and Str give exactly what the same methods of the Value that
// Parse builds from the same bytes give, so a driver can read a reply on
// the fast path (Reader) and fall back to Parse with one set of rules.
type Raw struct {
	Kind Kind
	// Text is, for a String, the characters between the quotes (a string
	// with an escape is not strict: a Reader never returns one); for a
	// Number, Bool or Null, the literal; for an Array or Object, the whole
	// container, brackets included.
	Text []byte
}

// Exists reports whether the value is present: always, for a Raw from a
// Reader (the zero Raw is Invalid, as the zero Value is).
func (r Raw) Exists() bool { return r.Kind != Invalid }

// Float returns a number, or a string that holds one, as Value.Float does:
// non-finite values and anything else report false.
func (r Raw) Float() (float64, bool) {
	var f float64
	switch r.Kind {
	case Number:
		var err error
		f, err = strconv.ParseFloat(string(r.Text), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false // the scanner lets only JSON numbers through
		}
	case String:
		s := bytes.TrimSpace(r.Text)
		if len(s) == 0 || !numberish(s) {
			return 0, false
		}
		var err error
		f, err = strconv.ParseFloat(string(s), 64)
		if err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// numberish is a quick no for text that strconv.ParseFloat refuses (the
// sensor lists "78-50-69-70", versions "49.0.1.3", ids, names), so that
// the fast path neither copies it nor builds an error for it. It reports
// true for a decimal number ([+-]digits[.digits][e[+-]digits]) and leaves
// the rarer forms ParseFloat also accepts (hex, underscores, inf, nan) to
// ParseFloat.
func numberish(s []byte) bool {
	t := s
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if len(t) >= 2 && t[0] == '0' && t[1]|0x20 == 'x' {
		return true
	}
	for _, w := range [...]string{"inf", "infinity", "nan"} {
		if bytes.EqualFold(t, []byte(w)) {
			return true
		}
	}
	// Digits with at most one point (underscores between digits are
	// ParseFloat's to judge), then an optional exponent.
	i, digits, dot := 0, 0, false
mantissa:
	for ; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '_':
		default:
			break mantissa
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(t) && t[i]|0x20 == 'e' {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '_'); i++ {
			if t[i] != '_' {
				exp++
			}
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(t)
}

// Int returns Float truncated toward zero, when it fits in an int64.
func (r Raw) Int() (int64, bool) {
	f, ok := r.Float()
	if !ok || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// Str returns a string (a copy), or the text of a number or bool as
// Value.Str writes it.
func (r Raw) Str() (string, bool) {
	switch r.Kind {
	case String:
		return string(r.Text), true
	case Number:
		f, err := strconv.ParseFloat(string(r.Text), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return "", false
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true
	case Bool:
		return strconv.FormatBool(r.Text[0] == 't'), true
	}
	return "", false
}

// StrEqualFold reports whether the value is a string equal to s under
// simple case folding, without allocating.
func (r Raw) StrEqualFold(s string) bool {
	return r.Kind == String && bytes.EqualFold(r.Text, []byte(s))
}

// Reader reads one reply of strict JSON in a single pass without
// allocating: the caller walks the structure with Object and Array and
// takes values with Value; whatever it leaves is skipped (and still
// checked). It reads strict JSON only, plus one repair that changes no
// value: a missing comma between two containers of an array (bmminer's
// "}{"). Anything else Parse would repair (a trailing or leading comma, inf
// or nan, a cut, an escape in a string, a NUL inside the reply, a second
// top-level value) makes Err return ErrNotStrict; the callbacks may have
// run for what came before the problem, so a caller keeps nothing it
// gathered when Err is not nil, and reads the reply with Parse instead.
//
// The zero Reader reads nothing; Reset gives it a reply.
type Reader struct {
	s      scanner
	level  int // nesting of the value at the current position (the top is 0)
	failed bool
	done   bool // the top-level value has been read
}

// Reset starts reading data.
func (r *Reader) Reset(data []byte) {
	*r = Reader{s: scanner{data: data}}
}

// Err returns ErrNotStrict when the reply needs Parse (or is not JSON),
// nil when it was read to its end (NUL bytes and whitespace may follow the
// top-level value).
func (r *Reader) Err() error {
	if r.failed || !r.done || !r.s.atEnd() {
		return ErrNotStrict
	}
	return nil
}

// begin checks the position before a value is read.
func (r *Reader) begin() bool {
	if r.failed || r.done && r.level == 0 {
		r.failed = true
		return false
	}
	r.s.space()
	if r.s.i >= len(r.s.data) || r.level > MaxDepth {
		r.failed = true
		return false
	}
	return true
}

func (r *Reader) end() {
	if r.level == 0 {
		r.done = true
	}
}

// Kind returns the kind of the value at the current position without
// reading it (Invalid after a problem).
func (r *Reader) Kind() Kind {
	if r.failed {
		return Invalid
	}
	r.s.space()
	if r.s.i >= len(r.s.data) {
		return Invalid
	}
	switch c := r.s.data[r.s.i]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == '-' || c >= '0' && c <= '9':
		return Number
	case c == 't' || c == 'f':
		return Bool
	case c == 'n':
		return Null
	}
	return Invalid
}

// Value reads the value at the current position: a scalar, or a whole
// container as its text.
func (r *Reader) Value() Raw {
	if !r.begin() {
		return Raw{}
	}
	v, ok := r.s.value(r.level)
	if !ok {
		r.failed = true
		return Raw{}
	}
	r.end()
	return v
}

// enter steps into the object or array that opens with open at the
// current position. It reports whether one is there (a value of another
// kind is skipped) and whether it is empty (then it is read whole).
func (r *Reader) enter(open, close byte) (ok, empty bool) {
	if !r.begin() {
		return false, false
	}
	s := &r.s
	if s.data[s.i] != open {
		r.Value()
		return false, false
	}
	s.i++
	r.level++
	s.space()
	if s.i < len(s.data) && s.data[s.i] == close {
		s.i++
		r.level--
		r.end()
		return true, true
	}
	return true, false
}

// Object reads the object at the current position and calls fn with each
// key, in order, duplicates included. fn reads the member's value with one
// call of Value, Object or Array, or leaves it to be skipped. Object
// reports whether an object was read; a value of another kind is skipped.
func (r *Reader) Object(fn func(key []byte)) bool {
	if ok, empty := r.enter('{', '}'); !ok || empty {
		return ok
	}
	s := &r.s
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			r.failed = true
			return false
		}
		key, ok := s.str()
		if !ok {
			r.failed = true
			return false
		}
		s.space()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			r.failed = true
			return false
		}
		s.i++
		s.space()
		at := s.i
		fn(key)
		if r.failed {
			return false
		}
		if s.i == at {
			r.Value() // not read by fn: skip it
			if r.failed {
				return false
			}
		}
		s.space()
		if s.i >= len(s.data) {
			r.failed = true
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			r.level--
			r.end()
			return true
		default:
			r.failed = true
			return false
		}
	}
}

// Array reads the array at the current position and calls fn once per
// element; fn reads the element with one call of Value, Object or Array,
// or leaves it to be skipped. Array reports whether an array was read; a
// value of another kind is skipped.
func (r *Reader) Array(fn func()) bool {
	if ok, empty := r.enter('[', ']'); !ok || empty {
		return ok
	}
	s := &r.s
	for {
		if s.i >= len(s.data) {
			r.failed = true
			return false
		}
		at := s.i
		container := s.data[at] == '{' || s.data[at] == '['
		fn()
		if r.failed {
			return false
		}
		if s.i == at {
			r.Value()
			if r.failed {
				return false
			}
		}
		s.space()
		if s.i >= len(s.data) {
			r.failed = true
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			r.level--
			r.end()
			return true
		case '{', '[':
			// "}{": a missing comma between containers, which Parse
			// reads as two elements too.
			if !container {
				r.failed = true
				return false
			}
		default:
			r.failed = true
			return false
		}
	}
}

// scanner is a strict JSON reader: each method returns false where Parse
// would need a repair.
type scanner struct {
	data []byte
	i    int
}

// space skips JSON whitespace (not NUL: Parse marks a NUL between tokens).
func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// atEnd accepts only whitespace and NUL bytes after the top-level value.
func (s *scanner) atEnd() bool {
	for _, c := range s.data[s.i:] {
		switch c {
		case ' ', '\t', '\n', '\r', 0:
		default:
			return false
		}
	}
	return true
}

// skipObject checks the object starting at '{' and moves past it.
func (s *scanner) skipObject(depth int) bool {
	s.i++ // {
	s.space()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		if _, ok := s.str(); !ok {
			return false
		}
		s.space()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.space()
		if _, ok := s.value(depth + 1); !ok {
			return false
		}
		s.space()
		if s.i >= len(s.data) {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// skipArray checks the array starting at '[' and moves past it.
func (s *scanner) skipArray(depth int) bool {
	s.i++ // [
	s.space()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return true
	}
	for {
		v, ok := s.value(depth + 1)
		if !ok {
			return false
		}
		s.space()
		if s.i >= len(s.data) {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			return true
		case '{', '[':
			if v.Kind != Object && v.Kind != Array {
				return false
			}
		default:
			return false
		}
	}
}

// value reads one value at s.i.
func (s *scanner) value(depth int) (Raw, bool) {
	if depth > MaxDepth || s.i >= len(s.data) {
		return Raw{}, false
	}
	start := s.i
	switch c := s.data[s.i]; {
	case c == '{':
		if !s.skipObject(depth) {
			return Raw{}, false
		}
		return Raw{Kind: Object, Text: s.data[start:s.i]}, true
	case c == '[':
		if !s.skipArray(depth) {
			return Raw{}, false
		}
		return Raw{Kind: Array, Text: s.data[start:s.i]}, true
	case c == '"':
		t, ok := s.str()
		return Raw{Kind: String, Text: t}, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true", Bool)
	case c == 'f':
		return s.literal("false", Bool)
	case c == 'n':
		return s.literal("null", Null)
	}
	return Raw{}, false
}

// str reads a string at its opening quote; one with an escape is not
// strict.
func (s *scanner) str() ([]byte, bool) {
	start := s.i + 1
	j := bytes.IndexByte(s.data[start:], '"')
	if j < 0 {
		return nil, false
	}
	t := s.data[start : start+j]
	if bytes.IndexByte(t, '\\') >= 0 {
		return nil, false
	}
	s.i = start + j + 1
	return t, true
}

// number reads a number of JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
// which strconv.ParseFloat reads as Parse does. The byte after it must end
// it (Parse would read "1.2.3" or "12abc" differently or not at all).
func (s *scanner) number() (Raw, bool) {
	d, start := s.data, s.i
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return Raw{}, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return Raw{}, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return Raw{}, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i >= len(d) || isNumByte(d[i]) {
		// At the end of the input a number may have been cut; followed
		// by another number byte it is not JSON's.
		return Raw{}, false
	}
	s.i = i
	return Raw{Kind: Number, Text: d[start:i]}, true
}

func (s *scanner) literal(word string, k Kind) (Raw, bool) {
	end := s.i + len(word)
	if end > len(s.data) || string(s.data[s.i:end]) != word {
		return Raw{}, false
	}
	t := s.data[s.i:end]
	s.i = end
	return Raw{Kind: k, Text: t}, true
}
