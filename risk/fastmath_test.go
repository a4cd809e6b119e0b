package risk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExp compares exp with math.Exp (the reference) on random arguments
// across its range and at the edges; the error must stay within 2 ulp.
func TestExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(x float64) {
		t.Helper()
		got, want := expOne(x), math.Exp(x)
		if got == want {
			return
		}
		ulp := math.Nextafter(want, math.Inf(1)) - want
		if math.IsNaN(got) != math.IsNaN(want) || math.Abs(got-want) > 2*ulp {
			t.Fatalf("exp(%v) = %v, math.Exp = %v (%.2f ulp)", x, got, want, (got-want)/ulp)
		}
	}
	for range 1_000_000 {
		check(rng.NormFloat64())            // the Monte Carlo's usual range
		check((rng.Float64() - 0.5) * 1400) // the whole fast range
	}
	for _, x := range []float64{0, -0.0, 1, -1, 1e-300, -1e-300, 699.9, -699.9, 700, -700, 709, -745, 800, -800,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Ln2 / 128, -math.Ln2 / 128} {
		check(x)
	}
}

// BenchmarkScaleExp is scaleExp over a path's 180 months (ns/op / 180 is
// the cost of one exponential); BenchmarkMathExp is the same loop calling
// math.Exp.
func BenchmarkScaleExp(b *testing.B) {
	x, out := expArgs(), make([]float64, 180)
	b.ReportAllocs()
	for b.Loop() {
		scaleExp(out, x, 2)
	}
}

func BenchmarkMathExp(b *testing.B) {
	x, out := expArgs(), make([]float64, 180)
	b.ReportAllocs()
	for b.Loop() {
		for i, v := range x {
			out[i] = 2 * math.Exp(v)
		}
	}
}

func expArgs() []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 180)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func BenchmarkMulAdd(b *testing.B) {
	x, s := 0.001, 0.0
	for b.Loop() {
		s += x * 1.0000001
		x += 1e-9
	}
	_ = s
}

// TestScaleExpAVX2 checks that the four-lane exponential gives the Go
// loop's bits exactly (a run's figures must not depend on the processor),
// on random arguments across the whole range, with arguments out of the
// fast range and lengths that do not fill a block.
func TestScaleExpAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 here: scaleExp is the Go loop alone")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := rng.IntN(40)
		x := make([]float64, n)
		for i := range x {
			switch rng.IntN(10) {
			case 0:
				x[i] = (rng.Float64() - 0.5) * 1600 // some beyond ±700
			case 1:
				x[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 700, -700, 0, math.Copysign(0, -1)}[rng.IntN(7)]
			default:
				x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(6)-3))
			}
		}
		c := rng.Float64() * 1e6
		got, want := make([]float64, n), make([]float64, n)
		scaleExp(got, x, c)
		scaleExpGo(want, x, c)
		for i := range x {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("trial %d: scaleExp(%v) = %v, Go loop %v", trial, x[i], got[i], want[i])
			}
		}
	}
}
