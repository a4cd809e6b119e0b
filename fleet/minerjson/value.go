package minerjson

import (
	"math"
	"strconv"
	"strings"
)

// Kind is the JSON type of a Value.
type Kind uint8

// Kinds of Value. Invalid is the zero Value: a member or element that is
// not there.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"invalid", "null", "bool", "number", "string", "array", "object"}

// String names the kind ("object", "number" ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Member is one key and value of an object, in the order of the reply.
type Member struct {
	Key   string
	Value Value
}

// Value is one parsed JSON value. The zero Value is Invalid (missing); every
// accessor on it returns a zero result, so lookups chain without checks:
// v.Get("STATUS").Index(0).Get("Msg").
type Value struct {
	kind Kind
	b    bool
	num  float64
	str  string
	arr  []Value
	obj  []Member
}

// Kind returns the JSON type; Invalid when the value is missing.
func (v Value) Kind() Kind { return v.kind }

// Exists reports whether the value is present (possibly null).
func (v Value) Exists() bool { return v.kind != Invalid }

// Get returns the member named key of an object, the last one when the key
// appears several times (as encoding/json does). Missing gives Invalid.
func (v Value) Get(key string) Value {
	for i := len(v.obj) - 1; i >= 0; i-- {
		if v.obj[i].Key == key {
			return v.obj[i].Value
		}
	}
	return Value{}
}

// GetFold is Get with a case-insensitive key ("Msg" and "msg").
func (v Value) GetFold(key string) Value {
	for i := len(v.obj) - 1; i >= 0; i-- {
		if strings.EqualFold(v.obj[i].Key, key) {
			return v.obj[i].Value
		}
	}
	return Value{}
}

// All returns every member named key, in order.
func (v Value) All(key string) []Value {
	var out []Value
	for _, m := range v.obj {
		if m.Key == key {
			out = append(out, m.Value)
		}
	}
	return out
}

// MaxFloat returns the largest finite number among the members named key
// (the hottest of duplicated temperature keys).
func (v Value) MaxFloat(key string) (float64, bool) {
	best, ok := math.Inf(-1), false
	for _, m := range v.obj {
		if m.Key != key {
			continue
		}
		if f, fok := m.Value.Float(); fok && f > best {
			best, ok = f, true
		}
	}
	if !ok {
		return 0, false
	}
	return best, true
}

// Members returns an object's members in order (nil for other kinds).
func (v Value) Members() []Member { return v.obj }

// Elems returns an array's elements (nil for other kinds).
func (v Value) Elems() []Value { return v.arr }

// Len returns the number of elements or members.
func (v Value) Len() int {
	switch v.kind {
	case Array:
		return len(v.arr)
	case Object:
		return len(v.obj)
	}
	return 0
}

// Index returns element i of an array; Invalid when out of range.
func (v Value) Index(i int) Value {
	if i < 0 || i >= len(v.arr) {
		return Value{}
	}
	return v.arr[i]
}

// Float returns a number, or a string that holds one ("37603.30", " 5 ").
// Non-finite values (inf, nan, "inf", "nan") and anything else report false:
// a broken sensor reads as absent.
func (v Value) Float() (float64, bool) {
	var f float64
	switch v.kind {
	case Number:
		f = v.num
	case String:
		s := strings.TrimSpace(v.str)
		if s == "" {
			return 0, false
		}
		var err error
		f, err = strconv.ParseFloat(s, 64)
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

// Int returns Float truncated toward zero, when it fits in an int64.
func (v Value) Int() (int64, bool) {
	f, ok := v.Float()
	if !ok || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// Str returns a string, or the text of a number or bool.
func (v Value) Str() (string, bool) {
	switch v.kind {
	case String:
		return v.str, true
	case Number:
		return strconv.FormatFloat(v.num, 'f', -1, 64), true
	case Bool:
		return strconv.FormatBool(v.b), true
	}
	return "", false
}

// Bool returns a bool, or a string that spells one ("true", "false", "Y",
// "N", as cgminer writes Enabled).
func (v Value) Bool() (bool, bool) {
	switch v.kind {
	case Bool:
		return v.b, true
	case String:
		switch strings.ToLower(strings.TrimSpace(v.str)) {
		case "true", "y", "yes", "1":
			return true, true
		case "false", "n", "no", "0":
			return false, true
		}
	case Number:
		return v.num != 0, true
	}
	return false, false
}

// Interface converts to the types encoding/json produces (map[string]any,
// []any, float64, string, bool, nil); a duplicated key keeps its last value.
func (v Value) Interface() any {
	switch v.kind {
	case Bool:
		return v.b
	case Number:
		return v.num
	case String:
		return v.str
	case Array:
		out := make([]any, len(v.arr))
		for i, e := range v.arr {
			out[i] = e.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(v.obj))
		for _, m := range v.obj {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}
