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
//     fails it falls back to finance.IRR, with buf (capacity len(fcf)+1)
//     for the flows.
func conversionIRR(fcf, base []float64, x0 float64, buf []float64) float64 {
	base = base[:len(fcf)]
	first := 0.0
	pos := false
	for i, f := range fcf {
		d := f - base[i]
		if first == 0 && math.Abs(d) > flowTol {
			first = d
		}
		if d > flowTol {
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
		g, s1, s2 := powerSums(fcf, base, x)
		// g' = Σ i d_i x^(i-1), g'' = Σ i(i-1) d_i x^(i-2). Halley's step is
		// Newton's divided by 1 - L/2, L = g g''/g'²; far from a root
		// (|L| >= 1) it can stall, so Newton's step is taken there, and only
		// a small step inside that region counts as converged.
		dg := s1 / x
		ddg := (s2 - s1) / (x * x)
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
			return finance.AnnualFromMonthly(1/nx - 1)
		}
		x = nx
	}
	buf = append(buf[:0], 0)
	for i, f := range fcf {
		buf = append(buf, f-base[i])
	}
	r, err := finance.IRR(buf)
	if err != nil {
		return math.NaN()
	}
	return finance.AnnualFromMonthly(r)
}

// powerSums returns Σ d_i x^i, Σ i d_i x^i and Σ i² d_i x^i for
// d_i = a_i - b_i, in two interleaved chains (even and odd i) so that the
// multiplications of consecutive months do not wait on each other.
func powerSums(a, b []float64, x float64) (g, s1, s2 float64) {
	n := len(a)
	b = b[:n]
	x2 := x * x
	xe, xo := 1.0, x
	fe, fo := 0.0, 1.0
	var ge, gO, he, ho, qe, qo float64
	i := 0
	for ; i+1 < n; i += 2 {
		te := (a[i] - b[i]) * xe
		to := (a[i+1] - b[i+1]) * xo
		ge += te
		gO += to
		te *= fe
		to *= fo
		he += te
		ho += to
		qe += fe * te
		qo += fo * to
		xe *= x2
		xo *= x2
		fe += 2
		fo += 2
	}
	if i < n {
		t := (a[i] - b[i]) * xe
		ge += t
		t *= fe
		he += t
		qe += fe * t
	}
	return ge + gO, he + ho, qe + qo
}
