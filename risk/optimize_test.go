package risk

import (
	"context"
	"math"
	"testing"

	"github.com/hashpivot/hashpivot/site"
)

func TestGrid(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	s.Optimize.AIShare = site.Range{Min: 0, Max: 1, Step: 0.25}
	from, _ := site.ParseMonth("2026-01")
	to, _ := site.ParseMonth("2026-07")
	s.Optimize.Start = site.MonthRange{From: from, To: to, StepMonths: 3}
	g, err := Grid(s)
	if err != nil {
		t.Fatal(err)
	}
	// Share 0 once, then 4 shares × 3 starts.
	if len(g) != 1+4*3 {
		t.Fatalf("Grid: %d candidates, want 13: %v", len(g), g)
	}
	if g[0].AIShare != 0 || g[1].AIShare != 0.25 || g[1].Start.String() != "2026-01" || g[3].Start.String() != "2026-07" || g[12].AIShare != 1 {
		t.Errorf("Grid order: %+v", g)
	}
	s.Optimize.Start.To, _ = site.ParseMonth("2040-01")
	if _, err := Grid(s); err == nil {
		t.Error("Grid with optimize.start.to beyond the horizon: no error")
	}
}

// TestOptimizeAgainstSimulate: each candidate's figures equal Simulate's
// for that strategy on the same paths, and the choice is the eligible
// candidate with the highest objective, recomputed here.
func TestOptimizeAgainstSimulate(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	s.Optimize.AIShare = site.Range{Min: 0, Max: 1, Step: 0.5}
	s.Optimize.Start.StepMonths = 12
	opts := DefaultOptions(s)
	opts.Paths = 300
	opt, err := Optimize(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	grid, _ := Grid(s)
	sim, err := Simulate(context.Background(), s, grid, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.Frontier) != len(grid) || len(opt.Strategies) != len(s.Strategies) {
		t.Fatalf("Optimize: %d candidates for %d, %d strategies", len(opt.Frontier), len(grid), len(opt.Strategies))
	}
	var best *Candidate
	for i, c := range opt.Frontier {
		st := sim.Strategies[i]
		if !near(c.MeanNPVUSD, st.NPVUSD.Mean, 1e-12) || !near(c.CVaR5USD, st.CVaR5USD, 1e-12) ||
			c.ProbNPVNegative != st.ProbNPVNegative || !near(c.P50NPVUSD, st.NPVUSD.P50, 1e-12) {
			t.Errorf("candidate %v: %+v, Simulate %+v", grid[i], c, st)
		}
		want := c.MeanNPVUSD - s.Optimize.RiskAversion*(c.MeanNPVUSD-c.CVaR5USD)
		if !near(c.ObjectiveUSD, want, 1e-12) {
			t.Errorf("candidate %v: objective %v, want %v", grid[i], c.ObjectiveUSD, want)
		}
		if c.Eligible && (best == nil || c.ObjectiveUSD > best.ObjectiveUSD) {
			best = &opt.Frontier[i]
		}
	}
	if best == nil || opt.Best == nil || *best != *opt.Best {
		t.Errorf("Optimize best %+v, want %+v", opt.Best, best)
	}
}

func TestObjective(t *testing.T) {
	for _, c := range []struct {
		obj                   string
		lambda, mean, p50, cv float64
		want                  float64
	}{
		{site.ObjectiveMean, 0.5, 10, 8, -20, 10},
		{site.ObjectiveP50, 0.5, 10, 8, -20, 8},
		{site.ObjectiveMeanMinusCVaR, 0.5, 10, 8, -20, -5},
		{site.ObjectiveMeanMinusCVaR, 0, 10, 8, -20, 10},
		{site.ObjectiveMeanMinusCVaR, 1, 10, 8, -20, -20},
	} {
		if got := Objective(c.obj, c.lambda, c.mean, c.p50, c.cv); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Objective(%s, λ=%v, mean %v, p50 %v, CVaR %v) = %v, want %v", c.obj, c.lambda, c.mean, c.p50, c.cv, got, c.want)
		}
	}
}
