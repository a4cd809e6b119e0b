package plan

import (
	"fmt"
	"math"

	"github.com/hashpivot/hashpivot/finance"
)

// This file is owned by the risk engine (issue 3): a second evaluator of
// compiled models, built for the Monte Carlo, that gives the same numbers
// as Model.Run (risk/batch_test.go checks it on random paths) while sharing
// the work that does not depend on the strategy. Model.Run stays the
// reference.

// Batch evaluates several strategies of one site on the same market path.
// The mining margin of the fleet depends on the path but not on the
// strategy (a strategy only scales it by the share of the fleet still
// mining, and a line's on/off decision does not depend on that share), so
// Market computes it once per path and Strategy adds each strategy's own
// flows: per month i of strategy k,
//
//	EBITDA = share_k,i × (R_i - E_i) - opex_k,i + AI revenue_k,i(path) - AI energy_k,i(path)
//
// where R_i and E_i are the revenue and energy of the lines switched on at
// the full fleet, then tax, debt service, FCF and NPV exactly as Model.Run
// does. A Batch is immutable and safe for concurrent use; each goroutine
// needs its own MarketState.
type Batch struct {
	n       int
	days    []float64
	subsidy []float64
	lines   []line
	revDays [][]float64 // per line, per month: TH × uptime × (1 - pool fee) × days
	mwhDays [][]float64 // per line, per month: MWh drawn when on
	ks      []kernel
}

// kernel is one strategy's path-independent monthly arrays.
type kernel struct {
	m          *Model
	share      []float64 // share of the fleet mining
	opex       []float64 // mining + AI opex, USD
	miningOpex []float64
	aiOpex     []float64
	aiRevBase  []float64
	aiMWh      []float64
	fixTax     []float64 // salvage - depreciation - interest: taxable, not EBITDA
	fixCash    []float64 // salvage - equity capex - interest - principal
	service    []float64 // interest + principal
	df         []float64 // discount factor of month i: (1+r_m)^-(i+1)
	fixE       []float64 // AI revenue - opex, for a lease paid in full
	fixTaxY    []float64 // per 12-month year: Σ fixTax
	serviceY   []float64 // per 12-month year: Σ service
	contracted bool
	aiPower    bool // the landlord pays AI power
	noAI       bool // no AI revenue in any month
	hasDebt    bool
	taxRate    float64
}

// NewBatch prepares models, all compiled from the same site, for batched
// evaluation.
func NewBatch(models ...*Model) (*Batch, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("%w: a batch needs at least one model", ErrModel)
	}
	m0 := models[0]
	if years := (m0.months + 11) / 12; years > maxLaneYears {
		return nil, fmt.Errorf("%w: a batch holds at most %d years, got %d", ErrModel, maxLaneYears, years)
	}
	b := &Batch{n: m0.months, days: m0.days, subsidy: m0.subsidy, lines: m0.lines}
	for _, l := range b.lines {
		rd, ed := make([]float64, b.n), make([]float64, b.n)
		for i, d := range b.days {
			rd[i], ed[i] = l.revPerHPD*d, l.mwhPerDay*d
		}
		b.revDays, b.mwhDays = append(b.revDays, rd), append(b.mwhDays, ed)
	}
	for _, m := range models {
		if m.Site != m0.Site || m.months != m0.months {
			return nil, fmt.Errorf("%w: batch of models from different sites (%s, %s)", ErrModel, m0, m)
		}
		b.ks = append(b.ks, newKernel(m))
	}
	return b, nil
}

func newKernel(m *Model) kernel {
	n := m.months
	k := kernel{m: m, share: m.mineShare, miningOpex: m.miningOpex, aiOpex: m.aiOpex, aiRevBase: m.aiRevBase, aiMWh: m.aiMWh,
		contracted: m.contracted, hasDebt: m.debtShare > 0, taxRate: m.taxRate}
	k.opex, k.fixTax, k.fixCash = make([]float64, n), make([]float64, n), make([]float64, n)
	k.service, k.df, k.fixE = make([]float64, n), make([]float64, n), make([]float64, n)
	k.noAI = true
	disc, df := 1/(1+m.monthlyRate), 1.0
	for i := range n {
		k.opex[i] = m.miningOpex[i] + m.aiOpex[i]
		k.fixE[i] = m.aiRevBase[i] - k.opex[i]
		if m.aiRevBase[i] != 0 {
			k.noAI = false
		}
		if m.aiMWh[i] != 0 {
			k.aiPower = true
		}
		k.fixTax[i] = m.salvage[i] - m.depreciation[i] - m.interest[i]
		k.service[i] = m.interest[i] + m.principal[i]
		k.fixCash[i] = m.salvage[i] - m.capex[i]*(1-m.debtShare) - k.service[i]
		df *= disc
		k.df[i] = df
	}
	for y0 := 0; y0 < n; y0 += 12 {
		var ft, sv float64
		for i := y0; i < min(y0+12, n); i++ {
			ft += k.fixTax[i]
			sv += k.service[i]
		}
		k.fixTaxY = append(k.fixTaxY, ft)
		k.serviceY = append(k.serviceY, sv)
	}
	return k
}

// Len is the number of strategies in the batch.
func (b *Batch) Len() int { return len(b.ks) }

// Months is the number of modelled months.
func (b *Batch) Months() int { return b.n }

// Model returns the k-th model.
func (b *Batch) Model(k int) *Model { return b.ks[k].m }

// MarketState is the strategy-independent part of one path's evaluation.
type MarketState struct {
	HashpriceTH []float64 // USD per TH/s per day
	margin      []float64 // (revenue - energy) of the lines on, at the full fleet, USD
	ebitda, fcf []float64 // scratch for Strategy
	lanes       *leaseLanes
	path        *Path
}

// NewMarketState allocates the state for one goroutine.
func (b *Batch) NewMarketState() *MarketState {
	return &MarketState{HashpriceTH: make([]float64, b.n), margin: make([]float64, b.n), lanes: new(leaseLanes)}
}

// Market computes the shared per-month quantities of path p into st:
// hashprice, and the margin of the lines that cover their energy.
func (b *Batch) Market(p *Path, st *MarketState) {
	hp := st.HashpriceTH[:b.n]
	price, diff, fees := p.BTCPriceUSD[:b.n], p.Difficulty[:b.n], p.FeesBTC[:b.n]
	sub := b.subsidy[:b.n]
	for i := range hp {
		hp[i] = 0
		if d := diff[i]; d > 0 {
			hp[i] = 144 * (sub[i] + fees[i]) * price[i] / (d * two32over600e12)
		}
	}
	b.margins(p, st)
}

// MarketHashprice is Market for a path whose hashprice (USD per TH/s per
// day) is given rather than computed from its BTC price and difficulty.
func (b *Batch) MarketHashprice(p *Path, hashpriceTH []float64, st *MarketState) {
	copy(st.HashpriceTH[:b.n], hashpriceTH[:b.n])
	b.margins(p, st)
}

// margins sums, each month, revenue - energy of the lines that cover
// their energy, at the full fleet.
func (b *Batch) margins(p *Path, st *MarketState) {
	st.path = p
	hp, margin := st.HashpriceTH[:b.n], st.margin[:b.n]
	power := p.PowerUSDPerMWh[:b.n]
	if len(b.lines) == 1 {
		rd, ed := b.revDays[0][:b.n], b.mwhDays[0][:b.n]
		done := 0
		if useAVX2 {
			marginsAVX2(margin, hp, rd, ed, power)
			done = b.n &^ 3
		}
		marginsGo(margin[done:], hp[done:], rd[done:], ed[done:], power[done:])
		return
	}
	for i := range margin {
		var mg float64
		for l := range b.lines {
			lr, le := hp[i]*b.revDays[l][i], b.mwhDays[l][i]*power[i]
			if lr >= le && lr > 0 {
				mg += lr - le
			}
		}
		margin[i] = mg
	}
}

// marginsGo is margins for a single line: revenue - energy where the
// revenue covers the energy, else 0.
func marginsGo(margin, hp, rd, ed, power []float64) {
	n := len(margin)
	hp, rd, ed, power = hp[:n], rd[:n], ed[:n], power[:n]
	for i := range margin {
		lr, le := hp[i]*rd[i], ed[i]*power[i]
		margin[i] = 0
		if lr >= le && lr > 0 {
			margin[i] = lr - le
		}
	}
}

// StrategyResult is what Strategy reports for one strategy on one path.
// EBITDA and FCF are filled only when non-nil (length Months).
type StrategyResult struct {
	EBITDA   []float64 // monthly EBITDA, USD
	FCF      []float64 // free cash flow to equity, terminal value included
	NPV      float64   // of FCF at the site's discount rate
	Terminal float64   // terminal value added to the last month (0 without)
	MinCash  float64   // lowest cumulative FCF (<= 0)
	MinDSCR  float64   // lowest yearly (EBITDA - tax) / debt service; +Inf without debt
	// S1 and S2, when not nil, get EBITDA_i - Ref_i and its square added
	// (streamed moments of the EBITDA across paths, centred on Ref).
	Ref, S1, S2 []float64
}

// Strategy evaluates strategy k on the path of the last Market call. lease,
// when non-nil, replaces the path's LeaseFactor (a tenant default depends
// on when the strategy's lease starts, see Model.LeaseStart). The formulas
// are Model.Run's, evaluated 12-month year by 12-month year in one pass
// over the months: EBITDA, cash before tax, the streamed moments, the
// discounted sum and the running cash of a year's months, then the year's
// tax (losses carried forward; its fixed part summed once in NewBatch)
// taken in its last month. A lease paid in full with power passed through
// (or no AI at all) takes a shortcut for EBITDA.
func (b *Batch) Strategy(k int, st *MarketState, lease []float64, r *StrategyResult) {
	kn := &b.ks[k]
	p := st.path
	n := b.n
	eb := orScratch(r.EBITDA, &st.ebitda, n)
	fcf := orScratch(r.FCF, &st.fcf, n)
	margin := st.margin[:n]
	fast := (kn.noAI || kn.contracted && lease == nil) && !kn.aiPower
	if !fast {
		// The general EBITDA first, in a pass of its own; the year loop
		// below then takes it as given.
		if lease == nil {
			lease = p.LeaseFactor
		}
		lease = lease[:n]
		aiF := lease
		if !kn.contracted {
			aiF = p.GPUPriceFactor[:n]
		}
		ebitdaGeneral(eb, fcf, kn, margin, lease, aiF, p.PowerUSDPerMWh[:n])
	}
	// Each year's Σ EBITDA, its cash before tax and its lowest running cash
	// (both from the start of the year), and the discounted cash.
	l := st.lanes
	var ref, s1, s2 []float64
	if r.S1 != nil {
		ref, s1, s2 = r.Ref[:n], r.S1[:n], r.S2[:n]
	}
	if fast {
		l.lease(eb, fcf, kn.share[:n], margin, kn.fixE[:n], kn.fixCash[:n], kn.df[:n], ref, s1, s2)
	} else {
		l.given(eb, fcf, kn.df[:n])
		if ref != nil {
			moments(eb, ref, s1, s2)
		}
	}
	npv := (l.npv[0] + l.npv[2]) + (l.npv[1] + l.npv[3])
	// Then each year's tax (losses carried forward), taken in its last
	// month, and the running cash.
	var carry, cum, minCash float64
	minDSCR := math.Inf(1)
	r.Terminal = 0
	for y, y0 := 0, 0; y0 < n; y, y0 = y+1, y0+12 {
		end := min(y0+12, n)
		sumE := l.sumE[y]
		var tax float64
		tax, carry = finance.YearTax(sumE+kn.fixTaxY[y], carry, kn.taxRate)
		if low := cum + l.low[y]; low < minCash {
			minCash = low
		}
		fcf[end-1] -= tax
		npv -= tax * kn.df[end-1]
		cum = cum + l.cum[y] - tax
		if end == n && kn.m.terminal {
			r.Terminal = b.terminal(kn, st, eb)
			fcf[n-1] += r.Terminal
			npv += r.Terminal * kn.df[n-1]
			cum += r.Terminal
		}
		if cum < minCash {
			minCash = cum
		}
		if kn.hasDebt {
			if service := kn.serviceY[y]; service > 0 {
				minDSCR = min(minDSCR, (sumE-tax)/service)
			}
		}
	}
	r.NPV, r.MinCash, r.MinDSCR = npv, minCash, minDSCR
}

// orScratch returns dst[:n], or when dst is nil the first n floats of
// *scratch (grown to n when shorter).
func orScratch(dst []float64, scratch *[]float64, n int) []float64 {
	if dst != nil {
		return dst[:n]
	}
	if len(*scratch) < n {
		*scratch = make([]float64, n)
	}
	return (*scratch)[:n]
}

// maxLaneYears bounds the years of a leaseLanes (site files allow 50).
const maxLaneYears = 64

// leaseLanes holds a strategy's yearly sums for Strategy, gathered on four
// lanes, lane k taking the months 4b+k of each 12-month year: per year
// (from its first month) Σ EBITDA, the cash before tax and the lowest
// running cash at the end of each month before the last; and Σ cash ×
// discount factor per lane. Within a block of four months the running
// cash goes by a two-step prefix sum: with f the block's cash, a_k = f_k +
// f_(k-1) and b_k = a_k + a_(k-2), a term before the block counting 0.
// Its pointers and months are for leaseAVX2: lease_amd64.s reads the
// fields at their offsets (TestLeaseLanesLayout checks them).
type leaseLanes struct {
	eb, fcf, share, margin, fixE, fixCash, df, ref, s1, s2 *float64
	months                                                 int // for leaseAVX2: 12 × its whole years
	npv                                                    [4]float64
	sumE, cum, low                                         [maxLaneYears]float64
}

// lease computes EBITDA_i = share_i × margin_i + (lease - opex)_i and cash
// before tax EBITDA_i + fixCash_i for every month, their yearly sums and
// the discounted cash and, when ref is not nil, adds EBITDA_i - ref_i and
// its square to s1 and s2 (the streamed moments across paths). On amd64
// with AVX2 a block of four months goes in one vector register each
// (lease_amd64.s) with the operations of leaseGo in the same order, so the
// same bits.
func (l *leaseLanes) lease(eb, fcf, share, margin, fixE, fixCash, df, ref, s1, s2 []float64) {
	n := len(eb)
	l.npv = [4]float64{}
	years := 0
	if useAVX2 && n >= 12 {
		years = n / 12
		l.months = 12 * years
		l.eb, l.fcf, l.share, l.margin, l.fixE, l.fixCash, l.df = &eb[0], &fcf[0], &share[0], &margin[0], &fixE[0], &fixCash[0], &df[0]
		l.ref, l.s1, l.s2 = nil, nil, nil
		if ref != nil {
			l.ref, l.s1, l.s2 = &ref[0], &s1[0], &s2[0]
		}
		leaseAVX2(l)
	}
	l.leaseGo(years, eb, fcf, share, margin, fixE, fixCash, df, ref, s1, s2)
}

// leaseGo is lease from year y0 on, in Go.
func (l *leaseLanes) leaseGo(y0 int, eb, fcf, share, margin, fixE, fixCash, df, ref, s1, s2 []float64) {
	n := len(eb)
	fcf, share, margin, fixE, fixCash, df = fcf[:n], share[:n], margin[:n], fixE[:n], fixCash[:n], df[:n]
	if ref != nil {
		ref, s1, s2 = ref[:n], s1[:n], s2[:n]
	}
	for y := y0; 12*y < n; y++ {
		end := min(12*y+12, n)
		var sum, low [4]float64
		c := 0.0
		for i := 12 * y; i < end; i += 4 {
			var f [4]float64
			m := min(4, end-i)
			for k := range m {
				j := i + k
				e := share[j]*margin[j] + fixE[j]
				f[k] = e + fixCash[j]
				eb[j], fcf[j] = e, f[k]
				sum[k] += e
				l.npv[k] += f[k] * df[j]
				if ref != nil {
					d := e - ref[j]
					s1[j] += d
					s2[j] += d * d
				}
			}
			a0, a1, a2, a3 := f[0]+0, f[1]+f[0], f[2]+f[1], f[3]+f[2]
			b := [4]float64{a0 + 0, a1 + 0, a2 + a0, a3 + a1}
			ex := [4]float64{c + 0, c + b[0], c + b[1], c + b[2]}
			for k := range m {
				if ex[k] < low[k] {
					low[k] = ex[k]
				}
			}
			c += b[3]
		}
		l.sumE[y] = (sum[0] + sum[2]) + (sum[1] + sum[3])
		l.cum[y] = c
		l.low[y] = low[0]
		for _, v := range low[1:] {
			if v < l.low[y] {
				l.low[y] = v
			}
		}
	}
}

// given gathers the yearly sums of months whose EBITDA and cash before tax
// are computed, one month after another.
func (l *leaseLanes) given(eb, fcf, df []float64) {
	n := len(eb)
	fcf, df = fcf[:n], df[:n]
	var npv float64
	for y := 0; 12*y < n; y++ {
		var sumE, c, low float64
		for i := 12 * y; i < min(12*y+12, n); i++ {
			sumE += eb[i]
			npv += fcf[i] * df[i]
			if c < low {
				low = c
			}
			c += fcf[i]
		}
		l.sumE[y], l.cum[y], l.low[y] = sumE, c, low
	}
	l.npv = [4]float64{npv, 0, 0, 0}
}

// ebitdaGeneral is Model.Run's EBITDA with the AI revenue following the
// lease (or GPU price) factor and the AI power bill the power price; fcf
// gets the cash before tax.
func ebitdaGeneral(eb, fcf []float64, kn *kernel, margin, lease, aiF, power []float64) {
	n := len(eb)
	fcf, margin, lease, aiF, power = fcf[:n], margin[:n], lease[:n], aiF[:n], power[:n]
	share, opex, rev, mwh, fixCash := kn.share[:n], kn.opex[:n], kn.aiRevBase[:n], kn.aiMWh[:n], kn.fixCash[:n]
	for i := range eb {
		aiEnergy := mwh[i] * power[i]
		if kn.contracted {
			aiEnergy *= lease[i]
		}
		e := share[i]*margin[i] + (rev[i]*aiF[i] - aiEnergy) - opex[i]
		eb[i] = e
		fcf[i] = e + fixCash[i]
	}
}

// moments adds e_i - ref_i to s1 and its square to s2.
func moments(eb, ref, s1, s2 []float64) {
	ref, s1, s2 = ref[:len(eb)], s1[:len(eb)], s2[:len(eb)]
	for i, e := range eb {
		d := e - ref[i]
		s1[i] += d
		s2[i] += d * d
	}
}

// terminal is Model.terminalValue from the last twelve months' EBITDA of
// each segment.
func (b *Batch) terminal(kn *kernel, st *MarketState, eb []float64) float64 {
	n := b.n
	var mine, total float64
	for i := max(0, n-12); i < n; i++ {
		mine += kn.share[i]*st.margin[i] - kn.miningOpex[i]
		total += eb[i]
	}
	return kn.m.terminalFrom(mine, total-mine)
}

// terminalFrom is terminalValue given the trailing twelve months' EBITDA
// of each segment.
func (m *Model) terminalFrom(mine, ai float64) float64 {
	n := m.months
	repaid := 0.0
	for i := range n {
		repaid += m.principal[i]
	}
	owed := m.loanDrawn[n-1] - repaid
	return max(0, mine)*m.multMining + max(0, ai)*m.multDC - max(0, owed)
}

// LeaseStart is the first month (index from the site's start) in which the
// converted capacity earns; Months() when nothing converts.
func (m *Model) LeaseStart() int { return min(m.leaseIdx, m.months) }

// Contracted reports whether the strategy's AI revenue is a lease (its
// revenue follows Path.LeaseFactor) rather than GPU rentals (which follow
// Path.GPUPriceFactor).
func (m *Model) Contracted() bool { return m.contracted }

// HasDebt reports whether the strategy borrows (so DSCR is defined).
func (m *Model) HasDebt() bool { return m.debtShare > 0 }

// SubsidyBTC returns a copy of the mean block subsidy of each month, BTC,
// as the batch's models use it.
func (b *Batch) SubsidyBTC() []float64 { return append([]float64(nil), b.subsidy...) }

// Mines reports whether strategy k keeps any of the fleet mining in any
// month (its results then depend on the hashprice).
func (b *Batch) Mines(k int) bool {
	for _, s := range b.ks[k].share {
		if s != 0 {
			return true
		}
	}
	return false
}

// PaysAIPower reports whether strategy k pays for the AI load's power (its
// results then depend on the power price).
func (b *Batch) PaysAIPower(k int) bool { return b.ks[k].aiPower }
