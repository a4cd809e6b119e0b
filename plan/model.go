package plan

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashpivot/hashpivot/aihost"
	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/finance"
	"github.com/hashpivot/hashpivot/retrofit"
	"github.com/hashpivot/hashpivot/site"
)

// ErrModel is returned by Compile for a site or strategy it cannot model.
var ErrModel = errors.New("plan: cannot model")

// line is one fleet line's per-day factors.
type line struct {
	name      string
	th, w     float64 // totals, TH/s and W
	revPerHPD float64 // USD of revenue per (USD/TH/day of hashprice) per day: th × uptime × (1 - pool fee)
	mwhPerDay float64 // MWh drawn per day when on: w × uptime × pue × 24 / 1e6
}

// Model is a strategy compiled against its site: everything that does not
// depend on the market path.
type Model struct {
	Site     *site.Site
	Strategy site.Strategy
	Retrofit retrofit.Result

	months       int
	startIdx     int // month the conversion starts
	leaseIdx     int // first month the converted capacity earns
	rampIdx      int // first month of full run-rate
	monthlyRate  float64
	days, hours  []float64
	subsidy      []float64 // mean subsidy per block of each month, BTC
	lines        []line
	mineShare    []float64 // share of the fleet mining in each month
	miningOpex   []float64 // USD per month
	aiRevBase    []float64 // AI revenue on the deterministic path, USD
	aiMWh        []float64 // AI energy the landlord pays for, MWh per month
	aiOpex       []float64 // USD per month
	contracted   bool      // AI revenue is a lease (contracted)
	capex        []float64 // USD per month
	capexItems   []CapexItem
	salvage      []float64 // USD per month
	depreciation []float64
	interest     []float64
	principal    []float64
	loanDrawn    []float64 // cumulative loans drawn by the end of each month
	debtShare    float64
	taxRate      float64
	terminal     bool
	multMining   float64
	multDC       float64
	gpus         int
	pendingDep   []depItem
}

// CapexItem is one capex line of a strategy, summed over the horizon.
type CapexItem struct {
	Name string  `json:"name"`
	USD  float64 `json:"usd"`
}

// Months is the number of modelled months.
func (m *Model) Months() int { return m.months }

// Compile prepares strategy st of site s for Run.
func Compile(s *site.Site, st site.Strategy) (*Model, error) {
	n := Months(s)
	if n <= 0 {
		return nil, fmt.Errorf("%w: horizon of %d months", ErrModel, n)
	}
	m := &Model{Site: s, Strategy: st, months: n,
		monthlyRate: finance.MonthlyRate(s.Finance.DiscountRate),
		debtShare:   s.Finance.Debt.Share, taxRate: s.Finance.TaxRate,
		terminal:   s.Finance.Terminal.Method == "ev_ebitda",
		multMining: s.Finance.Multiples.MiningEVEBITDA, multDC: s.Finance.Multiples.DatacenterEVEBITDA,
	}
	alloc := func() []float64 { return make([]float64, n) }
	m.days, m.hours, m.subsidy = alloc(), alloc(), alloc()
	m.mineShare, m.miningOpex = alloc(), alloc()
	m.aiRevBase, m.aiMWh, m.aiOpex = alloc(), alloc(), alloc()
	m.capex, m.salvage, m.loanDrawn = alloc(), alloc(), alloc()

	// Calendar and subsidy: 144 blocks a day from the start height.
	height := s.Market.BlockHeight
	for i := range n {
		first := s.Start.AddMonths(i).Time
		d := float64(first.AddDate(0, 1, 0).Sub(first) / (24 * time.Hour))
		m.days[i], m.hours[i] = d, d*24
		blocks := int64(d) * bitcoin.BlocksPerDay
		m.subsidy[i] = bitcoin.MeanSubsidyBTC(height, blocks)
		height += blocks
	}

	m.startIdx = st.Start.MonthsSince(s.Start)
	if m.startIdx < 0 || m.startIdx >= n {
		return nil, fmt.Errorf("%w: strategy %q starts at %s, outside the horizon", ErrModel, st.Name, st.Start)
	}
	if st.AIShare == 0 {
		m.startIdx = n // nothing converts
	}
	m.leaseIdx = m.startIdx + s.Retrofit.Months
	m.rampIdx = m.leaseIdx
	if s.AI.Kind == site.KindColocation {
		m.rampIdx += max(0, s.AI.Colocation.LeaseUpMonths-1)
	}

	if err := m.compileMining(); err != nil {
		return nil, err
	}
	if err := m.compileAI(); err != nil {
		return nil, err
	}
	if err := m.compileFinancing(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) compileMining() error {
	s, mi := m.Site, m.Site.Mining
	var totalW, totalTH float64
	for i, l := range mi.Fleet {
		spec, err := s.LineSpec(l)
		if err != nil {
			return fmt.Errorf("%w: mining.fleet[%d]: %v", ErrModel, i, err)
		}
		th, w := spec.TH*float64(l.Units), spec.W*float64(l.Units)
		totalW += w
		totalTH += th
		m.lines = append(m.lines, line{
			name: spec.Name, th: th, w: w,
			revPerHPD: th * mi.Uptime * (1 - mi.PoolFee),
			mwhPerDay: w * mi.Uptime * mi.PUE * 24 / 1e6,
		})
	}
	for i := range m.months {
		m.mineShare[i] = 1
		if i >= m.startIdx {
			m.mineShare[i] = 1 - m.Strategy.AIShare
		}
		m.miningOpex[i] = mi.OpexUSDPerMWMonth * totalW / 1e6 * m.mineShare[i]
	}
	if m.startIdx < m.months {
		m.salvage[m.startIdx] = mi.SalvageUSDPerTH * totalTH * m.Strategy.AIShare
	}
	if every := mi.Refresh.EveryYears; every > 0 {
		for i := every * 12; i < m.months; i += every * 12 {
			m.addCapex("ASIC refresh", i, mi.Refresh.CapexUSDPerTH*totalTH*m.mineShare[i], m.Site.Assumptions.ASICClassYears, i)
		}
	}
	return nil
}

func (m *Model) compileAI() error {
	s := m.Site
	a := s.Assumptions
	pue, _ := a.CoolingPUE.Get(s.Retrofit.Cooling)
	usable, _ := a.RedundancyUsableFraction.Get(s.Retrofit.Redundancy)
	redCapex, _ := a.RedundancyCapexFactor.Get(s.Retrofit.Redundancy)
	coolCapex, _ := a.CoolingCapexUSDPerMW.Get(s.Retrofit.Cooling)
	fabric, _ := a.FabricUSDPerGPU.Get(s.Retrofit.Network)
	kwPerGPU := a.ColocationKWPerGPU
	if s.AI.Kind == site.KindGPUCloud {
		kwPerGPU = s.AI.GPUCloud.ITKWPerGPU
	}
	r, err := retrofit.Design(retrofit.Spec{
		InterconnectMW: s.Grid.InterconnectMW, AIShare: m.Strategy.AIShare, PUE: pue,
		UsableFraction: usable, ITMWOverride: s.Retrofit.ITMW, KWPerGPU: kwPerGPU,
		ElectricalPerMW: a.ElectricalCapexUSDPerMW, RedundancyFactor: redCapex,
		CoolingPerMW: coolCapex, ShellPerMW: a.ShellFitoutUSDPerMW, FabricPerGPU: fabric,
		AllInPerMW: s.Retrofit.CapexUSDPerMWIT,
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrModel, err)
	}
	m.Retrofit = r
	if m.startIdx >= m.months || r.ITMW == 0 {
		return nil
	}
	// Retrofit capex, landlord's share, spread over the retrofit months and
	// placed in service when the capacity starts earning.
	share := 1.0
	if s.AI.Kind == site.KindColocation {
		share = 1 - s.AI.Colocation.TenantCapexShare
	}
	span := max(1, s.Retrofit.Months)
	inService := min(m.leaseIdx, m.months-1)
	for _, it := range r.Items {
		for k := range span {
			if i := m.startIdx + k; i < m.months {
				m.addCapex("retrofit: "+it.Name, i, it.USD*share/float64(span), a.RetrofitClassYears, inService)
			}
		}
	}
	switch s.AI.Kind {
	case site.KindColocation:
		c := s.AI.Colocation
		m.contracted = true
		kw := r.ITMW * 1000
		for i := m.leaseIdx; i < m.months; i++ {
			k := i - m.leaseIdx
			m.aiRevBase[i] = aihost.LeaseRevenueUSD(c.RateUSDPerKWMonth, c.EscalatorPerYear, kw, c.LeaseUpMonths, k)
			m.aiOpex[i] = c.OpexUSDPerMWMonth * r.ITMW
			if !c.PowerPassThrough {
				m.aiMWh[i] = r.ITMW * aihost.LeaseUpFraction(c.LeaseUpMonths, k) * pue * m.hours[i]
			}
		}
	case site.KindGPUCloud:
		g := s.AI.GPUCloud
		m.gpus = aihost.GPUCount(r.ITMW, g.ITKWPerGPU)
		itMW := float64(m.gpus) * g.ITKWPerGPU / 1000
		// GPUs are bought in the last retrofit month and replaced every
		// life_years by the then-current generation, whose rental price
		// starts again at price_usd_per_gpu_hour and declines from there
		// (each generation's price falls from its launch). A replacement
		// is bought only when its whole life fits in the horizon or a
		// terminal value carries the business on; otherwise the old GPUs
		// run on to the end.
		buy := max(m.startIdx, m.leaseIdx-1)
		life := g.LifeYears * 12
		replaces := func(age int) bool { return m.terminal || buy+age+life <= m.months }
		for age := 0; buy+age < m.months; age += life {
			if age > 0 && !replaces(age) {
				break
			}
			m.addCapex("GPU servers", buy+age, float64(m.gpus)*g.CapexUSDPerGPU, a.GPUClassYears, buy+age)
		}
		genStart := m.leaseIdx
		for i := m.leaseIdx; i < m.months; i++ {
			if age := i - m.leaseIdx; age > 0 && age%life == 0 && replaces(age) {
				genStart = i
			}
			price := aihost.GPUPriceUSD(g.PriceUSDPerGPUHour, g.PriceDeclinePerYear, i-genStart)
			m.aiRevBase[i] = aihost.GPURevenueUSD(m.gpus, m.hours[i], g.Utilization, price)
			m.aiOpex[i] = g.OpexUSDPerGPUMonth * float64(m.gpus)
			m.aiMWh[i] = itMW * pue * m.hours[i]
		}
	}
	return nil
}

// addCapex books a capex amount in month i, depreciated from month
// inService over classYears.
func (m *Model) addCapex(name string, i int, usd float64, classYears, inService int) {
	if usd == 0 {
		return
	}
	m.capex[i] += usd
	for k := range m.capexItems {
		if m.capexItems[k].Name == name {
			m.capexItems[k].USD += usd
			m.pendingDep = append(m.pendingDep, depItem{usd, classYears, inService, i})
			return
		}
	}
	m.capexItems = append(m.capexItems, CapexItem{Name: name, USD: usd})
	m.pendingDep = append(m.pendingDep, depItem{usd, classYears, inService, i})
}

type depItem struct {
	usd               float64
	classYears, start int
	spentAt           int
}

func (m *Model) compileFinancing() error {
	n := m.months
	m.depreciation, m.interest, m.principal = make([]float64, n), make([]float64, n), make([]float64, n)
	method := finance.Method(m.Site.Finance.Depreciation)
	for _, d := range m.pendingDep {
		dep, err := finance.DepreciateMonthly(method, d.usd, d.classYears, d.start, n)
		if err != nil {
			return fmt.Errorf("%w: depreciation: %v", ErrModel, err)
		}
		for i, v := range dep {
			m.depreciation[i] += v
		}
	}
	if m.debtShare > 0 {
		debt := m.Site.Finance.Debt
		drawn := 0.0
		for i := range n {
			if loan := m.capex[i] * m.debtShare; loan > 0 {
				drawn += loan
				in, pr, err := finance.Annuity(loan, debt.Rate, debt.TermYears, i+1, n)
				if err != nil {
					return fmt.Errorf("%w: debt: %v", ErrModel, err)
				}
				for k := range n {
					m.interest[k] += in[k]
					m.principal[k] += pr[k]
				}
			}
			m.loanDrawn[i] = drawn
		}
	}
	m.pendingDep = nil
	return nil
}
