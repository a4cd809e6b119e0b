package plan

import (
	"fmt"

	"github.com/hashpivot/hashpivot/finance"
	"github.com/hashpivot/hashpivot/site"
)

// Summary is one strategy's headline figures; its JSON keys are the
// contract of `hashpivot plan --json`.
type Summary struct {
	Name                   string      `json:"name"`
	AIShare                float64     `json:"ai_share"`
	Start                  site.Month  `json:"start"`
	CapexUSD               float64     `json:"capex_usd"`
	CapexItems             []CapexItem `json:"capex_items"`
	NPVUSD                 float64     `json:"npv_usd"`
	IRR                    *float64    `json:"irr"`
	PaybackMonths          *int        `json:"payback_months"`
	ITMW                   float64     `json:"it_mw"`
	GPUs                   int         `json:"gpus"`
	RevenueUSDByYear       []float64   `json:"revenue_usd_by_year"`
	EBITDAUSDByYear        []float64   `json:"ebitda_usd_by_year"`
	MiningRevenueUSDByYear []float64   `json:"mining_revenue_usd_by_year"`
	AIRevenueUSDByYear     []float64   `json:"ai_revenue_usd_by_year"`
	MiningEBITDAUSDByYear  []float64   `json:"mining_ebitda_usd_by_year"`
	AIEBITDAUSDByYear      []float64   `json:"ai_ebitda_usd_by_year"`
	FCFUSDByYear           []float64   `json:"fcf_usd_by_year"`
	ContractedRevenueShare float64     `json:"contracted_revenue_share"`
	EVUSD                  float64     `json:"ev_usd"`
	TerminalValueUSD       float64     `json:"terminal_value_usd"`
	MinCashUSD             float64     `json:"min_cash_usd"`
	MinDSCR                *float64    `json:"min_dscr"`
	MiningOffMonths        int         `json:"mining_off_months"` // months with at least one fleet line switched off
}

// Summarize computes the headline figures of a run. baseline is the run of
// the status quo (the same site keeping its whole fleet mining) on the same
// path, or nil: IRR and payback are those of the conversion, i.e. of the
// strategy's FCF minus the baseline's, and undefined (nil) for a strategy
// that converts nothing. Without a baseline they are those of the
// strategy's own FCF, when it starts with an investment.
func (m *Model) Summarize(r *Result, baseline *Result) Summary {
	s := Summary{
		Name: m.Strategy.Name, AIShare: m.Strategy.AIShare, Start: m.Strategy.Start,
		CapexItems: append([]CapexItem(nil), m.capexItems...),
		NPVUSD:     r.NPV, ITMW: m.Retrofit.ITMW, GPUs: m.gpus,
		TerminalValueUSD: r.Terminal, MinCashUSD: r.MinCash,
	}
	if s.CapexItems == nil {
		s.CapexItems = []CapexItem{}
	}
	for _, c := range m.capex {
		s.CapexUSD += c
	}
	s.IRR, s.PaybackMonths = m.conversionReturn(r, baseline)
	if m.debtShare > 0 && r.MinDSCR < 1e300 {
		d := r.MinDSCR
		s.MinDSCR = &d
	}
	years := (m.months + 11) / 12
	by := func(xs []float64) []float64 {
		out := make([]float64, years)
		for i, x := range xs {
			out[i/12] += x
		}
		return out
	}
	s.MiningRevenueUSDByYear = by(r.MiningRevenue)
	s.AIRevenueUSDByYear = by(r.AIRevenue)
	s.EBITDAUSDByYear = by(r.EBITDA)
	s.MiningEBITDAUSDByYear = by(r.MiningEBITDA)
	s.AIEBITDAUSDByYear = by(r.AIEBITDA)
	s.FCFUSDByYear = by(r.FCF)
	s.RevenueUSDByYear = make([]float64, years)
	var total, ai float64
	for y := range years {
		s.RevenueUSDByYear[y] = s.MiningRevenueUSDByYear[y] + s.AIRevenueUSDByYear[y]
		total += s.RevenueUSDByYear[y]
		ai += s.AIRevenueUSDByYear[y]
	}
	if m.contracted && total > 0 {
		s.ContractedRevenueShare = ai / total
	}
	for i, on := range r.LinesOn {
		if on < len(m.lines) && m.mineShare[i] > 0 {
			s.MiningOffMonths++
		}
	}
	s.EVUSD = m.runRateEV(r)
	return s
}

// conversionReturn is the IRR (annualised) and payback (months from the
// model's start) of the flows the strategy adds to the baseline.
func (m *Model) conversionReturn(r, baseline *Result) (*float64, *int) {
	flows := make([]float64, 1, m.months+1) // flows[0] at t=0 is 0: month i's cash at i+1
	for i, f := range r.FCF {
		if baseline != nil {
			f -= baseline.FCF[i]
		}
		flows = append(flows, f)
	}
	if baseline != nil && m.Strategy.AIShare == 0 {
		return nil, nil
	}
	// A rate of return needs an investment: cumulative flows that go
	// negative before they end positive.
	cum, invested := 0.0, false
	for _, f := range flows {
		cum += f
		invested = invested || cum < -1e-6
	}
	if !invested {
		return nil, nil
	}
	// Flows with several sign changes (salvage first, refreshes later) have
	// several rates of return; the one wanted is found from the discount
	// rate, not from Excel's 10% a period (which for monthly flows is 214% a year).
	var irr *float64
	if v, err := finance.IRRGuess(flows, m.monthlyRate); err == nil {
		a := finance.AnnualFromMonthly(v)
		irr = &a
	}
	var pb *int
	if v, ok := finance.Payback(flows); ok {
		pb = &v
	}
	return irr, pb
}

// runRateEV values the strategy at its run rate: the EBITDA of each
// segment over the first twelve months after the converted capacity is
// fully leased (or the last twelve of the horizon, if sooner), at the
// segment's EV/EBITDA multiple; a loss-making segment counts as 0.
func (m *Model) runRateEV(r *Result) float64 {
	from := min(m.rampIdx, m.months-12)
	if m.startIdx >= m.months {
		from = 0
	}
	from = max(0, from)
	var mine, ai float64
	for i := from; i < min(from+12, m.months); i++ {
		mine += r.MiningEBITDA[i]
		ai += r.AIEBITDA[i]
	}
	return max(0, mine)*m.multMining + max(0, ai)*m.multDC
}

// Outcome is a strategy's model, deterministic run and summary.
type Outcome struct {
	Model   *Model
	Result  *Result
	Summary Summary
}

// Plan runs every strategy of the site on the deterministic path.
func Plan(s *site.Site) ([]Outcome, error) {
	p := DeterministicPath(s)
	base, err := Compile(s, site.Strategy{Name: "status quo", AIShare: 0, Start: s.Start})
	if err != nil {
		return nil, err
	}
	baseRes := NewResult(base.Months())
	base.Run(p, baseRes)
	out := make([]Outcome, 0, len(s.Strategies))
	for _, st := range s.Strategies {
		m, err := Compile(s, st)
		if err != nil {
			return nil, fmt.Errorf("strategy %q: %w", st.Name, err)
		}
		r := NewResult(m.Months())
		m.Run(p, r)
		out = append(out, Outcome{Model: m, Result: r, Summary: m.Summarize(r, baseRes)})
	}
	return out, nil
}
