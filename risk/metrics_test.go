package risk

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedQuantile is the reference: sort, then interpolate as NumPy's
// default (type 7).
func sortedQuantile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// sortedCVaR is the reference: the mean of the ⌈αn⌉ smallest values.
func sortedCVaR(xs []float64, alpha float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	k := max(1, int(math.Ceil(alpha*float64(len(s))-1e-9)))
	var sum float64
	for _, v := range s[:k] {
		sum += v
	}
	return sum / float64(k)
}

func TestQuantilesAndCVaRAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	samples := map[string]func(n int) []float64{
		"normal": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = rng.NormFloat64() * 1e7
			}
			return xs
		},
		"ties": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(5))
			}
			return xs
		},
		"sorted": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(i)
			}
			return xs
		},
		"reversed": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(n - i)
			}
			return xs
		},
	}
	ps := []float64{0.95, 0.05, 0.5, 0, 1, 0.005, 0.995}
	for name, gen := range samples {
		for _, n := range []int{1, 2, 3, 7, 16, 17, 100, 1001, 20000} {
			xs := gen(n)
			got := Quantiles(slices.Clone(xs), ps...)
			for i, p := range ps {
				if want := sortedQuantile(xs, p); !near(got[i], want, 1e-12) {
					t.Errorf("%s n=%d: Quantiles(p=%v) = %v, sort-based %v", name, n, p, got[i], want)
				}
			}
			for _, a := range []float64{0.05, 0.01, 0.5, 1} {
				if got, want := CVaR(slices.Clone(xs), a), sortedCVaR(xs, a); !near(got, want, 1e-12) {
					t.Errorf("%s n=%d: CVaR(%v) = %v, sort-based %v", name, n, a, got, want)
				}
			}
		}
	}
	if q := Quantiles(nil, 0.5); !math.IsNaN(q[0]) {
		t.Errorf("Quantiles(empty) = %v, want NaN", q)
	}
	if c := CVaR(nil, 0.05); !math.IsNaN(c) {
		t.Errorf("CVaR(empty) = %v, want NaN", c)
	}
}

func TestMeanStd(t *testing.T) {
	for _, c := range []struct {
		xs        []float64
		mean, std float64
	}{
		{nil, 0, 0},
		{[]float64{5}, 5, 0},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
		{[]float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 1},
	} {
		m, s := MeanStd(c.xs)
		if !near(m, c.mean, 1e-15) || !near(s, c.std, 1e-9) {
			t.Errorf("MeanStd(%v) = %v, %v, want %v, %v", c.xs, m, s, c.mean, c.std)
		}
	}
}

func BenchmarkQuantiles1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	s := make([]float64, len(xs))
	b.ReportAllocs()
	for b.Loop() {
		copy(s, xs)
		Quantiles(s, 0.05, 0.5, 0.95)
	}
}

func TestShareNegative(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{-1, 0, 1, -2}, 0.5}, {[]float64{0}, 0}, {[]float64{-1e-300}, 1}} {
		if got := ShareNegative(c.xs); got != c.want {
			t.Errorf("ShareNegative(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}
