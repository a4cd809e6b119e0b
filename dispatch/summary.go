package dispatch

// Summary is the accounting of one dispatch over the whole horizon, in USD
// and MWh. ObjectiveUSD is what Solve maximises; the constant terms (AI
// energy and revenue, PPA settlement, demand-response payment) are
// reported beside it and enter NetMarginUSD.
type Summary struct {
	// ObjectiveUSD = MiningRevenueUSD − EnergyCostUSD − FourCPChargeUSD.
	ObjectiveUSD float64 `json:"objective_usd"`
	// MiningRevenueUSD = Σ MW × hours × hashvalue.
	MiningRevenueUSD float64 `json:"mining_revenue_usd"`
	// EnergyCostUSD = Σ mining MW × hours × price: the mining load at market.
	EnergyCostUSD float64 `json:"energy_cost_usd"`
	// FourCPChargeUSD = charge_usd_per_kw × 1000 × mean site load (AI and
	// mining, MW) over the peak intervals.
	FourCPChargeUSD float64 `json:"four_cp_charge_usd"`
	// DRPaymentUSD = committed_mw × payment × number of event intervals.
	DRPaymentUSD float64 `json:"dr_payment_usd"`
	// PPASettlementUSD is the PPA's settlement against market-priced load
	// (see PPA).
	PPASettlementUSD float64 `json:"ppa_settlement_usd"`
	// AIEnergyCostUSD = ai_firm_mw × hours × Σ price.
	AIEnergyCostUSD float64 `json:"ai_energy_cost_usd"`
	// AIRevenueUSD = ai_firm_mw × hours × intervals × ai_revenue_usd_per_mwh.
	AIRevenueUSD float64 `json:"ai_revenue_usd"`
	// NetMarginUSD = MiningRevenueUSD + AIRevenueUSD − EnergyCostUSD −
	// AIEnergyCostUSD − FourCPChargeUSD + DRPaymentUSD + PPASettlementUSD.
	NetMarginUSD float64 `json:"net_margin_usd"`
	// MiningMWh is the energy the groups used.
	MiningMWh float64 `json:"mining_mwh"`
	// CurtailedMWh = Σ (max_mw − MW) × hours over every group.
	CurtailedMWh float64 `json:"curtailed_mwh"`
	// CurtailedHours counts the hours in which mining ran below its full
	// power (by more than 1e-6 MW).
	CurtailedHours float64 `json:"curtailed_hours"`
	// PeakSiteMW is the highest site load (AI and mining).
	PeakSiteMW float64 `json:"peak_site_mw"`
}

func (s *Summary) netMargin() float64 {
	return s.MiningRevenueUSD + s.AIRevenueUSD - s.EnergyCostUSD - s.AIEnergyCostUSD -
		s.FourCPChargeUSD + s.DRPaymentUSD + s.PPASettlementUSD
}

// curtailTolMW is the shortfall under which mining counts as at full power.
const curtailTolMW = 1e-6

// Evaluate returns the accounting of the dispatch mw (mw[g][t]) of a valid
// problem. It does not check the constraints; see Check.
func Evaluate(p *Problem, mw [][]float64) Summary {
	n := p.Intervals()
	load := make([]float64, n)
	var s Summary
	h := p.Hours()
	for g := range p.Groups {
		gr := &p.Groups[g]
		x := mw[g][:n]
		rev, cost := 0.0, 0.0
		if gr.HashvalueSeries == nil {
			e := 0.0
			for t, v := range x {
				e += v
				cost += v * p.PricesUSDPerMWh[t]
				load[t] += v
			}
			rev = e * gr.HashvalueUSDPerMWh
		} else {
			for t, v := range x {
				rev += v * gr.HashvalueSeries[t]
				cost += v * p.PricesUSDPerMWh[t]
				load[t] += v
			}
		}
		s.MiningRevenueUSD += rev * h
		s.EnergyCostUSD += cost * h
	}
	s.fromLoad(p, load)
	return s
}

// fromLoad fills the terms of s that depend only on the total mining load
// of each interval, and the totals.
func (s *Summary) fromLoad(p *Problem, load []float64) {
	h := p.Hours()
	total := p.TotalMaxMW()
	sumPrice := 0.0
	for t, l := range load {
		price := p.PricesUSDPerMWh[t]
		sumPrice += price
		s.MiningMWh += l * h
		s.CurtailedMWh += (total - l) * h
		if total-l > curtailTolMW {
			s.CurtailedHours += h
		}
		site := l + p.AIFirmMW
		s.PeakSiteMW = max(s.PeakSiteMW, site)
		if ppa := p.PPA; ppa != nil && !ppa.SellBack {
			s.PPASettlementUSD += h * (price*min(site, ppa.MW) - ppa.StrikeUSDPerMWh*ppa.MW)
		}
	}
	if ppa := p.PPA; ppa != nil && ppa.SellBack {
		s.PPASettlementUSD = ppa.MW * h * (sumPrice - ppa.StrikeUSDPerMWh*float64(len(load)))
	}
	s.AIEnergyCostUSD = p.AIFirmMW * h * sumPrice
	if c := p.FourCP; c != nil && len(c.PeakIntervals) > 0 {
		peakLoad := 0.0
		for _, t := range c.PeakIntervals {
			peakLoad += load[t] + p.AIFirmMW
		}
		s.FourCPChargeUSD = c.ChargeUSDPerKW * 1000 * peakLoad / float64(len(c.PeakIntervals))
	}
	if dr := p.DemandResponse; dr != nil {
		s.DRPaymentUSD = dr.CommittedMW * dr.PaymentUSDPerMWInterval * float64(len(dr.EventIntervals))
	}
	s.AIRevenueUSD = p.AIFirmMW * h * float64(len(load)) * p.AIRevenueUSDPerMWh
	s.ObjectiveUSD = s.MiningRevenueUSD - s.EnergyCostUSD - s.FourCPChargeUSD
	s.NetMarginUSD = s.netMargin()
}

// baseline returns the accounting of AlwaysOn(p) without building it: each
// group's level is constant. It has no demand-response payment.
func baseline(p *Problem) Summary {
	var s Summary
	h := p.Hours()
	sumPrice := 0.0
	for _, v := range p.PricesUSDPerMWh {
		sumPrice += v
	}
	left := max(0, p.SiteCapMW-p.AIFirmMW)
	level := 0.0
	for g := range p.Groups {
		gr := &p.Groups[g]
		x := min(gr.MaxMW, left)
		left -= x
		level += x
		sumHV := gr.HashvalueUSDPerMWh * float64(p.Intervals())
		if gr.HashvalueSeries != nil {
			sumHV = 0
			for _, v := range gr.HashvalueSeries {
				sumHV += v
			}
		}
		s.MiningRevenueUSD += x * h * sumHV
		s.EnergyCostUSD += x * h * sumPrice
	}
	load := make([]float64, p.Intervals())
	for t := range load {
		load[t] = level
	}
	s.fromLoad(p, load)
	s.DRPaymentUSD = 0
	s.NetMarginUSD = s.netMargin()
	return s
}

// AlwaysOn returns the naive dispatch: every group at full power in every
// interval, filled in problem order up to the site cap less the AI load,
// with no demand-response enrolment (so no event limit and no payment).
func AlwaysOn(p *Problem) [][]float64 {
	room := max(0, p.SiteCapMW-p.AIFirmMW)
	mw := make([][]float64, len(p.Groups))
	left := room
	for g := range p.Groups {
		x := min(p.Groups[g].MaxMW, left)
		left -= x
		mw[g] = make([]float64, p.Intervals())
		for t := range mw[g] {
			mw[g][t] = x
		}
	}
	return mw
}

// Reason says why an interval's mining load is what it is.
type Reason string

// Reasons, checked in this order.
const (
	// ReasonFull: every group at full power.
	ReasonFull Reason = "full"
	// ReasonDREvent: a demand-response event limits mining.
	ReasonDREvent Reason = "dr_event"
	// ReasonSiteCap: the site cap is reached.
	ReasonSiteCap Reason = "site_cap"
	// ReasonRamp: a group sits between off and full power, on its way
	// along a ramp.
	ReasonRamp Reason = "ramp"
	// ReasonFourCP: a 4CP peak interval in which a group that earns more
	// than the price is curtailed.
	ReasonFourCP Reason = "four_cp_peak"
	// ReasonPrice: the groups that are off would lose money at this price.
	ReasonPrice Reason = "price"
)

// Reasons returns the reason of each interval of the dispatch mw.
func Reasons(p *Problem, mw [][]float64) []Reason {
	n := p.Intervals()
	out := make([]Reason, n)
	head := headroom(p)
	capRoom := max(0, p.SiteCapMW-p.AIFirmMW)
	total := p.TotalMaxMW()
	const (
		isEvent = 1 << iota
		isPeak
		isPartial
		wouldEarn
	)
	flags := make([]uint8, n)
	if dr := p.DemandResponse; dr != nil && dr.CommittedMW > 0 {
		for _, t := range dr.EventIntervals {
			flags[t] |= isEvent
		}
	}
	if p.FourCP != nil {
		for _, t := range p.FourCP.PeakIntervals {
			flags[t] |= isPeak
		}
	}
	loads := make([]float64, n)
	for g := range p.Groups {
		gr := &p.Groups[g]
		m := gr.MaxMW
		for t, x := range mw[g][:n] {
			loads[t] += x
			if x < m-curtailTolMW {
				if x > curtailTolMW {
					flags[t] |= isPartial
				}
				if gr.Hashvalue(t) > p.PricesUSDPerMWh[t] {
					flags[t] |= wouldEarn
				}
			}
		}
	}
	for t, load := range loads {
		f := flags[t]
		switch {
		case load >= total-curtailTolMW:
			out[t] = ReasonFull
		case f&isEvent != 0 && load >= head[t]-curtailTolMW:
			out[t] = ReasonDREvent
		case load >= capRoom-curtailTolMW:
			out[t] = ReasonSiteCap
		case f&isPartial != 0:
			out[t] = ReasonRamp
		case f&isPeak != 0 && f&wouldEarn != 0:
			out[t] = ReasonFourCP
		default:
			out[t] = ReasonPrice
		}
	}
	return out
}

// Violation describes a constraint a dispatch breaks.
type Violation struct {
	Interval int    // the interval
	Group    int    // the group, -1 for a site-level constraint
	What     string // which constraint
}

// Check returns the constraints of p that the dispatch mw breaks by more
// than tolMW: bounds, ramps, the site cap and demand-response limits.
func Check(p *Problem, mw [][]float64, tolMW float64) []Violation {
	var v []Violation
	head := headroom(p)
	for t := range p.Intervals() {
		load := 0.0
		for g := range p.Groups {
			gr := &p.Groups[g]
			x := mw[g][t]
			load += x
			if x < -tolMW || x > gr.MaxMW+tolMW {
				v = append(v, Violation{t, g, "outside [0, max_mw]"})
			}
			if t > 0 && gr.RampMWPerInterval > 0 {
				if d := x - mw[g][t-1]; d > gr.RampMWPerInterval+tolMW || -d > gr.RampMWPerInterval+tolMW {
					v = append(v, Violation{t, g, "ramp limit"})
				}
			}
		}
		if load > head[t]+tolMW {
			v = append(v, Violation{t, -1, "site cap or demand-response limit"})
		}
	}
	return v
}
