package risk

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hashpivot/hashpivot/finance"
)

func TestConversionIRR(t *testing.T) {
	zeros := func(n int) []float64 { return make([]float64, n) }
	annuity := func(n int, pay float64) []float64 {
		d := make([]float64, n+1)
		d[0] = -1000
		for i := 1; i <= n; i++ {
			d[i] = pay
		}
		return d
	}
	// 1000 = pay × (1 - (1+r)^-n) / r at r = 1%/month, n = 60: pay = 22.2444...
	pay := 1000 * 0.01 / (1 - math.Pow(1.01, -60))
	for _, c := range []struct {
		name string
		d    []float64
		want float64 // annual; NaN undefined
	}{
		{"one month at 10%", []float64{-100, 110}, math.Pow(1.1, 12) - 1},
		{"annuity at 1%/month", annuity(60, pay), math.Pow(1.01, 12) - 1},
		{"zero lead then -100, 100", []float64{0, 0, -100, 100}, 0},
		{"no investment first", []float64{50, -100, 60}, math.NaN()},
		{"never any cash back", []float64{-100, 0, -5}, -1},
		{"nothing at all", zeros(5), math.NaN()},
	} {
		got := conversionIRR(c.d, zeros(len(c.d)), 1/1.01)
		if math.IsNaN(c.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-c.want) > 1e-9) {
			t.Errorf("%s: conversionIRR(%v) = %v, want %v", c.name, c.d, got, c.want)
		}
	}
}

// TestConversionIRRMatchesFinance compares with finance.IRR (Newton from
// 10% with a bracketing fallback) on random conventional flows, which have
// one root.
func TestConversionIRRMatchesFinance(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for range 2000 {
		n := 2 + rng.IntN(200)
		a, b := make([]float64, n), make([]float64, n)
		inv := 1 + rng.IntN(min(n-1, 24))
		for i := range n {
			b[i] = rng.NormFloat64() * 1e5
			if i < inv {
				a[i] = b[i] - rng.Float64()*1e7
			} else {
				a[i] = b[i] + rng.Float64()*3e5
			}
		}
		flows := append([]float64{0}, make([]float64, n)...)
		for i := range n {
			flows[i+1] = a[i] - b[i]
		}
		m, err := finance.IRR(flows)
		if err != nil {
			continue
		}
		want := finance.AnnualFromMonthly(m)
		for _, x0 := range []float64{1 / 1.01, 1 / 1.05, 1} {
			if got := conversionIRR(a, b, x0); math.Abs(got-want) > 1e-7*math.Max(1, math.Abs(want)) {
				t.Fatalf("conversionIRR(n=%d, x0=%v) = %v, finance.IRR %v", n, x0, got, want)
			}
		}
	}
}

func BenchmarkConversionIRR(b *testing.B) {
	e, w := benchEngine(b, 1)
	e.path(w, 0, e.getPartial(0))
	b.ReportAllocs()
	for b.Loop() {
		conversionIRR(w.out[1].FCF, w.out[e.base].FCF, e.guess[1])
	}
}

// TestDiffDerivs checks Horner's four lanes against the sums written out
// term by term with math.Pow, for lengths that fill blocks of four and not.
func TestDiffDerivs(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 7, 180, 181, 183} {
		d := make([]float64, n)
		for i := range d {
			d[i] = math.Sin(float64(i) + 1)
		}
		const x = 0.97
		var g, g1, g2 float64
		for i, v := range d {
			fi := float64(i)
			g += v * math.Pow(x, fi)
			if i > 0 {
				g1 += fi * v * math.Pow(x, fi-1)
			}
			if i > 1 {
				g2 += fi * (fi - 1) * v * math.Pow(x, fi-2)
			}
		}
		a, b, c := diffDerivs(d, make([]float64, n), x)
		if !near(a, g, 1e-12) || !near(b, g1, 1e-12) || !near(c, g2, 1e-12) {
			t.Errorf("n=%d: derivs = %v, %v, %v; term by term %v, %v, %v", n, a, b, c, g, g1, g2)
		}
	}
}

// TestHornerAVX2 checks that the vector recurrences give the Go loop's
// bits exactly (a run's figures must not depend on the processor).
func TestHornerAVX2(t *testing.T) {
	if !useFMA {
		t.Skip("no AVX2 and FMA here: the Go loop alone")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 500 {
		n := 4 * rng.IntN(60)
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i] = rng.NormFloat64()*1e6, rng.NormFloat64()*1e6
		}
		y := 0.7 + 0.3*rng.Float64()
		var got, want [12]float64
		for i := range got {
			got[i] = rng.NormFloat64()
			want[i] = got[i]
		}
		hornerAVX2(a, b, y, &got)
		hornerGo(a, b, y, &want)
		if got != want {
			t.Fatalf("trial %d: hornerAVX2 %v, hornerGo %v", trial, got, want)
		}
	}
}
