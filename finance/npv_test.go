package finance

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNPV(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		flows []float64
		t0    float64 // added to NPV, the flow at t=0 of the documented example
		want  float64
		tol   float64
	}{
		// Excel NPV help, example 1: NPV(10%, -10000, 3000, 4200, 6800).
		{"excel example 1", 0.10, []float64{-10000, 3000, 4200, 6800}, 0, 1188.44, 0.005},
		// Excel NPV help, example 2: NPV(8%, B2:B6) + B1.
		{"excel example 2", 0.08, []float64{8000, 9200, 10000, 12000, 14500}, -40000, 1922.06, 0.005},
		// Excel NPV help, example 2: NPV(8%, B2:B6, -9000) + B1.
		{"excel example 2 with loss", 0.08, []float64{8000, 9200, 10000, 12000, 14500, -9000}, -40000, -3749.47, 0.005},
		// LibreOffice NPV help: NPV(8.75%; 10; 20; 30) = 49.43.
		{"libreoffice", 0.0875, []float64{10, 20, 30}, 0, 49.43, 0.005},
		// Closed forms.
		{"empty", 0.1, nil, 0, 0, 0},
		{"zero rate sums", 0, []float64{1, 2, 3.5}, 0, 6.5, 1e-12},
		{"one period", 0.25, []float64{125}, 0, 100, 1e-12},
		{"negative rate", -0.5, []float64{1, 1}, 0, 6, 1e-12}, // 1/0.5 + 1/0.25
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t0 + NPV(tc.rate, tc.flows); !near(got, tc.want, tc.tol) {
				t.Errorf("%v + NPV(%v, %v) = %v, want %v", tc.t0, tc.rate, tc.flows, got, tc.want)
			}
		})
	}
}

// TestNPVMatchesSum checks the Horner evaluation against the textbook sum.
func TestNPVMatchesSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		flows := make([]float64, 1+rng.IntN(240))
		for i := range flows {
			flows[i] = rng.NormFloat64() * 1000
		}
		rate := rng.Float64()*0.5 - 0.05
		var want, abs float64
		for i, f := range flows {
			term := f / math.Pow(1+rate, float64(i+1))
			want += term
			abs += math.Abs(term)
		}
		if got := NPV(rate, flows); !near(got, want, 1e-12*abs) {
			t.Fatalf("NPV(%v, %d flows) = %v, want %v", rate, len(flows), got, want)
		}
	}
}

// TestNPVDecreasingInRate checks that the value at t=0 of conventional
// flows (one outlay at t=0, then inflows) falls as the rate rises.
func TestNPVDecreasingInRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		flows := make([]float64, 2+rng.IntN(180))
		flows[0] = -rng.Float64() * 1e6
		for i := 1; i < len(flows); i++ {
			flows[i] = rng.Float64() * 1e4
		}
		prev := math.Inf(1)
		for r := -0.5; r <= 2; r += 0.01 {
			v := flows[0] + NPV(r, flows[1:])
			if !(v < prev) {
				t.Fatalf("value at rate %v = %v, not below %v at rate %v", r, v, prev, r-0.01)
			}
			prev = v
		}
	}
}

func TestXNPV(t *testing.T) {
	ms := []time.Time{day("2008-01-01"), day("2008-03-01"), day("2008-10-30"), day("2009-02-15"), day("2009-04-01")}
	msFlows := []float64{-10000, 2750, 4250, 3250, 2750}
	tests := []struct {
		name  string
		rate  float64
		flows []float64
		dates []time.Time
		want  float64
		tol   float64
	}{
		// Microsoft XNPV help: 2086.65.
		{"excel", 0.09, msFlows, ms, 2086.65, 0.005},
		// Closed form: 1100 one 365-day year later at 10% is worth 1000.
		{"one year", 0.10, []float64{-1000, 1100}, []time.Time{day("2021-01-01"), day("2022-01-01")}, 0, 1e-9},
		// The time of day and location are ignored: the civil dates count.
		{"time of day", 0.10, []float64{-1000, 1100}, []time.Time{
			time.Date(2021, 1, 1, 23, 59, 0, 0, time.FixedZone("x", -11*3600)),
			time.Date(2022, 1, 1, 0, 1, 0, 0, time.FixedZone("y", 14*3600)),
		}, 0, 1e-9},
		{"single flow", 0.10, []float64{5}, []time.Time{day("2021-01-01")}, 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := XNPV(tc.rate, tc.flows, tc.dates)
			if err != nil || !near(got, tc.want, tc.tol) {
				t.Errorf("XNPV(%v, %v, ...) = %v, %v, want %v", tc.rate, tc.flows, got, err, tc.want)
			}
		})
	}
}

func TestXNPVErrors(t *testing.T) {
	d2 := []time.Time{day("2021-01-01"), day("2021-06-01")}
	tests := []struct {
		name  string
		rate  float64
		flows []float64
		dates []time.Time
		want  error
	}{
		{"empty", 0.1, nil, nil, ErrLength},
		{"mismatch", 0.1, []float64{1, 2}, d2[:1], ErrLength},
		{"rate -1", -1, []float64{1, 2}, d2, ErrDomain},
		{"rate NaN", math.NaN(), []float64{1, 2}, d2, ErrDomain},
		{"flow NaN", 0.1, []float64{1, math.NaN()}, d2, ErrDomain},
		{"date before first", 0.1, []float64{1, 2}, []time.Time{d2[1], d2[0]}, ErrDomain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := XNPV(tc.rate, tc.flows, tc.dates); !errors.Is(err, tc.want) {
				t.Errorf("XNPV(%v, %v, %v) = %v, %v, want error %v", tc.rate, tc.flows, tc.dates, got, err, tc.want)
			}
		})
	}
}

func TestMIRR(t *testing.T) {
	excel := []float64{-120000, 39000, 30000, 21000, 37000, 46000}
	tests := []struct {
		name             string
		flows            []float64
		finance, reinvst float64
		want, tol        float64
	}{
		// Microsoft MIRR help.
		{"excel five years", excel, 0.10, 0.12, 0.126094, 5e-7},
		{"excel three years", excel[:4], 0.10, 0.12, -0.048044655, 5e-10},
		{"excel reinvest 14%", excel, 0.10, 0.14, 0.134759111, 5e-10},
		// LibreOffice MIRR help: -5, 10, 15, 8 at 0.5 and 0.1 = 94.16%.
		{"libreoffice", []float64{-5, 10, 15, 8}, 0.5, 0.1, 0.9416, 5e-5},
		// Closed form: -100 then 121 two periods on is 10% whatever the rates.
		{"closed form", []float64{-100, 0, 121}, 0.3, 0.7, 0.10, 1e-12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MIRR(tc.flows, tc.finance, tc.reinvst)
			if err != nil || !near(got, tc.want, tc.tol) {
				t.Errorf("MIRR(%v, %v, %v) = %v, %v, want %v", tc.flows, tc.finance, tc.reinvst, got, err, tc.want)
			}
		})
	}
}

func TestMIRRErrors(t *testing.T) {
	tests := []struct {
		name             string
		flows            []float64
		finance, reinvst float64
		want             error
	}{
		{"one flow", []float64{-1}, 0.1, 0.1, ErrLength},
		{"all positive", []float64{1, 2}, 0.1, 0.1, ErrNoSignChange},
		{"all negative", []float64{-1, -2}, 0.1, 0.1, ErrNoSignChange},
		{"finance -1", []float64{-1, 2}, -1, 0.1, ErrDomain},
		{"reinvest Inf", []float64{-1, 2}, 0.1, math.Inf(1), ErrDomain},
		{"NaN flow", []float64{-1, math.NaN()}, 0.1, 0.1, ErrDomain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := MIRR(tc.flows, tc.finance, tc.reinvst); !errors.Is(err, tc.want) {
				t.Errorf("MIRR(%v, %v, %v) = %v, %v, want error %v", tc.flows, tc.finance, tc.reinvst, got, err, tc.want)
			}
		})
	}
}

func TestPayback(t *testing.T) {
	tests := []struct {
		name   string
		flows  []float64
		months int
		ok     bool
	}{
		{"simple", []float64{-100, 30, 30, 30, 30}, 4, true},
		{"exactly zero counts", []float64{-100, 50, 50, 10}, 2, true},
		{"dips again", []float64{-100, 60, 60, -50, 40, 40}, 4, true},
		{"ends negative", []float64{-100, 60, 60, -50}, 0, false},
		{"never negative", []float64{0, 10, 20}, 0, false},
		{"empty", nil, 0, false},
		{"late outlay", []float64{10, -30, 25}, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			months, ok := Payback(tc.flows)
			if months != tc.months || ok != tc.ok {
				t.Errorf("Payback(%v) = %d, %v, want %d, %v", tc.flows, months, ok, tc.months, tc.ok)
			}
		})
	}
}

func BenchmarkNPV(b *testing.B) {
	flows := monthlyProject(180)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += NPV(0.008, flows)
	}
	_ = sink
}

// monthlyProject returns n monthly flows: an outlay, then growing inflows.
func monthlyProject(n int) []float64 {
	flows := make([]float64, n)
	flows[0] = -50e6
	for i := 1; i < n; i++ {
		flows[i] = 600e3 + 2e3*float64(i)
	}
	return flows
}
