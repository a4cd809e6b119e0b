package plan

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashpivot/hashpivot/finance"
	"github.com/hashpivot/hashpivot/site"
)

// parseSite parses YAML text; the test fails on any error.
func parseSite(t testing.TB, yaml string) *site.Site {
	t.Helper()
	s, err := site.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// A one-line mining site, one year, no growth, no halving in the span:
// each month's cash is computed here by hand from the formulas.
const miningOnly = `
version: 1
name: hand
start: 2026-01
horizon_years: 1
grid: {interconnect_mw: 10}
power: {price_usd_per_mwh: 30}
market: {btc_price_usd: 100000, difficulty: 1.2e14, block_height: 900000, fees_btc_per_block: 0.05,
  hashrate_growth_per_year: 0, btc_price_growth_per_year: 0}
mining:
  pue: 1.1
  uptime: 0.9
  pool_fee: 0.02
  opex_usd_per_mw_month: 6000
  fleet: [{model: custom, units: 1000, th: 200, w: 3500}]
finance: {discount_rate: 0.10, tax_rate: 0.25, depreciation: straight_line}
strategies: [{name: keep-mining, ai_share: 0}]
`

func TestMiningOnlyClosedForm(t *testing.T) {
	s := parseSite(t, miningOnly)
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	got := out[0].Summary.NPVUSD

	hth := 1.2e14 * math.Pow(2, 32) / 600 / 1e12
	hp := 144 * (3.125 + 0.05) * 100000 / hth // USD per TH/s per day
	th, w := 200.0*1000, 3500.0*1000
	mr := math.Pow(1.10, 1.0/12) - 1
	days := []float64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31} // 2026
	var npv, year float64
	for i, d := range days {
		rev := hp * th * 0.9 * d * (1 - 0.02)
		energy := w * 0.9 * 1.1 * 24 * d * 30 / 1e6
		ebitda := rev - energy - 6000*w/1e6
		year += ebitda
		fcf := ebitda
		if i == 11 {
			fcf -= 0.25 * year
		}
		npv += fcf / math.Pow(1+mr, float64(i+1))
	}
	if !relClose(got, npv, 1e-9) {
		t.Fatalf("mining-only NPV = %.4f, want %.4f (by hand)", got, npv)
	}
	if out[0].Summary.IRR != nil || out[0].Summary.PaybackMonths != nil {
		t.Fatalf("keep-mining IRR/payback = %v/%v, want undefined", out[0].Summary.IRR, out[0].Summary.PaybackMonths)
	}
}

// A colocation-only site (no fleet): all-in capex C×IT at month 0, then a
// flat lease; with no tax, NPV = -C×IT/(1+m) + (R-O)×(1-(1+m)^-n)/m where
// the first month earns too (no retrofit months, no lease-up).
const colocationOnly = `
version: 1
name: hand-colo
start: 2026-01
horizon_years: 5
grid: {interconnect_mw: 50}
ai:
  kind: colocation
  colocation: {rate_usd_per_kw_month: 120, escalator_per_year: 0, term_years: 10, lease_up_months: 0,
    power_pass_through: true, tenant_capex_share: 0, opex_usd_per_mw_month: 15000}
retrofit: {cooling: direct_liquid, redundancy: n, network: none, months: 0, it_mw: 40, capex_usd_per_mw_it: 6000000}
finance: {discount_rate: 0.09, tax_rate: 0, depreciation: straight_line}
strategies: [{name: colo, ai_share: 1}]
`

func TestColocationOnlyClosedForm(t *testing.T) {
	s := parseSite(t, colocationOnly)
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	sm := out[0].Summary
	m := math.Pow(1.09, 1.0/12) - 1
	n := 60.0
	capex := 6e6 * 40
	flat := 120*40_000 - 15000*40.0
	want := -capex/(1+m) + flat*(1-math.Pow(1+m, -n))/m
	if !relClose(sm.NPVUSD, want, 1e-9) {
		t.Fatalf("colocation NPV = %.2f, want %.2f (annuity closed form)", sm.NPVUSD, want)
	}
	if sm.CapexUSD != capex || sm.ITMW != 40 || sm.ContractedRevenueShare != 1 {
		t.Fatalf("summary = capex %v it %v contracted %v, want %v, 40, 1", sm.CapexUSD, sm.ITMW, sm.ContractedRevenueShare, capex)
	}
	// IRR by a second method: the monthly rate solving the same annuity,
	// found by bisection here.
	f := func(r float64) float64 { return -capex + flat*(1+r)*(1-math.Pow(1+r, -n))/r }
	lo, hi := 1e-6, 1.0
	for range 200 {
		mid := (lo + hi) / 2
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	wantIRR := math.Pow(1+lo, 12) - 1
	if sm.IRR == nil || !relClose(*sm.IRR, wantIRR, 1e-6) {
		t.Fatalf("colocation IRR = %v, want %v", sm.IRR, wantIRR)
	}
}

// With tax and straight-line depreciation over 15 years the NPV gains the
// tax on each year's (lease - opex - depreciation), booked in month 12k.
func TestColocationTaxClosedForm(t *testing.T) {
	yaml := colocationOnly + "\n" // same file, tax on:
	s := parseSite(t, yaml)
	s.Finance.TaxRate = 0.2
	s.Assumptions.RetrofitClassYears = 15
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	m := math.Pow(1.09, 1.0/12) - 1
	capex := 6e6 * 40
	flat := 120*40_000 - 15000*40.0
	want := -capex/(1+m) + flat*(1-math.Pow(1+m, -60))/m
	dep := capex / 15 // per year, straight line
	for y := 1; y <= 5; y++ {
		want -= 0.2 * (12*flat - dep) / math.Pow(1+m, float64(12*y))
	}
	if got := out[0].Summary.NPVUSD; !relClose(got, want, 1e-9) {
		t.Fatalf("taxed colocation NPV = %.2f, want %.2f", got, want)
	}
}

func loadExample(t testing.TB, name string) *site.Site {
	t.Helper()
	s, err := site.Load(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExamplesPlan(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 3 {
		t.Fatalf("want at least 3 examples, found %d", len(files))
	}
	for _, f := range files {
		s, err := site.Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		out, err := Plan(s)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, o := range out {
			if math.IsNaN(o.Summary.NPVUSD) || math.IsInf(o.Summary.NPVUSD, 0) {
				t.Errorf("%s/%s: NPV %v", f, o.Summary.Name, o.Summary.NPVUSD)
			}
			// Site draw never exceeds the interconnect.
			pue, _ := s.Assumptions.CoolingPUE.Get(s.Retrofit.Cooling)
			draw := s.FleetDrawMW()*(1-o.Summary.AIShare) + o.Summary.ITMW*pue
			if draw > s.Grid.InterconnectMW+1e-9 {
				t.Errorf("%s/%s: draw %.2f MW > interconnect %.2f", f, o.Summary.Name, draw, s.Grid.InterconnectMW)
			}
		}
	}
}

func TestNPVFallsWithDiscountRate(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	prev := math.Inf(1)
	for _, r := range []float64{0.04, 0.08, 0.12, 0.16, 0.24} {
		s.Finance.DiscountRate = r
		out, err := Plan(s)
		if err != nil {
			t.Fatal(err)
		}
		npv := out[1].Summary.NPVUSD // convert: invest first, earn later
		if npv >= prev {
			t.Fatalf("convert NPV at %.2f = %.0f, not below %.0f at the lower rate", r, npv, prev)
		}
		prev = npv
	}
}

func TestHashrateGrowthNeverRaisesMiningNPV(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	prev := math.Inf(1)
	for _, g := range []float64{-0.2, 0, 0.1, 0.2, 0.4, 0.8} {
		s.Market.HashrateGrowthPerYear = g
		out, err := Plan(s)
		if err != nil {
			t.Fatal(err)
		}
		npv := out[0].Summary.NPVUSD
		if npv > prev+1e-6 {
			t.Fatalf("keep-mining NPV at growth %v = %.0f, above %.0f at lower growth", g, npv, prev)
		}
		prev = npv
	}
}

func TestZeroShareEqualsKeepMining(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	late, _ := site.ParseMonth("2027-06")
	s.Strategies = append(s.Strategies, site.Strategy{Name: "zero", AIShare: 0, Start: late})
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	keep, zero := out[0], out[len(out)-1]
	if keep.Summary.NPVUSD != zero.Summary.NPVUSD {
		t.Fatalf("ai_share 0 NPV %v != keep-mining %v", zero.Summary.NPVUSD, keep.Summary.NPVUSD)
	}
	for i := range keep.Result.FCF {
		if keep.Result.FCF[i] != zero.Result.FCF[i] {
			t.Fatalf("month %d FCF differs: %v vs %v", i, zero.Result.FCF[i], keep.Result.FCF[i])
		}
	}
}

// The plan's running tax must equal finance.TaxWithCarryForward on the
// same taxable income (a second implementation).
func TestTaxMatchesFinance(t *testing.T) {
	s := loadExample(t, "permian-300.yaml")
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		r := o.Result
		taxable := make([]float64, len(r.EBITDA))
		for i := range taxable {
			taxable[i] = r.EBITDA[i] + r.Salvage[i] - r.Depreciation[i] - r.Interest[i]
		}
		want := finance.TaxWithCarryForward(taxable, s.Finance.TaxRate)
		for i := range want {
			if !relClose(r.Tax[i], want[i], 1e-9) {
				t.Fatalf("%s month %d: tax %v, finance says %v", o.Summary.Name, i, r.Tax[i], want[i])
			}
		}
	}
}

// Debt: the principal repaid within the horizon plus what is still owed
// equals what was borrowed, and the FCF identity holds each month.
func TestDebtAndFCFIdentity(t *testing.T) {
	s := loadExample(t, "permian-300.yaml")
	out, err := Plan(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		r := o.Result
		for i := range r.FCF {
			want := r.EBITDA[i] + r.Salvage[i] - r.Tax[i] - r.Capex[i]*(1-s.Finance.Debt.Share) - r.Interest[i] - r.Principal[i]
			if i == len(r.FCF)-1 {
				want += r.Terminal
			}
			if !relClose(r.FCF[i], want, 1e-9) {
				t.Fatalf("%s month %d: FCF %v, identity gives %v", o.Summary.Name, i, r.FCF[i], want)
			}
		}
		var borrowed, repaid float64
		for i := range r.Capex {
			borrowed += r.Capex[i] * s.Finance.Debt.Share
			repaid += r.Principal[i]
		}
		if repaid > borrowed*(1+1e-9) {
			t.Fatalf("%s: repaid %v more than borrowed %v", o.Summary.Name, repaid, borrowed)
		}
	}
}

// The 2028 halving at height 1,050,000 halves the subsidy in the month it
// happens, prorated by blocks.
func TestHalvingProrated(t *testing.T) {
	s := loadExample(t, "pecos-west.yaml")
	m, err := Compile(s, s.Strategies[0])
	if err != nil {
		t.Fatal(err)
	}
	h := s.Market.BlockHeight
	for i := range m.months {
		blocks := int64(m.days[i]) * 144
		if h <= 1_050_000 && h+blocks > 1_050_000 {
			before := float64(1_050_000 - h)
			want := (before*3.125 + float64(blocks-int64(before))*1.5625) / float64(blocks)
			if !relClose(m.subsidy[i], want, 1e-12) {
				t.Fatalf("halving month %d subsidy %v, want %v", i, m.subsidy[i], want)
			}
			return
		}
		h += blocks
	}
	t.Fatal("no halving month found in the horizon")
}

func TestRunDoesNotAllocate(t *testing.T) {
	s := loadExample(t, "permian-300.yaml")
	m, _ := Compile(s, s.Strategies[1])
	p := DeterministicPath(s)
	r := NewResult(m.Months())
	if a := testing.AllocsPerRun(10, func() { m.Run(p, r) }); a != 0 {
		t.Fatalf("Run allocates %v times per call", a)
	}
}

func BenchmarkPlanBiggestExample(b *testing.B) {
	data, err := os.ReadFile("../examples/permian-300.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := site.Parse(data, "permian-300.yaml")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Plan(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRun(b *testing.B) {
	s := loadExample(b, "permian-300.yaml")
	m, _ := Compile(s, s.Strategies[1])
	p := DeterministicPath(s)
	r := NewResult(m.Months())
	b.ReportAllocs()
	for b.Loop() {
		m.Run(p, r)
	}
}
