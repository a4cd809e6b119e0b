package minerjson

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseRepairsQuirks(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // the repaired value as standard JSON
		quirks Quirks
	}{
		{"clean", `{"a":1,"b":[true,null,"x"]}`, `{"a":1,"b":[true,null,"x"]}`, 0},
		{"trailing NUL", "{\"a\":1}\x00", `{"a":1}`, QuirkTrailingNUL},
		{"several NULs and newline", "{\"a\":1}\n\x00\x00", `{"a":1}`, QuirkTrailingNUL},
		{"comma before brace", `{"a":1,}`, `{"a":1}`, QuirkTrailingComma},
		{"comma before bracket", `{"a":[1,2,]}`, `{"a":[1,2]}`, QuirkTrailingComma},
		{"objects without comma", `{"STATS":[{"a":1}{"b":2}]}`, `{"STATS":[{"a":1},{"b":2}]}`, QuirkMissingComma},
		{"members without comma", `{"a":1 "b":2}`, `{"a":1,"b":2}`, QuirkMissingComma},
		{"array leading comma", `{"x":[,{"a":1}]}`, `{"x":[{"a":1}]}`, QuirkLeadingComma},
		{"object leading comma", `{,"a":1}`, `{"a":1}`, QuirkLeadingComma},
		{"reply leading comma", `,{"a":1}`, `{"a":1}`, QuirkLeadingComma},
		{"quoted inf stays a string", `{"t":"inf"}`, `{"t":"inf"}`, 0},
		{"bare nan", `{"t":nan}`, `{"t":null}`, QuirkNonFinite},
		{"bare -inf", `{"t":-inf}`, `{"t":null}`, QuirkNonFinite},
		{"duplicate key", `{"temp1":60,"temp1":75}`, `{"temp1":75}`, QuirkDuplicateKey},
		{"missing value", `{"a":,"b":2}`, `{"a":null,"b":2}`, QuirkMissingValue},
		{"id zero", `{"STATUS":[{"STATUS":"S"}],"id":0}`, `{"STATUS":[{"STATUS":"S"}],"id":0}`, 0},
		{"concatenated objects merge", "{\"a\":1}{\"b\":2}\x00", `{"a":1,"b":2}`, QuirkConcatenated | QuirkTrailingNUL},
		{"truncated in string", `{"a":1,"b":"abc`, `{"a":1}`, QuirkTruncated},
		{"truncated in number", `{"a":1,"b":[12`, `{"a":1,"b":[]}`, QuirkTruncated},
		{"truncated after key", `{"a":1,"b"`, `{"a":1}`, QuirkTruncated},
		{"truncated in nested object", `{"S":[{"x":1},{"y":2,"z":tr`, `{"S":[{"x":1},{"y":2}]}`, QuirkTruncated},
		{"truncated inside escape", `{"a":"x\`, `{}`, QuirkTruncated},
		{"trailing garbage", "{\"a\":1}garbage", `{"a":1}`, QuirkTrailingData},
		{"escapes", `{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}`, `{"s":"a\"b\\c/d\n\u00e9\ud83d\ude00"}`, 0},
		{"bad escape kept", `{"s":"a\qb"}`, `{"s":"a\\qb"}`, QuirkBadEscape},
		{"raw control char in string", "{\"s\":\"a\tb\"}", `{"s":"a\tb"}`, 0},
		{"array at top", `[1,2]`, `[1,2]`, 0},
		{"big exponent", `{"a":1e999}`, `{"a":null}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, q, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse(%q) error %v", tc.in, err)
			}
			var want any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatalf("bad test: %v", err)
			}
			got := finiteOnly(v.Interface())
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, want)
			}
			if q != tc.quirks {
				t.Errorf("Parse(%q) quirks = %v, want %v", tc.in, q, tc.quirks)
			}
		})
	}
}

// finiteOnly maps non-finite numbers to nil, as JSON cannot hold them.
func finiteOnly(x any) any {
	switch x := x.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
	case []any:
		for i := range x {
			x[i] = finiteOnly(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = finiteOnly(x[k])
		}
	}
	return x
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error // nil: any *SyntaxError
	}{
		{"empty", "", ErrEmpty},
		{"only NUL", "\x00\x00", ErrEmpty},
		{"only spaces", " \n ", ErrEmpty},
		{"text", "Access denied", nil},
		{"HTTP", "HTTP/1.1 400 Bad Request\r\n", nil},
		{"unquoted key", `{a:1}`, nil},
		{"bad number", `{"a":1.2.3}`, nil},
		{"sign before word", `{"a":-true}`, nil},
		{"cut before a value", `"abc`, nil},
		{"too deep", strings.Repeat("[", MaxDepth+2), nil},
		{"binary", "\x16\x03\x01\x02", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, _, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.in, v.Interface())
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Parse(%q) error %v, want %v", tc.in, err, tc.want)
			}
			var se *SyntaxError
			if tc.want == nil && !errors.As(err, &se) {
				t.Errorf("Parse(%q) error %T %v, want *SyntaxError", tc.in, err, err)
			}
			if !strings.HasPrefix(err.Error(), "minerjson: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestDuplicateTemperaturesKeepTheHottest(t *testing.T) {
	// bmminer writes temp1 once per sensor of the board.
	in := "{\"STATS\":[{\"temp1\":61,\"temp1\":\"nan\",\"temp1\":78,\"temp1\":70}]}\x00"
	v, q, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	st := v.Get("STATS").Index(0)
	if got, ok := st.MaxFloat("temp1"); !ok || got != 78 {
		t.Errorf("MaxFloat(temp1) = %v, %v; want 78, true", got, ok)
	}
	if got := len(st.All("temp1")); got != 4 {
		t.Errorf("len(All(temp1)) = %d, want 4", got)
	}
	if got, _ := st.Get("temp1").Float(); got != 70 {
		t.Errorf("Get(temp1) = %v, want the last, 70", got)
	}
	if q&QuirkDuplicateKey == 0 {
		t.Errorf("quirks = %v, want duplicate key", q)
	}
}

func TestAccessors(t *testing.T) {
	v, _, err := Parse([]byte(`{"n":"37603.30","e":"","inf":"inf","nan":nan,"b":"Y","i":5880.0,"s":12,"Msg":"x","arr":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	floats := []struct {
		key  string
		want float64
		ok   bool
	}{{"n", 37603.30, true}, {"e", 0, false}, {"inf", 0, false}, {"nan", 0, false}, {"missing", 0, false}, {"arr", 0, false}}
	for _, f := range floats {
		if got, ok := v.Get(f.key).Float(); got != f.want || ok != f.ok {
			t.Errorf("Get(%q).Float() = %v, %v; want %v, %v", f.key, got, ok, f.want, f.ok)
		}
	}
	if got, ok := v.Get("b").Bool(); !got || !ok {
		t.Errorf("Get(b).Bool() = %v, %v; want true, true", got, ok)
	}
	if got, ok := v.Get("i").Int(); got != 5880 || !ok {
		t.Errorf("Get(i).Int() = %v, %v; want 5880, true", got, ok)
	}
	if got, ok := v.Get("s").Str(); got != "12" || !ok {
		t.Errorf("Get(s).Str() = %q, %v; want \"12\", true", got, ok)
	}
	if got, _ := v.GetFold("msg").Str(); got != "x" {
		t.Errorf("GetFold(msg) = %q, want x", got)
	}
	if v.Get("missing").Exists() || v.Get("missing").Index(3).Get("x").Exists() {
		t.Errorf("a chain of lookups on a missing key exists")
	}
	if got := v.Get("arr").Len(); got != 1 {
		t.Errorf("Len(arr) = %d, want 1", got)
	}
	if got := v.Len(); got != 9 {
		t.Errorf("Len() = %d, want 9", got)
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"list of one-key objects", `{"error_code":[{"218":"2024-06-15 10:30:00"},{"110":"2024-06-15 09:15:00"}]}`, []string{"218", "110"}},
		{"with reasons", `{"error_code":[{"264":"2026-05-23 09:19:10","reason":"Power xfer error."}]}`, []string{"264: Power xfer error."}},
		{"list of numbers", `{"error_code":[110,600]}`, []string{"110", "600"}},
		{"list of strings", `{"error_code":["E1","E2"]}`, []string{"E1", "E2"}},
		{"object", `{"error_code":{"531":"x","210":"y"}}`, []string{"210", "531"}},
		{"single number", `{"error_code":2010}`, []string{"2010"}},
		{"comma string", `{"error_code":"110,600"}`, []string{"110", "600"}},
		{"empty list", `{"error_code":[]}`, nil},
		{"missing", `{}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, _, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := ErrorCodes(v.Get("error_code")); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ErrorCodes(%s) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncatedAt64KB(t *testing.T) {
	// A long stats reply cut at 64 KiB, as some firmwares send it.
	var b strings.Builder
	b.WriteString(`{"STATUS":[{"STATUS":"S","Code":70}],"STATS":[{"GHS av":100.5,"chips":"`)
	for b.Len() < 70000 {
		b.WriteString("oooo ")
	}
	b.WriteString(`"}],"id":0}`)
	in := b.String()[:64*1024]
	v, q, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if q&QuirkTruncated == 0 {
		t.Errorf("quirks = %v, want truncated", q)
	}
	if got, ok := v.Get("STATS").Index(0).Get("GHS av").Float(); !ok || got != 100.5 {
		t.Errorf("GHS av = %v, %v; want 100.5 from the part before the cut", got, ok)
	}
	if code, _ := v.Get("STATUS").Index(0).Get("Code").Int(); code != 70 {
		t.Errorf("STATUS Code = %d, want 70", code)
	}
}

// FuzzParse checks that Parse never panics, returns a value xor an error,
// and agrees with encoding/json on every input that is valid JSON.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"a":1}`, "{\"a\":1}\x00", `{"a":1,}`, `[,{"a":1}]`, `{"a":[{"b":1}{"c":2}]}`,
		`{"t":inf,"u":-nan}`, `{"temp1":1,"temp1":2}`, `{"a":"x\u00e9\ud83d\ude00"}`, `{"a":1,"b":"ab`,
		`{"error_code":[{"1":"x"}]}`, `{"id":0}`, `{"a":{"b":[1,2,[3]]}}`, "{}{}", `nul`, `-`, `[1e999]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := Parse(in)
		if (err == nil) == (v.Kind() == Invalid) {
			t.Fatalf("Parse(%q) = %v, %v: want a value xor an error", in, v.Kind(), err)
		}
		if err != nil || !json.Valid(in) || !utf8.Valid(in) {
			return
		}
		var want any
		if err := json.Unmarshal(in, &want); err != nil {
			return
		}
		if got := v.Interface(); !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q) = %#v, encoding/json says %#v", in, got, want)
		}
	})
}
