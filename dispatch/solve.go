package dispatch

import (
	"cmp"
	"math"
	"slices"
)

// Options tune Solve. The zero value is ready to use.
type Options struct {
	// MaxIterations bounds the rounds of column generation (each solves
	// every group's DP over one window); 0 means 20,000.
	MaxIterations int
	// MaxWork bounds the work of column generation and the Lagrangian
	// fallback, counted in DP steps (an interval of one group; a master
	// pivot counts m²/16 for m rows); 0 means 2×10^8, a few seconds. A solve stopped by a bound reports the gap it proved.
	MaxWork int
	// MaxCoupledIntervals bounds how many intervals whose cap binds one
	// window's master problem may hold (its dense simplex costs grow as
	// their square per pivot); 0 means 600. Beyond it Solve falls back to Lagrangian relaxation by
	// subgradient steps and reports the gap it proved.
	MaxCoupledIntervals int
	// LagrangianIterations bounds the subgradient steps of that fallback;
	// 0 means 200.
	LagrangianIterations int
}

func (o Options) withDefaults() Options {
	if o.MaxIterations <= 0 {
		o.MaxIterations = 20_000
	}
	if o.MaxWork <= 0 {
		o.MaxWork = 200_000_000
	}
	if o.MaxCoupledIntervals <= 0 {
		o.MaxCoupledIntervals = 600
	}
	if o.LagrangianIterations <= 0 {
		o.LagrangianIterations = 200
	}
	return o
}

// Method names the algorithm that produced a Solution.
type Method string

// Methods of Solve.
const (
	// MethodMeritOrder: no group has a binding ramp limit, so intervals are
	// independent; each is filled in merit order. Exact.
	MethodMeritOrder Method = "merit_order"
	// MethodRampDP: the cap never couples the groups in the optimum of the
	// relaxation without it, so each group's ramp DP is optimal. Exact.
	MethodRampDP Method = "ramp_dp"
	// MethodColumnGeneration: Dantzig-Wolfe decomposition with the ramp DP
	// as pricing problem. Exact at convergence; GapUSD says how close.
	MethodColumnGeneration Method = "column_generation"
	// MethodLagrangian: subgradient optimisation of the Lagrangian dual of
	// the cap with a feasible schedule built by block coordinate ascent;
	// GapUSD is the proven distance to the optimum.
	MethodLagrangian Method = "lagrangian"
)

// Solution is an optimal (or, where GapUSD > 0, a proven near-optimal)
// dispatch.
type Solution struct {
	// MW holds each group's power: MW[g][t], in problem order.
	MW [][]float64
	// Method is the algorithm used.
	Method Method
	// Iterations counts rounds of column generation or subgradient steps.
	Iterations int
	// UpperBoundUSD is a proven upper bound on the optimal objective.
	UpperBoundUSD float64
	// GapUSD is UpperBoundUSD − Summary.ObjectiveUSD: the proven distance
	// to the optimum. It is 0 where the method is exact, and differences
	// below 1e-9 of the objective (floating-point rounding) count as 0.
	GapUSD float64
	// Summary is the accounting of MW.
	Summary Summary
	// Baseline is the accounting of the naive "always on" dispatch (every
	// group at full power up to the cap, no demand-response enrolment).
	Baseline Summary
	// FlexibilityValueUSD is Summary.NetMarginUSD − Baseline.NetMarginUSD:
	// what dispatching by price earns over always on.
	FlexibilityValueUSD float64
	// Reasons explains each interval's decision.
	Reasons []Reason
}

// solver holds what every method shares.
type solver struct {
	p       *Problem
	opt     Options
	n, ng   int
	h       float64
	d       []float64 // per-MW value common to all groups: −h·price − 4CP adder
	head    []float64 // headroom for mining: cap − AI, less in DR events
	minHead float64   // the least headroom
	total   float64   // Σ max_mw
	dp      rampDP
}

// Solve finds the dispatch of p that maximises the objective (see the
// package comment). It validates p first and returns an *InvalidError when
// p is not valid.
func Solve(p *Problem, opt Options) (*Solution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s := newSolver(p, opt.withDefaults())
	mw := make([][]float64, s.ng)
	for g := range mw {
		mw[g] = make([]float64, s.n)
	}
	sol := &Solution{MW: mw}
	ramped := false
	for g := range p.Groups {
		ramped = ramped || p.Groups[g].ramped()
	}
	var err error
	switch {
	case !ramped:
		s.meritOrder(mw)
		sol.Method = MethodMeritOrder
	default:
		err = s.coupled(sol)
	}
	if err != nil {
		return nil, err
	}
	sol.Summary = Evaluate(p, mw)
	if sol.Method == MethodMeritOrder || sol.Method == MethodRampDP {
		sol.UpperBoundUSD = sol.Summary.ObjectiveUSD
	}
	sol.GapUSD = max(0, sol.UpperBoundUSD-sol.Summary.ObjectiveUSD)
	if sol.GapUSD <= roundingGap(sol.Summary.ObjectiveUSD) {
		// Both bounds are sums of millions of rounded products: a
		// difference this small is rounding, not a gap.
		sol.GapUSD = 0
	}
	sol.Baseline = baseline(p)
	sol.FlexibilityValueUSD = sol.Summary.NetMarginUSD - sol.Baseline.NetMarginUSD
	sol.Reasons = Reasons(p, mw)
	return sol, nil
}

// roundingGap is the gap below which Solve reports 0: 1e-9 of the
// objective, at least 1e-9 USD.
func roundingGap(obj float64) float64 { return 1e-9 * max(1, abs(obj)) }

func newSolver(p *Problem, opt Options) *solver {
	s := &solver{p: p, opt: opt, n: p.Intervals(), ng: len(p.Groups), h: p.Hours(), total: p.TotalMaxMW()}
	s.d = make([]float64, s.n)
	for t, pr := range p.PricesUSDPerMWh {
		s.d[t] = -s.h * pr
	}
	if k := fourCPAdder(p); k != 0 {
		for _, t := range p.FourCP.PeakIntervals {
			s.d[t] -= k
		}
	}
	s.head = headroom(p)
	s.minHead = math.Inf(1)
	for _, h := range s.head {
		s.minHead = min(s.minHead, h)
	}
	return s
}

// fourCPAdder returns the 4CP charge per MW of load in each peak interval:
// charge_usd_per_kw × 1000 / len(peak_intervals).
func fourCPAdder(p *Problem) float64 {
	if p.FourCP == nil || len(p.FourCP.PeakIntervals) == 0 {
		return 0
	}
	return p.FourCP.ChargeUSDPerKW * 1000 / float64(len(p.FourCP.PeakIntervals))
}

// headroom returns, per interval, the most mining load allowed: the site
// cap less the AI load, and in demand-response events no more than the
// groups' total max_mw less the committed MW.
func headroom(p *Problem) []float64 {
	h := make([]float64, p.Intervals())
	base := max(0, p.SiteCapMW-p.AIFirmMW)
	for t := range h {
		h[t] = base
	}
	if dr := p.DemandResponse; dr != nil && dr.CommittedMW > 0 {
		lim := max(0, p.TotalMaxMW()-dr.CommittedMW)
		for _, t := range dr.EventIntervals {
			h[t] = min(h[t], lim)
		}
	}
	return h
}

// coef writes group g's per-MW value of each interval into c:
// h·hashvalue[g,t] + d[t].
func (s *solver) coef(g int, d, c []float64) {
	gr := &s.p.Groups[g]
	if gr.HashvalueSeries == nil {
		a := s.h * gr.HashvalueUSDPerMWh
		for t, v := range d {
			c[t] = a + v
		}
		return
	}
	for t, v := range d {
		c[t] = s.h*gr.HashvalueSeries[t] + v
	}
}

// meritOrder fills each interval's headroom with the groups in decreasing
// order of value, stopping at the first group that would lose money. It is
// exact when no ramp limit binds: the problem then separates by interval
// and each interval is a fractional knapsack with unit weights.
func (s *solver) meritOrder(mw [][]float64) {
	order := make([]int, s.ng)
	for g := range order {
		order[g] = g
	}
	constant := true
	for g := range s.p.Groups {
		constant = constant && s.p.Groups[g].HashvalueSeries == nil
	}
	byValue := func(t int) func(a, b int) int {
		return func(a, b int) int {
			return cmp.Or(cmp.Compare(s.p.Groups[b].Hashvalue(t), s.p.Groups[a].Hashvalue(t)), cmp.Compare(a, b))
		}
	}
	if constant {
		slices.SortFunc(order, byValue(0))
	}
	for t := range s.n {
		if !constant {
			slices.SortFunc(order, byValue(t))
		}
		room := s.head[t]
		for _, g := range order {
			gr := &s.p.Groups[g]
			v := s.h*gr.Hashvalue(t) + s.d[t]
			if v <= 0 || room <= 0 {
				mw[g][t] = 0
				continue
			}
			x := min(gr.MaxMW, room)
			mw[g][t] = x
			room -= x
		}
	}
}
