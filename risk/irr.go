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
	if cap(buf) < n {
		buf = make([]float64, n)
	}
	q := quartersOf(fcf, base, buf[:n])
	x := x0
	for range 50 {
		g, dg, ddg := q.derivs(x)
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

// quarters is a conversion's monthly flows d laid out for Horner's rule
// on four lanes: g(x) = Σ d_i x^i = Σ_k x^(km) H_k(x), m = len(d)/4, H_k
// the polynomial of the k-th quarter of the months, the last quarter also
// taking the len(d) mod 4 months left over.
type quarters struct {
	lanes []float64 // lanes[4j+k] = d[km+j], j < m
	rest  []float64 // d[4m:], the top of the last quarter
	m     int
}

// quartersOf lays out d = a - b in buf (len(buf) = len(a)): one pass,
// written in order.
func quartersOf(a, b, buf []float64) quarters {
	n := len(a)
	m := n / 4
	b = b[:n]
	q := quarters{lanes: buf[:4*m], rest: buf[4*m : n], m: m}
	a0, a1, a2, a3 := a[:m], a[m:2*m], a[2*m:3*m], a[3*m:4*m]
	b0, b1, b2, b3 := b[:m], b[m:2*m], b[2*m:3*m], b[3*m:4*m]
	lanes := q.lanes
	for j := range a0 {
		l := lanes[4*j : 4*j+4 : 4*j+4]
		l[0] = a0[j] - b0[j]
		l[1] = a1[j] - b1[j]
		l[2] = a2[j] - b2[j]
		l[3] = a3[j] - b3[j]
	}
	for i := range q.rest {
		q.rest[i] = a[4*m+i] - b[4*m+i]
	}
	return q
}

// derivs returns g(x) and its first and second derivatives. The four
// quarters' Horner recurrences run side by side, one fused multiply-add
// each per month and quarter (on amd64 with AVX2 and FMA in one vector
// instruction, simd_amd64.s, with the same roundings as the Go loop, so
// that a run's figures do not depend on the processor).
func (q *quarters) derivs(x float64) (g, g1, g2 float64) {
	// acc: each lane's H, H' and H''/2 (lanes 0-3, then 4-7, then 8-11).
	var acc [12]float64
	for j := len(q.rest) - 1; j >= 0; j-- {
		acc[11] = math.FMA(acc[11], x, acc[7])
		acc[7] = math.FMA(acc[7], x, acc[3])
		acc[3] = math.FMA(acc[3], x, q.rest[j])
	}
	if useFMA {
		hornerAVX2(q.lanes, x, &acc)
	} else {
		hornerGo(q.lanes, x, &acc)
	}
	g, g1, g2 = acc[0], acc[4], 2*acc[8]
	// (x^a H)' = x^a H' + a x^(a-1) H and
	// (x^a H)'' = x^a H'' + 2a x^(a-1) H' + a(a-1) x^(a-2) H, a = km.
	xm := powInt(x, q.m)
	xa := 1.0
	for k := 1; k < 4; k++ {
		xa *= xm
		h, h1, h2 := acc[k], acc[4+k], 2*acc[8+k]
		a := float64(k * q.m)
		c1 := a * xa / x       // a x^(a-1)
		c2 := (a - 1) * c1 / x // a(a-1) x^(a-2)
		if q.m == 0 {
			c1, c2 = 0, 0
		}
		g += xa * h
		g1 += xa*h1 + c1*h
		g2 += xa*h2 + 2*c1*h1 + c2*h
	}
	return g, g1, g2
}

// hornerGo runs the four lanes' recurrences over lanes, months from the
// highest down: H” /2 ← x H”/2 + H', H' ← x H' + H, H ← x H + d.
func hornerGo(lanes []float64, x float64, acc *[12]float64) {
	for j := len(lanes)/4 - 1; j >= 0; j-- {
		d := lanes[4*j : 4*j+4]
		for k := range 4 {
			acc[8+k] = math.FMA(acc[8+k], x, acc[4+k])
			acc[4+k] = math.FMA(acc[4+k], x, acc[k])
			acc[k] = math.FMA(acc[k], x, d[k])
		}
	}
}

// powInt is x^n, n >= 0, by repeated squaring.
func powInt(x float64, n int) float64 {
	r := 1.0
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			r *= x
		}
		x *= x
	}
	return r
}
