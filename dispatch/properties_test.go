package dispatch

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// With sell-back, the PPA settles for Σ mw × hours × (price − strike) and
// the dispatch does not depend on the strike.
func TestSellBackStrikeIndependence(t *testing.T) {
	for seed := range uint64(20) {
		p := randomProblem(seed, genOptions{intervals: 48, groups: 4, ramps: seed%2 == 0, oversubscribed: seed%3 == 0, dr: true, fourCP: true})
		var sols []*Solution
		for _, strike := range []float64{10, 35, 250} {
			p.PPA = &PPA{MW: 70, StrikeUSDPerMWh: strike, SellBack: true}
			sol, err := Solve(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sols = append(sols, sol)
			want := 0.0
			for _, pr := range p.PricesUSDPerMWh {
				want += 70 * p.Hours() * (pr - strike)
			}
			if math.Abs(sol.Summary.PPASettlementUSD-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("seed %d strike %v: PPA settlement %v, want %v", seed, strike, sol.Summary.PPASettlementUSD, want)
			}
		}
		for _, s := range sols[1:] {
			for g := range s.MW {
				if !slices.Equal(s.MW[g], sols[0].MW[g]) {
					t.Fatalf("seed %d: group %d's dispatch depends on the strike", seed, g)
				}
			}
		}
	}
}

// Without ramps, raising the price of one interval never raises any
// group's power in that interval.
func TestPriceRiseNeverRaisesMining(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for seed := range uint64(200) {
		p := randomProblem(seed, genOptions{intervals: 24, groups: 5, oversubscribed: seed%2 == 0, fourCP: true, dr: true, series: true})
		before, err := Solve(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tt := rng.IntN(p.Intervals())
		p.PricesUSDPerMWh[tt] += rng.Float64() * 100
		after, err := Solve(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for g := range p.Groups {
			if after.MW[g][tt] > before.MW[g][tt]+1e-12 {
				t.Errorf("seed %d: raising price %d lifted group %d from %v to %v MW", seed, tt, g, before.MW[g][tt], after.MW[g][tt])
			}
		}
	}
}

// Every dispatch respects the cap, the DR limit, bounds and ramps, and its
// gap is a true bound: the objective never exceeds the upper bound.
func TestDispatchFeasible(t *testing.T) {
	for seed := range uint64(60) {
		o := genOptions{intervals: 30 + int(seed)%40, groups: 1 + int(seed)%6, ramps: true, oversubscribed: seed%2 == 1, fourCP: seed%3 == 0, dr: seed%4 == 0, series: seed%5 == 0}
		p := randomProblem(seed, o)
		sol, err := Solve(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v := Check(p, sol.MW, 1e-7); len(v) > 0 {
			t.Errorf("seed %d (%s): %d violations, first %+v", seed, sol.Method, len(v), v[0])
		}
		if sol.GapUSD < 0 || sol.Summary.ObjectiveUSD > sol.UpperBoundUSD+roundingGap(sol.UpperBoundUSD) {
			t.Errorf("seed %d: objective %v above upper bound %v (gap %v)", seed, sol.Summary.ObjectiveUSD, sol.UpperBoundUSD, sol.GapUSD)
		}
	}
}

// The Lagrangian fallback and a column generation stopped early both
// return feasible schedules whose proven gap covers the true optimum.
func TestProvenGapCoversOptimum(t *testing.T) {
	for seed := range uint64(6) {
		p := randomProblem(seed, genOptions{intervals: 60, groups: 4, ramps: true, oversubscribed: true, dr: true})
		for _, opt := range []Options{{MaxCoupledIntervals: 1}, {MaxIterations: 3}} {
			t.Run(fmt.Sprintf("seed=%d/%+v", seed, opt), func(t *testing.T) {
				sol, err := Solve(p, opt)
				if err != nil {
					t.Fatal(err)
				}
				if v := Check(p, sol.MW, 1e-7); len(v) > 0 {
					t.Fatalf("%s: violations %+v", sol.Method, v[0])
				}
				want := glpsolObjective(t, p)
				tol := 1e-6 * max(1, math.Abs(want))
				if sol.Summary.ObjectiveUSD > want+tol || sol.UpperBoundUSD < want-tol {
					t.Errorf("%s: objective %v, upper bound %v, glpsol %v", sol.Method, sol.Summary.ObjectiveUSD, sol.UpperBoundUSD, want)
				}
				if sol.Summary.ObjectiveUSD+sol.GapUSD < want-tol {
					t.Errorf("%s: objective %v + gap %v below the optimum %v", sol.Method, sol.Summary.ObjectiveUSD, sol.GapUSD, want)
				}
				t.Logf("%s: gap %.4g of %.6g after %d iterations", sol.Method, sol.GapUSD, want, sol.Iterations)
			})
		}
	}
}

// baseline is the accounting of AlwaysOn without the DR payment.
func TestBaselineMatchesAlwaysOn(t *testing.T) {
	for seed := range uint64(10) {
		p := randomProblem(seed, genOptions{intervals: 50, groups: 3, oversubscribed: seed%2 == 0, fourCP: true, dr: true, series: true, ppa: true})
		got := baseline(p)
		want := Evaluate(p, AlwaysOn(p))
		want.DRPaymentUSD = 0
		want.NetMarginUSD = want.netMargin()
		for _, pair := range [][2]float64{{got.ObjectiveUSD, want.ObjectiveUSD}, {got.NetMarginUSD, want.NetMarginUSD},
			{got.CurtailedMWh, want.CurtailedMWh}, {got.FourCPChargeUSD, want.FourCPChargeUSD}, {got.PPASettlementUSD, want.PPASettlementUSD}} {
			if math.Abs(pair[0]-pair[1]) > 1e-6*max(1, math.Abs(pair[1])) {
				t.Errorf("seed %d: baseline %+v, want %+v", seed, got, want)
				break
			}
		}
	}
}

// Evaluate on a dispatch worked out by hand: one group, two hours.
func TestEvaluateByHand(t *testing.T) {
	p := &Problem{IntervalMinutes: 30, SiteCapMW: 50, AIFirmMW: 10, AIRevenueUSDPerMWh: 100,
		Groups:          []Group{{Name: "a", MaxMW: 20, HashvalueUSDPerMWh: 60}},
		PricesUSDPerMWh: []float64{40, 100},
		PPA:             &PPA{MW: 25, StrikeUSDPerMWh: 50},
		FourCP:          &FourCP{PeakIntervals: []int{1}, ChargeUSDPerKW: 2},
		DemandResponse:  &DemandResponse{CommittedMW: 5, PaymentUSDPerMWInterval: 3, EventIntervals: []int{1}},
	}
	s := Evaluate(p, [][]float64{{20, 5}})
	// Half hours: revenue (20+5)×0.5×60 = 750; energy 20×0.5×40 + 5×0.5×100 = 650;
	// 4CP 2×1000×(5+10) = 30000; DR 5×3×1 = 15; AI energy 10×0.5×140 = 700;
	// AI revenue 10×0.5×2×100 = 1000; PPA without sell-back
	// 0.5×(40×min(30,25) − 50×25) + 0.5×(100×min(15,25) − 50×25) = −125 + 125 = 0.
	want := Summary{ObjectiveUSD: 750 - 650 - 30000, MiningRevenueUSD: 750, EnergyCostUSD: 650, FourCPChargeUSD: 30000,
		DRPaymentUSD: 15, PPASettlementUSD: 0, AIEnergyCostUSD: 700, AIRevenueUSD: 1000,
		MiningMWh: 12.5, CurtailedMWh: 7.5, CurtailedHours: 0.5, PeakSiteMW: 30}
	want.NetMarginUSD = 750 + 1000 - 650 - 700 - 30000 + 15
	if s != want {
		t.Errorf("Evaluate = %+v\nwant       %+v", s, want)
	}
}

func TestWriteCSV(t *testing.T) {
	p := randomProblem(1, genOptions{intervals: 10, groups: 2, ramps: true})
	sol, err := Solve(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, p, sol); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 11 || len(recs[0]) != 3+2+3 || recs[0][3] != "g0_mw" || recs[5][len(recs[5])-1] != string(sol.Reasons[4]) {
		t.Errorf("WriteCSV: %d rows, header %v, row 5 %v", len(recs), recs[0], recs[5])
	}
}
