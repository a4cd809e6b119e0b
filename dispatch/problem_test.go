package dispatch

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

const goodJSON = `{
  "interval_minutes": 60,
  "start": "2024-01-01T00:00:00-06:00",
  "site_cap_mw": 100,
  "ai_firm_mw": 20,
  "groups": [{"name": "s21", "max_mw": 40, "hashvalue_usd_per_mwh": 65.0, "ramp_mw_per_interval": 0},
             {"name": "s19", "max_mw": 30, "hashvalue_usd_per_mwh": [40, 41, 42, 43, 44, 45]}],
  "prices_usd_per_mwh": [31.2, 29.8, -5, 900, 40, 41],
  "ppa": {"mw": 80, "strike_usd_per_mwh": 35, "sell_back": true},
  "four_cp": {"peak_intervals": [3, 4], "charge_usd_per_kw": 55},
  "demand_response": {"committed_mw": 30, "payment_usd_per_mw_interval": 8, "event_intervals": [3]}
}`

func TestParseProblem(t *testing.T) {
	p, err := ParseProblem([]byte(goodJSON))
	if err != nil {
		t.Fatalf("ParseProblem: %v", err)
	}
	want := &Problem{
		IntervalMinutes: 60,
		Start:           time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -6*3600)),
		SiteCapMW:       100, AIFirmMW: 20,
		Groups: []Group{
			{Name: "s21", MaxMW: 40, HashvalueUSDPerMWh: 65},
			{Name: "s19", MaxMW: 30, HashvalueSeries: []float64{40, 41, 42, 43, 44, 45}},
		},
		PricesUSDPerMWh: []float64{31.2, 29.8, -5, 900, 40, 41},
		PPA:             &PPA{MW: 80, StrikeUSDPerMWh: 35, SellBack: true},
		FourCP:          &FourCP{PeakIntervals: []int{3, 4}, ChargeUSDPerKW: 55},
		DemandResponse:  &DemandResponse{CommittedMW: 30, PaymentUSDPerMWInterval: 8, EventIntervals: []int{3}},
	}
	if !p.Start.Equal(want.Start) {
		t.Errorf("Start = %v, want %v", p.Start, want.Start)
	}
	p.Start, want.Start = time.Time{}, time.Time{}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("ParseProblem = %+v, want %+v", p, want)
	}
}

func TestProblemRoundTrip(t *testing.T) {
	p, err := ParseProblem([]byte(goodJSON))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseProblem(b)
	if err != nil {
		t.Fatalf("ParseProblem(MarshalJSON) = %v\n%s", err, b)
	}
	if !p.Start.Equal(q.Start) {
		t.Errorf("round trip Start %v, want %v", q.Start, p.Start)
	}
	p.Start, q.Start = time.Time{}, time.Time{}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip = %+v, want %+v", q, p)
	}
}

// withField replaces or adds a top-level key of goodJSON.
func withField(key, value string) string {
	i := strings.Index(goodJSON, `"`+key+`"`)
	if i < 0 {
		return strings.Replace(goodJSON, "{", "{\n  \""+key+"\": "+value+",", 1)
	}
	j := i + strings.Index(goodJSON[i:], "\n")
	line := goodJSON[i:j]
	comma := strings.HasSuffix(line, ",")
	repl := `"` + key + `": ` + value
	if comma {
		repl += ","
	}
	return goodJSON[:i] + repl + goodJSON[j:]
}

func TestParseProblemErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"syntax", "{\n  \"interval_minutes\": 60,\n  \"site_cap_mw\": ,\n}", []string{"line 3, column 18"}},
		{"not an object", `[1, 2]`, []string{"want an object, got an array"}},
		{"unknown key", withField("site_cap", "1"), []string{"site_cap: unknown key"}},
		{"repeated key", withField("site_cap_mw", `100, "site_cap_mw": 90`), []string{"site_cap_mw: key repeated"}},
		{"unknown group key", strings.Replace(goodJSON, `"ramp_mw_per_interval": 0`, `"ramp": 0`, 1), []string{"groups[0].ramp: unknown key"}},
		{"missing", `{"interval_minutes": 60}`, []string{"site_cap_mw: missing", "groups: missing", "prices_usd_per_mwh: missing"}},
		{"missing group name", strings.Replace(goodJSON, `"name": "s19", `, "", 1), []string{"groups[1].name: missing"}},
		{"wrong type", withField("site_cap_mw", `"100"`), []string{"site_cap_mw: want a number, got a string"}},
		{"price string", withField("prices_usd_per_mwh", `[1, 2, "NaN", 4, 5, 6]`), []string{"prices_usd_per_mwh[2]: want a number, got a string"}},
		{"huge number", withField("site_cap_mw", `1e999`), []string{"site_cap_mw: number 1e999 is out of range"}},
		{"fractional minutes", withField("interval_minutes", `7.5`), []string{"interval_minutes: want an integer, got 7.5"}},
		{"bad start", withField("start", `"2024-01-01"`), []string{"start: want an RFC 3339 time"}},
		{"hashvalue bool", strings.Replace(goodJSON, `65.0`, `true`, 1), []string{"groups[0].hashvalue_usd_per_mwh: want a number or an array of numbers, got a boolean"}},
		{"negative cap", withField("site_cap_mw", `-3`), []string{"site_cap_mw: must be >= 0, got -3"}},
		{"negative max", strings.Replace(goodJSON, `"max_mw": 30`, `"max_mw": -3`, 1), []string{"groups[1].max_mw: must be >= 0, got -3"}},
		{"AI above cap", withField("ai_firm_mw", `120`), []string{"ai_firm_mw: must be <= site_cap_mw (100), got 120"}},
		{"interval zero", withField("interval_minutes", `0`), []string{"interval_minutes: must be between 1 and 1440, got 0"}},
		{"no prices", withField("prices_usd_per_mwh", `[]`), []string{"prices_usd_per_mwh: must have at least one price", "hashvalue_usd_per_mwh: has 6 values, want one per price (0)"}},
		{"series length", strings.Replace(goodJSON, `[40, 41, 42, 43, 44, 45]`, `[40, 41]`, 1), []string{"groups[1].hashvalue_usd_per_mwh: has 2 values, want one per price (6)"}},
		{"duplicate name", strings.Replace(goodJSON, `"name": "s19"`, `"name": "s21"`, 1), []string{`groups[1].name: "s21" is already the name of groups[0]`}},
		{"peak out of range", strings.Replace(goodJSON, `"peak_intervals": [3, 4]`, `"peak_intervals": [3, 6, -1, 3]`, 1), []string{
			"four_cp.peak_intervals[1]: interval 6 is out of range [0, 6)", "four_cp.peak_intervals[2]: interval -1 is out of range", "four_cp.peak_intervals[3]: interval 3 is already listed at [0]"}},
		{"no peaks", strings.Replace(goodJSON, `"peak_intervals": [3, 4]`, `"peak_intervals": []`, 1), []string{"four_cp.peak_intervals: must list at least one interval"}},
		{"event out of range", strings.Replace(goodJSON, `"event_intervals": [3]`, `"event_intervals": [30]`, 1), []string{"demand_response.event_intervals[0]: interval 30 is out of range [0, 6)"}},
		{"commitment above fleet", strings.Replace(goodJSON, `"committed_mw": 30`, `"committed_mw": 71`, 1), []string{"demand_response.committed_mw: must be <= the groups' total max_mw (70), got 71"}},
		{"ppa missing strike", strings.Replace(goodJSON, `"strike_usd_per_mwh": 35, `, "", 1), []string{"ppa.strike_usd_per_mwh: missing"}},
		{"ppa sell_back type", strings.Replace(goodJSON, `"sell_back": true`, `"sell_back": "yes"`, 1), []string{"ppa.sell_back: want a boolean, got a string"}},
		{"empty", ``, []string{"unexpected end of JSON input"}},
		{"trailing", goodJSON + " 1", []string{"invalid character '1' after top-level value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseProblem([]byte(tc.in))
			if err == nil {
				t.Fatalf("ParseProblem = %+v, want an error", p)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseProblem error %v does not match ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseProblem error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateGoProblem(t *testing.T) {
	p := &Problem{IntervalMinutes: 60, SiteCapMW: math.NaN(), Groups: []Group{{Name: "a", MaxMW: math.Inf(1), HashvalueUSDPerMWh: 1}},
		PricesUSDPerMWh: []float64{1, math.NaN()}}
	err := p.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Validate = %v, want *FieldError values", err)
	}
	for _, w := range []string{"site_cap_mw: must be a finite number, got NaN", "groups[0].max_mw: must be a finite number, got +Inf", "prices_usd_per_mwh[1]: must be a finite number, got NaN"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Validate = %q, want %q", err, w)
		}
	}
	if _, err := Solve(p, Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Solve of an invalid problem = %v, want ErrInvalid", err)
	}
}

func FuzzParseProblem(f *testing.F) {
	f.Add([]byte(goodJSON))
	f.Add([]byte(`{"interval_minutes": 5, "site_cap_mw": 1, "groups": [{"name": "a", "max_mw": 1, "hashvalue_usd_per_mwh": 1, "ramp_mw_per_interval": 0.5}], "prices_usd_per_mwh": [1, -2, 3]}`))
	f.Add([]byte(withField("prices_usd_per_mwh", `[1, 2, "NaN", 4, 5, 6]`)))
	f.Add([]byte(`{"a": {"b": [1, {"c": null}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		p, err := ParseProblem(data)
		if err != nil {
			if p != nil {
				t.Fatalf("ParseProblem returned a problem and error %v", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseProblem accepted an invalid problem: %v", err)
		}
		b, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseProblem(b)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
		ps, qs := p.Start, q.Start
		p.Start, q.Start = time.Time{}, time.Time{}
		if !reflect.DeepEqual(p, q) || !ps.Equal(qs) {
			t.Fatalf("round trip changed the problem:\n%+v\n%+v", p, q)
		}
		if len(p.PricesUSDPerMWh)*len(p.Groups) <= 4096 {
			sol, err := Solve(p, Options{MaxWork: 1e6})
			if err != nil {
				t.Fatalf("Solve of a valid problem: %v", err)
			}
			if v := Check(p, sol.MW, 1e-6*max(1, p.SiteCapMW)); len(v) > 0 {
				t.Fatalf("Solve broke %+v", v[0])
			}
		}
	})
}

// Keys and strings with escapes, brackets and commas inside strings, and
// odd spacing go through the decoder's own scanner.
func TestParseProblemScanner(t *testing.T) {
	in := "{ \"interval_minutes\" :60 ,\"site_cap_mw\":\t1e2,\n\"groups\":[ {\"na\\u006de\":\"s\\\"21}, [x]\",\"max_mw\":4.5E1,\"hashvalue_usd_per_mwh\":[ 1 , -2.5e0 ]} ],\"prices_usd_per_mwh\":[0,-0.0]}"
	p, err := ParseProblem([]byte(in))
	if err != nil {
		t.Fatalf("ParseProblem: %v", err)
	}
	g := p.Groups[0]
	if g.Name != `s"21}, [x]` || g.MaxMW != 45 || !reflect.DeepEqual(g.HashvalueSeries, []float64{1, -2.5}) || p.SiteCapMW != 100 || len(p.PricesUSDPerMWh) != 2 {
		t.Errorf("ParseProblem = %+v", p)
	}
}
