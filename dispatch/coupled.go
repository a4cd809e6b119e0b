package dispatch

import (
	"math"
	"slices"
	"sort"
)

// This file couples the groups' ramp DPs through the site cap.
//
// Relax the cap: each group alone (with its level bounded by the headroom)
// is solved exactly by its ramp DP. If those schedules together respect the
// cap they are optimal (an optimum of a relaxation that is feasible).
// Otherwise Dantzig-Wolfe decomposition: the master linear programme picks
// a convex combination of each group's known schedules (columns) subject
// to the cap in the coupled intervals; its duals μ_t price the cap, and each
// group's DP with values c[g,t] − μ_t yields the next column. The
// Lagrangian bound L(μ) = Σ_t μ_t·headroom_t + Σ_g max_x Σ_t (c[g,t] − μ_t)·x[t]
// is an upper bound on the optimum for every μ >= 0, and the master's
// objective is the value of a feasible schedule (a convex combination of
// ramp-feasible schedules is ramp-feasible), so their difference is a
// proven gap that reaches 0 at convergence. Coupled intervals enter the
// master lazily, when a schedule would exceed the cap there.

// run is a stretch of a column that differs from its group's base schedule.
type run struct {
	start int
	vals  []float64
}

// column is a schedule of one group, stored as differences from the
// group's base schedule (the optimum without the cap), or all zero.
type column struct {
	g    int
	zero bool
	runs []run
	cost float64 // Σ_t c[g,t]·x[t]
}

func (c *column) at(base []float64, t int) float64 {
	if c.zero {
		return 0
	}
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
	base   [][]float64
	cols   []column
	rows   []int // coupled intervals in the master, sorted
	cbuf   []float64
	xbuf   []float64
	dmu    []float64
	ub     float64
	iters  int
	bestLB float64
}

// coupled solves a problem with ramp limits, exactly or with a proven gap.
func (s *solver) coupled(sol *Solution) error {
	c := &coupling{s: s, cbuf: make([]float64, s.n), xbuf: make([]float64, s.n), ub: math.Inf(1)}
	c.base = make([][]float64, s.ng)
	ub := 0.0
	for g := range c.base {
		c.base[g] = sol.MW[g]
		ub += s.groupDP(g, s.d, c.cbuf, c.base[g])
	}
	c.ub = ub - fourCPConst(s.p)
	viol := c.violated(c.base, nil)
	if len(viol) == 0 {
		sol.Method = MethodRampDP
		return nil
	}
	if len(viol) > s.opt.MaxCoupledIntervals {
		return c.lagrangian(sol)
	}
	for g := range s.ng {
		c.cols = append(c.cols, column{g: g, zero: true}, column{g: g, cost: c.value(g, c.base[g])})
	}
	// A feasible start: block coordinate ascent from zero.
	start := c.ascent()
	for g := range s.ng {
		c.cols = append(c.cols, newColumn(g, start[g], c.base[g], c.value(g, start[g])))
	}
	c.rows = viol
	sol.Method = MethodColumnGeneration
	for {
		x, lam, err := c.generate()
		if err != nil {
			return err
		}
		more := c.violated(x, c.rows)
		if len(more) == 0 {
			for g := range x {
				copy(sol.MW[g], x[g])
			}
			clampToHeadroom(s, sol.MW)
			_ = lam
			break
		}
		if len(c.rows)+len(more) > s.opt.MaxCoupledIntervals || c.iters >= s.opt.MaxIterations {
			// Give up on exactness: keep the best feasible schedule known.
			for g := range start {
				copy(sol.MW[g], start[g])
			}
			break
		}
		c.rows = append(c.rows, more...)
		slices.Sort(c.rows)
	}
	sol.Iterations = c.iters
	sol.UpperBoundUSD = c.ub
	return nil
}

// fourCPConst is the 4CP charge of the AI load alone, the constant part of
// the objective.
func fourCPConst(p *Problem) float64 {
	if p.FourCP == nil || len(p.FourCP.PeakIntervals) == 0 {
		return 0
	}
	return p.FourCP.ChargeUSDPerKW * 1000 * p.AIFirmMW
}

// groupDP solves group g alone with the per-interval common values d,
// bounded by the headroom, writing its schedule into x; c is scratch.
func (s *solver) groupDP(g int, d, c, x []float64) float64 {
	gr := &s.p.Groups[g]
	s.coef(g, d, c)
	return s.dp.solve(c, gr.MaxMW, s.head, gr.RampMWPerInterval, x)
}

// value returns Σ_t c[g,t]·x[t] with the true values.
func (c *coupling) value(g int, x []float64) float64 {
	c.s.coef(g, c.s.d, c.cbuf)
	v := 0.0
	for t, ct := range c.cbuf {
		v += ct * x[t]
	}
	return v
}

// feasTol is the cap violation (MW) tolerated before an interval is added
// to the master problem.
func feasTol(h float64) float64 { return 1e-9 * max(1, h) }

// violated returns the intervals, not in skip, where the schedules exceed
// the headroom.
func (c *coupling) violated(x [][]float64, skip []int) []int {
	var out []int
	j := 0
	for t := range c.s.n {
		if c.s.total <= c.s.head[t] {
			continue // cannot bind
		}
		for j < len(skip) && skip[j] < t {
			j++
		}
		if j < len(skip) && skip[j] == t {
			continue
		}
		load := 0.0
		for g := range x {
			load += x[g][t]
		}
		if load > c.s.head[t]+feasTol(c.s.head[t]) {
			out = append(out, t)
		}
	}
	return out
}

// clampToHeadroom removes rounding excess (below feasTol) over the cap.
func clampToHeadroom(s *solver, mw [][]float64) {
	for t := range s.n {
		load := 0.0
		for g := range mw {
			load += mw[g][t]
		}
		if load > s.head[t] && load > 0 {
			f := s.head[t] / load
			for g := range mw {
				mw[g][t] *= f
			}
		}
	}
}

// generate runs column generation over the current rows to convergence and
// returns the master's schedule and its weights.
func (c *coupling) generate() ([][]float64, []float64, error) {
	s := c.s
	G, K := s.ng, len(c.rows)
	b := make([]float64, G+K)
	for g := range G {
		b[g] = 1
	}
	for k, t := range c.rows {
		b[G+k] = s.head[t] - perturbation(t, s.head[t])
	}
	m := newSimplex(b)
	colOf := make([]int, 0, len(c.cols))
	for i := range c.cols {
		j := m.addCol(c.masterCol(&c.cols[i]))
		colOf = append(colOf, j)
		if c.cols[i].zero {
			m.setBasic(c.cols[i].g, j)
		}
	}
	for k := range K {
		j := m.addCol(mcol{idx: []int{G + k}, val: []float64{1}})
		m.setBasic(G+k, j)
	}
	if c.dmu == nil {
		c.dmu = make([]float64, s.n)
	}
	scale := 1.0
	for i := range c.cols {
		scale = max(scale, math.Abs(c.cols[i].cost))
	}
	tol := 1e-9 * scale
	for ; c.iters < s.opt.MaxIterations; c.iters++ {
		_, err := m.solve(tol*1e-2, 50*(G+K)+1000)
		if err != nil {
			return nil, nil, err
		}
		y := m.duals()
		copy(c.dmu, s.d)
		bound := -fourCPConst(s.p)
		for k, t := range c.rows {
			mu := max(0, y[G+k])
			c.dmu[t] -= mu
			bound += mu * s.head[t]
		}
		lb := m.objective() - fourCPConst(s.p)
		added := 0
		for g := range G {
			v := s.groupDP(g, c.dmu, c.cbuf, c.xbuf)
			bound += v
			if v-y[g] > tol {
				col := newColumn(g, c.xbuf, c.base[g], c.value(g, c.xbuf))
				c.cols = append(c.cols, col)
				colOf = append(colOf, m.addCol(c.masterCol(&c.cols[len(c.cols)-1])))
				added++
			}
		}
		c.ub = min(c.ub, bound)
		if added == 0 || c.ub-lb <= 1e-10*max(1, math.Abs(lb)) {
			break
		}
	}
	// Remove the perturbation: the optimal basis stays dual feasible, and
	// when its basic values stay >= 0 it is optimal for the true caps.
	for k, t := range c.rows {
		m.b[G+k] = s.head[t]
	}
	if err := m.reinvert(); err != nil || slices.ContainsFunc(m.beta, func(v float64) bool { return v < 0 }) {
		copy(m.b, b)
		if err := m.reinvert(); err != nil {
			return nil, nil, err
		}
	}
	// The master's schedule: Σ λ_j x_j per group.
	x := make([][]float64, G)
	wBase := make([]float64, G)
	lam := make([]float64, len(c.cols))
	for i := range c.cols {
		lam[i] = max(0, m.value(colOf[i]))
	}
	for g := range G {
		x[g] = make([]float64, s.n)
	}
	for i := range c.cols {
		col := &c.cols[i]
		if col.zero || lam[i] == 0 {
			continue
		}
		wBase[col.g] += lam[i]
		for _, r := range col.runs {
			xg, bg := x[col.g], c.base[col.g]
			for k, v := range r.vals {
				xg[r.start+k] += lam[i] * (v - bg[r.start+k])
			}
		}
	}
	for g := range G {
		xg, bg := x[g], c.base[g]
		for t := range xg {
			xg[t] = min(max(xg[t]+wBase[g]*bg[t], 0), s.p.Groups[g].MaxMW)
		}
	}
	return x, lam, nil
}

// perturbation returns the small amount (MW) by which the master tightens
// the cap of interval t. Distinct pseudo-random amounts break the massive
// degeneracy of the master (schedules that all stop exactly at the cap),
// which would otherwise stall the simplex; tightening keeps every master
// solution feasible for the true cap, at a cost below 1e-8 of the cap.
func perturbation(t int, head float64) float64 {
	z := uint64(t)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	u := float64(z>>11) / (1 << 53)
	return max(head, 1) * 1e-9 * (1 + 9*u)
}

// masterCol is a column's entries in the master: 1 in its group's
// convexity row, its level in each coupled row.
func (c *coupling) masterCol(col *column) mcol {
	G := c.s.ng
	mc := mcol{cost: col.cost, idx: []int{col.g}, val: []float64{1}}
	if col.zero {
		return mc
	}
	for k, t := range c.rows {
		if v := col.at(c.base[col.g], t); v != 0 {
			mc.idx = append(mc.idx, G+k)
			mc.val = append(mc.val, v)
		}
	}
	return mc
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
	order := make([]int, s.ng)
	for g := range order {
		order[g] = g
	}
	// Most valuable groups first.
	slices.SortStableFunc(order, func(a, b int) int {
		return -cmpFloat(c.value(a, c.base[a]), c.value(b, c.base[b]))
	})
	prev := math.Inf(-1)
	for sweep := 0; sweep < 4; sweep++ {
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
