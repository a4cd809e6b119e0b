package site

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/hashpivot/hashpivot/asic"
)

// checker accumulates field errors.
type checker struct {
	s    *Site
	errs []error
}

func (c *checker) add(path, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{File: c.s.source, Line: c.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// line finds the line of path or of its nearest present ancestor.
func (c *checker) line(path string) int {
	for p := path; p != ""; {
		if l, ok := c.s.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (c *checker) positive(path string, v float64) {
	if !(v > 0) {
		c.add(path, "must be > 0, got %v", v)
	}
}

func (c *checker) nonNeg(path string, v float64) {
	if v < 0 {
		c.add(path, "must be >= 0, got %v", v)
	}
}

func (c *checker) between(path string, v, lo, hi float64) {
	if v < lo || v > hi {
		c.add(path, "must be between %v and %v, got %v", lo, hi, v)
	}
}

func (c *checker) oneOf(path, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(path, "must be one of %s, got %q", strings.Join(allowed, " | "), v)
}

// Validate checks every field and returns all problems joined.
func (s *Site) Validate() error {
	c := &checker{s: s}
	c.finite(reflect.ValueOf(s).Elem(), "")
	if s.Version != 1 {
		c.add("version", "must be 1, got %d", s.Version)
	}
	if strings.TrimSpace(s.Name) == "" {
		c.add("name", "required")
	}
	if s.Start.IsZero() && s.Start.raw == "" {
		c.add("start", "required (YYYY-MM)")
	}
	if s.HorizonYears < 1 || s.HorizonYears > 50 {
		c.add("horizon_years", "must be between 1 and 50, got %d", s.HorizonYears)
	}
	c.positive("grid.interconnect_mw", s.Grid.InterconnectMW)
	c.nonNeg("power.price_usd_per_mwh", s.Power.PriceUSDPerMWh)
	s.validateMarket(c)
	s.validateMining(c)
	s.validateAI(c)
	s.validateRetrofit(c)
	s.validateFinance(c)
	s.validateStrategies(c)
	s.validateRisk(c)
	s.validateAssumptions(c)
	if len(c.errs) == 0 {
		return nil
	}
	return errors.Join(c.errs...)
}

// finite reports every NaN or infinite number anywhere in the site.
func (c *checker) finite(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			c.add(path, "must be a finite number, got %v", f)
		}
	case reflect.Struct:
		if m, ok := v.Interface().(Month); ok {
			if m.raw != "" {
				c.add(path, "want a month as YYYY-MM, got %q", m.raw)
			}
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if !f.IsExported() || tag == "" || tag == "-" {
				continue
			}
			p := tag
			if path != "" {
				p = path + "." + tag
			}
			c.finite(v.Field(i), p)
		}
	case reflect.Slice:
		for i := range v.Len() {
			c.finite(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (s *Site) validateMarket(c *checker) {
	m := s.Market
	if len(s.Mining.Fleet) > 0 {
		if !(m.BTCPriceUSD > 0) {
			c.add("market.btc_price_usd", "must be > 0 for a site with a fleet, got %v (set it, or use --market live)", m.BTCPriceUSD)
		}
		if !(m.Difficulty > 0) {
			c.add("market.difficulty", "must be > 0 for a site with a fleet, got %v (set it, or use --market live)", m.Difficulty)
		}
		if m.BlockHeight <= 0 {
			c.add("market.block_height", "must be > 0 for a site with a fleet, got %d (set it, or use --market live)", m.BlockHeight)
		}
	}
	c.nonNeg("market.fees_btc_per_block", m.FeesBTCPerBlock)
	if m.HashrateGrowthPerYear <= -1 {
		c.add("market.hashrate_growth_per_year", "must be > -1, got %v", m.HashrateGrowthPerYear)
	}
	if m.BTCPriceGrowthPerYear <= -1 {
		c.add("market.btc_price_growth_per_year", "must be > -1, got %v", m.BTCPriceGrowthPerYear)
	}
}

func (s *Site) validateMining(c *checker) {
	m := s.Mining
	c.between("mining.pue", m.PUE, 1, 3)
	if !(m.Uptime > 0 && m.Uptime <= 1) {
		c.add("mining.uptime", "must be in (0, 1], got %v", m.Uptime)
	}
	if !(m.PoolFee >= 0 && m.PoolFee < 1) {
		c.add("mining.pool_fee", "must be in [0, 1), got %v", m.PoolFee)
	}
	c.nonNeg("mining.opex_usd_per_mw_month", m.OpexUSDPerMWMonth)
	for i, l := range m.Fleet {
		p := fmt.Sprintf("mining.fleet[%d]", i)
		if l.Units <= 0 {
			c.add(p+".units", "must be > 0, got %d", l.Units)
		}
		c.nonNeg(p+".th", l.TH)
		c.nonNeg(p+".w", l.W)
		if l.TH > 0 && l.W > 0 {
			if j := l.W / l.TH; j < 5 || j > 200 {
				c.add(p, "efficiency %.1f J/TH (w/th) is outside 5–200; check th and w", j)
			}
			continue
		}
		if strings.TrimSpace(l.Model) == "" {
			c.add(p+".model", "required unless both th and w are given")
			continue
		}
		if _, err := asic.Lookup(l.Model); err != nil {
			c.add(p+".model", "unknown model %q (known: %s); or give th and w", l.Model, strings.Join(asic.Names(), ", "))
		}
	}
	if m.Refresh.EveryYears < 0 {
		c.add("mining.refresh.every_years", "must be >= 0, got %d", m.Refresh.EveryYears)
	}
	c.nonNeg("mining.refresh.capex_usd_per_th", m.Refresh.CapexUSDPerTH)
	c.nonNeg("mining.salvage_usd_per_th", m.SalvageUSDPerTH)
	if drawMW := s.FleetDrawMW(); drawMW > s.Grid.InterconnectMW && s.Grid.InterconnectMW > 0 {
		c.add("mining.fleet", "nameplate draw %.2f MW × pue %.2f = %.2f MW exceeds grid.interconnect_mw %.2f",
			s.FleetNameplateW()/1e6, m.PUE, drawMW, s.Grid.InterconnectMW)
	}
}

func (s *Site) validateAI(c *checker) {
	a := s.AI
	c.oneOf("ai.kind", a.Kind, KindColocation, KindGPUCloud)
	col := a.Colocation
	c.nonNeg("ai.colocation.rate_usd_per_kw_month", col.RateUSDPerKWMonth)
	if col.EscalatorPerYear <= -1 {
		c.add("ai.colocation.escalator_per_year", "must be > -1, got %v", col.EscalatorPerYear)
	}
	if col.TermYears < 1 {
		c.add("ai.colocation.term_years", "must be >= 1, got %d", col.TermYears)
	}
	if col.LeaseUpMonths < 0 {
		c.add("ai.colocation.lease_up_months", "must be >= 0, got %d", col.LeaseUpMonths)
	}
	c.between("ai.colocation.tenant_capex_share", col.TenantCapexShare, 0, 1)
	c.nonNeg("ai.colocation.opex_usd_per_mw_month", col.OpexUSDPerMWMonth)
	g := a.GPUCloud
	if strings.TrimSpace(g.GPU) == "" {
		c.add("ai.gpu_cloud.gpu", "required")
	}
	c.nonNeg("ai.gpu_cloud.price_usd_per_gpu_hour", g.PriceUSDPerGPUHour)
	if !(g.PriceDeclinePerYear >= 0 && g.PriceDeclinePerYear < 1) {
		c.add("ai.gpu_cloud.price_decline_per_year", "must be in [0, 1), got %v", g.PriceDeclinePerYear)
	}
	c.between("ai.gpu_cloud.utilization", g.Utilization, 0, 1)
	c.nonNeg("ai.gpu_cloud.capex_usd_per_gpu", g.CapexUSDPerGPU)
	c.positive("ai.gpu_cloud.it_kw_per_gpu", g.ITKWPerGPU)
	if g.LifeYears < 1 {
		c.add("ai.gpu_cloud.life_years", "must be >= 1, got %d", g.LifeYears)
	}
	c.nonNeg("ai.gpu_cloud.opex_usd_per_gpu_month", g.OpexUSDPerGPUMonth)
}

func (s *Site) validateRetrofit(c *checker) {
	r := s.Retrofit
	c.oneOf("retrofit.cooling", r.Cooling, CoolingAir, CoolingRearDoor, CoolingDirectLiquid, CoolingImmersion)
	c.oneOf("retrofit.redundancy", r.Redundancy, RedundancyN, RedundancyNPlus1, Redundancy2N)
	c.oneOf("retrofit.network", r.Network, NetworkNone, NetworkEthernetRoCE, NetworkInfiniBand)
	if r.Months < 0 || r.Months > 120 {
		c.add("retrofit.months", "must be between 0 and 120, got %d", r.Months)
	}
	c.nonNeg("retrofit.it_mw", r.ITMW)
	c.nonNeg("retrofit.capex_usd_per_mw_it", r.CapexUSDPerMWIT)
	if pue, ok := s.Assumptions.CoolingPUE.Get(r.Cooling); ok && r.ITMW > 0 && r.ITMW*pue > s.Grid.InterconnectMW {
		c.add("retrofit.it_mw", "%.2f MW of IT × PUE %.2f = %.2f MW exceeds grid.interconnect_mw %.2f",
			r.ITMW, pue, r.ITMW*pue, s.Grid.InterconnectMW)
	}
}

func (s *Site) validateFinance(c *checker) {
	f := s.Finance
	if !(f.DiscountRate > -1 && f.DiscountRate < 10) {
		c.add("finance.discount_rate", "must be in (-1, 10), got %v", f.DiscountRate)
	}
	if !(f.TaxRate >= 0 && f.TaxRate < 1) {
		c.add("finance.tax_rate", "must be in [0, 1), got %v", f.TaxRate)
	}
	c.oneOf("finance.depreciation", f.Depreciation, "macrs", "straight_line")
	c.between("finance.debt.share", f.Debt.Share, 0, 1)
	c.nonNeg("finance.debt.rate", f.Debt.Rate)
	if f.Debt.Share > 0 && f.Debt.TermYears < 1 {
		c.add("finance.debt.term_years", "must be >= 1 when finance.debt.share > 0, got %d", f.Debt.TermYears)
	}
	c.oneOf("finance.terminal.method", f.Terminal.Method, "none", "ev_ebitda")
	c.nonNeg("finance.multiples.mining_ev_ebitda", f.Multiples.MiningEVEBITDA)
	c.nonNeg("finance.multiples.datacenter_ev_ebitda", f.Multiples.DatacenterEVEBITDA)
}

func (s *Site) validateStrategies(c *checker) {
	if len(s.Strategies) == 0 && s.Start.raw == "" {
		c.add("strategies", "at least one strategy is required")
	}
	seen := map[string]int{}
	end := s.Start.AddMonths(s.HorizonYears * 12)
	for i, st := range s.Strategies {
		p := fmt.Sprintf("strategies[%d]", i)
		name := strings.TrimSpace(st.Name)
		if name == "" {
			c.add(p+".name", "required")
		} else if j, dup := seen[name]; dup {
			c.add(p+".name", "%q is already the name of strategies[%d]", name, j)
		} else {
			seen[name] = i
		}
		c.between(p+".ai_share", st.AIShare, 0, 1)
		if !s.Start.IsZero() && s.HorizonYears >= 1 && (st.Start.Before(s.Start.Time) || !st.Start.Before(end.Time)) {
			c.add(p+".start", "must be between start %s and the end of the horizon %s, got %s", s.Start, end.AddMonths(-1), st.Start)
		}
	}
}

func (s *Site) validateRisk(c *checker) {
	r := s.Risk
	if r.Paths < 1 || r.Paths > 100_000_000 {
		c.add("risk.paths", "must be between 1 and 100000000, got %d", r.Paths)
	}
	c.oneOf("risk.btc.model", r.BTC.Model, BTCModelGBM, BTCModelBootstrap)
	if r.BTC.Model == BTCModelBootstrap && strings.TrimSpace(r.HistoryCSV) == "" {
		c.add("risk.history_csv", "required when risk.btc.model is bootstrap")
	}
	if r.BTC.DriftPerYear <= -1 {
		c.add("risk.btc.drift_per_year", "must be > -1, got %v", r.BTC.DriftPerYear)
	}
	for _, v := range []struct {
		path string
		v    float64
	}{{"risk.btc.vol_per_year", r.BTC.VolPerYear}, {"risk.hashrate.vol_per_year", r.Hashrate.VolPerYear},
		{"risk.fees.vol_per_year", r.Fees.VolPerYear}, {"risk.power.vol_per_year", r.Power.VolPerYear},
		{"risk.gpu_price.vol_per_year", r.GPUPrice.VolPerYear}} {
		if v.v > 5 {
			c.add(v.path, "must be at most 5 (500%%/yr), got %v", v.v)
		}
	}
	if r.Hashrate.Elasticity < -2 || r.Hashrate.Elasticity > 2 {
		c.add("risk.hashrate.elasticity", "must be between -2 and 2 a month, got %v", r.Hashrate.Elasticity)
	}
	c.nonNeg("risk.btc.vol_per_year", r.BTC.VolPerYear)
	if r.BTC.BlockMonths < 1 {
		c.add("risk.btc.block_months", "must be >= 1, got %d", r.BTC.BlockMonths)
	}
	if r.Hashrate.GrowthPerYear <= -1 {
		c.add("risk.hashrate.growth_per_year", "must be > -1, got %v", r.Hashrate.GrowthPerYear)
	}
	c.nonNeg("risk.hashrate.vol_per_year", r.Hashrate.VolPerYear)
	c.nonNeg("risk.fees.mean_btc_per_block", r.Fees.MeanBTCPerBlock)
	c.nonNeg("risk.fees.vol_per_year", r.Fees.VolPerYear)
	c.nonNeg("risk.power.mean_usd_per_mwh", r.Power.MeanUSDPerMWh)
	c.nonNeg("risk.power.reversion_per_year", r.Power.ReversionPerYear)
	c.nonNeg("risk.power.vol_per_year", r.Power.VolPerYear)
	if !(r.GPUPrice.DeclinePerYear >= 0 && r.GPUPrice.DeclinePerYear < 1) {
		c.add("risk.gpu_price.decline_per_year", "must be in [0, 1), got %v", r.GPUPrice.DeclinePerYear)
	}
	c.nonNeg("risk.gpu_price.vol_per_year", r.GPUPrice.VolPerYear)
	c.between("risk.tenant.default_prob_per_year", r.Tenant.DefaultProbPerYear, 0, 1)
	if r.Tenant.ReleasingMonths < 0 {
		c.add("risk.tenant.releasing_months", "must be >= 0, got %d", r.Tenant.ReleasingMonths)
	}
	o := s.Optimize
	c.between("optimize.ai_share.min", o.AIShare.Min, 0, 1)
	c.between("optimize.ai_share.max", o.AIShare.Max, 0, 1)
	if o.AIShare.Min > o.AIShare.Max {
		c.add("optimize.ai_share", "min %v is above max %v", o.AIShare.Min, o.AIShare.Max)
	}
	if !(o.AIShare.Step > 0) {
		c.add("optimize.ai_share.step", "must be > 0, got %v", o.AIShare.Step)
	}
	if o.Start.StepMonths < 1 {
		c.add("optimize.start.step_months", "must be >= 1, got %d", o.Start.StepMonths)
	}
	if !o.Start.From.IsZero() && !o.Start.To.IsZero() && o.Start.To.Before(o.Start.From.Time) {
		c.add("optimize.start", "to %s is before from %s", o.Start.To, o.Start.From)
	}
	if !s.Start.IsZero() && !o.Start.From.IsZero() && o.Start.From.Before(s.Start.Time) {
		c.add("optimize.start.from", "must not be before start %s, got %s", s.Start, o.Start.From)
	}
	c.oneOf("optimize.objective", o.Objective, ObjectiveMean, ObjectiveP50, ObjectiveMeanMinusCVaR)
	c.nonNeg("optimize.risk_aversion", o.RiskAversion)
	c.between("optimize.max_loss_probability", o.MaxLossProbability, 0, 1)
}

func (s *Site) validateAssumptions(c *checker) {
	a := s.Assumptions
	for _, k := range []string{CoolingAir, CoolingRearDoor, CoolingDirectLiquid, CoolingImmersion} {
		pue, _ := a.CoolingPUE.Get(k)
		c.between("assumptions.cooling_pue."+k, pue, 1, 3)
		capex, _ := a.CoolingCapexUSDPerMW.Get(k)
		c.nonNeg("assumptions.cooling_capex_usd_per_mw."+k, capex)
	}
	for _, k := range []string{RedundancyN, RedundancyNPlus1, Redundancy2N} {
		f, _ := a.RedundancyCapexFactor.Get(k)
		c.nonNeg("assumptions.redundancy_capex_factor."+k, f)
		u, _ := a.RedundancyUsableFraction.Get(k)
		if !(u > 0 && u <= 1) {
			c.add("assumptions.redundancy_usable_fraction."+k, "must be in (0, 1], got %v", u)
		}
	}
	for _, k := range []string{NetworkNone, NetworkEthernetRoCE, NetworkInfiniBand} {
		v, _ := a.FabricUSDPerGPU.Get(k)
		c.nonNeg("assumptions.fabric_usd_per_gpu."+k, v)
	}
	c.nonNeg("assumptions.electrical_capex_usd_per_mw", a.ElectricalCapexUSDPerMW)
	c.nonNeg("assumptions.shell_fitout_usd_per_mw", a.ShellFitoutUSDPerMW)
	c.positive("assumptions.colocation_kw_per_gpu", a.ColocationKWPerGPU)
	for _, p := range []struct {
		path string
		v    int
	}{{"assumptions.asic_class_years", a.ASICClassYears}, {"assumptions.gpu_class_years", a.GPUClassYears}, {"assumptions.retrofit_class_years", a.RetrofitClassYears}} {
		switch p.v {
		case 3, 5, 7, 10, 15, 20:
		default:
			c.add(p.path, "must be a MACRS class (3, 5, 7, 10, 15 or 20), got %d", p.v)
		}
	}
}

// FleetNameplateW is the fleet's total nameplate power, W.
func (s *Site) FleetNameplateW() float64 {
	var w float64
	for _, l := range s.Mining.Fleet {
		spec, err := s.LineSpec(l)
		if err == nil && l.Units > 0 {
			w += spec.W * float64(l.Units)
		}
	}
	return w
}

// FleetDrawMW is the fleet's draw at the meter, nameplate × PUE, MW.
func (s *Site) FleetDrawMW() float64 {
	return s.FleetNameplateW() * s.Mining.PUE / 1e6
}

// LineSpec returns the per-unit spec of a fleet line: the catalogue's,
// overridden by th and w when given.
func (s *Site) LineSpec(l FleetLine) (asic.Model, error) {
	var m asic.Model
	if l.TH <= 0 || l.W <= 0 {
		var err error
		if m, err = asic.Lookup(l.Model); err != nil {
			return asic.Model{}, err
		}
	}
	if m.Name == "" {
		m.Name = l.Model
	}
	if l.TH > 0 {
		m.TH = l.TH
	}
	if l.W > 0 {
		m.W = l.W
	}
	return m, nil
}
