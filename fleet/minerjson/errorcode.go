package minerjson

import (
	"sort"
	"strings"
)

// ErrorCodes reads an error_code field in any of the shapes firmwares send:
// a list of one-key objects ({"218":"2024-06-15 10:30:00"}, optionally with a
// "reason"), a list of numbers or strings, an object keyed by code, or a
// single number or string. Each code comes back as text, followed by
// ": reason" when the device gave one. Missing or empty gives nil.
func ErrorCodes(v Value) []string {
	var out []string
	switch v.kind {
	case Array:
		for _, e := range v.arr {
			out = append(out, ErrorCodes(e)...)
		}
	case Object:
		reason := ""
		if r, ok := v.GetFold("reason").Str(); ok {
			reason = strings.TrimSpace(r)
		}
		var codes []string
		for _, m := range v.obj {
			if strings.EqualFold(m.Key, "reason") {
				continue
			}
			codes = append(codes, m.Key)
		}
		sort.Strings(codes)
		for _, c := range codes {
			if reason != "" {
				c += ": " + reason
			}
			out = append(out, c)
		}
	case Number, String:
		if s, ok := v.Str(); ok {
			for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
				out = append(out, part)
			}
		}
	}
	return out
}
