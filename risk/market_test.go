package risk

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

func generator(t testing.TB, s *site.Site, history []float64) *Generator {
	t.Helper()
	m, err := plan.Compile(s, s.Strategies[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := plan.NewBatch(m)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGenerator(s, b.SubsidyBTC(), history)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestLeaseFactor(t *testing.T) {
	g := &Generator{releasing: 3}
	for _, c := range []struct {
		name   string
		events []int
		start  int
		want   []float64
	}{
		{"no default", nil, 2, []float64{1, 1, 1, 1, 1, 1, 1, 1}},
		{"before the lease", []int{0, 1}, 2, []float64{1, 1, 1, 1, 1, 1, 1, 1}},
		{"one default", []int{3}, 2, []float64{1, 1, 1, 0, 0, 0, 1, 1}},
		{"defaults while empty are ignored", []int{3, 4, 5}, 2, []float64{1, 1, 1, 0, 0, 0, 1, 1}},
		{"new tenant defaults too", []int{3, 6}, 0, []float64{1, 1, 1, 0, 0, 0, 0, 0}},
		{"cut at the horizon", []int{7}, 0, []float64{1, 1, 1, 1, 1, 1, 1, 0}},
	} {
		got := make([]float64, 8)
		any := g.LeaseFactor(c.events, c.start, got)
		if !slices.Equal(got, c.want) || any != slices.Contains(c.want, 0) {
			t.Errorf("%s: LeaseFactor(%v, %d) = %v, %v; want %v", c.name, c.events, c.start, got, any, c.want)
		}
	}
}

// TestTenantDefaultRate: the share of paths with a default in the first
// year is the yearly probability.
func TestTenantDefaultRate(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	s.Risk.Tenant.DefaultProbPerYear = 0.2
	g := generator(t, s, nil)
	p, sc := g.NewPath(), g.NewScratch()
	const n = 50_000
	hit := 0
	for j := range n {
		g.Fill(NewStream(4, uint64(j)), p, sc)
		if len(sc.Events) > 0 && sc.Events[0] < 12 {
			hit++
		}
	}
	if se := math.Sqrt(0.2 * 0.8 / n); math.Abs(float64(hit)/n-0.2) > 5*se {
		t.Errorf("P(default within 12 months) = %v, want 0.2 ± %v", float64(hit)/n, 5*se)
	}
}

// TestProcessMeans: fees and power price keep their mean (lognormal and
// Ornstein–Uhlenbeck with the variance correction), the GPU price factor
// its deterministic ratio, whatever the volatility.
func TestProcessMeans(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	calm(s)
	s.AI.Kind = site.KindGPUCloud
	s.Risk.Fees.VolPerYear = 0.8
	s.Risk.Power.VolPerYear, s.Risk.Power.MeanUSDPerMWh = 0.6, 50 // starts at 42, reverts to 50
	s.Risk.GPUPrice.VolPerYear, s.Risk.GPUPrice.DeclinePerYear = 0.3, 0.3
	g := generator(t, s, nil)
	p, sc := g.NewPath(), g.NewScratch()
	const n = 40_000
	months := []int{1, 6, 60, 119}
	fees, power, gpu := make([][]float64, len(months)), make([][]float64, len(months)), make([][]float64, len(months))
	for j := range n {
		g.Fill(NewStream(8, uint64(j)), p, sc)
		for k, m := range months {
			fees[k] = append(fees[k], p.FeesBTC[m])
			power[k] = append(power[k], p.PowerUSDPerMWh[m])
			gpu[k] = append(gpu[k], p.GPUPriceFactor[m])
		}
	}
	kappa := s.Risk.Power.ReversionPerYear
	for k, m := range months {
		check := func(what string, xs []float64, want float64) {
			mean, sd := MeanStd(xs)
			if se := sd / math.Sqrt(n); math.Abs(mean-want) > 5*se {
				t.Errorf("month %d: mean %s = %v, want %v ± %v", m, what, mean, want, 5*se)
			}
		}
		check("fees", fees[k], 0.02)
		// E[power_m] = mean × (start/mean)^(e^{-κ m/12}).
		check("power", power[k], 50*math.Pow(42.0/50, math.Exp(-kappa*float64(m)/12)))
		check("GPU price factor", gpu[k], math.Pow(0.7/0.8, float64(m)/12))
	}
}

func TestCentreReturns(t *testing.T) {
	hist := []float64{0.3, -0.2, 0.1, 0.05, -0.4, 0.25}
	for _, drift := range []float64{0, 0.1, -0.3} {
		r, err := centreReturns(hist, drift)
		if err != nil {
			t.Fatal(err)
		}
		var m float64
		for _, v := range r {
			m += math.Exp(v)
		}
		m /= float64(len(r))
		if want := math.Pow(1+drift, 1.0/12); !near(m, want, 1e-12) {
			t.Errorf("centreReturns(drift %v): mean e^r = %v, want %v", drift, m, want)
		}
		for i := 1; i < len(r); i++ {
			if !near(r[i]-r[0], hist[i]-hist[0], 1e-12) {
				t.Errorf("centreReturns changed the spread of returns: %v from %v", r, hist)
			}
		}
	}
	if _, err := centreReturns([]float64{0.1}, 0); err == nil {
		t.Error("centreReturns of one return: no error")
	}
}

// TestBootstrapDrawsHistory: a bootstrapped path's monthly returns are
// the centred history's, in blocks of block_months consecutive returns.
func TestBootstrapDrawsHistory(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	calm(s)
	s.Risk.BTC.Model, s.Risk.BTC.BlockMonths, s.Risk.HistoryCSV = site.BTCModelBootstrap, 4, "x.csv"
	hist := make([]float64, 30)
	for i := range hist {
		hist[i] = float64(i)/100 - 0.1
	}
	g := generator(t, s, hist)
	centred, _ := centreReturns(hist, s.Risk.BTC.DriftPerYear)
	p, sc := g.NewPath(), g.NewScratch()
	g.Fill(NewStream(1, 1), p, sc)
	for i := 1; i < len(p.BTCPriceUSD); i++ {
		r := math.Log(p.BTCPriceUSD[i] / p.BTCPriceUSD[i-1])
		k := slices.IndexFunc(centred, func(c float64) bool { return math.Abs(c-r) < 1e-9 })
		if k < 0 {
			t.Fatalf("month %d: return %v is not in the history", i, r)
		}
		if (i-1)%4 != 0 { // inside a block: the next historical month
			prev := math.Log(p.BTCPriceUSD[i-1] / p.BTCPriceUSD[i-2])
			kp := slices.IndexFunc(centred, func(c float64) bool { return math.Abs(c-prev) < 1e-9 })
			if k != (kp+1)%len(centred) {
				t.Fatalf("month %d: return %d follows %d inside a block", i, k, kp)
			}
		}
	}
}

// TestFanMatchesExactQuantiles: the streamed histogram's percentiles are
// within a bin of the exact ones.
func TestFanMatchesExactQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const months, pilotN, rest = 3, 500, 20000
	vals := make([][]float64, months)
	pilot := [][]float64{make([]float64, pilotN*months)}
	for j := range pilotN + rest {
		for m := range months {
			v := rng.NormFloat64()*float64(m+1) + 100*float64(m)
			vals[m] = append(vals[m], v)
			if j < pilotN {
				pilot[0][j*months+m] = v
			}
		}
	}
	h := newFanHist(1, months, pilot, pilotN)
	row := make([]float64, months)
	for j := pilotN; j < pilotN+rest; j++ {
		for m := range months {
			row[m] = vals[m][j]
		}
		h.addPath(0, row, 1)
	}
	b := h.band(0)
	for m := range months {
		exact := Quantiles(slices.Clone(vals[m]), 0.05, 0.5, 0.95)
		for i, got := range []float64{b.P5[m], b.P50[m], b.P95[m]} {
			if math.Abs(got-exact[i]) > h.width[m] {
				t.Errorf("month %d: histogram quantile %v, exact %v (bin %v)", m, got, exact[i], h.width[m])
			}
		}
	}
}

// TestDifficultyFeedback re-implements the BTC and difficulty processes
// directly from their definitions (price and difficulty levels, hashprice
// by bitcoin.HashpriceUSDPerTHDay) with the same draws, and compares the
// hashprice Fill computes through ln(hp/hp0).
func TestDifficultyFeedback(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	calm(s)
	s.Risk.BTC.DriftPerYear, s.Risk.BTC.VolPerYear = 0.15, 0.6
	s.Risk.Hashrate.GrowthPerYear, s.Risk.Hashrate.Elasticity, s.Risk.Hashrate.VolPerYear = 0.3, 0.08, 0.2
	g := generator(t, s, nil)
	if !g.DirectHashprice() {
		t.Fatal("elasticity set but no direct hashprice")
	}
	m, _ := plan.Compile(s, s.Strategies[0])
	b, _ := plan.NewBatch(m)
	sub := b.SubsidyBTC()
	p, sc := g.NewPath(), g.NewScratch()
	n := g.Months()
	for j := range 20 {
		g.Fill(NewStream(2, uint64(j)), p, sc)
		src := NewStream(2, uint64(j))
		sigB, sigH := 0.6/math.Sqrt(12), 0.2/math.Sqrt(12)
		price := []float64{s.Market.BTCPriceUSD}
		for i := 1; i < n; i++ {
			price = append(price, price[i-1]*math.Exp(math.Log(1.15)/12-sigB*sigB/2+sigB*normal(src)))
		}
		zH := make([]float64, n)
		for i := range zH {
			zH[i] = normal(src)
		}
		d := s.Market.Difficulty
		fee := s.Market.FeesBTCPerBlock
		hp0 := bitcoin.HashpriceUSDPerTHDay(d, sub[0], fee, price[0])
		for i := range n {
			hp := bitcoin.HashpriceUSDPerTHDay(d, sub[i], fee, price[i])
			if !near(sc.HashpriceTH[i], hp, 1e-9) {
				t.Fatalf("path %d month %d: Fill hashprice %v, direct %v", j, i, sc.HashpriceTH[i], hp)
			}
			d *= math.Pow(1.3, 1.0/12) * math.Exp(0.08*math.Log(hp/hp0)-sigH*sigH/2+sigH*zH[i])
		}
	}
}
