package risk

import (
	"math"

	"github.com/hashpivot/hashpivot/finance"
)

// flowTol is the size below which a monthly flow counts as zero when
// deciding whether a conversion starts with an investment (as plan does).
const flowTol = 1e-6

// conversionIRR returns the annualised internal rate of return of the
// monthly flows d_i = fcf_i - base_i (the cash a strategy adds to the
// status quo; d_i falls at the end of month i, one period after t=0, as in
// plan): the rate with Σ d_i (1+r_m)^-(i+1) = 0, annualised as
// (1+r_m)^12 - 1. It returns
//
//   - NaN (undefined) when the first flow that is not ~0 is positive: no
//     investment comes first (plan reports no IRR there either);
//   - -1 (a total loss) when no flow is positive: the investment never
//     returns any cash, and the rate tends to -100%;
//   - otherwise the root Halley's method reaches on x = 1/(1+r_m),
//     g(x) = Σ d_i x^i, from x0 (the deterministic plan's rate, so that the
//     root does not depend on which paths a worker ran before), stopping
//     once a step is below 1e-4 x (cubic convergence leaves an error near
//     1e-12 in x, below 1e-8 in the annual rate; TestConversionIRR checks
//     it against finance.IRR); when Halley
//     fails it falls back to finance.IRR.
func conversionIRR(fcf, base []float64, x0 float64) float64 {
	n := len(fcf)
	base = base[:n]
	first := 0.0
	pos := false
	for i, f := range fcf {
		v := f - base[i]
		if first == 0 && math.Abs(v) > flowTol {
			first = v
		}
		if v > flowTol {
			pos = true
			break
		}
	}
	switch {
	case first > 0:
		return math.NaN()
	case !pos && first < 0:
		return -1
	case !pos:
		return math.NaN()
	}
	x := x0
	for range 50 {
		g, dg, ddg := diffDerivs(fcf, base, x)
		// Halley's step is Newton's divided by 1 - L/2, L = g g''/g'²; far
		// from a root (|L| >= 1) it can stall, so Newton's step is taken
		// there, and only a small step inside that region counts as
		// converged.
		if dg == 0 || math.IsNaN(g) || math.IsInf(g, 0) || math.IsInf(dg, 0) || math.IsNaN(ddg) || math.IsInf(ddg, 0) {
			break
		}
		step := g / dg
		l := g * ddg / (dg * dg)
		near := math.Abs(l) < 1
		if near {
			step /= 1 - l/2
		}
		nx := x - step
		if !(nx > 0) {
			nx = x / 2
		}
		if near && math.Abs(nx-x) <= 1e-4*x {
			// (1 + r_m)^12 - 1 with 1 + r_m = 1/x: four multiplications
			// instead of a logarithm and an exponential, exact to a few
			// units in the last place of (1 + r_m)^12.
			x2 := nx * nx
			x4 := x2 * x2
			return 1/(x4*x4*x4) - 1
		}
		x = nx
	}
	flows := make([]float64, n+1)
	for i, f := range fcf {
		flows[i+1] = f - base[i]
	}
	r, err := finance.IRR(flows)
	if err != nil {
		return math.NaN()
	}
	return finance.AnnualFromMonthly(r)
}

// diffDerivs returns g(x) = Σ d_i x^i, d = a - b, and its first and
// second derivatives. With y = x^4 and G_k(y) = Σ_j d_(4j+k) y^j,
// g(x) = Σ_k x^k G_k(y): the four G_k go by Horner's rule side by side,
// months 4j..4j+3 at a time from the highest block down, one fused
// multiply-add each per block and lane (on amd64 with AVX2 and FMA in one
// vector instruction, simd_amd64.s, with the same roundings as hornerGo,
// so that a run's figures do not depend on the processor).
func diffDerivs(a, b []float64, x float64) (g, g1, g2 float64) {
	n := len(a)
	b = b[:n]
	full := n &^ 3
	y := x * x
	y *= y
	// acc: each lane's G, G' and G''/2 (lanes 0-3, then 4-7, then 8-11).
	// The highest block, when short, starts the recurrences (its missing
	// months count 0): Horner's first step from zero gives G = d.
	var acc [12]float64
	for k := range n - full {
		acc[k] = a[full+k] - b[full+k]
	}
	if useFMA {
		hornerAVX2(a[:full], b[:full], y, &acc)
	} else {
		hornerGo(a[:full], b[:full], y, &acc)
	}
	// d/dx [x^k G_k(y)] = k x^(k-1) G + x^k G' y' and
	// d²/dx² = k(k-1) x^(k-2) G + 2k x^(k-1) G' y' + x^k (G'' y'² + G' y''),
	// y' = 4x³, y'' = 12x².
	x2 := x * x
	d1, d2 := 4*x2*x, 12*x2
	xk := [4]float64{1, x, x2, x2 * x}
	c1 := [4]float64{0, 1, 2 * x, 3 * x2} // k x^(k-1)
	c2 := [4]float64{0, 0, 2, 6 * x}      // k(k-1) x^(k-2)
	for k := range 4 {
		G, G1, G2 := acc[k], acc[4+k], 2*acc[8+k]
		g += xk[k] * G
		g1 += c1[k]*G + xk[k]*G1*d1
		g2 += c2[k]*G + 2*c1[k]*G1*d1 + xk[k]*(G2*d1*d1+G1*d2)
	}
	return g, g1, g2
}

// hornerGo runs the four lanes' recurrences over the blocks of four months
// of d = a - b (len(a) a multiple of 4), highest first, with G a lane's
// value, G1 its first derivative and H half its second:
// H ← y H + G1, G1 ← y G1 + G, G ← y G + d.
func hornerGo(a, b []float64, y float64, acc *[12]float64) {
	b = b[:len(a)]
	for j := len(a)/4 - 1; j >= 0; j-- {
		for k := range 4 {
			d := a[4*j+k] - b[4*j+k]
			acc[8+k] = math.FMA(acc[8+k], y, acc[4+k])
			acc[4+k] = math.FMA(acc[4+k], y, acc[k])
			acc[k] = math.FMA(acc[k], y, d)
		}
	}
}
