package risk

import (
	"context"
	"math"
	"sync"

	"github.com/hashpivot/hashpivot/site"
)

// StrategyRisk is the distribution of one strategy's outcomes; its JSON
// keys are the contract of `hashpivot risk --json`.
type StrategyRisk struct {
	Name    string     `json:"name"`     // the strategy's name
	AIShare float64    `json:"ai_share"` // share of the capacity converted
	Start   site.Month `json:"start"`    // month the conversion starts
	// NPVUSD is the NPV of free cash flow to equity at the site's discount
	// rate, as plan computes it, across paths.
	NPVUSD Dist `json:"npv_usd"`
	// IRR is the annualised IRR of the conversion (the strategy's cash
	// flows minus the status quo's on the same path); nil where no path has
	// one (a strategy that converts nothing).
	IRR IRRDist `json:"irr"`
	// ProbNPVNegative is the share of paths with NPV < 0.
	ProbNPVNegative float64 `json:"prob_npv_negative"`
	// CVaR5USD is the mean NPV of the worst 5% of paths.
	CVaR5USD float64 `json:"cvar5_usd"`
	// EBITDACV is the spread of monthly EBITDA across paths relative to its
	// level: Σ_months std_i / Σ_months |mean_i|, where std_i and mean_i are
	// month i's standard deviation and mean across paths. 0 for revenue
	// that does not depend on the market.
	EBITDACV float64 `json:"ebitda_cv"`
	// MinCashUSDP5 is the 5th percentile of the lowest cumulative cash
	// (the liquidity a strategy needs in a bad case; <= 0).
	MinCashUSDP5 float64 `json:"min_cash_usd_p5"`
	// DSCRBreachProb is the share of paths in which a year's debt service
	// coverage falls below 1.2; nil without debt.
	DSCRBreachProb *float64 `json:"dscr_breach_prob"`
}

// IRRDist holds IRR percentiles over the paths where the IRR is defined.
type IRRDist struct {
	P5  *float64 `json:"p5"`  // 5th percentile, annual rate
	P50 *float64 `json:"p50"` // median
	P95 *float64 `json:"p95"` // 95th percentile
	// DefinedShare is the share of paths with an IRR (a conversion whose
	// cash never comes back counts, at -100%).
	DefinedShare float64 `json:"defined_share"`
}

// Result is the outcome of Simulate.
type Result struct {
	Paths      int            `json:"paths"`      // market paths simulated
	Seed       uint64         `json:"seed"`       // their seed
	Strategies []StrategyRisk `json:"strategies"` // one per strategy, in the order given
	// NPVUSD holds every path's NPV, per strategy (for histograms).
	NPVUSD [][]float64 `json:"-"`
	// Fan is set when Options.Fan was.
	Fan *Fan `json:"-"`
}

// Simulate runs strategies (the site's own when nil) of s on opts.Paths
// market paths and measures the distribution of their outcomes.
func Simulate(ctx context.Context, s *site.Site, strategies []site.Strategy, opts Options) (*Result, error) {
	if strategies == nil {
		strategies = s.Strategies
	}
	e, err := newEngine(s, strategies, nil, opts)
	if err != nil {
		return nil, err
	}
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	return e.result(), nil
}

// result assembles the metrics of the full entries: two tasks per
// strategy (its NPV distribution, and the rest), each depending only on
// that strategy's arrays, on the run's workers.
func (e *engine) result() *Result {
	res := &Result{Paths: e.opts.Paths, Seed: e.opts.Seed, Strategies: make([]StrategyRisk, e.full)}
	sem := make(chan struct{}, max(1, e.opts.Workers))
	var wg sync.WaitGroup
	for k := range e.full {
		m := e.batch.Model(k)
		res.Strategies[k] = StrategyRisk{Name: m.Strategy.Name, AIShare: m.Strategy.AIShare, Start: m.Strategy.Start}
		for _, part := range []func(*StrategyRisk, []float64){e.npvMetrics(k), e.otherMetrics(k)} {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				part(&res.Strategies[k], make([]float64, e.opts.Paths))
			}()
		}
	}
	wg.Wait()
	for k := range e.full {
		res.NPVUSD = append(res.NPVUSD, e.npv[k])
	}
	if e.fan != nil {
		res.Fan = &Fan{HashpriceUSDPerPHDay: e.fan.band(0)}
		for k := range e.full {
			res.Fan.CashUSD = append(res.Fan.CashUSD, e.fan.band(1+k))
		}
	}
	return res
}

// npvMetrics sets full entry k's NPV distribution, probability of loss
// and CVaR; scratch has one float per path.
func (e *engine) npvMetrics(k int) func(*StrategyRisk, []float64) {
	return func(st *StrategyRisk, scratch []float64) {
		npv := e.npv[k]
		st.NPVUSD = distOf(npv, scratch)
		st.ProbNPVNegative = ShareNegative(npv)
		copy(scratch, npv)
		st.CVaR5USD = CVaR(scratch, 0.05)
	}
}

// otherMetrics sets full entry k's IRR distribution, liquidity, DSCR
// breaches and EBITDA variability.
func (e *engine) otherMetrics(k int) func(*StrategyRisk, []float64) {
	return func(st *StrategyRisk, scratch []float64) {
		st.IRR = irrDistOf(e.irr[k], scratch)
		copy(scratch, e.minCash[k])
		st.MinCashUSDP5 = Quantiles(scratch, 0.05)[0]
		if e.batch.Model(k).HasDebt() {
			p := float64(e.dscrBad[k]) / float64(e.opts.Paths)
			st.DSCRBreachProb = &p
		}
		st.EBITDACV = e.ebitdaCV(k)
	}
}

// distOf summarises xs (left unchanged) using scratch.
func distOf(xs, scratch []float64) Dist {
	var d Dist
	d.Mean, d.Std = MeanStd(xs)
	scratch = scratch[:len(xs)]
	copy(scratch, xs)
	q := Quantiles(scratch, 0.05, 0.5, 0.95)
	d.P5, d.P50, d.P95 = q[0], q[1], q[2]
	return d
}

func irrDistOf(irr, scratch []float64) IRRDist {
	xs := scratch[:0]
	for _, v := range irr {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	var d IRRDist
	if len(irr) > 0 {
		d.DefinedShare = float64(len(xs)) / float64(len(irr))
	}
	if len(xs) == 0 {
		return d
	}
	q := Quantiles(xs, 0.05, 0.5, 0.95)
	d.P5, d.P50, d.P95 = &q[0], &q[1], &q[2]
	return d
}

// ebitdaCV is Σ_i std_i / Σ_i |mean_i| over months from the streamed sums.
func (e *engine) ebitdaCV(k int) float64 {
	n := float64(e.opts.Paths)
	var sumStd, sumMean float64
	for i := range e.n {
		m1 := e.ebS1[k][i] / n
		v := e.ebS2[k][i]/n - m1*m1
		if n > 1 {
			v *= n / (n - 1)
		}
		sumStd += math.Sqrt(max(v, 0))
		sumMean += math.Abs(e.ref[k][i] + m1)
	}
	if sumMean == 0 {
		return 0
	}
	return sumStd / sumMean
}
