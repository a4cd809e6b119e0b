package risk

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNormal checks the ziggurat against the standard normal's closed
// forms: mean 0, variance 1, skewness 0, kurtosis 3 (within five standard
// errors over 4 million draws), the tail mass beyond the ziggurat's base
// strip, and the Kolmogorov–Smirnov distance to Φ on 200,000 draws.
func TestNormal(t *testing.T) {
	src := NewStream(3, 4)
	const n = 4_000_000
	var s1, s2, s3, s4 float64
	tail := 0
	for range n {
		x := normal(src)
		s1 += x
		s2 += x * x
		s3 += x * x * x
		s4 += x * x * x * x
		if math.Abs(x) > zigR {
			tail++
		}
	}
	m, v, sk, ku := s1/n, s2/n, s3/n, s4/n
	for _, c := range []struct {
		name      string
		got, want float64
		se        float64
	}{
		{"mean", m, 0, 1 / math.Sqrt(n)},
		{"E[x²]", v, 1, math.Sqrt(2.0 / n)},
		{"E[x³]", sk, 0, math.Sqrt(15.0 / n)},
		{"E[x⁴]", ku, 3, math.Sqrt(96.0 / n)},
	} {
		if math.Abs(c.got-c.want) > 5*c.se {
			t.Errorf("normal: %s = %v, want %v ± %v", c.name, c.got, c.want, 5*c.se)
		}
	}
	pTail := math.Erfc(zigR / math.Sqrt2) // P(|x| > r)
	if se := math.Sqrt(pTail * (1 - pTail) / n); math.Abs(float64(tail)/n-pTail) > 5*se {
		t.Errorf("normal: P(|x| > %v) = %v, want %v ± %v", zigR, float64(tail)/n, pTail, 5*se)
	}
	const m2 = 200_000
	xs := make([]float64, m2)
	for i := range xs {
		xs[i] = normal(src)
	}
	slices.Sort(xs)
	var d float64
	for i, x := range xs {
		f := 0.5 * math.Erfc(-x/math.Sqrt2)
		d = max(d, math.Abs(f-float64(i)/m2), math.Abs(f-float64(i+1)/m2))
	}
	// Critical value of the KS statistic at α = 0.001: 1.95/√n.
	if crit := 1.95 / math.Sqrt(m2); d > crit {
		t.Errorf("normal: Kolmogorov–Smirnov distance %v > %v", d, crit)
	}
}

func TestIntN(t *testing.T) {
	src := NewStream(5, 6)
	const n, k = 600_000, 6
	var counts [k]int
	for range n {
		v := src.intN(k)
		if v >= k {
			t.Fatalf("intN(%d) = %d", k, v)
		}
		counts[v]++
	}
	for v, c := range counts {
		p := 1.0 / k
		if se := math.Sqrt(n * p * (1 - p)); math.Abs(float64(c)-n*p) > 5*se {
			t.Errorf("intN(%d): %d draws of %d, want %v ± %v", k, c, v, n*p, 5*se)
		}
	}
}

// BenchmarkNormals draws a path's 180 variates (ns/op / 180 is the cost
// of one); BenchmarkNormFloat64 is math/rand/v2's ziggurat for comparison.
func BenchmarkNormals(b *testing.B) {
	src := NewStream(1, 2)
	out := make([]float64, 180)
	b.ReportAllocs()
	for b.Loop() {
		normals(out, 0, 1, src)
	}
}

func BenchmarkNormFloat64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]float64, 180)
	b.ReportAllocs()
	for b.Loop() {
		for i := range out {
			out[i] = r.NormFloat64()
		}
	}
}

// normal returns one standard normal variate from r (normals' method).
func normal(r *Stream) float64 {
	var z [1]float64
	normals(z[:], 0, 1, r)
	return z[0]
}
