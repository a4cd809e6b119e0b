package minerjson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest before Parse gives up.
// Real miner replies nest four levels at most.
const MaxDepth = 64

// ErrEmpty is returned for input with no JSON value at all (nothing, or only
// whitespace and NUL bytes).
var ErrEmpty = errors.New("minerjson: empty reply")

// SyntaxError is input that no repair makes into a value.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Msg    string // what was wrong
}

// Error prints the offset and the problem.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("minerjson: offset %d: %s", e.Offset, e.Msg)
}

// Quirks records what Parse repaired, one bit per kind of breakage.
type Quirks uint16

// The breakages Parse repairs.
const (
	QuirkTrailingNUL   Quirks = 1 << iota // NUL bytes after the value (cgminer ends every reply with one)
	QuirkTrailingComma                    // ",}" or ",]"
	QuirkMissingComma                     // "}{" or "][" or two members with nothing between
	QuirkLeadingComma                     // "[,{" or "{,"
	QuirkNonFinite                        // unquoted inf, -inf, nan, Infinity, NaN
	QuirkDuplicateKey                     // the same key twice in one object
	QuirkTruncated                        // the input ended inside a value; open containers were closed
	QuirkConcatenated                     // several top-level values; objects merged into one
	QuirkMissingValue                     // "key":, or "key":} (read as null)
	QuirkTrailingData                     // bytes after the value that are not a value
	QuirkBadEscape                        // an invalid escape inside a string, kept literally
)

var quirkNames = []string{
	"trailing NUL", "trailing comma", "missing comma", "leading comma", "non-finite number",
	"duplicate key", "truncated", "concatenated values", "missing value", "trailing data", "bad escape",
}

// String lists the quirks by name.
func (q Quirks) String() string {
	if q == 0 {
		return "none"
	}
	s := ""
	for i, name := range quirkNames {
		if q&(1<<i) != 0 {
			if s != "" {
				s += ", "
			}
			s += name
		}
	}
	return s
}

// Parse reads one miner reply. It returns the value and the quirks it
// repaired, or an error when the input holds no value at all or is not JSON
// in any useful sense (a *SyntaxError or ErrEmpty). It never panics.
//
// Several top-level values (the "}{" of some multi-command replies) are
// merged: objects into one object whose members keep their order, anything
// else into an array. A reply cut short (replies over 64 KB are cut by some
// firmwares) yields what was read, with open containers closed and
// QuirkTruncated set.
func Parse(data []byte) (Value, Quirks, error) {
	p := parserPool.Get().(*parser)
	defer func() {
		clear(p.members)
		clear(p.elems)
		*p = parser{members: p.members[:0], elems: p.elems[:0], seen: p.seen}
		parserPool.Put(p)
	}()
	p.data = data
	p.skipSpace()
	if p.i >= len(p.data) {
		return Value{}, 0, ErrEmpty
	}
	var tops []Value
	for {
		if len(tops) == 0 && p.i < len(p.data) && p.data[p.i] == ',' {
			p.quirks |= QuirkLeadingComma
		}
		p.skipSpaceAndCommas()
		if p.i >= len(p.data) {
			break
		}
		c := p.data[p.i]
		if len(tops) > 0 && c != '{' && c != '[' {
			// Whatever follows a complete value and is not another
			// container is noise (a second status line, log text).
			p.quirks |= QuirkTrailingData
			break
		}
		v, err := p.value(0)
		if err != nil {
			if len(tops) > 0 {
				p.quirks |= QuirkTrailingData
				break
			}
			return Value{}, 0, err
		}
		if v.kind == Invalid {
			break
		}
		tops = append(tops, v)
		if p.quirks&QuirkTruncated != 0 {
			break
		}
	}
	if len(tops) == 0 {
		if p.quirks&QuirkTruncated != 0 {
			return Value{}, 0, &SyntaxError{Offset: len(data), Msg: "reply ends before its first value is complete"}
		}
		return Value{}, 0, ErrEmpty
	}
	if len(tops) == 1 {
		return tops[0], p.quirks, nil
	}
	p.quirks |= QuirkConcatenated
	allObjects := true
	n := 0
	for _, t := range tops {
		allObjects = allObjects && t.kind == Object
		n += len(t.obj)
	}
	if allObjects {
		merged := Value{kind: Object, obj: make([]Member, 0, n)}
		seen := map[string]bool{}
		for _, t := range tops {
			for _, m := range t.obj {
				if seen[m.Key] {
					p.quirks |= QuirkDuplicateKey
				}
				seen[m.Key] = true
				merged.obj = append(merged.obj, m)
			}
		}
		return merged, p.quirks, nil
	}
	return Value{kind: Array, arr: tops}, p.quirks, nil
}

type parser struct {
	data   []byte
	i      int
	quirks Quirks

	// Scratch stacks: the members and elements of the containers being
	// read, copied into exactly sized slices when each container closes.
	members []Member
	elems   []Value
	// seen holds the keys of the object being read at each depth, to
	// notice duplicates; the maps are reused.
	seen []map[string]struct{}
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips JSON whitespace and NUL bytes, noting NULs.
func (p *parser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
		case 0:
			p.quirks |= QuirkTrailingNUL
		default:
			return
		}
		p.i++
	}
}

func (p *parser) skipSpaceAndCommas() {
	for {
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
			continue
		}
		return
	}
}

func (p *parser) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.errorf("nesting deeper than %d", MaxDepth)
	}
	p.skipSpace()
	if p.i >= len(p.data) {
		p.quirks |= QuirkTruncated
		return Value{}, nil
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, ok := p.str()
		if !ok {
			return Value{}, nil
		}
		return Value{kind: String, str: s}, nil
	case c == '-' || c == '+' || (c >= '0' && c <= '9') || c == '.':
		return p.number(depth)
	default:
		return p.literal()
	}
}

func (p *parser) object(depth int) (Value, error) {
	p.i++ // {
	base := len(p.members)
	var seen map[string]struct{} // from smallObject members on
	done := func() Value {
		v := Value{kind: Object}
		if n := len(p.members) - base; n > 0 {
			v.obj = make([]Member, n)
			copy(v.obj, p.members[base:])
		}
		clear(p.members[base:])
		p.members = p.members[:base]
		return v
	}
	expectComma := false
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			p.quirks |= QuirkTruncated
			return done(), nil
		}
		c := p.data[p.i]
		switch {
		case c == '}':
			p.i++
			return done(), nil
		case c == ',':
			p.i++
			if !expectComma {
				p.quirks |= QuirkLeadingComma
			}
			expectComma = false
			p.skipSpace()
			if p.i < len(p.data) && p.data[p.i] == '}' {
				p.quirks |= QuirkTrailingComma
			}
			continue
		case c == '"':
			if expectComma {
				p.quirks |= QuirkMissingComma
			}
		default:
			p.members = p.members[:base]
			return Value{}, p.errorf("object key: unexpected %q", c)
		}
		key, ok := p.key()
		if !ok {
			return done(), nil
		}
		p.skipSpace()
		if p.i >= len(p.data) {
			p.quirks |= QuirkTruncated
			return done(), nil
		}
		if p.data[p.i] != ':' {
			p.members = p.members[:base]
			return Value{}, p.errorf("after key %q: want ':', got %q", key, p.data[p.i])
		}
		p.i++
		p.skipSpace()
		if p.i >= len(p.data) {
			p.quirks |= QuirkTruncated
			return done(), nil
		}
		var val Value
		if c := p.data[p.i]; c == ',' || c == '}' {
			p.quirks |= QuirkMissingValue
			val = Value{kind: Null}
		} else {
			var err error
			val, err = p.value(depth + 1)
			if err != nil {
				p.members = p.members[:base]
				return Value{}, err
			}
		}
		if val.kind == Invalid { // a scalar cut short by the end of input
			return done(), nil
		}
		if p.duplicate(base, depth, &seen, key) {
			p.quirks |= QuirkDuplicateKey
		}
		p.members = append(p.members, Member{Key: key, Value: val})
		if p.quirks&QuirkTruncated != 0 {
			return done(), nil
		}
		expectComma = true
	}
}

func (p *parser) array(depth int) (Value, error) {
	p.i++ // [
	base := len(p.elems)
	done := func() Value {
		v := Value{kind: Array}
		if n := len(p.elems) - base; n > 0 {
			v.arr = make([]Value, n)
			copy(v.arr, p.elems[base:])
		}
		clear(p.elems[base:])
		p.elems = p.elems[:base]
		return v
	}
	expectComma := false
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			p.quirks |= QuirkTruncated
			return done(), nil
		}
		c := p.data[p.i]
		switch c {
		case ']':
			p.i++
			return done(), nil
		case ',':
			p.i++
			if !expectComma {
				p.quirks |= QuirkLeadingComma
			}
			expectComma = false
			p.skipSpace()
			if p.i < len(p.data) && p.data[p.i] == ']' {
				p.quirks |= QuirkTrailingComma
			}
			continue
		}
		if expectComma {
			p.quirks |= QuirkMissingComma
		}
		el, err := p.value(depth + 1)
		if err != nil {
			p.elems = p.elems[:base]
			return Value{}, err
		}
		if el.kind == Invalid { // a scalar cut short by the end of input
			return done(), nil
		}
		p.elems = append(p.elems, el)
		expectComma = true
	}
}

// smallObject is the member count up to which duplicates are found by a
// linear scan; larger objects use a (reused) map.
const smallObject = 12

// duplicate reports whether key is already a member of the object whose
// members start at base.
func (p *parser) duplicate(base, depth int, seen *map[string]struct{}, key string) bool {
	n := len(p.members) - base
	if n < smallObject {
		for _, m := range p.members[base:] {
			if m.Key == key {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		for len(p.seen) <= depth {
			p.seen = append(p.seen, make(map[string]struct{}, 64))
		}
		*seen = p.seen[depth]
		clear(*seen)
		for _, m := range p.members[base:] {
			(*seen)[m.Key] = struct{}{}
		}
	}
	_, dup := (*seen)[key]
	(*seen)[key] = struct{}{}
	return dup
}

// key reads an object key, sharing the string of keys seen before (miner
// replies repeat the same few hundred keys).
func (p *parser) key() (string, bool) {
	start := p.i + 1
	for j := start; j < len(p.data) && j-start <= maxInternLen; j++ {
		c := p.data[j]
		if c == '\\' {
			break
		}
		if c == '"' {
			if s, ok := interned(p.data[start:j]); ok {
				p.i = j + 1
				return s, true
			}
			break
		}
	}
	s, ok := p.str()
	if ok {
		intern(s)
	}
	return s, ok
}

// str reads a quoted string starting at the opening quote. It reports false
// (and sets QuirkTruncated) when the input ends before the closing quote.
func (p *parser) str() (string, bool) {
	p.i++ // "
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := string(p.data[start:p.i])
			p.i++
			return s, true
		}
		if c == '\\' {
			break
		}
		p.i++
	}
	if p.i >= len(p.data) {
		p.quirks |= QuirkTruncated
		return "", false
	}
	buf := make([]byte, 0, p.i-start+16)
	buf = append(buf, p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch c {
		case '"':
			p.i++
			return string(buf), true
		case '\\':
			if p.i+1 >= len(p.data) {
				p.i++
				p.quirks |= QuirkTruncated
				return "", false
			}
			e := p.data[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					p.quirks |= QuirkBadEscape
					buf = append(buf, '\\', 'u')
					continue
				}
				if utf16.IsSurrogate(r) {
					save := p.i
					if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
						p.i += 2
						if r2, ok := p.hex4(); ok {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								buf = utf8.AppendRune(buf, d)
								continue
							}
						}
					}
					p.i = save
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.quirks |= QuirkBadEscape
				buf = append(buf, '\\', e)
			}
		default:
			buf = append(buf, c)
			p.i++
		}
	}
	p.quirks |= QuirkTruncated
	return "", false
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

func isNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// number reads a number. One that runs into the end of the input inside a
// container may have been cut short: it is dropped (Invalid) and the reply
// marked truncated.
func (p *parser) number(depth int) (Value, error) {
	start := p.i
	for p.i < len(p.data) && isNumByte(p.data[p.i]) {
		p.i++
	}
	text := p.data[start:p.i]
	atEnd := p.i >= len(p.data)
	// "-inf", "-nan", "-Infinity"
	if p.i < len(p.data) && len(text) == 1 && (text[0] == '-' || text[0] == '+') {
		lit, err := p.literal()
		if err != nil {
			return Value{}, err
		}
		if lit.kind == Invalid {
			return lit, nil // cut short
		}
		if lit.kind != Number {
			return Value{}, &SyntaxError{Offset: start, Msg: "sign before a non-number"}
		}
		if text[0] == '-' {
			lit.num = -lit.num
		}
		return lit, nil
	}
	if atEnd && depth > 0 {
		p.quirks |= QuirkTruncated
		return Value{}, nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return Value{kind: Number, num: f}, nil // ±Inf or 0 for out-of-range
		}
		return Value{}, &SyntaxError{Offset: start, Msg: fmt.Sprintf("bad number %q", text)}
	}
	return Value{kind: Number, num: f}, nil
}

var literals = []struct {
	text   string
	v      Value
	quirky bool
}{
	{"true", Value{kind: Bool, b: true}, false},
	{"false", Value{kind: Bool}, false},
	{"null", Value{kind: Null}, false},
	{"Infinity", Value{kind: Number, num: math.Inf(1)}, true},
	{"inf", Value{kind: Number, num: math.Inf(1)}, true},
	{"INF", Value{kind: Number, num: math.Inf(1)}, true},
	{"NaN", Value{kind: Number, num: math.NaN()}, true},
	{"nan", Value{kind: Number, num: math.NaN()}, true},
	{"NAN", Value{kind: Number, num: math.NaN()}, true},
}

func (p *parser) literal() (Value, error) {
	rest := p.data[p.i:]
	for _, l := range literals {
		n := len(l.text)
		if len(rest) >= n && string(rest[:n]) == l.text {
			p.i += n
			if l.quirky {
				p.quirks |= QuirkNonFinite
			}
			return l.v, nil
		}
		if len(rest) < n && string(rest) == l.text[:len(rest)] {
			p.i = len(p.data)
			p.quirks |= QuirkTruncated
			return Value{}, nil
		}
	}
	c := rest[0]
	if c < 0x20 || c >= 0x7f {
		return Value{}, p.errorf("unexpected byte 0x%02x", c)
	}
	return Value{}, p.errorf("unexpected %q", c)
}
