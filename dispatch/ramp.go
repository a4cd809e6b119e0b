package dispatch

import "math"

// This file holds the exact single-group solver with ramp limits:
//
//	maximise Σ_t c[t]·x[t]  subject to  0 <= x[t] <= u[t],  |x[t] − x[t−1]| <= r.
//
// Dynamic programming over the level x: V_0(x) = c[0]·x on [0, u[0]] and
//
//	V_t(x) = c[t]·x + max{ V_{t−1}(y) : |y − x| <= r }   on [0, u[t]].
//
// Each V_t is concave and piecewise linear, so it is kept as its derivative:
// a list of segments (width, slope) with slopes decreasing from left to
// right. The window maximum of a concave function moves the rising part
// left by r, the falling part right by r and puts a flat piece of width 2r
// at the peak; adding c[t]·x adds c[t] to every slope. The segments live in
// two stacks that meet at the peak (the "slope trick"), with a lazy slope
// offset, so a step costs O(1) amortised plus the segments that cross the
// peak. Interior segments are at least 2r wide, so there are at most
// u/(2r)+2 of them. The argmax of each V_t (the lowest one, so ties curtail)
// is stored, and the schedule is recovered backwards:
// x[t] = clamp(argmax V_t, x[t+1] − r, x[t+1] + r), which is optimal
// because V_t is concave.

// segment is a piece of the derivative: width in MW, slope in USD per MW
// stored relative to the lazy offset of rampDP.
type segment struct {
	w, s float64
}

// deque is a ring buffer of segments; bottom and top are indexes that grow
// without bound and are masked on access.
type deque struct {
	buf         []segment
	bottom, top int
}

func (q *deque) reset() {
	if q.buf == nil {
		q.buf = make([]segment, 64)
	}
	q.bottom, q.top = 0, 0
}

// growRing doubles a full ring buffer holding [bottom, top) and returns
// it with its new indexes.
func growRing(buf []segment, bottom, top int) ([]segment, int, int) {
	n := len(buf)
	nb := make([]segment, 2*n)
	for i := bottom; i < top; i++ {
		nb[i-bottom] = buf[i&(n-1)]
	}
	return nb, 0, top - bottom
}

// rampDP holds reusable buffers for solving single-group problems.
type rampDP struct {
	left, right deque
}

// ends bounds the first and the last level of a schedule: a window cut out
// of a longer horizon must start within ramp reach of the level before it
// and end within ramp reach of the level after it.
type ends struct{ lo0, hi0, loN, hiN float64 }

// freeEnds leaves both ends free.
var freeEnds = ends{0, math.Inf(1), 0, math.Inf(1)}

// solve writes into x an optimal schedule of
// max Σ c[t]·x[t] s.t. 0 <= x[t] <= min(maxMW, cap[t]), |x[t] − x[t−1]| <= r
// for t >= 1, and returns its value Σ c[t]·x[t]. cap may be nil (no cap);
// r <= 0 means no ramp limit. len(x) must equal len(c).
func (d *rampDP) solve(c []float64, maxMW float64, capMW []float64, r float64, x []float64) float64 {
	v, _ := d.solveEnds(c, maxMW, capMW, r, x, freeEnds)
	return v
}

// solveEnds is solve with the first level also in [e.lo0, e.hi0] and the
// last in [e.loN, e.hiN]. It reports false, with x undefined, when no
// schedule meets the bounds.
func (d *rampDP) solveEnds(c []float64, maxMW float64, capMW []float64, r float64, x []float64, e ends) (float64, bool) {
	n := len(c)
	if n == 0 {
		return 0, true
	}
	if capMW != nil {
		capMW = capMW[:n]
	}
	x = x[:n]
	bounds := func(t int) (float64, float64) {
		lo, hi := 0.0, maxMW
		if capMW != nil {
			hi = max(0, min(maxMW, capMW[t]))
		}
		if t == 0 {
			lo, hi = max(lo, e.lo0), min(hi, e.hi0)
		}
		if t == n-1 {
			lo, hi = max(lo, e.loN), min(hi, e.hiN)
		}
		return lo, hi
	}
	eps := 1e-12 * max(1, maxMW)
	if r <= 0 || r >= maxMW {
		v := 0.0
		for t, ct := range c {
			lo, hi := bounds(t)
			if lo > hi+eps {
				return 0, false
			}
			if ct > 0 {
				x[t] = hi
			} else {
				x[t] = min(lo, hi)
			}
			v += ct * x[t]
		}
		return v, true
	}
	// V_t lives on [lo, hi]. Its derivative's segments sit in two ring
	// buffers that meet at the peak: lb holds the rising ones (bottom at
	// lo, top at the peak), rb the falling ones (top at the peak, bottom at
	// hi). The state is kept in locals for speed.
	d.left.reset()
	d.right.reset()
	lb, lbot, ltop := d.left.buf, 0, 0
	rb, rbot, rtop := d.right.buf, 0, 0
	lm, rm := len(lb)-1, len(rb)-1
	defer func() { d.left.buf, d.right.buf = lb, rb }()
	S := 0.0  // lazy slope offset: slope = s + S
	wL := 0.0 // width of lb: the lowest argmax of V_t is lo + wL
	lo, hi := bounds(0)
	if lo > hi+eps {
		return 0, false
	}
	hi = max(lo, hi)
	if hi-lo > eps {
		rb[0] = segment{w: hi - lo, s: 0}
		rtop = 1
	}
	for t := range n {
		if t > 0 {
			// The window maximum makes the domain [lo − r, hi + r]; this
			// step's bounds cut it to [nlo, nhi].
			blo, bhi := 0.0, maxMW
			if capMW != nil {
				bhi = fmax(0, fmin(maxMW, capMW[t]))
			}
			if t == n-1 {
				blo, bhi = max(blo, e.loN), min(bhi, e.hiN)
			}
			nlo, nhi := fmax(blo, lo-r), fmin(bhi, hi+r)
			if nlo > nhi+eps {
				return 0, false
			}
			nhi = fmax(nlo, nhi)
			ct := c[t]
			// Fast paths for a peak that stays at an end of the domain
			// (a group held at full power, or off): the flat piece, cut to
			// width r, joins that end's stack directly.
			if rtop == rbot && nhi == hi && ct > 0 {
				if cut := nlo - (lo - r); wL > cut+eps {
					for cut > eps {
						b := &lb[lbot&lm]
						if b.w > cut+eps {
							b.w -= cut
							wL -= cut
							break
						}
						cut -= b.w
						wL -= b.w
						lbot++
					}
					if ltop-lbot == len(lb) {
						lb, lbot, ltop = growRing(lb, lbot, ltop)
						lm = len(lb) - 1
					}
					lb[ltop&lm] = segment{w: r, s: -S}
					ltop++
					wL += r
					lo = nlo
					S += ct
					x[t] = fmin(lo+wL, hi)
					continue
				}
			}
			if ltop == lbot && nlo == lo && ct <= 0 {
				if cut := hi + r - nhi; hi-lo > cut+eps {
					for cut > eps {
						b := &rb[rbot&rm]
						if b.w > cut+eps {
							b.w -= cut
							break
						}
						cut -= b.w
						rbot++
					}
					if rtop-rbot == len(rb) {
						rb, rbot, rtop = growRing(rb, rbot, rtop)
						rm = len(rb) - 1
					}
					rb[rtop&rm] = segment{w: r, s: -S}
					rtop++
					hi = nhi
					S += ct
					x[t] = lo
					continue
				}
			}
			// Window maximum: a flat piece of width 2r at the peak.
			if rtop > rbot && rb[(rtop-1)&rm].s+S == 0 {
				rb[(rtop-1)&rm].w += 2 * r
			} else {
				if rtop-rbot == len(rb) {
					rb, rbot, rtop = growRing(rb, rbot, rtop)
					rm = len(rb) - 1
				}
				rb[rtop&rm] = segment{w: 2 * r, s: -S}
				rtop++
			}
			cut := nlo - (lo - r)
			for cut > eps && ltop > lbot {
				b := &lb[lbot&lm]
				if b.w > cut+eps {
					b.w -= cut
					wL -= cut
					cut = 0
					break
				}
				cut -= b.w
				wL -= b.w
				lbot++
			}
			if ltop == lbot {
				wL = 0
			}
			for cut > eps && rtop > rbot {
				tp := &rb[(rtop-1)&rm]
				if tp.w > cut+eps {
					tp.w -= cut
					break
				}
				cut -= tp.w
				rtop--
			}
			cut = hi + r - nhi
			for cut > eps && rtop > rbot {
				b := &rb[rbot&rm]
				if b.w > cut+eps {
					b.w -= cut
					cut = 0
					break
				}
				cut -= b.w
				rbot++
			}
			for cut > eps && ltop > lbot {
				tp := &lb[(ltop-1)&lm]
				if tp.w > cut+eps {
					tp.w -= cut
					wL -= cut
					break
				}
				cut -= tp.w
				wL -= tp.w
				ltop--
			}
			if ltop == lbot {
				wL = 0
			}
			lo, hi = nlo, nhi
		}
		S += c[t]
		// Rebalance so that lb holds the rising segments.
		for rtop > rbot && rb[(rtop-1)&rm].s+S > 0 {
			rtop--
			sg := rb[rtop&rm]
			wL += sg.w
			if ltop-lbot == len(lb) {
				lb, lbot, ltop = growRing(lb, lbot, ltop)
				lm = len(lb) - 1
			}
			lb[ltop&lm] = sg
			ltop++
		}
		for ltop > lbot && lb[(ltop-1)&lm].s+S <= 0 {
			ltop--
			sg := lb[ltop&lm]
			wL -= sg.w
			if rtop-rbot == len(rb) {
				rb, rbot, rtop = growRing(rb, rbot, rtop)
				rm = len(rb) - 1
			}
			rb[rtop&rm] = sg
			rtop++
		}
		x[t] = fmin(fmax(lo+wL, lo), hi)
	}
	// Backtrack from the last argmax. x[t] (the argmax of V_t) is within
	// V_t's domain, and so is its clamp to [x[t+1] − r, x[t+1] + r].
	v := c[n-1] * x[n-1]
	for t := n - 2; t >= 0; t-- {
		next := x[t+1]
		xt := fmin(fmax(x[t], next-r), next+r)
		x[t] = xt
		v += c[t] * xt
	}
	return v, true
}

// fmin and fmax are min and max for numbers known not to be NaN: plain
// comparisons, much cheaper in the DP's inner loop than the builtins, which
// order NaN and signed zeros.
func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
