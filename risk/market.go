package risk

import (
	"errors"
	"fmt"
	"math"

	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

// ErrInvalid is wrapped by every error about settings or data the engine
// cannot use.
var ErrInvalid = errors.New("risk: invalid input")

// invalidf formats an ErrInvalid error naming a field path of the site file.
func invalidf(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, path, fmt.Sprintf(format, args...))
}

// Bounds of the model's parameters beyond which prices overflow or the
// difficulty recursion oscillates (an elasticity above 2 a month
// overshoots the hashprice it reacts to).
const (
	maxVol        = 5
	maxElasticity = 2
)

// Generator draws the market paths of one site. It is immutable once made
// and safe for concurrent use; each goroutine fills its own plan.Path.
type Generator struct {
	n int

	// BTC price.
	p0         float64
	gp, lgp    float64 // (1+drift)^(1/12) and its log
	sigB, adjB float64 // monthly σ and -σ²/2
	boot       []float64
	block      int

	// Difficulty.
	d0, gd, lgd float64
	elast       float64
	sigH, adjH  float64
	feedback    bool      // elasticity or hashrate volatility: not the plain deterministic growth
	subsidy     []float64 // mean subsidy per block of each month, BTC
	lsf         []float64 // ln((subsidy_i + fee_i) / (subsidy_0 + fee_0)) for deterministic fees
	lsf0        float64   // ln(subsidy_0 + fee_0)
	hp0         float64   // hashprice at the start, USD/TH/day

	// Fees.
	fee0, feeMean, sigF, adjF float64

	// Power price: price_i = mean × exp(pwDet_i + u_i), u_{i+1} = a u_i + sigPw z.
	pw0, pwMean, pwA, sigPw float64
	pwDet                   []float64

	// GPU rental price factor: gpuDet_i × S_i, S a lognormal martingale.
	gpu               bool
	gpuDet            []float64
	sigG, adjG        float64
	tenantQ, lnTenant float64 // monthly default probability and ln(1-q)
	releasing         int
	contracted        bool
}

// NewGenerator compiles the market model of s. subsidy is the mean block
// subsidy of each modelled month (plan.Batch.SubsidyBTC); history holds
// the monthly log returns the bootstrap model resamples (required for
// risk.btc.model bootstrap, ignored otherwise).
func NewGenerator(s *site.Site, subsidy, history []float64) (*Generator, error) {
	r := s.Risk
	n := plan.Months(s)
	if len(subsidy) != n {
		return nil, fmt.Errorf("%w: %d months of subsidy for a %d-month horizon", ErrInvalid, len(subsidy), n)
	}
	g := &Generator{n: n, subsidy: subsidy}
	var errs []error
	// Volatilities beyond 500%/yr make prices overflow over a long horizon.
	for _, v := range []struct {
		path string
		vol  float64
	}{{"risk.btc.vol_per_year", r.BTC.VolPerYear}, {"risk.hashrate.vol_per_year", r.Hashrate.VolPerYear},
		{"risk.fees.vol_per_year", r.Fees.VolPerYear}, {"risk.power.vol_per_year", r.Power.VolPerYear},
		{"risk.gpu_price.vol_per_year", r.GPUPrice.VolPerYear}} {
		if !(v.vol >= 0 && v.vol <= maxVol) {
			errs = append(errs, invalidf(v.path, "must be between 0 and %v, got %v", maxVol, v.vol))
		}
	}
	if e := r.Hashrate.Elasticity; !(math.Abs(e) <= maxElasticity) {
		errs = append(errs, invalidf("risk.hashrate.elasticity", "must be between -%v and %v (a month), got %v", maxElasticity, maxElasticity, e))
	}

	// BTC.
	g.p0 = s.Market.BTCPriceUSD
	if !(g.p0 > 0) {
		errs = append(errs, invalidf("market.btc_price_usd", "must be > 0 for a risk run, got %v", g.p0))
	}
	g.gp = math.Pow(1+r.BTC.DriftPerYear, 1.0/12)
	g.lgp = math.Log(g.gp)
	switch r.BTC.Model {
	case site.BTCModelGBM, "":
		g.sigB = r.BTC.VolPerYear / math.Sqrt(12)
		g.adjB = -g.sigB * g.sigB / 2
	case site.BTCModelBootstrap:
		boot, err := centreReturns(history, r.BTC.DriftPerYear)
		if err != nil {
			errs = append(errs, err)
		}
		g.boot = boot
		g.block = max(1, r.BTC.BlockMonths)
	default:
		errs = append(errs, invalidf("risk.btc.model", "must be gbm or bootstrap, got %q", r.BTC.Model))
	}

	// Difficulty and fees.
	g.d0 = s.Market.Difficulty
	if !(g.d0 > 0) {
		errs = append(errs, invalidf("market.difficulty", "must be > 0 for a risk run, got %v", g.d0))
	}
	g.gd = math.Pow(1+r.Hashrate.GrowthPerYear, 1.0/12)
	g.lgd = math.Log(g.gd)
	g.elast = r.Hashrate.Elasticity
	g.sigH = r.Hashrate.VolPerYear / math.Sqrt(12)
	g.adjH = -g.sigH * g.sigH / 2
	g.feedback = g.elast != 0 || g.sigH != 0
	g.fee0, g.feeMean = s.Market.FeesBTCPerBlock, r.Fees.MeanBTCPerBlock
	g.sigF = r.Fees.VolPerYear / math.Sqrt(12)
	g.adjF = -g.sigF * g.sigF / 2
	if g.feeMean <= 0 {
		g.sigF, g.adjF = 0, 0
	}
	g.lsf0 = math.Log(subsidy[0] + g.fee0)
	if g.elast != 0 && !(subsidy[0]+g.fee0 > 0) {
		errs = append(errs, invalidf("risk.hashrate.elasticity", "needs a hashprice > 0 at the start (subsidy + fees is %v BTC)", subsidy[0]+g.fee0))
	}
	g.hp0 = bitcoin.HashpriceUSDPerTHDay(g.d0, subsidy[0], g.fee0, g.p0)
	g.lsf = make([]float64, n)
	for i := range n {
		fee := g.feeMean
		if i == 0 {
			fee = g.fee0
		}
		g.lsf[i] = math.Log(subsidy[i]+fee) - g.lsf0
	}

	// Power.
	g.pw0, g.pwMean = s.Power.PriceUSDPerMWh, r.Power.MeanUSDPerMWh
	g.pwDet = make([]float64, n)
	if r.Power.VolPerYear > 0 || g.pw0 != g.pwMean {
		if !(g.pw0 > 0) || !(g.pwMean > 0) {
			errs = append(errs, invalidf("risk.power", "the power price model needs power.price_usd_per_mwh and risk.power.mean_usd_per_mwh > 0 (got %v and %v)", g.pw0, g.pwMean))
		} else {
			kappa, vol := r.Power.ReversionPerYear, r.Power.VolPerYear
			g.pwA = math.Exp(-kappa / 12)
			if kappa > 0 {
				g.sigPw = vol * math.Sqrt((1-g.pwA*g.pwA)/(2*kappa))
			} else {
				g.sigPw = vol / math.Sqrt(12)
			}
			y0, v, a := math.Log(g.pw0/g.pwMean), 0.0, 1.0
			for i := range n {
				g.pwDet[i] = y0*a - v/2
				a *= g.pwA
				v = g.pwA*g.pwA*v + g.sigPw*g.sigPw
			}
		}
	}

	// GPU rental price (only GPU cloud revenue follows it).
	if s.AI.Kind == site.KindGPUCloud {
		g.gpu = true
		g.sigG = r.GPUPrice.VolPerYear / math.Sqrt(12)
		g.adjG = -g.sigG * g.sigG / 2
		g.gpuDet = make([]float64, n)
		dp, dr := s.AI.GPUCloud.PriceDeclinePerYear, r.GPUPrice.DeclinePerYear
		for i := range n {
			g.gpuDet[i] = 1
			if dp != dr {
				g.gpuDet[i] = math.Pow((1-dr)/(1-dp), float64(i)/12)
			}
		}
	}

	// Tenant default (only a lease has a tenant).
	if s.AI.Kind == site.KindColocation {
		g.contracted = true
		if p := r.Tenant.DefaultProbPerYear; p > 0 {
			g.tenantQ = 1 - math.Pow(1-p, 1.0/12)
			g.lnTenant = math.Log1p(-g.tenantQ)
			if p >= 1 {
				g.tenantQ, g.lnTenant = 1, math.Inf(-1)
			}
		}
		g.releasing = r.Tenant.ReleasingMonths
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

// Months is the number of months of a path.
func (g *Generator) Months() int { return g.n }

// DirectHashprice reports whether Fill computes the hashprice itself
// (Scratch.HashpriceTH) and leaves the path's BTC price and difficulty
// unset: so it does when the difficulty follows profitability, because
// the model needs only their ratio, and that ratio is what the difficulty
// process tracks (one exponential a month instead of two).
func (g *Generator) DirectHashprice() bool { return g.feedback }

// Scratch is one goroutine's working space for Fill.
type Scratch struct {
	// Events are the months in which a tenant in place would default.
	Events []int
	// HashpriceTH is the hashprice, USD per TH/s per day, when
	// DirectHashprice.
	HashpriceTH []float64
	inc         []float64 // BTC log return into month i
	x           []float64 // ln(hp_i/hp_0)
	noise       []float64 // difficulty's log growth but for the elasticity term
	lsf         []float64 // ln((s_i+f_i)/(s_0+f_0)) with random fees
}

// NewScratch allocates the working space of Fill.
func (g *Generator) NewScratch() *Scratch {
	n := g.n
	return &Scratch{Events: make([]int, 0, n), HashpriceTH: make([]float64, n), inc: make([]float64, n),
		x: make([]float64, n), noise: make([]float64, n), lsf: make([]float64, n)}
}

// NewPath allocates a path and fills the parts that are the same on every
// path (the processes with no randomness); Fill overwrites only the rest.
func (g *Generator) NewPath() *plan.Path {
	p := plan.NewPath(g.n)
	P, D := g.p0, g.d0
	for i := range g.n {
		p.BTCPriceUSD[i], p.Difficulty[i] = P, D
		P *= g.gp
		D *= g.gd
		p.FeesBTC[i] = g.feeMean
		if g.sigPw == 0 {
			p.PowerUSDPerMWh[i] = g.pwMean * math.Exp(g.pwDet[i])
			if g.pwDet[i] == 0 {
				p.PowerUSDPerMWh[i] = g.pwMean
			}
		}
		if g.gpu && g.sigG == 0 {
			p.GPUPriceFactor[i] = g.gpuDet[i]
		}
	}
	if g.feedback {
		for i := range g.n {
			p.BTCPriceUSD[i], p.Difficulty[i] = math.NaN(), math.NaN()
		}
	}
	p.FeesBTC[0] = g.fee0
	p.PowerUSDPerMWh[0] = g.pw0
	return p
}

// Fill draws one path from src into p (made by NewPath) and sc. The draws
// come process by process in a fixed order (BTC, fees, power, GPU price,
// difficulty noise, tenant), so a generator seeded alike gives the same path.
// With DirectHashprice, the hashprice goes to sc.HashpriceTH and p's BTC
// price and difficulty stay unset (NaN).
func (g *Generator) Fill(src *Stream, p *plan.Path, sc *Scratch) {
	n := g.n
	inc := sc.inc[:n]
	inc[0] = 0

	// BTC: inc[i] is the log return from month i-1 to month i.
	btcRandom := true
	switch {
	case g.boot != nil:
		g.bootstrap(inc[1:], src)
	case g.sigB > 0:
		normals(inc[1:], g.lgp+g.adjB, g.sigB, src)
	default:
		btcRandom = false
		for i := 1; i < n; i++ {
			inc[i] = g.lgp
		}
	}
	if btcRandom && !g.feedback {
		compound(p.BTCPriceUSD[:n], inc, g.p0)
	}

	fees := p.FeesBTC[:n]
	lsf := g.lsf[:n] // ln((s_i+f_i)/(s_0+f_0)) for the hashprice
	if g.sigF > 0 {
		normals(fees[1:], g.adjF, g.sigF, src)
		scaleExp(fees[1:], fees[1:], g.feeMean)
		if g.feedback {
			lsf = sc.lsf[:n]
			lsf[0] = 0
			for i := 1; i < n; i++ {
				lsf[i] = math.Log(g.subsidy[i]+fees[i]) - g.lsf0
			}
		}
	}
	if g.sigPw > 0 {
		ou(p.PowerUSDPerMWh[1:n], g.pwDet[1:n], g.pwMean, g.pwA, g.sigPw, src)
	}
	if g.gpu && g.sigG > 0 {
		normals(p.GPUPriceFactor[1:n], g.adjG, g.sigG, src)
		compound(p.GPUPriceFactor[:n], p.GPUPriceFactor[:n], 1)
		gpu, det := p.GPUPriceFactor[:n], g.gpuDet[:n]
		for i := range gpu {
			gpu[i] *= det[i]
		}
	}

	// Difficulty following profitability: x_i = ln(hp_i/hp_0) =
	// ln((s_i+f_i)/(s_0+f_0)) + ln(P_i/P_0) - ln(D_i/D_0), and
	// ln D_{i+1} - ln D_i = ln(1+g)/12 + elasticity x_i + noise_i.
	if g.feedback {
		x := sc.x[:n]
		noise := sc.noise[:n]
		if g.sigH > 0 {
			normals(noise, g.lgd+g.adjH, g.sigH, src)
		} else {
			for i := range noise {
				noise[i] = g.lgd
			}
		}
		feedback(x, inc, lsf, noise, g.elast)
		scaleExp(sc.HashpriceTH[:n], x, g.hp0)
	}

	sc.Events = sc.Events[:0]
	if g.tenantQ > 0 {
		for t := -1; ; {
			skip := 0.0
			if g.tenantQ < 1 {
				// Months to the next default: geometric, P(k) = (1-q)^k q.
				skip = math.Floor(math.Log(src.unit()) / g.lnTenant)
			}
			if float64(t)+1+skip >= float64(n) {
				break
			}
			t += 1 + int(skip)
			sc.Events = append(sc.Events, t)
		}
	}
}

// The loops of Fill are small functions of their own, so that each keeps
// its few values in registers.

// compound sets out[0] = v0 and out[i] = out[i-1] e^inc[i] (out may be
// inc).
func compound(out, inc []float64, v0 float64) {
	scaleExp(out[1:], inc[1:len(out)], 1)
	v := v0
	out[0] = v
	for i := 1; i < len(out); i++ {
		v *= out[i]
		out[i] = v
	}
}

// ou sets out[i] = mean e^(det[i] + u_i) with u_{i+1} = a u_i + sig z.
func ou(out, det []float64, mean, a, sig float64, src *Stream) {
	det = det[:len(out)]
	normals(out, 0, sig, src)
	u := 0.0
	for i := range out {
		u = a*u + out[i]
		out[i] = det[i] + u
	}
	scaleExp(out, out, mean)
}

// feedback runs the difficulty recursion: with c_i = lsf_i + Σ_{k<=i}
// inc_k, x_i = c_i - ld_i and ld_{i+1} = ld_i + step_i + elasticity x_i,
// written ld_{i+1} = k ld_i + u_i with k = 1 - elasticity and
// u_i = step_i + elasticity c_i. The chains from month to month (the
// running sum of inc, and ld) take two months a step —
// ld_{i+2} = k² ld_i + (k u_i + u_{i+1}) — so that each waits on one
// operation every two months instead of one every month.
func feedback(x, inc, lsf, step []float64, elast float64) {
	n := len(x)
	inc, lsf, step = inc[:n], lsf[:n], step[:n]
	k := 1 - elast
	k2 := k * k
	var lp, ld float64 // at the end of the month before i
	i := 0
	for ; i+1 < n; i += 2 {
		lp0 := lp + inc[i]
		lp = lp + (inc[i] + inc[i+1])
		c0, c1 := lsf[i]+lp0, lsf[i+1]+lp
		u0, u1 := step[i]+elast*c0, step[i+1]+elast*c1
		ld1 := math.FMA(k, ld, u0)
		x[i], x[i+1] = c0-ld, c1-ld1
		ld = math.FMA(k2, ld, math.FMA(k, u0, u1))
	}
	if i < n {
		lp += inc[i]
		c := lsf[i] + lp
		x[i] = c - ld
	}
}

// bootstrap fills inc with historical returns drawn in circular blocks.
func (g *Generator) bootstrap(inc []float64, src *Stream) {
	pos, left := 0, 0
	for i := range inc {
		if left == 0 {
			pos, left = int(src.intN(uint64(len(g.boot)))), g.block
		}
		inc[i] = g.boot[pos]
		if pos++; pos == len(g.boot) {
			pos = 0
		}
		left--
	}
}

// LeaseFactor writes into out the share of a lease starting in month start
// that pays each month, given the default months of a path: a default in
// month t while the tenant is in place stops the lease for the releasing
// months from t, after which a new tenant pays the then-current rate. It
// reports whether any month is below 1.
func (g *Generator) LeaseFactor(events []int, start int, out []float64) bool {
	for i := range out {
		out[i] = 1
	}
	any := false
	free := start
	for _, t := range events {
		if t < free || g.releasing == 0 {
			continue
		}
		end := min(t+g.releasing, len(out))
		for j := t; j < end; j++ {
			out[j] = 0
			any = true
		}
		free = t + g.releasing
	}
	return any
}

// centreReturns shifts historical monthly log returns so that a month
// drawn from them at random grows the price by (1+drift)^(1/12) on
// average: r' = r - ln(mean(e^r)) + ln(1+drift)/12.
func centreReturns(history []float64, drift float64) ([]float64, error) {
	if len(history) < 2 {
		return nil, invalidf("risk.history_csv", "the bootstrap needs at least 2 monthly returns, got %d", len(history))
	}
	var m float64
	for i, r := range history {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, invalidf("risk.history_csv", "monthly return %d is %v", i, r)
		}
		m += math.Exp(r)
	}
	shift := math.Log1p(drift)/12 - math.Log(m/float64(len(history)))
	out := make([]float64, len(history))
	for i, r := range history {
		out[i] = r + shift
	}
	return out, nil
}
