package minerjson

import (
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// renderValue writes a Value in a canonical form that keeps every member
// in order (duplicates included) and the exact bits of every number.
func renderValue(v Value) string {
	var b strings.Builder
	var walk func(v Value)
	walk = func(v Value) {
		switch v.Kind() {
		case Object:
			b.WriteByte('{')
			for i, m := range v.Members() {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(m.Key))
				b.WriteByte(':')
				walk(m.Value)
			}
			b.WriteByte('}')
		case Array:
			b.WriteByte('[')
			for i, e := range v.Elems() {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(e)
			}
			b.WriteByte(']')
		case Number:
			b.WriteString("n" + strconv.FormatUint(math.Float64bits(v.num), 16))
		case String:
			b.WriteString(strconv.Quote(v.str))
		case Bool:
			b.WriteString(strconv.FormatBool(v.b))
		case Null:
			b.WriteString("null")
		default:
			b.WriteString("invalid")
		}
	}
	walk(v)
	return b.String()
}

// renderReader reads the value at r's position whole and writes it in
// renderValue's form, reading numbers as Parse does (strconv.ParseFloat,
// ±Inf when out of range).
func renderReader(r *Reader, b *strings.Builder) {
	switch r.Kind() {
	case Object:
		b.WriteByte('{')
		first := true
		r.Object(func(k []byte) {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Quote(string(k)))
			b.WriteByte(':')
			renderReader(r, b)
		})
		b.WriteByte('}')
	case Array:
		b.WriteByte('[')
		first := true
		r.Array(func() {
			if !first {
				b.WriteByte(',')
			}
			first = false
			renderReader(r, b)
		})
		b.WriteByte(']')
	default:
		v := r.Value()
		switch v.Kind {
		case Number:
			f, err := strconv.ParseFloat(string(v.Text), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				b.WriteString("badnumber")
			}
			b.WriteString("n" + strconv.FormatUint(math.Float64bits(f), 16))
		case String:
			b.WriteString(strconv.Quote(string(v.Text)))
		case Bool:
			s, _ := v.Str()
			b.WriteString(s)
		case Null:
			b.WriteString("null")
		default:
			b.WriteString("invalid")
		}
	}
}

// scanTop reads data whole with a Reader and renders it.
func scanTop(data []byte) (string, error) {
	var r Reader
	r.Reset(data)
	var b strings.Builder
	renderReader(&r, &b)
	return b.String(), r.Err()
}

// skimTop reads data with a Reader that reads no value but the top one.
func skimTop(data []byte) error {
	var r Reader
	r.Reset(data)
	switch r.Kind() {
	case Object:
		r.Object(func([]byte) {})
	case Array:
		r.Array(func() {})
	default:
		r.Value()
	}
	return r.Err()
}

func TestReaderReadsStrictJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"flat", `{"a":1,"b":"x","c":true,"d":false,"e":null}`},
		{"nested", `{"STATUS":[{"STATUS":"S","Code":70}],"STATS":[{"Type":"Antminer S19"},{"GHS av":1.5e5}],"id":1}`},
		{"trailing NUL", "{\"a\":1}\x00"},
		{"whitespace everywhere", " { \"a\" : [ 1 , 2 ] , \"b\" : { } }\n\x00"},
		{"missing comma between objects", `{"STATS":[{"a":1}{"b":2}]}`},
		{"duplicate keys kept", `{"temp1":60,"temp1":75}`},
		{"numbers", `{"a":0,"b":-0.5,"c":1E+3,"d":12e-2,"e":1e999,"f":-1e-999}`},
		{"raw control char", "{\"s\":\"a\tb\"}"},
		{"empty containers", `{"a":[],"b":{},"c":[[]]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanTop([]byte(tc.in))
			if err != nil {
				t.Fatalf("Reader(%q).Err() = %v", tc.in, err)
			}
			v, _, perr := Parse([]byte(tc.in))
			if perr != nil {
				t.Fatalf("Parse(%q) error %v", tc.in, perr)
			}
			if want := renderValue(v); got != want {
				t.Errorf("Reader(%q) saw %s, Parse read %s", tc.in, got, want)
			}
			if err := skimTop([]byte(tc.in)); err != nil {
				t.Errorf("Reader(%q) skipping every member: Err() = %v", tc.in, err)
			}
		})
	}
}

func TestReaderRefusesWhatNeedsRepair(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ``},
		{"trailing comma", `{"a":1,}`},
		{"leading comma", `{,"a":1}`},
		{"array leading comma", `{"x":[,{"a":1}]}`},
		{"members without comma", `{"a":1 "b":2}`},
		{"numbers without comma", `{"a":[1 2]}`},
		{"bare nan", `{"t":nan}`},
		{"bare -inf", `{"t":-inf}`},
		{"missing value", `{"a":,"b":2}`},
		{"escape", `{"s":"a\"b"}`},
		{"escape in key", `{"a\u0041":1}`},
		{"truncated", `{"a":1,"b":[12`},
		{"truncated number at end", `{"a":12`},
		{"concatenated", "{\"a\":1}{\"b\":2}\x00"},
		{"trailing garbage", `{"a":1}x`},
		{"NUL inside", "{\"a\":\x001}"},
		{"bad number", `{"a":1.2.3}`},
		{"leading zero", `{"a":01}`},
		{"plus sign", `{"a":+1}`},
		{"bare dot", `{"a":.5}`},
		{"number then letters", `{"a":12abc}`},
		{"word", `{"a":tru}`},
		{"deep", `{"a":` + strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2) + `}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := scanTop([]byte(tc.in)); !errors.Is(err, ErrNotStrict) {
				t.Errorf("Reader(%q) reading every value: Err() = %v, want ErrNotStrict", tc.in, err)
			}
			if err := skimTop([]byte(tc.in)); !errors.Is(err, ErrNotStrict) {
				t.Errorf("Reader(%q) skipping every value: Err() = %v, want ErrNotStrict", tc.in, err)
			}
		})
	}
}

func TestRawAccessorsMatchValue(t *testing.T) {
	in := `{"n":12.5,"neg":-3.9,"big":1e999,"s":" 37603.30 ","e":"","nan":"nan","inf":"inf","t":true,"f":false,"z":null,"o":{},"a":[],"word":"Antminer S19","int":"7","huge":1e20}`
	v, _, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var rd Reader
	rd.Reset([]byte(in))
	rd.Object(func(k []byte) {
		n++
		r := rd.Value()
		pv := v.Get(string(k))
		gf, gok := r.Float()
		wf, wok := pv.Float()
		if gf != wf || gok != wok {
			t.Errorf("%s: Raw.Float() = %v, %v; Value.Float() = %v, %v", k, gf, gok, wf, wok)
		}
		gi, giok := r.Int()
		wi, wiok := pv.Int()
		if gi != wi || giok != wiok {
			t.Errorf("%s: Raw.Int() = %v, %v; Value.Int() = %v, %v", k, gi, giok, wi, wiok)
		}
		gs, gsok := r.Str()
		ws, wsok := pv.Str()
		if gs != ws || gsok != wsok {
			t.Errorf("%s: Raw.Str() = %q, %v; Value.Str() = %q, %v", k, gs, gsok, ws, wsok)
		}
		if r.Kind != pv.Kind() {
			t.Errorf("%s: Raw.Kind = %v, Value.Kind() = %v", k, r.Kind, pv.Kind())
		}
	})
	if err := rd.Err(); err != nil || n != 15 {
		t.Fatalf("Reader saw %d members, Err() = %v; want 15, nil", n, err)
	}
	if !(Raw{Kind: String, Text: []byte("rEsTaRt")}).StrEqualFold("RESTART") {
		t.Error("StrEqualFold(rEsTaRt, RESTART) = false, want true")
	}
	if (Raw{}).Exists() {
		t.Error("zero Raw exists")
	}
}

// FuzzRawFloat checks that Raw.Float, with its quick refusals, reads any
// text exactly as Value.Float does.
func FuzzRawFloat(f *testing.F) {
	for _, s := range []string{"37603.30", " 5 ", "78-50-69-70", "49.0.1.3", "8144d5ca79104814", "-inf", "NaN", "Infinity",
		"0x1p-2", "1_000", "0x_1p0", "1e5", "1e", "+.5", "5.", ".", "-", "e5", "1e+", "BTM_SOC0", "+nan", "1.5e-3x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gf, gok := Raw{Kind: String, Text: []byte(s)}.Float()
		wf, wok := Value{kind: String, str: s}.Float()
		if gf != wf || gok != wok {
			t.Fatalf("Raw(%q).Float() = %v, %v; Value.Float() = %v, %v", s, gf, gok, wf, wok)
		}
	})
}

func TestReaderDoesNotAllocate(t *testing.T) {
	data, err := os.ReadFile("../../../shared/data/miner-replies/antminer/v2020/stats.json")
	if err != nil {
		t.Skipf("real antminer stats reply not available: %v", err)
	}
	sum := 0.0
	var r Reader
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(data)
		r.Object(func(k []byte) {
			if string(k) != "STATS" {
				return
			}
			r.Array(func() {
				r.Object(func([]byte) {
					if f, ok := r.Value().Float(); ok {
						sum += f
					}
				})
			})
		})
	})
	if err := r.Err(); err != nil {
		t.Fatalf("Reader over a real stats reply: %v", err)
	}
	if allocs != 0 {
		t.Errorf("Reader over a real stats reply: %v allocations, want 0", allocs)
	}
}

// FuzzReader checks the fast path against Parse: on every input that a
// Reader accepts (whether it reads every value or skips them), Parse reads the same members in the same order, with
// the same numbers, and repairs nothing but a trailing NUL, bmminer's
// missing comma between objects or (which changes no member) a duplicate.
func FuzzReader(f *testing.F) {
	seeds := []string{
		`{"a":1}`, "{\"a\":1}\x00", `{"a":1,}`, `{"a":[{"b":1}{"c":2}]}`, `{"t":inf}`,
		`{"temp1":1,"temp1":2}`, `{"a":"x\u00e9"}`, `{"a":1,"b":"ab`, `{"a":{"b":[1,2,[3]]}}`,
		"{}{}", `{"a":1e999,"b":-0,"c":0.5e-3}`, `{"a":[1 2]}`, `{"a":01}`,
		`{"STATUS":[{"STATUS":"S","When":1755615295,"Code":70,"Msg":"CGMiner stats"}],"STATS":[{"Type":"Antminer S9"}{"GHS av":13500.5,"temp_chip1":"78-50-69-70"}],"id":1}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := scanTop(in)
		if skim := skimTop(in); (skim == nil) != (err == nil) {
			t.Fatalf("Reader(%q): Err() = %v reading every value, %v skipping them", in, err, skim)
		}
		if err != nil {
			if !errors.Is(err, ErrNotStrict) {
				t.Fatalf("Reader(%q).Err() = %v, want nil or ErrNotStrict", in, err)
			}
			return
		}
		v, q, perr := Parse(in)
		if perr != nil {
			t.Fatalf("Reader(%q) accepted what Parse refuses: %v", in, perr)
		}
		if q&^(QuirkTrailingNUL|QuirkMissingComma|QuirkDuplicateKey) != 0 {
			t.Fatalf("Reader(%q) accepted what Parse repairs: %v", in, q)
		}
		if want := renderValue(v); got != want {
			t.Fatalf("Reader(%q) saw %s, Parse read %s", in, got, want)
		}
	})
}

func BenchmarkReaderStats(b *testing.B) {
	data, err := os.ReadFile("../../../shared/data/miner-replies/antminer/v2020/stats.json")
	if err != nil {
		b.Skipf("real antminer stats reply not available: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var r Reader
	for b.Loop() {
		r.Reset(data)
		r.Object(func(k []byte) {
			if string(k) != "STATS" {
				return
			}
			r.Array(func() {
				r.Object(func([]byte) { _ = r.Value() })
			})
		})
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
