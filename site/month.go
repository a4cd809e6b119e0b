package site

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Month{}, fmt.Errorf("want a month as YYYY-MM, got %q", s)
	}
	return Month{Time: t}, nil
}

// String formats the month as YYYY-MM ("" when unset).
func (m Month) String() string {
	if m.IsZero() {
		return ""
	}
	return m.Format("2006-01")
}

// UnmarshalYAML reads YYYY-MM. A malformed month is kept as its raw text
// and reported by Validate with its field path and line.
func (m *Month) UnmarshalYAML(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	p, err := ParseMonth(s)
	if err != nil {
		*m = Month{raw: s}
		return nil
	}
	*m = p
	return nil
}

// MarshalJSON writes "YYYY-MM" (null when unset).
func (m Month) MarshalJSON() ([]byte, error) {
	if m.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(m.String())
}

// MonthsSince returns the number of whole calendar months from a to m.
func (m Month) MonthsSince(a Month) int {
	return (m.Year()-a.Year())*12 + int(m.Month()-a.Month())
}

// AddMonths returns the month n months after m.
func (m Month) AddMonths(n int) Month {
	return Month{Time: m.AddDate(0, n, 0)}
}
