package finance

import (
	"fmt"
	"math"
	"time"
)

// smallestNormal is the smallest positive normal float64, 2^-1022.
const smallestNormal = 0x1p-1022

// The search interval of IRR and XIRR, and Excel's default first guess.
const (
	minRate   = -0.9999
	maxRate   = 1e6
	firstRate = 0.1
)

// Solver settings.
const (
	// newtonIter caps the steps of Newton's method from firstRate.
	newtonIter = 50
	// newtonTol is the step, relative to 1+|rate|, at which Newton has
	// converged.
	newtonTol = 1e-12
	// residualTol bounds the scaled value at a root Newton returns, relative
	// to the sum of its terms' absolute values.
	residualTol = 1e-9
	// scanStep is the step of the bracket scan in ln(1+rate).
	scanStep = 0.02
	// brentIter and safeIter cap Brent's method and safeguarded Newton.
	brentIter = 200
	safeIter  = 200
)

// IRR returns the internal rate of return per period of flows, flows[0]
// falling at t=0: the rate r in (-0.9999, 1e6) at which
//
//	sum_{i=0}^{n-1} flows[i] / (1+r)^i = 0
//
// It starts, as Excel's IRR does, with Newton's method from 10%. As soon as
// two iterates bracket a root (typically when the first step overshoots, as
// it does for monthly flows whose rate is far below 10%) it solves that
// bracket with Newton's method safeguarded by bisection, or else Brent's. When Newton fails (a flat slope, a growing
// value, too many steps) it scans ln(1+r) outwards from 10% in steps of 0.02
// for a sign change and solves that bracket with Brent's method. When the
// flows have several rates of return it thus returns one Newton reaches
// from 10%, else the one nearest 10%. Two roots closer together than the
// scan step may be missed.
//
// It returns ErrLength for fewer than two flows, ErrDomain for a flow that
// is not finite, ErrNoSignChange when the flows lack a positive or a
// negative value and ErrNoConvergence when no rate is found; it never
// returns NaN and never allocates on success.
func IRR(flows []float64) (float64, error) {
	if len(flows) < 2 {
		return 0, fmt.Errorf("%w: IRR needs at least 2 flows (got %d)", ErrLength, len(flows))
	}
	scale, err := checkSigns(flows)
	if err != nil {
		return 0, err
	}
	return solveRate(periodic{flows: flows, scale: scale}, firstRate)
}

// IRRGuess is IRR starting its search at guess instead of 10% per
// period: where flows have several rates of return it returns the one
// Newton's method reaches from guess, else the one nearest guess. Monthly
// flows want a monthly guess (MonthlyRate of an annual one). It returns
// IRR's errors, and ErrDomain for a guess outside (-0.9999, 1e6).
func IRRGuess(flows []float64, guess float64) (float64, error) {
	if len(flows) < 2 {
		return 0, fmt.Errorf("%w: IRR needs at least 2 flows (got %d)", ErrLength, len(flows))
	}
	if !(guess > minRate && guess < maxRate) {
		return 0, fmt.Errorf("%w: guess %v outside (%v, %v)", ErrDomain, guess, minRate, maxRate)
	}
	scale, err := checkSigns(flows)
	if err != nil {
		return 0, err
	}
	return solveRate(periodic{flows: flows, scale: scale}, guess)
}

// IRRMonthlyAnnualised returns the effective annual rate of return of
// monthly flows: AnnualFromMonthly(IRR(flows)). It returns IRR's errors.
func IRRMonthlyAnnualised(flows []float64) (float64, error) {
	m, err := IRR(flows)
	if err != nil {
		return 0, err
	}
	return AnnualFromMonthly(m), nil
}

// XIRR returns the annual internal rate of return of flows paid on
// arbitrary dates, as Excel's XIRR does: the rate r at which XNPV(r, flows,
// dates) = 0, day counts over 365. It solves as IRR does and returns the
// same errors, plus those of XNPV's arguments. It allocates one slice of
// len(flows).
func XIRR(flows []float64, dates []time.Time) (float64, error) {
	if err := checkDated(flows, dates); err != nil {
		return 0, err
	}
	if len(flows) < 2 {
		return 0, fmt.Errorf("%w: XIRR needs at least 2 flows (got %d)", ErrLength, len(flows))
	}
	scale, err := checkSigns(flows)
	if err != nil {
		return 0, err
	}
	years := make([]float64, len(flows))
	d0 := civilDay(dates[0])
	var maxYears float64
	for i := range dates {
		years[i] = float64(civilDay(dates[i])-d0) / 365
		maxYears = max(maxYears, years[i])
	}
	return solveRate(dated{flows: flows, years: years, maxYears: maxYears, scale: scale}, firstRate)
}

// checkSigns checks that flows are finite and hold both signs, and returns
// 1/max|flow| (at most 1e300, for subnormal flows), which scales the
// bracket scan away from overflow.
func checkSigns(flows []float64) (scale float64, err error) {
	var pos, neg bool
	var maxAbs float64
	for i, f := range flows {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return 0, fmt.Errorf("%w: flows[%d] must be finite (got %v)", ErrDomain, i, f)
		case f > 0:
			pos = true
		case f < 0:
			neg = true
		}
		maxAbs = max(maxAbs, math.Abs(f))
	}
	if !pos || !neg {
		return 0, ErrNoSignChange
	}
	return min(1/maxAbs, 1e300), nil
}

// rateCurve is the present value of a set of flows as a function of the
// rate, for solveRate.
type rateCurve interface {
	// value returns the present value at t=0 at rate r and its derivative
	// with respect to r; either may overflow when r is near -1.
	value(r float64) (v, dv float64)
	// signed returns a continuous function of r with the same sign and the
	// same roots as value on (-1, inf) that never overflows for flows scaled
	// to at most 1: the present value times min(1, 1+r)^T, T the last
	// period, times the scale; and the sum of its terms' absolute values,
	// against which to judge how near zero it is.
	signed(r float64) (v, abs float64)
}

// periodic is the rate curve of flows one period apart.
type periodic struct {
	flows []float64
	scale float64
}

func (p periodic) value(r float64) (v, dv float64) {
	// With d = 1/(1+r): v = P(d) = sum f_i d^i, dv/dr = P'(d) * -d^2.
	d := 1 / (1 + r)
	f := p.flows
	n := len(f)
	v = f[n-1]
	for i := n - 2; i >= 0; i-- {
		dv = math.FMA(dv, d, v)
		v = math.FMA(v, d, f[i])
	}
	return v, -dv * d * d
}

func (p periodic) signed(r float64) (v, abs float64) {
	g := 1 + r
	f := p.flows
	if g >= 1 {
		d := 1 / g
		for i := len(f) - 1; i >= 0; i-- {
			x := f[i] * p.scale
			v = v*d + x
			abs = abs*d + math.Abs(x)
		}
		return v, abs
	}
	// sum f_i g^(n-1-i) = value * g^(n-1).
	for _, x := range f {
		x *= p.scale
		v = v*g + x
		abs = abs*g + math.Abs(x)
	}
	return v, abs
}

// dated is the rate curve of flows at times measured in years.
type dated struct {
	flows, years []float64
	maxYears     float64
	scale        float64
}

func (c dated) value(r float64) (v, dv float64) {
	lg := math.Log1p(r)
	for i, f := range c.flows {
		t := c.years[i]
		x := f * math.Exp(-t*lg)
		v += x
		dv -= t * x
	}
	return v, dv / (1 + r)
}

func (c dated) signed(r float64) (v, abs float64) {
	lg := math.Log1p(r)
	shift := 0.0
	if lg < 0 {
		shift = c.maxYears
	}
	for i, f := range c.flows {
		x := f * c.scale * math.Exp((shift-c.years[i])*lg)
		v += x
		abs += math.Abs(x)
	}
	return v, abs
}

// solveRate finds a root of c in (minRate, maxRate): Newton from
// firstRate; Newton safeguarded by bisection, then Brent's method, on the
// first bracket Newton's iterates reveal; else a bracket scan and Brent's
// method.
func solveRate[C rateCurve](c C, guess float64) (float64, error) {
	r, err := findRate(c, guess)
	if err == nil && !isRoot(c, r) {
		// A bracket whose ends underflowed to subnormals (a rate near
		// -100% over a long span) can yield a "root" that is none.
		return 0, ErrNoConvergence
	}
	return r, err
}

// findRate is solveRate's search, before the final check of the residual.
func findRate[C rateCurve](c C, guess float64) (float64, error) {
	res := newton(c, guess)
	if res.converged && isRoot(c, res.root) {
		return res.root, nil
	}
	if !res.bracketed {
		return bracketRoot(c, guess)
	}
	if r, ok := safeNewton(c, res); ok && isRoot(c, r) {
		return r, nil
	}
	fa, _ := c.signed(res.a)
	fb, _ := c.signed(res.b)
	if math.Signbit(fa) != math.Signbit(fb) {
		if r, err := brent(c, res.a, res.b, fa, fb); err == nil {
			return r, nil
		}
	}
	return bracketRoot(c, guess)
}

// isRoot reports whether c's value at r is zero to residualTol. Near
// r = -1 the value can overflow into a zero step far from any root.
func isRoot[C rateCurve](c C, r float64) bool {
	v, abs := c.signed(r)
	// Terms that underflowed to subnormals (rates near -100% over long
	// spans) carry no information: that is not a root.
	if abs < smallestNormal {
		return false
	}
	return math.Abs(v) <= residualTol*abs
}

// bracketRoot is the last resort of solveRate: a bracket scan and Brent's
// method.
func bracketRoot[C rateCurve](c C, guess float64) (float64, error) {
	a, b, fa, fb, found := scanBracket(c, guess)
	if !found {
		return 0, ErrNoConvergence
	}
	if fa == 0 {
		return a, nil
	}
	if fb == 0 {
		return b, nil
	}
	return brent(c, a, b, fa, fb)
}

// newtonResult is how Newton's method stopped: converged at root; or
// bracketed, with two successive iterates a < b whose values differ in sign
// (va at a), the one of smaller value being r, with value v and slope dv;
// or neither.
type newtonResult struct {
	root      float64
	converged bool
	bracketed bool
	a, b, va  float64
	r, v, dv  float64
}

// newton runs Newton's method from firstRate. A step that leaves the
// interval is halved towards its bound. It stops, converged, when a step is
// below newtonTol relative to the rate; bracketed, as soon as two iterates'
// values differ in sign; and, neither, on a zero or non-finite slope, a
// value that grows (divergence) or after newtonIter steps.
func newton[C rateCurve](c C, guess float64) newtonResult {
	r := guess
	v, dv := c.value(r)
	for range newtonIter {
		if v == 0 {
			return newtonResult{root: r, converged: true}
		}
		step := v / dv
		if math.IsNaN(step) || math.IsInf(step, 0) || math.IsInf(dv, 0) {
			return newtonResult{}
		}
		next := r - step
		switch {
		case next <= minRate:
			next = (r + minRate) / 2
		case next >= maxRate:
			next = (r + maxRate) / 2
		}
		if math.Abs(next-r) <= newtonTol*(1+math.Abs(next)) {
			return newtonResult{root: next, converged: true}
		}
		vn, dvn := c.value(next)
		if math.IsNaN(vn) {
			return newtonResult{}
		}
		if vn == 0 {
			return newtonResult{root: next, converged: true}
		}
		if math.Signbit(vn) != math.Signbit(v) {
			res := newtonResult{bracketed: true, a: r, b: next, va: v, r: r, v: v, dv: dv}
			if next < r {
				res.a, res.b, res.va = next, r, vn
			}
			if math.Abs(vn) < math.Abs(v) {
				res.r, res.v, res.dv = next, vn, dvn
			}
			return res
		}
		if math.Abs(vn) >= math.Abs(v) {
			return newtonResult{}
		}
		r, v, dv = next, vn, dvn
	}
	return newtonResult{}
}

// safeNewton refines the root in Newton's bracket: Newton steps from the
// better iterate, and a bisection instead of any step that leaves the
// bracket or is not below half the previous one (Numerical Recipes'
// rtsafe). ok is false when a value is NaN or it does not converge.
func safeNewton[C rateCurve](c C, res newtonResult) (float64, bool) {
	lo, hi := res.a, res.b
	negLo := math.Signbit(res.va)
	r, v, dv := res.r, res.v, res.dv
	prev := hi - lo
	for range safeIter {
		step := v / dv
		next := r - step
		if !(next > lo && next < hi) || math.Abs(2*step) > math.Abs(prev) {
			next = lo + (hi-lo)/2
			step = r - next
		}
		if math.Abs(step) <= newtonTol*(1+math.Abs(next)) {
			return next, true
		}
		prev = step
		r = next
		v, dv = c.value(r)
		switch {
		case math.IsNaN(v):
			return 0, false
		case v == 0:
			return r, true
		case math.Signbit(v) == negLo:
			lo = r
		default:
			hi = r
		}
	}
	return 0, false
}

// scanBracket walks ln(1+r) outwards from firstRate, alternately up and
// down in steps of scanStep, and returns the first interval [a, b] over
// which c.signed changes sign (or reaches 0) together with its values at a
// and b.
func scanBracket[C rateCurve](c C, guess float64) (a, b, fa, fb float64, found bool) {
	lo, hi := math.Log1p(minRate), math.Log1p(maxRate)
	x0 := math.Log1p(guess)
	f0, _ := c.signed(guess)
	if f0 == 0 {
		return guess, guess, 0, 0, true
	}
	upX, upF := x0, f0
	downX, downF := x0, f0
	for k := 1; upX < hi || downX > lo; k++ {
		if upX < hi {
			x := min(x0+float64(k)*scanStep, hi)
			r := rateAt(x, hi, maxRate)
			f, _ := c.signed(r)
			if f == 0 || math.Signbit(f) != math.Signbit(upF) && !math.IsNaN(f) && !math.IsNaN(upF) {
				return math.Expm1(upX), r, upF, f, true
			}
			upX, upF = x, f
		}
		if downX > lo {
			x := max(x0-float64(k)*scanStep, lo)
			r := rateAt(x, lo, minRate)
			f, _ := c.signed(r)
			if f == 0 || math.Signbit(f) != math.Signbit(downF) && !math.IsNaN(f) && !math.IsNaN(downF) {
				return r, math.Expm1(downX), f, downF, true
			}
			downX, downF = x, f
		}
	}
	return 0, 0, 0, 0, false
}

// rateAt returns the rate at x = ln(1+rate), exactly bound at the end of
// the interval.
func rateAt(x, end, bound float64) float64 {
	if x == end {
		return bound
	}
	return math.Expm1(x)
}

// brent solves c.signed(r) = 0 on [a, b], where fa and fb have opposite
// signs, by Brent's method (inverse quadratic interpolation, secant and
// bisection; Brent 1973, "Algorithms for Minimization without Derivatives",
// ch. 4).
func brent[C rateCurve](c C, a, b, fa, fb float64) (float64, error) {
	cc, fc := a, fa
	d := b - a
	e := d
	for range brentIter {
		if math.Signbit(fb) == math.Signbit(fc) {
			cc, fc = a, fa
			d = b - a
			e = d
		}
		if math.Abs(fc) < math.Abs(fb) {
			a, b, cc = b, cc, b
			fa, fb, fc = fb, fc, fb
		}
		tol := 2*0x1p-52*math.Abs(b) + 1e-15
		m := (cc - b) / 2
		if math.Abs(m) <= tol || fb == 0 {
			return b, nil
		}
		if math.Abs(e) >= tol && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			s := fb / fa
			if a == cc {
				p = 2 * m * s
				q = 1 - s
			} else {
				qq := fa / fc
				rr := fb / fc
				p = s * (2*m*qq*(qq-rr) - (b-a)*(rr-1))
				q = (qq - 1) * (rr - 1) * (s - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if 2*p < min(3*m*q-math.Abs(tol*q), math.Abs(e*q)) {
				e = d
				d = p / q
			} else {
				d = m
				e = m
			}
		} else {
			d = m
			e = m
		}
		a, fa = b, fb
		if math.Abs(d) > tol {
			b += d
		} else {
			b += math.Copysign(tol, m)
		}
		fb, _ = c.signed(b)
		if math.IsNaN(fb) {
			return 0, ErrNoConvergence
		}
	}
	return 0, ErrNoConvergence
}
