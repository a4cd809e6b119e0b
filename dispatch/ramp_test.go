package dispatch

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteRamp solves the single-group problem on integer levels. With integer
// max, ramp and caps the constraint matrix (bounds and differences) is
// totally unimodular, so the integer optimum equals the continuous one: an
// independent check of the slope-trick DP.
func bruteRamp(c []float64, maxMW int, capMW []int, r int) float64 {
	ub := func(t int) int {
		if capMW != nil {
			return max(0, min(maxMW, capMW[t]))
		}
		return maxMW
	}
	ninf := math.Inf(-1)
	v := make([]float64, maxMW+1)
	for x := range v {
		v[x] = ninf
		if x <= ub(0) {
			v[x] = c[0] * float64(x)
		}
	}
	for t := 1; t < len(c); t++ {
		nv := make([]float64, maxMW+1)
		for x := range nv {
			nv[x] = ninf
			if x > ub(t) {
				continue
			}
			best := ninf
			for y := max(0, x-r); y <= min(maxMW, x+r); y++ {
				best = max(best, v[y])
			}
			if best > ninf {
				nv[x] = best + c[t]*float64(x)
			}
		}
		v = nv
	}
	best := ninf
	for _, b := range v {
		best = max(best, b)
	}
	return best
}

func TestRampDPMatchesIntegerDP(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d rampDP
	for trial := range 3000 {
		n := 1 + rng.IntN(40)
		maxMW := 1 + rng.IntN(12)
		r := 1 + rng.IntN(maxMW)
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(rng.IntN(21)-10) + rng.Float64()*0.5
		}
		var capI []int
		var capF []float64
		if trial%2 == 1 {
			capI = make([]int, n)
			capF = make([]float64, n)
			for i := range capI {
				capI[i] = rng.IntN(maxMW + 3)
				capF[i] = float64(capI[i])
			}
		}
		x := make([]float64, n)
		got := d.solve(c, float64(maxMW), capF, float64(r), x)
		want := bruteRamp(c, maxMW, capI, r)
		if math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("trial %d: solve = %v, want %v (n=%d max=%d r=%d c=%v cap=%v x=%v)", trial, got, want, n, maxMW, r, c, capI, x)
		}
		for i := range x {
			ub := float64(maxMW)
			if capF != nil {
				ub = min(ub, capF[i])
			}
			if x[i] < -1e-9 || x[i] > ub+1e-9 {
				t.Fatalf("trial %d: x[%d] = %v out of [0, %v]", trial, i, x[i], ub)
			}
			if i > 0 && math.Abs(x[i]-x[i-1]) > float64(r)+1e-9 {
				t.Fatalf("trial %d: ramp broken at %d: %v -> %v", trial, i, x[i-1], x[i])
			}
		}
	}
}

// bruteEnds is bruteRamp with the first level in [lo0, hi0] and the last in
// [loN, hiN]; it returns -Inf when no schedule fits.
func bruteEnds(c []float64, maxMW int, capMW []int, r, lo0, hi0, loN, hiN int) float64 {
	n := len(c)
	ninf := math.Inf(-1)
	ok := func(t, x int) bool {
		u := maxMW
		if capMW != nil {
			u = max(0, min(u, capMW[t]))
		}
		if x > u {
			return false
		}
		if t == 0 && (x < lo0 || x > hi0) {
			return false
		}
		if t == n-1 && (x < loN || x > hiN) {
			return false
		}
		return true
	}
	v := make([]float64, maxMW+1)
	for x := range v {
		v[x] = ninf
		if ok(0, x) {
			v[x] = c[0] * float64(x)
		}
	}
	for t := 1; t < n; t++ {
		nv := make([]float64, maxMW+1)
		for x := range nv {
			nv[x] = ninf
			if !ok(t, x) {
				continue
			}
			for y := max(0, x-r); y <= min(maxMW, x+r); y++ {
				if v[y] > ninf {
					nv[x] = max(nv[x], v[y]+c[t]*float64(x))
				}
			}
		}
		v = nv
	}
	best := ninf
	for _, b := range v {
		best = max(best, b)
	}
	return best
}

func TestRampDPEndsMatchesIntegerDP(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var d rampDP
	for trial := range 3000 {
		n := 1 + rng.IntN(30)
		maxMW := 1 + rng.IntN(12)
		r := 1 + rng.IntN(maxMW)
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(rng.IntN(21)-10) + rng.Float64()*0.5
		}
		var capI []int
		var capF []float64
		if trial%2 == 1 {
			capI, capF = make([]int, n), make([]float64, n)
			for i := range capI {
				capI[i] = rng.IntN(maxMW + 3)
				capF[i] = float64(capI[i])
			}
		}
		lo0, loN := rng.IntN(maxMW+1), rng.IntN(maxMW+1)
		hi0, hiN := lo0+rng.IntN(maxMW+1-lo0), loN+rng.IntN(maxMW+1-loN)
		e := ends{float64(lo0), float64(hi0), float64(loN), float64(hiN)}
		x := make([]float64, n)
		got, ok := d.solveEnds(c, float64(maxMW), capF, float64(r), x, e)
		want := bruteEnds(c, maxMW, capI, r, lo0, hi0, loN, hiN)
		if math.IsInf(want, -1) {
			if ok {
				t.Fatalf("trial %d: solveEnds found %v (x=%v) where no schedule fits", trial, got, x)
			}
			continue
		}
		if !ok || math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("trial %d: solveEnds = %v, %v; want %v (n=%d max=%d r=%d ends=%v cap=%v c=%v)", trial, got, ok, want, n, maxMW, r, e, capI, c)
		}
		if x[0] < e.lo0-1e-9 || x[0] > e.hi0+1e-9 || x[n-1] < e.loN-1e-9 || x[n-1] > e.hiN+1e-9 {
			t.Fatalf("trial %d: ends broken: x=%v ends=%v", trial, x, e)
		}
		for i := 1; i < n; i++ {
			if math.Abs(x[i]-x[i-1]) > float64(r)+1e-9 {
				t.Fatalf("trial %d: ramp broken at %d: %v", trial, i, x)
			}
		}
	}
}

// BenchmarkRampDP solves one ramp-limited group over a year of 5-minute
// intervals of the benchmark prices.
func BenchmarkRampDP(b *testing.B) {
	p := benchProblem()
	s := newSolver(p, Options{}.withDefaults())
	c := make([]float64, s.n)
	x := make([]float64, s.n)
	g := &p.Groups[7]
	s.coef(7, s.d, c)
	var d rampDP
	b.ReportAllocs()
	for b.Loop() {
		d.solve(c, g.MaxMW, nil, g.RampMWPerInterval, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.n), "ns/interval")
}
