package dispatch

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"sort"
)

// This file couples the groups' ramp DPs through the site cap.
//
// Relax the cap: each group alone (its level bounded by the headroom) is
// solved exactly by its ramp DP. If those schedules together respect the
// cap they are optimal (an optimum of a relaxation that is feasible).
//
// Otherwise the intervals where the cap binds are gathered into windows
// (clusters of such intervals with a margin on each side), and each window
// is solved exactly with the schedules outside it held fixed, by
// Dantzig-Wolfe decomposition: the master linear programme picks a convex
// combination of each group's known window schedules (columns) subject to
// the cap; its duals μ_t price the cap, and each group's DP over the
// window, with values c[g,t] − μ_t and its ends within ramp reach of the
// fixed neighbours, yields the next column. A convex combination of
// ramp-feasible schedules is ramp-feasible, so the result is a feasible
// schedule: the lower bound. For every μ >= 0 the Lagrangian
//
//	L(μ) = Σ_t μ_t·headroom_t + Σ_g max_x Σ_t (c[g,t] − μ_t)·x[t]
//
// over the whole horizon is an upper bound on the optimum, so with the
// windows' duals it proves the gap. When the gap is not closed, the
// margins grow (windows merge) and the windows are solved again; a window
// over the whole horizon is plain Dantzig-Wolfe decomposition, exact at
// convergence.

// run is a stretch of a column that differs from its window's base.
type run struct {
	start int
	vals  []float64
}

// column is a schedule of one group over a window, stored as differences
// from the window's base schedule.
type column struct {
	g    int
	runs []run
	cost float64 // Σ_t c[g,t]·x[t] over the window
}

func (c *column) at(base []float64, t int) float64 {
	i := sort.Search(len(c.runs), func(i int) bool { return c.runs[i].start+len(c.runs[i].vals) > t })
	if i < len(c.runs) && c.runs[i].start <= t {
		return c.runs[i].vals[t-c.runs[i].start]
	}
	return base[t]
}

// newColumn stores x as differences from base.
func newColumn(g int, x, base []float64, cost float64) column {
	c := column{g: g, cost: cost}
	for t := 0; t < len(x); {
		if x[t] == base[t] {
			t++
			continue
		}
		s := t
		for t < len(x) && x[t] != base[t] {
			t++
		}
		c.runs = append(c.runs, run{start: s, vals: slices.Clone(x[s:t])})
	}
	return c
}

type coupling struct {
	s      *solver
	inc    [][]float64 // the best feasible schedule known
	incObj float64
	ub     float64   // the best upper bound proven
	mu     []float64 // the duals of the cap, by interval, that the windows found
	rows   []int     // intervals whose cap the windows enforce, sorted
	iters  int
	work   int // DP steps spent
	cbuf   []float64
	xbuf   []float64
	dmu    []float64
}

// coupled solves a problem with ramp limits, exactly or with a proven gap.
func (s *solver) coupled(sol *Solution) error {
	c := &coupling{s: s, cbuf: make([]float64, s.n), xbuf: make([]float64, s.n), dmu: make([]float64, s.n)}
	base := sol.MW
	ub := -fourCPConst(s.p)
	for g := range base {
		ub += s.groupDP(g, s.d, c.cbuf, base[g])
	}
	c.ub = ub
	viol := c.violated(base, 0, s.n, nil)
	if len(viol) == 0 {
		sol.Method = MethodRampDP
		return nil
	}
	c.inc = c.ascent()
	c.incObj = c.objective(c.inc)
	c.rows = viol
	c.mu = make([]float64, s.n)
	sol.Method = MethodColumnGeneration
	if !c.windows() {
		c.lagrangian()
		sol.Method = MethodLagrangian
	}
	for g := range c.inc {
		copy(sol.MW[g], c.inc[g])
	}
	sol.Iterations = c.iters
	sol.UpperBoundUSD = c.ub
	return nil
}

// windows solves windows around the coupled rows, growing their margins
// until the bounds meet, the windows span the horizon, a window would hold
// more coupled intervals than a master may, or the budget ends. It reports
// false, having done nothing, when the first windows are already too large.
func (c *coupling) windows() bool {
	s := c.s
	margin := 12
	for g := range s.p.Groups {
		if gr := &s.p.Groups[g]; gr.ramped() {
			margin = max(margin, 2*int(math.Ceil(gr.MaxMW/gr.RampMWPerInterval))+2)
		}
	}
	for round := 0; ; round++ {
		ws := c.cluster(margin)
		if c.largest(ws) > s.opt.MaxCoupledIntervals {
			return round > 0
		}
		for _, w := range ws {
			if c.spent() {
				break
			}
			c.window(w[0], w[1])
		}
		c.bound()
		if c.closed() || c.spent() || len(ws) == 1 && ws[0] == [2]int{0, s.n} {
			return true
		}
		margin *= 4
	}
}

// largest returns the most coupled rows one of the windows ws holds.
func (c *coupling) largest(ws [][2]int) int {
	most := 0
	for _, w := range ws {
		lo, _ := slices.BinarySearch(c.rows, w[0])
		hi, _ := slices.BinarySearch(c.rows, w[1])
		most = max(most, hi-lo)
	}
	return most
}

// spent reports whether the iteration or work budget is used up.
func (c *coupling) spent() bool {
	return c.iters >= c.s.opt.MaxIterations || c.work >= c.s.opt.MaxWork
}

// closed reports whether the bounds have met (to rounding).
func (c *coupling) closed() bool {
	return c.ub-c.incObj <= 1e-10*max(1, math.Abs(c.incObj))
}

// cluster returns the windows [a, b) that cover every row with margin
// intervals on each side, merged where they touch.
func (c *coupling) cluster(margin int) [][2]int {
	var ws [][2]int
	for _, t := range c.rows {
		a, b := max(0, t-margin), min(c.s.n, t+margin+1)
		if n := len(ws); n > 0 && a <= ws[n-1][1] {
			ws[n-1][1] = max(ws[n-1][1], b)
			continue
		}
		ws = append(ws, [2]int{a, b})
	}
	return ws
}

// bound evaluates the Lagrangian at the windows' duals and keeps it when
// it improves the upper bound.
func (c *coupling) bound() {
	s := c.s
	copy(c.dmu, s.d)
	v := -fourCPConst(s.p)
	for t, mu := range c.mu {
		if mu > 0 {
			c.dmu[t] -= mu
			v += mu * s.head[t]
		}
	}
	for g := range s.ng {
		v += s.groupDP(g, c.dmu, c.cbuf, c.xbuf)
	}
	c.work += s.ng * s.n
	c.ub = min(c.ub, v)
}

// window solves the problem restricted to [a, b) with the incumbent held
// fixed outside, by column generation, and keeps its schedule and duals.
func (c *coupling) window(a, b int) {
	s := c.s
	G, n := s.ng, b-a
	// The ends of each group's schedule within ramp reach of the fixed
	// neighbours; the lowest schedule that meets them.
	e := make([]ends, G)
	wbase := make([][]float64, G)
	low := make([][]float64, G)
	for g := range G {
		gr := &s.p.Groups[g]
		e[g] = freeEnds
		wbase[g] = c.inc[g][a:b]
		low[g] = make([]float64, n)
		if !gr.ramped() {
			continue
		}
		r := gr.RampMWPerInterval
		if a > 0 {
			y := c.inc[g][a-1]
			e[g].lo0, e[g].hi0 = max(0, y-r), y+r
			for k := range n {
				low[g][k] = max(low[g][k], y-r*float64(k+1))
			}
		}
		if b < s.n {
			y := c.inc[g][b]
			e[g].loN, e[g].hiN = max(0, y-r), y+r
			for k := range n {
				low[g][k] = max(low[g][k], y-r*float64(n-k))
			}
		}
	}
	for {
		w := &windowLP{c: c, a: a, b: b, e: e, wbase: wbase, seen: map[uint64][]int{}}
		for _, t := range c.rows {
			if t >= a && t < b {
				w.rows = append(w.rows, t)
			}
		}
		// Columns 0..G-1 are the lowest schedules, G..2G-1 the incumbent's.
		for g := range G {
			w.cols = append(w.cols, newColumn(g, low[g], wbase[g], c.valueOn(g, a, low[g])))
		}
		for g := range G {
			w.add(newColumn(g, wbase[g], wbase[g], c.valueOn(g, a, wbase[g])))
		}
		x, mu := w.solve()
		if x == nil {
			return // numerical trouble: keep the incumbent
		}
		more := c.violated(x, a, b, w.rows)
		if len(more) > 0 && len(w.rows)+len(more) <= s.opt.MaxCoupledIntervals && !c.spent() {
			c.rows = append(c.rows, more...)
			slices.Sort(c.rows)
			continue
		}
		if len(more) == 0 {
			clampToHeadroom(s, x, a)
			old, now := 0.0, 0.0
			for g := range G {
				old += c.valueOn(g, a, wbase[g])
				now += c.valueOn(g, a, x[g])
			}
			if now > old {
				for g := range G {
					copy(c.inc[g][a:b], x[g])
				}
				c.incObj += now - old
			}
			for k, t := range w.rows {
				c.mu[t] = mu[k]
			}
		}
		return
	}
}

// windowLP is the Dantzig-Wolfe master of one window.
type windowLP struct {
	c     *coupling
	a, b  int
	e     []ends
	wbase [][]float64
	rows  []int // coupled intervals of the window, sorted
	cols  []column
	seen  map[uint64][]int // column hashes
}

// add adds col unless the group already has the same schedule, and
// reports whether it did: near-copies make the master's basis singular.
func (w *windowLP) add(col column) bool {
	h := fnv.New64a()
	var buf [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	put(uint64(col.g))
	for _, r := range col.runs {
		put(uint64(r.start))
		for _, v := range r.vals {
			put(math.Float64bits(v))
		}
	}
	key := h.Sum64()
	for _, i := range w.seen[key] {
		if o := &w.cols[i]; o.g == col.g && sameRuns(o.runs, col.runs) {
			return false
		}
	}
	w.seen[key] = append(w.seen[key], len(w.cols))
	w.cols = append(w.cols, col)
	return true
}

func sameRuns(a, b []run) bool {
	return slices.EqualFunc(a, b, func(x, y run) bool { return x.start == y.start && slices.Equal(x.vals, y.vals) })
}

// masterCol is a column's entries in the master: 1 in its group's
// convexity row, its level in each coupled row.
func (w *windowLP) masterCol(col *column) mcol {
	G := w.c.s.ng
	mc := mcol{cost: col.cost, idx: []int{col.g}, val: []float64{1}}
	for k, t := range w.rows {
		if v := col.at(w.wbase[col.g], t-w.a); v != 0 {
			mc.idx = append(mc.idx, G+k)
			mc.val = append(mc.val, v)
		}
	}
	return mc
}

// solve runs column generation until the window's bounds meet or the
// budget ends, and returns the master's schedule over the window
// (x[g][t−a]) with the duals of its rows; nil if the master failed
// numerically.
func (w *windowLP) solve() ([][]float64, []float64) {
	c, s := w.c, w.c.s
	G, K, a, n := s.ng, len(w.rows), w.a, w.b-w.a
	// The lowest schedules (columns 0..G-1) and the slacks start
	// feasible; the caps are tightened by a small perturbation against
	// degeneracy, never below what the lowest schedules use.
	lowLoad := make([]float64, K)
	for g := range G {
		for k, t := range w.rows {
			lowLoad[k] += w.cols[g].at(w.wbase[g], t-a)
		}
	}
	b := make([]float64, G+K)
	truth := make([]float64, G+K)
	for g := range G {
		b[g], truth[g] = 1, 1
	}
	for k, t := range w.rows {
		truth[G+k] = s.head[t]
		b[G+k] = s.head[t] - min(perturbation(t, s.head[t]), max(0, s.head[t]-lowLoad[k])/2)
	}
	var m *simplex
	var colOf []int
	build := func() error {
		m = newSimplex(b)
		colOf = colOf[:0]
		for i := range w.cols {
			colOf = append(colOf, m.addCol(w.masterCol(&w.cols[i])))
		}
		for g := range G {
			m.basis[g] = colOf[g]
			m.pos[colOf[g]] = g
		}
		for k := range K {
			m.setBasic(G+k, m.addCol(mcol{idx: []int{G + k}, val: []float64{1}}))
		}
		return m.reinvert()
	}
	if build() != nil {
		return nil, nil
	}
	scale := 1.0
	for i := range w.cols {
		scale = max(scale, math.Abs(w.cols[i].cost))
	}
	tol := 1e-9 * scale
	y := make([]float64, G+K)
	mum := make([]float64, K)
	center := make([]float64, K)
	for k, t := range w.rows {
		center[k] = c.mu[t]
	}
	best := math.Inf(1)
	x := make([]float64, n)
	cb := make([]float64, n)
	d := make([]float64, n)
	solved := false
	for ; !c.spent(); c.iters++ {
		if err := w.pivot(m, tol); err != nil {
			if build() != nil {
				break
			}
			if err := w.pivot(m, tol); err != nil {
				break
			}
		}
		solved = true
		copy(y, m.duals())
		for k := range K {
			mum[k] = max(0, y[G+k])
		}
		lb := m.objective()
		added := 0
		// Wentges smoothing: price at a point between the best dual point
		// (the stability centre) and the master's duals; fall back to the
		// master's duals when that finds no improving column.
		for alpha := smoothing; ; alpha = 0 {
			copy(d, s.d[a:w.b])
			bound := 0.0
			for k, t := range w.rows {
				mu := alpha*center[k] + (1-alpha)*mum[k]
				d[t-a] -= mu
				bound += mu * s.head[t]
			}
			c.work += G * n
			for g := range G {
				gr := &s.p.Groups[g]
				s.coefOn(g, a, d, cb)
				v, ok := s.dp.solveEnds(cb, gr.MaxMW, s.head[a:w.b], gr.RampMWPerInterval, x, w.e[g])
				if !ok {
					return nil, nil
				}
				bound += v
				cost := c.valueOn(g, a, x)
				rc := cost - y[g]
				for k, t := range w.rows {
					rc -= mum[k] * x[t-a]
				}
				if rc > tol && w.add(newColumn(g, x, w.wbase[g], cost)) {
					colOf = append(colOf, m.addCol(w.masterCol(&w.cols[len(w.cols)-1])))
					added++
				}
			}
			if bound < best {
				best = bound
				for k := range K {
					center[k] = alpha*center[k] + (1-alpha)*mum[k]
				}
			}
			if traceDW != nil {
				traceDW("window [%d,%d) iter %d alpha %.1f rows %d cols %d lb %.4f bound %.4f best %.4f added %d", a, w.b, c.iters, alpha, K, len(w.cols), lb, bound, best, added)
			}
			if added > 0 || alpha == 0 {
				break
			}
		}
		if added == 0 || best-lb <= 1e-10*max(1, math.Abs(lb)) {
			break
		}
	}
	if !solved {
		return nil, nil
	}
	// Remove the perturbation: the optimal basis stays dual feasible; dual
	// simplex pivots restore primal feasibility for the true caps.
	copy(m.b, truth)
	if m.reinvert() != nil || !m.dualSolve(10*(G+K)) || m.reinvert() != nil ||
		slices.ContainsFunc(m.beta, func(v float64) bool { return v < 0 }) {
		copy(m.b, b)
		if build() != nil {
			return nil, nil
		}
		if err := w.pivot(m, tol); err != nil {
			return nil, nil
		}
	}
	// The master's schedule: Σ λ_j x_j per group.
	out := make([][]float64, G)
	for g := range G {
		out[g] = make([]float64, n)
	}
	for i := range w.cols {
		col := &w.cols[i]
		lam := max(0, m.value(colOf[i]))
		if lam == 0 {
			continue
		}
		xg, bg := out[col.g], w.wbase[col.g]
		for k := range xg {
			xg[k] += lam * bg[k]
		}
		for _, r := range col.runs {
			for k, v := range r.vals {
				xg[r.start+k] += lam * (v - bg[r.start+k])
			}
		}
	}
	for g := range G {
		for k := range out[g] {
			out[g][k] = min(max(out[g][k], 0), s.p.Groups[g].MaxMW)
		}
	}
	return out, center
}

// pivot solves the master, counting its pivots (m² work each) against the
// work budget and stopping when the budget ends.
func (w *windowLP) pivot(m *simplex, tol float64) error {
	c := w.c
	per := max(1, m.m*m.m/16)
	limit := min(50*m.m+1000, max(1, (c.s.opt.MaxWork-c.work)/per))
	piv, err := m.solve(tol*1e-2, limit)
	c.work += (piv + 1) * per
	return err
}

// traceDW, when set (by tests), receives a line per pricing round.
var traceDW func(format string, args ...any)

// smoothing is the weight of the stability centre in Wentges smoothing.
const smoothing = 0.8

// perturbation returns the small amount (MW) by which the master tightens
// the cap of interval t. Distinct pseudo-random amounts break the massive
// degeneracy of the master (schedules that all stop exactly at the cap),
// which would otherwise stall the simplex. The dual simplex removes it at
// the end.
func perturbation(t int, head float64) float64 {
	z := uint64(t)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	u := float64(z>>11) / (1 << 53)
	return min(max(head, 1)*1e-7*(1+9*u), head/2)
}

// objective returns Σ_g Σ_t c[g,t]·x[g,t] − the AI's 4CP charge.
func (c *coupling) objective(x [][]float64) float64 {
	v := -fourCPConst(c.s.p)
	for g := range x {
		v += c.valueOn(g, 0, x[g])
	}
	return v
}

// fourCPConst is the 4CP charge of the AI load alone, the constant part of
// the objective.
func fourCPConst(p *Problem) float64 {
	if p.FourCP == nil || len(p.FourCP.PeakIntervals) == 0 {
		return 0
	}
	return p.FourCP.ChargeUSDPerKW * 1000 * p.AIFirmMW
}

// groupDP solves group g alone over the horizon with the per-interval
// common values d, bounded by the headroom, writing its schedule into x;
// c is scratch.
func (s *solver) groupDP(g int, d, c, x []float64) float64 {
	gr := &s.p.Groups[g]
	s.coef(g, d, c)
	capMW := s.head
	if gr.MaxMW <= s.minHead {
		capMW = nil // the headroom never bounds this group
	}
	return s.dp.solve(c, gr.MaxMW, capMW, gr.RampMWPerInterval, x)
}

// coefOn writes group g's values for the intervals a, a+1, … into c, with
// d the common values of those intervals.
func (s *solver) coefOn(g, a int, d, c []float64) {
	gr := &s.p.Groups[g]
	if gr.HashvalueSeries == nil {
		k := s.h * gr.HashvalueUSDPerMWh
		for i, v := range d {
			c[i] = k + v
		}
		return
	}
	for i, v := range d {
		c[i] = s.h*gr.HashvalueSeries[a+i] + v
	}
}

// valueOn returns Σ_k c[g,a+k]·x[k] with the true values.
func (c *coupling) valueOn(g, a int, x []float64) float64 {
	s := c.s
	cb := c.cbuf[:len(x)]
	s.coefOn(g, a, s.d[a:a+len(x)], cb)
	v := 0.0
	for k, ck := range cb {
		v += ck * x[k]
	}
	return v
}

// feasTol is the cap violation (MW) tolerated before an interval is added
// to the master problem.
func feasTol(h float64) float64 { return 1e-9 * max(1, h) }

// violated returns the intervals of [a, b), not in skip, where the
// schedules x (indexed from a) exceed the headroom.
func (c *coupling) violated(x [][]float64, a, b int, skip []int) []int {
	var out []int
	s := c.s
	for t := a; t < b; t++ {
		if s.total <= s.head[t] {
			continue // cannot bind
		}
		if _, found := slices.BinarySearch(skip, t); found {
			continue
		}
		load := 0.0
		for g := range x {
			load += x[g][t-a]
		}
		if load > s.head[t]+feasTol(s.head[t]) {
			out = append(out, t)
		}
	}
	return out
}

// clampToHeadroom removes rounding excess (below feasTol) over the cap of
// the schedules mw, indexed from a.
func clampToHeadroom(s *solver, mw [][]float64, a int) {
	for k := range mw[0] {
		load := 0.0
		for g := range mw {
			load += mw[g][k]
		}
		if h := s.head[a+k]; load > h && load > 0 {
			f := h / load
			for g := range mw {
				mw[g][k] *= f
			}
		}
	}
}

// ascent builds a feasible schedule by block coordinate ascent: each group
// in turn takes its optimal schedule within the headroom the others leave,
// for a few sweeps. Every step keeps feasibility and never lowers the
// objective.
func (c *coupling) ascent() [][]float64 {
	s := c.s
	x := make([][]float64, s.ng)
	for g := range x {
		x[g] = make([]float64, s.n)
	}
	load := make([]float64, s.n)
	room := make([]float64, s.n)
	// Most valuable groups first: by value per MW over the horizon.
	worth := make([]float64, s.ng)
	for g := range worth {
		s.coef(g, s.d, c.cbuf)
		for _, v := range c.cbuf {
			worth[g] += max(v, 0) * s.p.Groups[g].MaxMW
		}
	}
	order := make([]int, s.ng)
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(worth[b], worth[a]) })
	prev := math.Inf(-1)
	for range 4 {
		total := 0.0
		for _, g := range order {
			for t := range room {
				room[t] = max(0, s.head[t]-(load[t]-x[g][t]))
			}
			gr := &s.p.Groups[g]
			s.coef(g, s.d, c.cbuf)
			total += s.dp.solve(c.cbuf, gr.MaxMW, room, gr.RampMWPerInterval, c.xbuf)
			for t := range load {
				load[t] += c.xbuf[t] - x[g][t]
			}
			copy(x[g], c.xbuf)
		}
		if total <= prev+1e-9*max(1, math.Abs(total)) {
			break
		}
		prev = total
	}
	return x
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
