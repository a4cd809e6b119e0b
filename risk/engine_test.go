package risk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

// calm removes every source of randomness from s's risk model.
func calm(s *site.Site) {
	s.Risk.BTC.VolPerYear = 0
	s.Risk.Hashrate.VolPerYear = 0
	s.Risk.Hashrate.Elasticity = 0
	s.Risk.Fees.VolPerYear = 0
	s.Risk.Power.VolPerYear = 0
	s.Risk.GPUPrice.VolPerYear = 0
	s.Risk.Tenant.DefaultProbPerYear = 0
	s.Risk.GPUPrice.DeclinePerYear = s.AI.GPUCloud.PriceDeclinePerYear
}

// TestVolZeroEqualsPlan: with every volatility 0, elasticity 0 and no
// tenant default, each path is plan.DeterministicPath and every path's NPV
// and IRR are the plan's (the independent reference is plan.Plan, which
// runs Model.Run on plan.DeterministicPath).
func TestVolZeroEqualsPlan(t *testing.T) {
	for name, s := range variants(t) {
		t.Run(name, func(t *testing.T) {
			calm(s)
			outcomes, err := plan.Plan(s)
			if err != nil {
				t.Fatal(err)
			}
			det := plan.DeterministicPath(s)
			b, err := plan.NewBatch(outcomes[0].Model)
			if err != nil {
				t.Fatal(err)
			}
			g, err := NewGenerator(s, b.SubsidyBTC(), nil)
			if err != nil {
				t.Fatal(err)
			}
			p, sc := g.NewPath(), g.NewScratch()
			g.Fill(NewStream(1, 3), p, sc)
			for i := range det.BTCPriceUSD {
				for _, c := range []struct {
					what      string
					got, want float64
				}{{"BTCPriceUSD", p.BTCPriceUSD[i], det.BTCPriceUSD[i]}, {"Difficulty", p.Difficulty[i], det.Difficulty[i]},
					{"FeesBTC", p.FeesBTC[i], det.FeesBTC[i]}, {"PowerUSDPerMWh", p.PowerUSDPerMWh[i], det.PowerUSDPerMWh[i]},
					{"GPUPriceFactor", p.GPUPriceFactor[i], det.GPUPriceFactor[i]}, {"LeaseFactor", p.LeaseFactor[i], det.LeaseFactor[i]}} {
					if c.got != c.want {
						t.Fatalf("Fill: %s[%d] = %v, DeterministicPath %v", c.what, i, c.got, c.want)
					}
				}
			}
			if len(sc.Events) != 0 {
				t.Fatalf("Fill: %d tenant defaults with probability 0", len(sc.Events))
			}
			opts := DefaultOptions(s)
			opts.Paths = 37
			res, err := Simulate(context.Background(), s, nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			for k, o := range outcomes {
				got, want := res.Strategies[k], o.Summary
				for _, v := range []float64{got.NPVUSD.Mean, got.NPVUSD.P5, got.NPVUSD.P50, got.NPVUSD.P95, got.CVaR5USD} {
					if !near(v, want.NPVUSD, 1e-6) {
						t.Errorf("%s: risk NPV %+v (CVaR %v), plan NPV %v", want.Name, got.NPVUSD, got.CVaR5USD, want.NPVUSD)
						break
					}
				}
				if got.NPVUSD.Std > 1e-6*math.Abs(want.NPVUSD) {
					t.Errorf("%s: NPV std %v, want 0", want.Name, got.NPVUSD.Std)
				}
				if !near(got.MinCashUSDP5, want.MinCashUSD, 1e-6) {
					t.Errorf("%s: min cash P5 %v, plan %v", want.Name, got.MinCashUSDP5, want.MinCashUSD)
				}
				switch {
				case want.IRR == nil && got.IRR.P50 != nil:
					t.Errorf("%s: risk IRR P50 %v, plan has none", want.Name, *got.IRR.P50)
				case want.IRR != nil && (got.IRR.P50 == nil || !near(*got.IRR.P50, *want.IRR, 1e-6)):
					t.Errorf("%s: risk IRR %+v, plan %v", want.Name, got.IRR, *want.IRR)
				}
				if got.EBITDACV > 1e-9 {
					t.Errorf("%s: EBITDA CV %v on identical paths, want 0", want.Name, got.EBITDACV)
				}
				if (got.DSCRBreachProb != nil) != (want.MinDSCR != nil) {
					t.Errorf("%s: DSCR breach %v with plan min DSCR %v", want.Name, got.DSCRBreachProb, want.MinDSCR)
				} else if want.MinDSCR != nil && (*got.DSCRBreachProb == 1) != (*want.MinDSCR < 1.2) {
					t.Errorf("%s: DSCR breach probability %v, plan min DSCR %v", want.Name, *got.DSCRBreachProb, *want.MinDSCR)
				}
			}
		})
	}
}

// TestGBMMoments checks the BTC process against its closed form: ln(P_12/P_0)
// is normal with mean ln(1+drift) - σ²/2 and variance σ², so E[P_12/P_0] =
// 1 + drift; each within four standard errors over 200,000 paths.
func TestGBMMoments(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	calm(s)
	s.Risk.BTC.DriftPerYear, s.Risk.BTC.VolPerYear = 0.10, 0.55
	m, err := plan.Compile(s, s.Strategies[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := plan.NewBatch(m)
	g, err := NewGenerator(s, b.SubsidyBTC(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const paths = 200_000
	p, sc := g.NewPath(), g.NewScratch()
	var src Stream
	xs := make([]float64, paths)
	ratio := make([]float64, paths)
	for j := range paths {
		src.Seed(9, uint64(j))
		g.Fill(&src, p, sc)
		ratio[j] = p.BTCPriceUSD[12] / p.BTCPriceUSD[0]
		xs[j] = math.Log(ratio[j])
	}
	sig := 0.55
	mean, std := MeanStd(xs)
	wantMean, wantVar := math.Log(1.10)-sig*sig/2, sig*sig
	if se := sig / math.Sqrt(paths); math.Abs(mean-wantMean) > 4*se {
		t.Errorf("mean ln(P12/P0) = %v, want %v ± %v", mean, wantMean, 4*se)
	}
	if se := wantVar * math.Sqrt(2.0/(paths-1)); math.Abs(std*std-wantVar) > 4*se {
		t.Errorf("var ln(P12/P0) = %v, want %v ± %v", std*std, wantVar, 4*se)
	}
	rm, _ := MeanStd(ratio)
	sdRatio := 1.10 * math.Sqrt(math.Expm1(sig*sig))
	if se := sdRatio / math.Sqrt(paths); math.Abs(rm-1.10) > 4*se {
		t.Errorf("E[P12/P0] = %v, want 1.10 ± %v", rm, 4*se)
	}
}

// TestColocationIsStable is the seed claim on the example site: with no
// tenant default, converting to a colocation lease never loses money and
// its monthly EBITDA varies far less across futures than mining's.
func TestColocationIsStable(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	s.Risk.Tenant.DefaultProbPerYear = 0
	opts := DefaultOptions(s)
	opts.Paths = 4000
	res, err := Simulate(context.Background(), s, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]StrategyRisk{}
	for _, st := range res.Strategies {
		by[st.Name] = st
	}
	keep, conv := by["keep-mining"], by["convert"]
	if conv.ProbNPVNegative != 0 {
		t.Errorf("convert: P(NPV<0) = %v, want 0", conv.ProbNPVNegative)
	}
	if !(conv.EBITDACV < keep.EBITDACV/10) {
		t.Errorf("EBITDA CV convert %v, keep-mining %v: want convert below a tenth", conv.EBITDACV, keep.EBITDACV)
	}
	if !(keep.NPVUSD.Std > 10*conv.NPVUSD.Std) {
		t.Errorf("NPV std keep-mining %v, convert %v: want mining's far larger", keep.NPVUSD.Std, conv.NPVUSD.Std)
	}
}

// TestWorkersIdentical: one seed gives byte-identical results for 1, 2 and
// 8 workers, below and above the fan charts' pilot size.
func TestWorkersIdentical(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	s.Risk.Fees.VolPerYear, s.Risk.Tenant.DefaultProbPerYear = 0.5, 0.1
	for _, paths := range []int{1, 100, pilotPaths + 3*chunkPaths + 5} {
		var first []byte
		for _, workers := range []int{1, 2, 8} {
			opts := DefaultOptions(s)
			opts.Paths, opts.Workers, opts.Fan = paths, workers, true
			res, err := Simulate(context.Background(), s, nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			doc := struct {
				*Result
				NPV [][]float64
				Fan *Fan
			}{res, res.NPVUSD, res.Fan}
			got, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = got
			} else if !bytes.Equal(got, first) {
				t.Fatalf("%d paths: output with %d workers differs from 1 worker", paths, workers)
			}
		}
	}
}

// TestStaticStrategiesUnchanged: reusing the result of a strategy that
// does not depend on the path (convert in the bench site: no mining, a
// lease with power passed through) gives the same numbers as evaluating it
// on every path.
func TestStaticStrategiesUnchanged(t *testing.T) {
	for _, name := range []string{"bench-risk.yaml", "pecos-west.yaml"} {
		s := loadExample(t, name)
		opts := DefaultOptions(s)
		opts.Paths, opts.Workers = 500, 2
		run := func(static bool) *Result {
			e, err := newEngine(s, s.Strategies, nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !static {
				clear(e.static)
			}
			if err := e.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			return e.result()
		}
		a, b := run(true), run(false)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: results with static strategies reused differ:\n%s\n%s", name, ja, jb)
		}
	}
}

// TestInvalidSettings: settings the engine cannot use are errors wrapping
// ErrInvalid that name the field, found before any path is drawn.
func TestInvalidSettings(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(s *site.Site, o *Options)
		want   string
	}{
		{"no paths", func(s *site.Site, o *Options) { o.Paths = 0 }, "paths"},
		{"too many paths", func(s *site.Site, o *Options) { o.Paths = 100_000_000 }, "paths"},
		{"wild volatility", func(s *site.Site, o *Options) { s.Risk.BTC.VolPerYear = 50 }, "risk.btc.vol_per_year"},
		{"wild elasticity", func(s *site.Site, o *Options) { s.Risk.Hashrate.Elasticity = 7 }, "risk.hashrate.elasticity"},
		{"bootstrap without history", func(s *site.Site, o *Options) { s.Risk.BTC.Model = site.BTCModelBootstrap }, "risk.history_csv"},
		{"power mean 0", func(s *site.Site, o *Options) { s.Risk.Power.MeanUSDPerMWh = 0 }, "risk.power"},
	} {
		s := loadExample(t, "pecos-west.yaml")
		o := DefaultOptions(s)
		c.change(s, &o)
		_, err := Simulate(context.Background(), s, nil, o)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Simulate error %v, want ErrInvalid naming %s", c.name, err, c.want)
		}
	}
}

// TestProgressAndCancel: Progress adds up to the paths run; a cancelled
// context stops the run with its error.
func TestProgressAndCancel(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	opts := DefaultOptions(s)
	opts.Paths, opts.Workers = 1000, 3
	var mu sync.Mutex
	done := 0
	opts.Progress = func(n int) {
		mu.Lock()
		done += n
		mu.Unlock()
	}
	if _, err := Simulate(context.Background(), s, nil, opts); err != nil {
		t.Fatal(err)
	}
	if done != opts.Paths {
		t.Errorf("Progress reported %d paths, want %d", done, opts.Paths)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts.Progress = nil
	if _, err := Simulate(ctx, s, nil, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("Simulate with a cancelled context: %v, want context.Canceled", err)
	}
}
