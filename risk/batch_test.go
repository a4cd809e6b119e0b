package risk

import (
	"math"
	"testing"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

func loadExample(t testing.TB, name string) *site.Site {
	t.Helper()
	s, err := site.Load("../examples/" + name)
	if err != nil {
		t.Fatalf("site.Load(%s): %v", name, err)
	}
	return s
}

// variants are sites that exercise every branch of the model: colocation
// with and without power pass-through, GPU cloud, debt, terminal value,
// fleet refresh.
func variants(t testing.TB) map[string]*site.Site {
	out := map[string]*site.Site{}
	out["pecos-west"] = loadExample(t, "pecos-west.yaml")

	s := loadExample(t, "pecos-west.yaml")
	s.AI.Kind = site.KindGPUCloud
	s.Risk.GPUPrice.DeclinePerYear = 0.3
	out["gpu-cloud"] = s

	s = loadExample(t, "pecos-west.yaml")
	s.Finance.Debt.Share = 0.6
	s.Finance.Terminal.Method = "ev_ebitda"
	s.AI.Colocation.PowerPassThrough = false
	s.Mining.Refresh.EveryYears = 4
	out["debt-terminal"] = s

	out["bench"] = loadExample(t, "bench-risk.yaml")
	return out
}

func near(a, b, rel float64) bool {
	if a == b || (math.IsInf(a, 1) && math.IsInf(b, 1)) {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestBatchMatchesRun checks the batched evaluator against plan's reference
// Model.Run on random paths with every process stochastic.
func TestBatchMatchesRun(t *testing.T) {
	for name, s := range variants(t) {
		t.Run(name, func(t *testing.T) {
			s.Risk.Fees.VolPerYear = 0.5
			s.Risk.Power.VolPerYear = 0.4
			s.Risk.GPUPrice.VolPerYear = 0.3
			s.Risk.Hashrate.VolPerYear = 0.2
			s.Risk.Tenant.DefaultProbPerYear = 0.3
			models := []*plan.Model{}
			for _, st := range s.Strategies {
				m, err := plan.Compile(s, st)
				if err != nil {
					t.Fatal(err)
				}
				models = append(models, m)
			}
			b, err := plan.NewBatch(models...)
			if err != nil {
				t.Fatal(err)
			}
			g, err := NewGenerator(s, b.SubsidyBTC(), nil)
			if err != nil {
				t.Fatal(err)
			}
			p := g.NewPath()
			st := b.NewMarketState()
			n := b.Months()
			sc := g.NewScratch()
			sub := b.SubsidyBTC()
			lease := make([]float64, n)
			for j := range 50 {
				g.Fill(NewStream(7, uint64(j)), p, sc)
				if g.DirectHashprice() {
					// Model.Run needs a BTC price and a difficulty: any pair
					// with the drawn hashprice will do.
					for i := range n {
						p.Difficulty[i] = s.Market.Difficulty
						p.BTCPriceUSD[i] = sc.HashpriceTH[i] * p.Difficulty[i] * 4294967296 / 600 / 1e12 / (144 * (sub[i] + p.FeesBTC[i]))
					}
					b.MarketHashprice(p, sc.HashpriceTH, st)
				} else {
					b.Market(p, st)
				}
				for k, m := range models {
					pk := *p
					var lf []float64
					if g.LeaseFactor(sc.Events, m.LeaseStart(), lease) {
						lf = lease
						pk.LeaseFactor = lease
					}
					want := plan.NewResult(n)
					m.Run(&pk, want)
					got := plan.StrategyResult{EBITDA: make([]float64, n), FCF: make([]float64, n)}
					b.Strategy(k, st, lf, &got)
					if !near(got.NPV, want.NPV, 1e-9) || !near(got.MinCash, want.MinCash, 1e-9) ||
						!near(got.MinDSCR, want.MinDSCR, 1e-9) || !near(got.Terminal, want.Terminal, 1e-9) {
						t.Fatalf("path %d %s: Batch.Strategy NPV %v MinCash %v MinDSCR %v Terminal %v, Model.Run %v %v %v %v",
							j, m, got.NPV, got.MinCash, got.MinDSCR, got.Terminal, want.NPV, want.MinCash, want.MinDSCR, want.Terminal)
					}
					for i := range n {
						if !near(got.FCF[i], want.FCF[i], 1e-9) || !near(got.EBITDA[i], want.EBITDA[i], 1e-9) {
							t.Fatalf("path %d %s month %d: Batch.Strategy FCF %v EBITDA %v, Model.Run %v %v", j, m, i, got.FCF[i], got.EBITDA[i], want.FCF[i], want.EBITDA[i])
						}
						if !near(st.HashpriceTH[i], want.HashpriceTH[i], 1e-9) {
							t.Fatalf("path %d month %d: hashprice %v, Model.Run %v", j, i, st.HashpriceTH[i], want.HashpriceTH[i])
						}
					}
				}
			}
		})
	}
}
