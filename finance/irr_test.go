package finance

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// excelIRR is the data of Microsoft's IRR help: a 70000 outlay and five
// years of income.
var excelIRR = []float64{-70000, 12000, 15000, 18000, 21000, 26000}

// irrCases have one rate of return each; want comes from the documented
// spreadsheet result (to the digits shown, checked to more digits by exact
// rational bisection in Python) or a closed form.
var irrCases = []struct {
	name      string
	flows     []float64
	want, tol float64
}{
	// Excel IRR help: 8.7% (0.0866309480); four years -2.1% (-0.0212448483);
	// two years -44.4% (-0.4435069413, Excel needs the guess -10%).
	{"excel five years", excelIRR, 0.0866309480, 1e-9},
	{"excel four years", excelIRR[:5], -0.0212448483, 1e-9},
	{"excel two years", excelIRR[:3], -0.4435069413, 1e-9},
	// LibreOffice IRR help: -10000, 3500, 7600, 1000 gives 11.33%.
	{"libreoffice", []float64{-10000, 3500, 7600, 1000}, 0.1133, 5e-5},
	// Closed forms.
	{"one period", []float64{-100, 110}, 0.10, 1e-12},
	{"two periods", []float64{-100, 0, 121}, 0.10, 1e-12},
	{"borrowing", []float64{100, -110}, 0.10, 1e-12},
	{"leading zeros", []float64{0, 0, -100, 0, 121}, 0.10, 1e-12},
	{"trailing zeros", []float64{-100, 0, 121, 0, 0}, 0.10, 1e-12},
	{"huge rate", []float64{-1, 1000}, 999, 1e-9},
	{"near the top", []float64{-1, 500000}, 499999, 1e-4},
	{"near -100%", []float64{-1000, 1}, -0.999, 1e-12},
	{"half lost", []float64{-1, 0.5}, -0.5, 1e-12},
	// -1 + d + d^2 = 0 at d = 1/phi: r = phi - 1, in subnormal numbers.
	{"subnormal", []float64{-5e-324, 5e-324, 5e-324}, (1+math.Sqrt(5))/2 - 1, 1e-12},
	{"annuity 180 months", annuityFlows(1e6, 0.01, 180), 0.01, 1e-12},
	{"losing project", losingProject(180), -0.00992541088830667, 1e-12}, // exact rational bisection in Python
	{"late payoff", append(append([]float64{-1}, make([]float64, 178)...), 1e6), math.Pow(1e6, 1.0/179) - 1, 1e-12},
}

// annuityFlows returns -pv then n level payments that repay pv at rate.
func annuityFlows(pv, rate float64, n int) []float64 {
	flows := make([]float64, n+1)
	flows[0] = -pv
	pay := pv * rate / (1 - math.Pow(1+rate, -float64(n)))
	for i := 1; i <= n; i++ {
		flows[i] = pay
	}
	return flows
}

func TestIRR(t *testing.T) {
	for _, tc := range irrCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IRR(tc.flows)
			if err != nil || !near(got, tc.want, tc.tol) {
				t.Errorf("IRR(%v) = %v, %v, want %v", short(tc.flows), got, err, tc.want)
			}
		})
	}
}

// TestIRRFallback solves every case by the bracket scan and Brent's method
// alone, the path taken when Newton fails.
func TestIRRFallback(t *testing.T) {
	for _, tc := range irrCases {
		t.Run(tc.name, func(t *testing.T) {
			scale, err := checkSigns(tc.flows)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bracketRoot(periodic{flows: tc.flows, scale: scale}, firstRate)
			if err != nil || !near(got, tc.want, max(tc.tol, 1e-10)) {
				t.Errorf("bracketRoot(%v) = %v, %v, want %v", short(tc.flows), got, err, tc.want)
			}
		})
	}
}

// TestIRRSeveralRoots checks flows with more than one rate of return: the
// result is one of them.
func TestIRRSeveralRoots(t *testing.T) {
	tests := []struct {
		name  string
		flows []float64
		roots []float64
	}{
		// -100 + 230d - 132d^2 = -(1.1d - 1)(120d - 100)... roots 1+r = 1.1, 1.2.
		{"two roots", []float64{-100, 230, -132}, []float64{0.1, 0.2}},
		// (1+r)^3 - 6(1+r)^2 + 11(1+r) - 6 = 0 has 1+r = 1, 2, 3.
		{"three roots", []float64{-1, 6, -11, 6}, []float64{0, 1, 2}},
		// -(1.5d - 1)^2: a double root at r = 0.5, no sign change.
		{"double root", []float64{-1, 3, -2.25}, []float64{0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IRR(tc.flows)
			if err != nil {
				t.Fatalf("IRR(%v) = %v, %v, want one of %v", tc.flows, got, err, tc.roots)
			}
			for _, r := range tc.roots {
				if near(got, r, 1e-6) {
					return
				}
			}
			t.Errorf("IRR(%v) = %v, want one of %v", tc.flows, got, tc.roots)
		})
	}
}

func TestIRRErrors(t *testing.T) {
	tests := []struct {
		name  string
		flows []float64
		want  error
	}{
		{"none", nil, ErrLength},
		{"one", []float64{-1}, ErrLength},
		{"all positive", []float64{1, 2, 3}, ErrNoSignChange},
		{"all negative", []float64{-1, -2}, ErrNoSignChange},
		{"all zero", []float64{0, 0, 0}, ErrNoSignChange},
		{"NaN", []float64{-1, math.NaN()}, ErrDomain},
		{"Inf", []float64{math.Inf(-1), 1}, ErrDomain},
		// 1 - d + d^2 > 0 for every d: no rate of return.
		{"no real root", []float64{1, -1, 1}, ErrNoConvergence},
		// The only root, r = -0.99999, is outside the interval.
		{"below the interval", []float64{-100000, 1}, ErrNoConvergence},
		// The only root, r = 2e6 - 1, is outside the interval.
		{"above the interval", []float64{-1, 2e6}, ErrNoConvergence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IRR(tc.flows)
			if !errors.Is(err, tc.want) {
				t.Errorf("IRR(%v) = %v, %v, want error %v", tc.flows, got, err, tc.want)
			}
			if got != 0 {
				t.Errorf("IRR(%v) = %v with error, want 0", tc.flows, got)
			}
		})
	}
}

// TestIRRZeroesNPV checks on random monthly projects that NPV at the IRR is
// zero, in both of NPV's conventions.
func TestIRRZeroesNPV(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		n := 2 + rng.IntN(240)
		flows := make([]float64, n)
		var gross float64
		for i := range flows {
			flows[i] = rng.NormFloat64()*1e5 + 2e4
			if i < 1+rng.IntN(24) {
				flows[i] = -rng.Float64() * 5e6
			}
			gross += math.Abs(flows[i])
		}
		r, err := IRR(flows)
		if errors.Is(err, ErrNoConvergence) || errors.Is(err, ErrNoSignChange) {
			continue
		}
		if err != nil || math.IsNaN(r) || !(r > minRate && r < maxRate) {
			t.Fatalf("IRR(%v) = %v, %v", short(flows), r, err)
		}
		var terms float64
		for i, f := range flows {
			terms += math.Abs(f) / math.Pow(1+r, float64(i))
		}
		if v := flows[0] + NPV(r, flows[1:]); !near(v, 0, 1e-9*terms) {
			t.Errorf("value at t=0 at IRR(%v) = %v: %v, want 0", short(flows), r, v)
		}
		if v := NPV(r, flows); !near(v, 0, 1e-9*terms) {
			t.Errorf("NPV(IRR(%v) = %v) = %v, want 0", short(flows), r, v)
		}
	}
}

func TestIRRMonthlyAnnualised(t *testing.T) {
	flows := make([]float64, 13)
	flows[0], flows[12] = -100, 112
	got, err := IRRMonthlyAnnualised(flows)
	if err != nil || !near(got, 0.12, 1e-12) {
		t.Errorf("IRRMonthlyAnnualised(%v) = %v, %v, want 0.12", flows, got, err)
	}
	if got, err := IRRMonthlyAnnualised([]float64{1, 1}); !errors.Is(err, ErrNoSignChange) || got != 0 {
		t.Errorf("IRRMonthlyAnnualised(1, 1) = %v, %v, want ErrNoSignChange", got, err)
	}
}

func TestXIRR(t *testing.T) {
	tests := []struct {
		name      string
		flows     []float64
		dates     []time.Time
		want, tol float64
	}{
		// Microsoft XIRR help: 0.373362535 (37.34%); the exact root is
		// 0.3733625335 (bisection in Python).
		{"excel", []float64{-10000, 2750, 4250, 3250, 2750},
			[]time.Time{day("2008-01-01"), day("2008-03-01"), day("2008-10-30"), day("2009-02-15"), day("2009-04-01")},
			0.373362535, 5e-9},
		// OpenOffice wiki, Calc XIRR: about 0.124.
		{"openoffice", []float64{-2750, 1000, 2000},
			[]time.Time{day("2008-02-05"), day("2008-07-05"), day("2009-01-05")}, 0.124, 5e-4},
		// Closed form: 1100 after exactly 365 days is 10%.
		{"one year", []float64{-1000, 1100}, []time.Time{day("2021-01-01"), day("2022-01-01")}, 0.10, 1e-12},
		// Later dates in any order (Excel allows it).
		{"unordered", []float64{-1000, 605, 550}, []time.Time{day("2021-01-01"), day("2023-01-01"), day("2022-01-01")}, 0.10, 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := XIRR(tc.flows, tc.dates)
			if err != nil || !near(got, tc.want, tc.tol) {
				t.Errorf("XIRR(%v, ...) = %v, %v, want %v", tc.flows, got, err, tc.want)
			}
			if err == nil {
				v, _ := XNPV(got, tc.flows, tc.dates)
				if !near(v, 0, 1e-6) {
					t.Errorf("XNPV(XIRR(%v) = %v) = %v, want 0", tc.flows, got, v)
				}
			}
		})
	}
}

func TestXIRRErrors(t *testing.T) {
	d2 := []time.Time{day("2021-01-01"), day("2021-06-01")}
	tests := []struct {
		name  string
		flows []float64
		dates []time.Time
		want  error
	}{
		{"empty", nil, nil, ErrLength},
		{"one", []float64{-1}, d2[:1], ErrLength},
		{"mismatch", []float64{-1, 2}, d2[:1], ErrLength},
		{"one sign", []float64{1, 2}, d2, ErrNoSignChange},
		{"NaN", []float64{-1, math.NaN()}, d2, ErrDomain},
		{"date order", []float64{-1, 2}, []time.Time{d2[1], d2[0]}, ErrDomain},
		{"no root", []float64{1, -1, 1}, []time.Time{d2[0], d2[1], day("2022-01-01")}, ErrNoConvergence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := XIRR(tc.flows, tc.dates); !errors.Is(err, tc.want) || got != 0 {
				t.Errorf("XIRR(%v, %v) = %v, %v, want 0, %v", tc.flows, tc.dates, got, err, tc.want)
			}
		})
	}
}

// TestNoAllocs checks that NPV, IRR and Payback do not allocate, the
// Monte Carlo engine calling them on every path.
func TestNoAllocs(t *testing.T) {
	flows := monthlyProject(180)
	hard := losingProject(180)
	rootless := []float64{1, -1, 1}
	tests := []struct {
		name string
		f    func()
	}{
		{"NPV", func() { NPV(0.01, flows) }},
		{"IRR", func() { _, _ = IRR(flows) }},
		{"IRR fallback", func() { _, _ = IRR(hard) }},
		{"IRR no sign change", func() { _, _ = IRR(flows[1:]) }},
		{"IRR no convergence", func() { _, _ = IRR(rootless) }},
		{"Payback", func() { Payback(flows) }},
		{"AppendTax", func() { AppendTaxWithCarryForward(make([]float64, 0, 0), nil, 0.2) }},
	}
	for _, tc := range tests {
		if n := testing.AllocsPerRun(100, tc.f); n != 0 {
			t.Errorf("%s allocates %v times, want 0", tc.name, n)
		}
	}
}

// FuzzIRR checks that IRR never panics and returns either an error or a
// finite rate in (-0.9999, 1e6) at which the flows' value is zero. The first
// byte picks how the rest decodes: even, int16 flows in thousands; odd, raw
// float64 bits (NaN, infinities, subnormals).
func FuzzIRR(f *testing.F) {
	for _, tc := range irrCases {
		if len(tc.flows) <= 20 {
			f.Add(encodeInt16(tc.flows))
		}
	}
	f.Add([]byte{0, 0xff, 0xff, 0, 1})
	f.Add(append([]byte{1}, binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.Float64bits(-1)), math.Float64bits(1e308))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		var flows []float64
		if data[0]%2 == 0 {
			for b := data[1:]; len(b) >= 2; b = b[2:] {
				flows = append(flows, 1000*float64(int16(binary.LittleEndian.Uint16(b))))
			}
		} else {
			for b := data[1:]; len(b) >= 8; b = b[8:] {
				flows = append(flows, math.Float64frombits(binary.LittleEndian.Uint64(b)))
			}
		}
		r, err := IRR(flows)
		if err != nil {
			if r != 0 {
				t.Fatalf("IRR(%v) = %v with error %v", flows, r, err)
			}
			return
		}
		if math.IsNaN(r) || !(r > minRate && r < maxRate) {
			t.Fatalf("IRR(%v) = %v, outside (%v, %v)", flows, r, minRate, maxRate)
		}
		if data[0]%2 != 0 {
			return // raw floats: no residual bound holds at every magnitude
		}
		// The value at t=0 times min(1, 1+r)^(n-1), evaluated term by term,
		// independently of the solver's Horner evaluation.
		var v, terms float64
		g := 1 + r
		for i, x := range flows {
			e := -float64(i)
			if g < 1 {
				e = float64(len(flows) - 1 - i)
			}
			term := x / 1e6 * math.Pow(g, e)
			v += term
			terms += math.Abs(term)
		}
		if !near(v, 0, 1e-7*terms) {
			t.Fatalf("IRR(%v) = %v, scaled value there %v, want 0 (terms %v)", flows, r, v, terms)
		}
	})
}

// encodeInt16 encodes flows, in thousands, for FuzzIRR's even mode.
func encodeInt16(flows []float64) []byte {
	out := []byte{0}
	for _, f := range flows {
		out = binary.LittleEndian.AppendUint16(out, uint16(int16(max(-32768, min(32767, math.Round(f/1000))))))
	}
	return out
}

// short abbreviates long flows in failure messages.
func short(flows []float64) any {
	if len(flows) <= 8 {
		return flows
	}
	return struct {
		N          int
		Head, Tail []float64
	}{len(flows), flows[:4], flows[len(flows)-4:]}
}

func BenchmarkIRR(b *testing.B) {
	flows := monthlyProject(180)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IRR(flows); err != nil {
			b.Fatal(err)
		}
	}
}

// losingProject returns n monthly flows that never repay their outlay: the
// rate of return is about -1% a month, and Newton's first step from 10%
// leaves the interval, so the bracket scan and Brent's method answer.
func losingProject(n int) []float64 {
	flows := make([]float64, n)
	flows[0] = -50e6
	for i := 1; i < n; i++ {
		flows[i] = 100e3
	}
	return flows
}

// BenchmarkIRRFallback times flows on which Newton fails.
func BenchmarkIRRFallback(b *testing.B) {
	flows := losingProject(180)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IRR(flows); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXIRR(b *testing.B) {
	flows := monthlyProject(180)
	dates := make([]time.Time, len(flows))
	for i := range dates {
		dates[i] = time.Date(2026, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := XIRR(flows, dates); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzXIRR checks that XIRR never panics and returns either an error or a
// finite rate in (-0.9999, 1e6) at which XNPV is zero. Each 4 bytes are a
// flow (int16, thousands) and its date (uint16 days after 2000-01-01; the
// first date is moved to the earliest).
func FuzzXIRR(f *testing.F) {
	f.Add([]byte{0x18, 0xfc, 0, 0, 0x4c, 0x04, 0x6d, 0x01}) // -1000 then 1100 a year later
	f.Add([]byte{0xf6, 0xff, 0, 0, 0x03, 0, 0x10, 0, 0x09, 0, 0x20, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var flows []float64
		var dates []time.Time
		base := day("2000-01-01")
		for b := data; len(b) >= 4; b = b[4:] {
			flows = append(flows, 1000*float64(int16(binary.LittleEndian.Uint16(b))))
			dates = append(dates, base.AddDate(0, 0, int(binary.LittleEndian.Uint16(b[2:]))))
		}
		first := 0
		for i := range dates {
			if dates[i].Before(dates[first]) {
				first = i
			}
		}
		if len(dates) > 0 {
			flows[0], flows[first] = flows[first], flows[0]
			dates[0], dates[first] = dates[first], dates[0]
		}
		r, err := XIRR(flows, dates)
		if err != nil {
			if r != 0 {
				t.Fatalf("XIRR(%v) = %v with error %v", flows, r, err)
			}
			return
		}
		if math.IsNaN(r) || !(r > minRate && r < maxRate) {
			t.Fatalf("XIRR(%v) = %v, outside (%v, %v)", flows, r, minRate, maxRate)
		}
		// XNPV times min(1, 1+r)^T, term by term, against its terms' size.
		var v, terms, last float64
		for i := range dates {
			last = max(last, dates[i].Sub(dates[0]).Hours()/24/365)
		}
		for i, x := range flows {
			e := -dates[i].Sub(dates[0]).Hours() / 24 / 365
			if r < 0 {
				e += last
			}
			term := x / 1e6 * math.Pow(1+r, e)
			v += term
			terms += math.Abs(term)
		}
		if !near(v, 0, 1e-7*terms) {
			t.Fatalf("XIRR(%v, %v) = %v, scaled XNPV there %v, want 0 (terms %v)", flows, dates, r, v, terms)
		}
	})
}

// Flows with two rates of return: -100, +230, -132 has roots at 10% and
// 20% ((1+r) = 1.1 and 1.2 solve 100x² - 230x + 132 = 0).
func TestIRRGuessPicksTheNearRoot(t *testing.T) {
	flows := []float64{-100, 230, -132}
	for _, tc := range []struct{ guess, want float64 }{{0.05, 0.10}, {0.25, 0.20}} {
		got, err := IRRGuess(flows, tc.guess)
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("IRRGuess(%v, %v) = %v, %v; want %v", flows, tc.guess, got, err, tc.want)
		}
	}
	if _, err := IRRGuess(flows, -2); !errors.Is(err, ErrDomain) {
		t.Errorf("IRRGuess with guess -2: %v, want ErrDomain", err)
	}
}
