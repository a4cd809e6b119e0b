package dispatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ParseProblem decodes a problem from its JSON form and validates it.
// Decoding is strict: an unknown or repeated key, a value of the wrong type
// or a missing required key is an error naming its JSON path; a syntax error
// names the line and column. The error is an *InvalidError listing every
// problem found.
func ParseProblem(data []byte) (*Problem, error) {
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		if err == nil { // not expected: Valid and Unmarshal disagree
			err = errors.New("invalid JSON")
		}
		return nil, &InvalidError{Errs: []error{&FieldError{Msg: syntaxMessage(data, err)}}}
	}
	raw := json.RawMessage(bytes.TrimSpace(data))
	d := decoder{}
	p := d.problem(raw)
	if err := d.err(); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// syntaxMessage turns a JSON syntax error into "line L, column C: msg".
func syntaxMessage(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		line, col := lineCol(data, int(se.Offset)-1)
		return fmt.Sprintf("line %d, column %d: %v", line, col, se)
	}
	return err.Error()
}

// lineCol returns the 1-based line and column of byte offset off.
func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// decoder maps validated JSON onto Problem, collecting errors with paths.
type decoder struct{ errList }

// field is one key of an object, in document order.
type field struct {
	key string
	raw json.RawMessage
}

// kind returns the JSON kind of raw from its first byte.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// object returns the fields of a JSON object; repeated keys are errors.
// The document was validated by json.Valid, so the scan can be simple.
func (d *decoder) object(raw json.RawMessage, path string) ([]field, bool) {
	if k := kind(raw); k != "an object" {
		d.addf(path, "want an object, got %s", k)
		return nil, false
	}
	var out []field
	seen := map[string]bool{}
	i := skipSpace(raw, 0) + 1 // past '{'
	for {
		i = skipSpace(raw, i)
		if raw[i] == '}' {
			return out, true
		}
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipValue(raw, i)
		var key string
		if err := json.Unmarshal(raw[i:end], &key); err != nil {
			d.addf(path, "%v", err)
			return nil, false
		}
		i = skipSpace(raw, end) + 1 // past ':'
		i = skipSpace(raw, i)
		end = skipValue(raw, i)
		if seen[key] {
			d.addf(join(path, key), "key repeated")
		} else {
			seen[key] = true
			out = append(out, field{key, raw[i:end]})
		}
		i = end
	}
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value that starts at i.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return i
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipValue(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// items returns the elements of a valid JSON array.
func items(raw json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	i := skipSpace(raw, 0) + 1 // past '['
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] == ']' {
			return out
		}
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipValue(raw, i)
		out = append(out, raw[i:end])
		i = end
	}
}

// join builds a JSON path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parseNumber parses one JSON number, or says why it is not one.
func parseNumber(raw json.RawMessage) (float64, string) {
	if k := kind(raw); k != "a number" {
		return 0, "want a number, got " + k
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Sprintf("number %s is out of range", bytes.TrimSpace(raw))
	}
	return v, ""
}

func (d *decoder) number(raw json.RawMessage, path string) float64 {
	v, msg := parseNumber(raw)
	if msg != "" {
		d.addf(path, "%s", msg)
	}
	return v
}

func (d *decoder) integer(raw json.RawMessage, path string) int {
	if k := kind(raw); k != "a number" {
		d.addf(path, "want an integer, got %s", k)
		return 0
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		d.addf(path, "want an integer, got %s", bytes.TrimSpace(raw))
		return 0
	}
	return int(v)
}

func (d *decoder) str(raw json.RawMessage, path string) string {
	var s string
	if k := kind(raw); k != "a string" {
		d.addf(path, "want a string, got %s", k)
		return ""
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		d.addf(path, "%v", err)
	}
	return s
}

func (d *decoder) boolean(raw json.RawMessage, path string) bool {
	var b bool
	if k := kind(raw); k != "a boolean" {
		d.addf(path, "want a boolean, got %s", k)
		return false
	}
	_ = json.Unmarshal(raw, &b)
	return b
}

// elements returns the elements of a JSON array.
func (d *decoder) elements(raw json.RawMessage, path string) ([]json.RawMessage, bool) {
	if k := kind(raw); k != "an array" {
		d.addf(path, "want an array, got %s", k)
		return nil, false
	}
	return items(raw), true
}

// numbers decodes an array of numbers, reporting the index of bad elements.
func (d *decoder) numbers(raw json.RawMessage, path string) []float64 {
	if k := kind(raw); k != "an array" {
		d.addf(path, "want an array of numbers, got %s", k)
		return nil
	}
	if out, ok := fastNumbers(raw); ok {
		return out
	}
	elems, ok := d.elements(raw, path)
	if !ok {
		return nil
	}
	out := make([]float64, len(elems))
	bad := 0
	for i, e := range elems {
		v, msg := parseNumber(e)
		if msg != "" {
			bad++
			if bad <= maxListed {
				d.addf(fmt.Sprintf("%s[%d]", path, i), "%s", msg)
			}
			continue
		}
		out[i] = v
	}
	if bad > maxListed {
		d.addf(path, "%d more elements are not numbers", bad-maxListed)
	}
	return out
}

// fastNumbers parses a valid JSON array made only of numbers, or reports
// false (a non-number element, a number out of range) so that the caller
// can take the slow path that names the bad element.
func fastNumbers(raw json.RawMessage) ([]float64, bool) {
	out := make([]float64, 0, bytes.Count(raw, []byte{','})+1)
	i := skipSpace(raw, 0) + 1 // past '['
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] == ']' {
			return out, true
		}
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		if c := raw[i]; c != '-' && (c < '0' || c > '9') {
			return nil, false
		}
		end := skipValue(raw, i)
		v, err := strconv.ParseFloat(string(raw[i:end]), 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, false
		}
		out = append(out, v)
		i = end
	}
}

func (d *decoder) integers(raw json.RawMessage, path string) []int {
	elems, ok := d.elements(raw, path)
	if !ok {
		return nil
	}
	out := make([]int, len(elems))
	for i, e := range elems {
		if len(d.errs) > maxListed {
			break
		}
		out[i] = d.integer(e, fmt.Sprintf("%s[%d]", path, i))
	}
	return out
}

// required reports missing required keys.
func (d *decoder) required(path string, seen map[string]bool, keys ...string) {
	for _, k := range keys {
		if !seen[k] {
			d.addf(join(path, k), "missing")
		}
	}
}

func (d *decoder) problem(raw json.RawMessage) *Problem {
	p := &Problem{}
	fields, ok := d.object(raw, "")
	if !ok {
		return p
	}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		switch f.key {
		case "interval_minutes":
			p.IntervalMinutes = d.integer(f.raw, f.key)
		case "start":
			s := d.str(f.raw, f.key)
			if s != "" {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					d.addf(f.key, "want an RFC 3339 time like 2024-01-01T00:00:00-06:00, got %q", s)
				}
				p.Start = t
			}
		case "site_cap_mw":
			p.SiteCapMW = d.number(f.raw, f.key)
		case "ai_firm_mw":
			p.AIFirmMW = d.number(f.raw, f.key)
		case "ai_revenue_usd_per_mwh":
			p.AIRevenueUSDPerMWh = d.number(f.raw, f.key)
		case "groups":
			elems, ok := d.elements(f.raw, f.key)
			if !ok {
				continue
			}
			if len(elems) > MaxGroups {
				d.addf(f.key, "has %d groups, at most %d allowed", len(elems), MaxGroups)
				continue
			}
			p.Groups = make([]Group, len(elems))
			for i, e := range elems {
				d.group(e, fmt.Sprintf("groups[%d]", i), &p.Groups[i])
			}
		case "prices_usd_per_mwh":
			p.PricesUSDPerMWh = d.numbers(f.raw, f.key)
		case "ppa":
			p.PPA = d.ppa(f.raw, f.key)
		case "four_cp":
			p.FourCP = d.fourCP(f.raw, f.key)
		case "demand_response":
			p.DemandResponse = d.demandResponse(f.raw, f.key)
		default:
			d.addf(f.key, "unknown key")
		}
	}
	d.required("", seen, "interval_minutes", "site_cap_mw", "groups", "prices_usd_per_mwh")
	return p
}

func (d *decoder) group(raw json.RawMessage, path string, g *Group) {
	fields, ok := d.object(raw, path)
	if !ok {
		return
	}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		fp := join(path, f.key)
		switch f.key {
		case "name":
			g.Name = d.str(f.raw, fp)
		case "max_mw":
			g.MaxMW = d.number(f.raw, fp)
		case "hashvalue_usd_per_mwh":
			if kind(f.raw) == "an array" {
				g.HashvalueSeries = d.numbers(f.raw, fp)
			} else if kind(f.raw) == "a number" {
				g.HashvalueUSDPerMWh = d.number(f.raw, fp)
			} else {
				d.addf(fp, "want a number or an array of numbers, got %s", kind(f.raw))
			}
		case "ramp_mw_per_interval":
			g.RampMWPerInterval = d.number(f.raw, fp)
		default:
			d.addf(fp, "unknown key")
		}
	}
	d.required(path, seen, "name", "max_mw", "hashvalue_usd_per_mwh")
}

func (d *decoder) ppa(raw json.RawMessage, path string) *PPA {
	fields, ok := d.object(raw, path)
	if !ok {
		return nil
	}
	p := &PPA{}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		fp := join(path, f.key)
		switch f.key {
		case "mw":
			p.MW = d.number(f.raw, fp)
		case "strike_usd_per_mwh":
			p.StrikeUSDPerMWh = d.number(f.raw, fp)
		case "sell_back":
			p.SellBack = d.boolean(f.raw, fp)
		default:
			d.addf(fp, "unknown key")
		}
	}
	d.required(path, seen, "mw", "strike_usd_per_mwh")
	return p
}

func (d *decoder) fourCP(raw json.RawMessage, path string) *FourCP {
	fields, ok := d.object(raw, path)
	if !ok {
		return nil
	}
	c := &FourCP{}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		fp := join(path, f.key)
		switch f.key {
		case "peak_intervals":
			c.PeakIntervals = d.integers(f.raw, fp)
		case "charge_usd_per_kw":
			c.ChargeUSDPerKW = d.number(f.raw, fp)
		default:
			d.addf(fp, "unknown key")
		}
	}
	d.required(path, seen, "peak_intervals", "charge_usd_per_kw")
	return c
}

func (d *decoder) demandResponse(raw json.RawMessage, path string) *DemandResponse {
	fields, ok := d.object(raw, path)
	if !ok {
		return nil
	}
	r := &DemandResponse{}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		fp := join(path, f.key)
		switch f.key {
		case "committed_mw":
			r.CommittedMW = d.number(f.raw, fp)
		case "payment_usd_per_mw_interval":
			r.PaymentUSDPerMWInterval = d.number(f.raw, fp)
		case "event_intervals":
			r.EventIntervals = d.integers(f.raw, fp)
		default:
			d.addf(fp, "unknown key")
		}
	}
	d.required(path, seen, "committed_mw", "payment_usd_per_mw_interval", "event_intervals")
	return r
}

// wireProblem is the JSON form written by MarshalJSON.
type wireProblem struct {
	IntervalMinutes    int                 `json:"interval_minutes"`
	Start              string              `json:"start,omitempty"`
	SiteCapMW          float64             `json:"site_cap_mw"`
	AIFirmMW           float64             `json:"ai_firm_mw"`
	AIRevenueUSDPerMWh float64             `json:"ai_revenue_usd_per_mwh,omitempty"`
	Groups             []wireGroup         `json:"groups"`
	Prices             []float64           `json:"prices_usd_per_mwh"`
	PPA                *wirePPA            `json:"ppa,omitempty"`
	FourCP             *wireFourCP         `json:"four_cp,omitempty"`
	DemandResponse     *wireDemandResponse `json:"demand_response,omitempty"`
}

type wireGroup struct {
	Name      string  `json:"name"`
	MaxMW     float64 `json:"max_mw"`
	Hashvalue any     `json:"hashvalue_usd_per_mwh"`
	Ramp      float64 `json:"ramp_mw_per_interval"`
}

type wirePPA struct {
	MW       float64 `json:"mw"`
	Strike   float64 `json:"strike_usd_per_mwh"`
	SellBack bool    `json:"sell_back"`
}

type wireFourCP struct {
	Peaks  []int   `json:"peak_intervals"`
	Charge float64 `json:"charge_usd_per_kw"`
}

type wireDemandResponse struct {
	Committed float64 `json:"committed_mw"`
	Payment   float64 `json:"payment_usd_per_mw_interval"`
	Events    []int   `json:"event_intervals"`
}

// MarshalJSON writes the problem in the form ParseProblem reads.
func (p *Problem) MarshalJSON() ([]byte, error) {
	w := wireProblem{
		IntervalMinutes:    p.IntervalMinutes,
		SiteCapMW:          p.SiteCapMW,
		AIFirmMW:           p.AIFirmMW,
		AIRevenueUSDPerMWh: p.AIRevenueUSDPerMWh,
		Prices:             p.PricesUSDPerMWh,
	}
	if !p.Start.IsZero() {
		w.Start = p.Start.Format(time.RFC3339)
	}
	w.Groups = make([]wireGroup, len(p.Groups))
	for i, g := range p.Groups {
		wg := wireGroup{Name: g.Name, MaxMW: g.MaxMW, Hashvalue: g.HashvalueUSDPerMWh, Ramp: g.RampMWPerInterval}
		if g.HashvalueSeries != nil {
			wg.Hashvalue = g.HashvalueSeries
		}
		w.Groups[i] = wg
	}
	if p.PPA != nil {
		w.PPA = &wirePPA{p.PPA.MW, p.PPA.StrikeUSDPerMWh, p.PPA.SellBack}
	}
	if c := p.FourCP; c != nil {
		w.FourCP = &wireFourCP{nonNilInts(c.PeakIntervals), c.ChargeUSDPerKW}
	}
	if r := p.DemandResponse; r != nil {
		w.DemandResponse = &wireDemandResponse{r.CommittedMW, r.PaymentUSDPerMWInterval, nonNilInts(r.EventIntervals)}
	}
	return json.Marshal(w)
}

func nonNilInts(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}
