package risk

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

// Candidate is one point of the optimiser's grid; its JSON keys are the
// contract of `hashpivot optimize --json`.
type Candidate struct {
	AIShare         float64    `json:"ai_share"`          // share of the capacity converted
	Start           site.Month `json:"start"`             // month the conversion starts
	MeanNPVUSD      float64    `json:"mean_npv_usd"`      // mean NPV across paths
	CVaR5USD        float64    `json:"cvar5_usd"`         // mean NPV of the worst 5% of paths
	ProbNPVNegative float64    `json:"prob_npv_negative"` // share of paths with NPV < 0
	P50NPVUSD       float64    `json:"p50_npv_usd"`       // median NPV
	// ObjectiveUSD is the value the optimiser maximises (see Objective).
	ObjectiveUSD float64 `json:"objective_usd"`
	// Eligible: ProbNPVNegative <= optimize.max_loss_probability.
	Eligible bool `json:"eligible"`
	// Efficient: no other candidate has a mean NPV and a CVaR at least as
	// high, one of them higher (the mean–CVaR frontier).
	Efficient bool `json:"efficient"`
}

// Optimum is the outcome of Optimize: the site's own strategies' risk, the
// whole grid and the best eligible candidate (nil when none is eligible).
type Optimum struct {
	*Result
	Objective          string      `json:"objective"`            // optimize.objective
	RiskAversion       float64     `json:"risk_aversion"`        // optimize.risk_aversion
	MaxLossProbability float64     `json:"max_loss_probability"` // optimize.max_loss_probability
	Frontier           []Candidate `json:"frontier"`             // every candidate, in grid order
	Best               *Candidate  `json:"best"`                 // the choice; nil when none is eligible
}

// maxStoredNPVs bounds the NPVs an optimisation keeps (8 bytes each):
// candidates × paths.
const maxStoredNPVs = 64 << 20

// Objective returns the optimiser's objective for a candidate's NPV
// distribution: the mean (mean), the median (p50), or (mean_minus_cvar)
//
//	mean - λ (mean - CVaR5) = (1-λ) mean + λ CVaR5
//
// with λ = risk_aversion: the mean less λ times how far the worst 5% of
// futures fall below it (λ = 0 is the mean, λ = 1 the CVaR).
func Objective(objective string, lambda, mean, p50, cvar float64) float64 {
	switch objective {
	case site.ObjectiveMean:
		return mean
	case site.ObjectiveP50:
		return p50
	}
	return mean - lambda*(mean-cvar)
}

// Grid returns the optimiser's candidates: every AI share of
// optimize.ai_share and every conversion start of optimize.start (a share
// of 0 converts nothing, so it is one candidate whatever the start).
func Grid(s *site.Site) ([]site.Strategy, error) {
	o := s.Optimize
	n := plan.Months(s)
	var shares []float64
	if !(o.AIShare.Step > 0) || o.AIShare.Min > o.AIShare.Max {
		return nil, invalidf("optimize.ai_share", "an empty grid (min %v, max %v, step %v)", o.AIShare.Min, o.AIShare.Max, o.AIShare.Step)
	}
	for j := 0; ; j++ {
		v := o.AIShare.Min + float64(j)*o.AIShare.Step
		if v > o.AIShare.Max+1e-9 {
			break
		}
		shares = append(shares, math.Round(min(v, o.AIShare.Max)*1e9)/1e9)
		if len(shares) > 10_000 {
			return nil, invalidf("optimize.ai_share.step", "more than 10000 shares; use a larger step")
		}
	}
	from, to := o.Start.From, o.Start.To
	if from.IsZero() {
		from = s.Start
	}
	if to.IsZero() {
		to = from
	}
	if last := s.Start.AddMonths(n - 1); to.After(last.Time) {
		return nil, invalidf("optimize.start.to", "%s is after the horizon's last month %s", to, last)
	}
	if from.Before(s.Start.Time) {
		return nil, invalidf("optimize.start.from", "%s is before the site's start %s", from, s.Start)
	}
	step := max(1, o.Start.StepMonths)
	var starts []site.Month
	for m := from; !m.After(to.Time); m = m.AddMonths(step) {
		starts = append(starts, m)
	}
	var out []site.Strategy
	for _, a := range shares {
		for i, st := range starts {
			if a == 0 && i > 0 {
				break
			}
			out = append(out, site.Strategy{Name: fmt.Sprintf("ai %.0f%% from %s", a*100, st), AIShare: a, Start: st})
		}
	}
	return out, nil
}

// Optimize evaluates the site's strategies and every candidate of Grid on
// the same opts.Paths market paths, and picks the eligible candidate with
// the highest objective (ties: the first in grid order, i.e. the smaller
// share and the earlier start).
func Optimize(ctx context.Context, s *site.Site, opts Options) (*Optimum, error) {
	grid, err := Grid(s)
	if err != nil {
		return nil, err
	}
	if need := (len(grid) + len(s.Strategies)) * opts.Paths; need > maxStoredNPVs || need < 0 {
		return nil, fmt.Errorf("%w: optimize: %d candidates × %d paths would keep %d MB of NPVs; use fewer paths or a coarser grid",
			ErrInvalid, len(grid), opts.Paths, (len(grid)+len(s.Strategies))*opts.Paths*8>>20)
	}
	e, err := newEngine(s, s.Strategies, grid, opts)
	if err != nil {
		return nil, err
	}
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	o := s.Optimize
	out := &Optimum{Result: e.result(), Objective: o.Objective, RiskAversion: o.RiskAversion, MaxLossProbability: o.MaxLossProbability}
	out.Frontier = make([]Candidate, len(grid))
	sem := make(chan []float64, max(1, e.opts.Workers)) // scratch buffers, one per goroutine at work
	for range cap(sem) {
		sem <- make([]float64, opts.Paths)
	}
	var wg sync.WaitGroup
	for i, st := range grid {
		scratch := <-sem
		wg.Add(1)
		go func() {
			defer func() { sem <- scratch; wg.Done() }()
			npv := e.npv[e.full+i]
			c := Candidate{AIShare: st.AIShare, Start: st.Start}
			c.MeanNPVUSD, _ = MeanStd(npv)
			c.ProbNPVNegative = ShareNegative(npv)
			copy(scratch, npv)
			c.CVaR5USD = CVaR(scratch, 0.05)
			c.P50NPVUSD = Quantiles(scratch, 0.5)[0]
			c.ObjectiveUSD = Objective(o.Objective, o.RiskAversion, c.MeanNPVUSD, c.P50NPVUSD, c.CVaR5USD)
			c.Eligible = c.ProbNPVNegative <= o.MaxLossProbability
			out.Frontier[i] = c
		}()
	}
	wg.Wait()
	for i := range out.Frontier {
		c := &out.Frontier[i]
		c.Efficient = true
		for _, d := range out.Frontier {
			if d.MeanNPVUSD >= c.MeanNPVUSD && d.CVaR5USD >= c.CVaR5USD && (d.MeanNPVUSD > c.MeanNPVUSD || d.CVaR5USD > c.CVaR5USD) {
				c.Efficient = false
				break
			}
		}
		if c.Eligible && (out.Best == nil || c.ObjectiveUSD > out.Best.ObjectiveUSD) {
			out.Best = c
		}
	}
	if out.Best != nil {
		b := *out.Best
		out.Best = &b
	}
	return out, nil
}
