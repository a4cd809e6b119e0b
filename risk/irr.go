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
//     fails it falls back to finance.IRR; buf (capacity len(fcf)) holds
//     the flows.
func conversionIRR(fcf, base []float64, x0 float64, buf []float64) float64 {
	base = base[:len(fcf)]
	if cap(buf) < len(fcf) {
		buf = make([]float64, len(fcf))
	}
	d := buf[:len(fcf)]
	for i, f := range fcf {
		d[i] = f - base[i]
	}
	first := 0.0
	pos := false
	for _, v := range d {
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
		g, dg, ddg := polyDerivs(d, x)
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
			return finance.AnnualFromMonthly(1/nx - 1)
		}
		x = nx
	}
	r, err := finance.IRR(append([]float64{0}, d...))
	if err != nil {
		return math.NaN()
	}
	return finance.AnnualFromMonthly(r)
}

// polyDerivs returns g(x) = Σ d_i x^i and its first and second
// derivatives by Horner's rule, run on the two halves of d at once
// (g = L + x^m H, m = len(d)/2) so that the two chains of multiply-adds
// do not wait on each other (four chains are slower: too few registers).
func polyDerivs(d []float64, x float64) (g, g1, g2 float64) {
	m := len(d) / 2
	lo, hi := d[:m], d[m:]
	var p, q, r, P, Q, R float64 // L, L', L''/2 and H, H', H''/2
	if len(hi) > m {
		P = hi[m]
	}
	hi = hi[:m]
	xm := 1.0
	for j := m - 1; j >= 0; j-- {
		r = r*x + q
		q = q*x + p
		p = p*x + lo[j]
		R = R*x + Q
		Q = Q*x + P
		P = P*x + hi[j]
		xm *= x
	}
	// With x^m: (x^m H)' = x^m H' + m x^(m-1) H and
	// (x^m H)'' = x^m H'' + 2m x^(m-1) H' + m(m-1) x^(m-2) H.
	fm := float64(m)
	xm1 := fm * xm / x        // m x^(m-1)
	xm2 := (fm - 1) * xm1 / x // m(m-1) x^(m-2)
	if m == 0 {
		xm1, xm2 = 0, 0
	}
	g = p + xm*P
	g1 = q + xm*Q + xm1*P
	g2 = 2*r + xm*2*R + 2*xm1*Q + xm2*P
	return g, g1, g2
}
