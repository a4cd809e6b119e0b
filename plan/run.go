package plan

import (
	"fmt"
	"math"

	"github.com/hashpivot/hashpivot/finance"
)

// Result holds one run's monthly cash flows (USD per month) and its
// headline figures. Reuse one Result across runs: Run overwrites it.
type Result struct {
	MiningRevenue []float64
	MiningEnergy  []float64
	MiningOpex    []float64
	AIRevenue     []float64
	AIEnergy      []float64
	AIOpex        []float64
	MiningEBITDA  []float64
	AIEBITDA      []float64
	EBITDA        []float64
	Capex         []float64
	Salvage       []float64
	Depreciation  []float64
	Interest      []float64
	Principal     []float64
	Tax           []float64
	FCF           []float64 // free cash flow to equity, terminal value included
	HashpriceTH   []float64 // USD per TH/s per day
	LinesOn       []int     // fleet lines switched on each month

	NPV      float64 // of FCF at the site's discount rate, first month one period out
	Terminal float64 // terminal value added to the last month (0 without)
	MinCash  float64 // lowest cumulative FCF (<= 0)
	MinDSCR  float64 // lowest yearly (EBITDA - tax) / debt service; +Inf without debt
}

// NewResult allocates a result for a model of n months.
func NewResult(n int) *Result {
	f := func() []float64 { return make([]float64, n) }
	return &Result{
		MiningRevenue: f(), MiningEnergy: f(), MiningOpex: f(), AIRevenue: f(), AIEnergy: f(), AIOpex: f(),
		MiningEBITDA: f(), AIEBITDA: f(), EBITDA: f(), Capex: f(), Salvage: f(), Depreciation: f(),
		Interest: f(), Principal: f(), Tax: f(), FCF: f(), HashpriceTH: f(), LinesOn: make([]int, n),
	}
}

// two32over600e12 converts difficulty to network TH/s: D × 2^32 / 600 / 1e12.
const two32over600e12 = 4294967296.0 / 600 / 1e12

// Run evaluates the model on market path p into r. It does not allocate.
// Per month i of d days (see package bitcoin and DESIGN.md):
//
//	hashprice = 144 (subsidy + fees) price / (D 2^32/600/1e12)      USD/TH/day
//	revenue_l = hashprice × TH_l × uptime × d × (1 - pool_fee)       per line
//	energy_l  = W_l × uptime × pue × 24 × d × power / 1e6            per line
//	a line with revenue_l < energy_l is off that month (both 0)
//	EBITDA    = mining revenue - energy - opex + AI revenue - AI power - AI opex
//	tax       = rate × taxable income of each 12-month year, losses carried forward
//	FCF       = EBITDA + salvage - tax - capex × (1 - debt share) - interest - principal
//
// and NPV = Σ FCF_i / (1+rM)^(i+1) with rM = (1+r)^(1/12) - 1.
func (m *Model) Run(p *Path, r *Result) {
	n := m.months
	// Reslice to n so the compiler drops bounds checks in the loop.
	mAiMWh := m.aiMWh[:n]
	mAiOpex := m.aiOpex[:n]
	mAiRevBase := m.aiRevBase[:n]
	mCapex := m.capex[:n]
	mDays := m.days[:n]
	mDepreciation := m.depreciation[:n]
	mInterest := m.interest[:n]
	mMineShare := m.mineShare[:n]
	mMiningOpex := m.miningOpex[:n]
	mPrincipal := m.principal[:n]
	mSalvage := m.salvage[:n]
	mSubsidy := m.subsidy[:n]
	pBTCPriceUSD := p.BTCPriceUSD[:n]
	pDifficulty := p.Difficulty[:n]
	pFeesBTC := p.FeesBTC[:n]
	pGPUPriceFactor := p.GPUPriceFactor[:n]
	pLeaseFactor := p.LeaseFactor[:n]
	pPowerUSDPerMWh := p.PowerUSDPerMWh[:n]
	rAIEBITDA := r.AIEBITDA[:n]
	rAIEnergy := r.AIEnergy[:n]
	rAIOpex := r.AIOpex[:n]
	rAIRevenue := r.AIRevenue[:n]
	rCapex := r.Capex[:n]
	rDepreciation := r.Depreciation[:n]
	rEBITDA := r.EBITDA[:n]
	rFCF := r.FCF[:n]
	rHashpriceTH := r.HashpriceTH[:n]
	rInterest := r.Interest[:n]
	rLinesOn := r.LinesOn[:n]
	rMiningEBITDA := r.MiningEBITDA[:n]
	rMiningEnergy := r.MiningEnergy[:n]
	rMiningOpex := r.MiningOpex[:n]
	rMiningRevenue := r.MiningRevenue[:n]
	rPrincipal := r.Principal[:n]
	rSalvage := r.Salvage[:n]
	rTax := r.Tax[:n]
	disc, df := 1/(1+m.monthlyRate), 1.0
	var npv, cum, minCash float64
	var yearTaxable, carry float64
	var yearCashForDebt, yearService float64
	minDSCR := math.Inf(1)
	for i := range n {
		hp := 0.0
		if d := pDifficulty[i]; d > 0 {
			hp = 144 * (mSubsidy[i] + pFeesBTC[i]) * pBTCPriceUSD[i] / (d * two32over600e12)
		}
		rHashpriceTH[i] = hp
		share, days, power := mMineShare[i], mDays[i], pPowerUSDPerMWh[i]
		var rev, energy float64
		on := 0
		for _, l := range m.lines {
			lr := hp * l.revPerHPD * days * share
			le := l.mwhPerDay * days * share * power
			if lr >= le && lr > 0 {
				rev += lr
				energy += le
				on++
			}
		}
		rLinesOn[i] = on
		rMiningRevenue[i], rMiningEnergy[i], rMiningOpex[i] = rev, energy, mMiningOpex[i]
		mineE := rev - energy - mMiningOpex[i]

		aiFactor := pLeaseFactor[i]
		if !m.contracted {
			aiFactor = pGPUPriceFactor[i]
		}
		aiRev := mAiRevBase[i] * aiFactor
		aiEnergy := mAiMWh[i] * power
		if m.contracted {
			aiEnergy *= pLeaseFactor[i] // an empty hall draws no IT power
		}
		rAIRevenue[i], rAIEnergy[i], rAIOpex[i] = aiRev, aiEnergy, mAiOpex[i]
		aiE := aiRev - aiEnergy - mAiOpex[i]
		ebitda := mineE + aiE
		rMiningEBITDA[i], rAIEBITDA[i], rEBITDA[i] = mineE, aiE, ebitda

		capex, salv := mCapex[i], mSalvage[i]
		rCapex[i], rSalvage[i] = capex, salv
		rDepreciation[i], rInterest[i], rPrincipal[i] = mDepreciation[i], mInterest[i], mPrincipal[i]

		// Salvage of fully depreciated ASICs is taxable (§1245 recapture).
		yearTaxable += ebitda + salv - mDepreciation[i] - mInterest[i]
		tax := 0.0
		if i%12 == 11 || i == n-1 {
			tax, carry = finance.YearTax(yearTaxable, carry, m.taxRate)
			yearTaxable = 0
		}
		rTax[i] = tax
		service := mInterest[i] + mPrincipal[i]
		fcf := ebitda + salv - tax - capex*(1-m.debtShare) - service

		yearCashForDebt += ebitda - tax
		yearService += service
		if i%12 == 11 || i == n-1 {
			if yearService > 0 {
				minDSCR = min(minDSCR, yearCashForDebt/yearService)
			}
			yearCashForDebt, yearService = 0, 0
		}

		if i == n-1 {
			r.Terminal = 0
			if m.terminal {
				r.Terminal = m.terminalValue(r)
				fcf += r.Terminal
			}
		}
		rFCF[i] = fcf
		df *= disc
		npv += fcf * df
		cum += fcf
		minCash = min(minCash, cum)
	}
	r.NPV, r.MinCash, r.MinDSCR = npv, minCash, minDSCR
}

// terminalValue is the trailing twelve months' EBITDA of each segment at
// its EV/EBITDA multiple (a segment losing money is worth 0, not less),
// less the debt still owed.
func (m *Model) terminalValue(r *Result) float64 {
	n := m.months
	var mine, ai, repaid float64
	for i := max(0, n-12); i < n; i++ {
		mine += r.MiningEBITDA[i]
		ai += r.AIEBITDA[i]
	}
	for i := range n {
		repaid += m.principal[i]
	}
	owed := m.loanDrawn[n-1] - repaid
	return max(0, mine)*m.multMining + max(0, ai)*m.multDC - max(0, owed)
}

// String names the model for messages.
func (m *Model) String() string {
	return fmt.Sprintf("%s/%s", m.Site.Name, m.Strategy.Name)
}
