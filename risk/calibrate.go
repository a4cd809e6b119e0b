package risk

import (
	"fmt"
	"math"
	"time"

	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/site"
)

// Observation is one dated value of a series (a daily BTC close, USD).
type Observation struct {
	Time  time.Time // instant of the value (a daily close: 00:00 UTC of its day)
	Value float64   // USD for prices
}

// DifficultyPoint is one difficulty adjustment: from Time (and block
// Height) the network's difficulty is Difficulty.
type DifficultyPoint struct {
	Time       time.Time // first block at the new difficulty
	Height     int64     // its height
	Difficulty float64   // the difficulty from then on
}

// monthOf is the first instant of t's calendar month, UTC.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// MonthEnd returns the last observation of each calendar month (UTC) that
// has one, in time order; obs must be in time order. Values that are not
// finite and > 0 are skipped.
func MonthEnd(obs []Observation) []Observation {
	var out []Observation
	for _, o := range obs {
		if !(o.Value > 0) || math.IsInf(o.Value, 0) {
			continue
		}
		if n := len(out); n > 0 && monthOf(out[n-1].Time).Equal(monthOf(o.Time)) {
			out[n-1] = o
			continue
		}
		out = append(out, o)
	}
	return out
}

// MonthlyLogReturns returns ln(v_m / v_{m-1}) for each pair of consecutive
// calendar months of MonthEnd(obs); a month without data breaks the chain
// (no return spans a gap). These are what the bootstrap model resamples.
func MonthlyLogReturns(obs []Observation) []float64 {
	me := MonthEnd(obs)
	var out []float64
	for i := 1; i < len(me); i++ {
		if monthOf(me[i-1].Time).AddDate(0, 1, 0).Equal(monthOf(me[i].Time)) {
			out = append(out, math.Log(me[i].Value/me[i-1].Value))
		}
	}
	return out
}

// Calibration is the market model estimated from history, in the units of
// the site file's risk: section.
type Calibration struct {
	BTC      BTCCalibration       `json:"btc"`                // the BTC price model
	Hashrate *HashrateCalibration `json:"hashrate,omitempty"` // the difficulty model; nil without difficulty data
}

// BTCCalibration is the BTC price model estimated from month-end closes.
type BTCCalibration struct {
	From    site.Month `json:"from"`    // first month-end close used
	To      site.Month `json:"to"`      // last month-end close used
	Returns int        `json:"returns"` // monthly log returns
	// DriftPerYear = exp(12 (m + s²/2)) - 1 and VolPerYear = s √12, with m
	// and s the mean and standard deviation of monthly log returns: the
	// GBM with the same monthly moments.
	DriftPerYear float64 `json:"drift_per_year"` // risk.btc.drift_per_year
	VolPerYear   float64 `json:"vol_per_year"`   // risk.btc.vol_per_year
	// DailyVolPerYear is the standard deviation of daily log returns × √365,
	// for comparison (a gap between days counts as one return).
	DailyVolPerYear float64 `json:"daily_vol_per_year"`
	// BlockMonths is the block length for the bootstrap: Politis and
	// White's (2004, corrected by Patton, Politis and White 2009) optimal
	// circular block length of the monthly returns and of their squares
	// (volatility clusters), the larger, rounded and kept in [1, 12].
	BlockMonths int `json:"block_months"`
}

// HashrateCalibration is the difficulty process estimated by least squares
// on month ends:
//
//	ln D_{m+1} - ln D_m = a + elasticity × ln hp_m + ε,  hp_m = 144 s_m P_m / (D_m 2^32/600/1e12)
//
// (subsidy s_m only: fees are not in the difficulty file). GrowthPerYear
// and VolPerYear are then the risk model's parameters for a start at the
// last month's hashprice hp_T: ln(1+g)/12 - σ²/24 = a + elasticity ln hp_T
// and σ = std(ε) √12.
type HashrateCalibration struct {
	From          site.Month `json:"from"`            // first month of the regression
	To            site.Month `json:"to"`              // last month
	Months        int        `json:"months"`          // monthly changes in the regression
	GrowthPerYear float64    `json:"growth_per_year"` // risk.hashrate.growth_per_year
	Elasticity    float64    `json:"elasticity"`      // risk.hashrate.elasticity (per month)
	ElasticitySE  float64    `json:"elasticity_se"`   // standard error of the elasticity
	VolPerYear    float64    `json:"vol_per_year"`    // risk.hashrate.vol_per_year
	// HashpriceUSDPerPHDay is hp_T, the hashprice (subsidy only) at which
	// GrowthPerYear applies.
	HashpriceUSDPerPHDay float64 `json:"hashprice_usd_per_ph_day"`
}

// CalibrateOptions bound the window of history used.
type CalibrateOptions struct {
	From, To time.Time // zero: the start (end) of the data
}

// Calibrate estimates the BTC model from daily closes and, when difficulty
// is not empty, the difficulty model from the retargets and the closes.
// Both must be in time order. It needs at least 12 monthly returns (and 12
// monthly difficulty changes) inside the window.
func Calibrate(closes []Observation, difficulty []DifficultyPoint, o CalibrateOptions) (*Calibration, error) {
	in := func(t time.Time) bool {
		return (o.From.IsZero() || !t.Before(o.From)) && (o.To.IsZero() || t.Before(o.To))
	}
	var win []Observation
	for _, c := range closes {
		if in(c.Time) {
			win = append(win, c)
		}
	}
	me := MonthEnd(win)
	rets := MonthlyLogReturns(win)
	if len(rets) < 12 {
		return nil, fmt.Errorf("%w: btc: %d monthly returns in the window, need at least 12", ErrInvalid, len(rets))
	}
	for i, r := range rets {
		if math.IsNaN(r) || math.IsInf(r, 0) || math.Abs(r) > 50 {
			return nil, fmt.Errorf("%w: btc: monthly log return %d is %v: the prices are not plausible", ErrInvalid, i, r)
		}
	}
	c := &Calibration{}
	m, s := MeanStd(rets)
	c.BTC = BTCCalibration{
		From: site.Month{Time: monthOf(me[0].Time)}, To: site.Month{Time: monthOf(me[len(me)-1].Time)},
		Returns: len(rets), DriftPerYear: math.Expm1(12 * (m + s*s/2)), VolPerYear: s * math.Sqrt(12),
	}
	if math.IsInf(c.BTC.DriftPerYear, 0) {
		return nil, fmt.Errorf("%w: btc: monthly returns averaging %v give an infinite drift", ErrInvalid, m)
	}
	var daily []float64
	for i := 1; i < len(win); i++ {
		if r := math.Log(win[i].Value / win[i-1].Value); win[i].Value > 0 && win[i-1].Value > 0 && math.Abs(r) <= 50 {
			daily = append(daily, r)
		}
	}
	_, ds := MeanStd(daily)
	c.BTC.DailyVolPerYear = ds * math.Sqrt(365)
	sq := make([]float64, len(rets))
	for i, r := range rets {
		sq[i] = (r - m) * (r - m)
	}
	b := max(BlockLength(rets), BlockLength(sq))
	c.BTC.BlockMonths = min(max(int(math.Round(b)), 1), 12)

	if len(difficulty) > 0 {
		h, err := calibrateHashrate(me, difficulty, in)
		if err != nil {
			return nil, err
		}
		c.Hashrate = h
	}
	return c, nil
}

func calibrateHashrate(me []Observation, diff []DifficultyPoint, in func(time.Time) bool) (*HashrateCalibration, error) {
	// Difficulty and hashprice at each month end with a close.
	type point struct {
		month    time.Time
		lnD, lnH float64
	}
	var pts []point
	j := -1
	for _, o := range me {
		for j+1 < len(diff) && !diff[j+1].Time.After(o.Time) {
			j++
		}
		if j < 0 || !(diff[j].Difficulty > 0) || !in(o.Time) {
			continue
		}
		d := diff[j]
		height := d.Height + int64(o.Time.Sub(d.Time)/(10*time.Minute))
		hp := bitcoin.HashpriceUSDPerTHDay(d.Difficulty, bitcoin.SubsidyBTC(height), 0, o.Value)
		if !(hp > 0) || math.IsInf(hp, 0) || math.IsInf(d.Difficulty, 0) {
			continue
		}
		pts = append(pts, point{monthOf(o.Time), math.Log(d.Difficulty), math.Log(hp)})
	}
	var xs, ys []float64
	var from, to time.Time
	for i := 1; i < len(pts); i++ {
		if !pts[i-1].month.AddDate(0, 1, 0).Equal(pts[i].month) {
			continue
		}
		if from.IsZero() {
			from = pts[i-1].month
		}
		to = pts[i].month
		xs = append(xs, pts[i-1].lnH)
		ys = append(ys, pts[i].lnD-pts[i-1].lnD)
	}
	if len(xs) < 12 {
		return nil, fmt.Errorf("%w: hashrate: %d monthly difficulty changes overlap the prices in the window, need at least 12", ErrInvalid, len(xs))
	}
	a, e, se, resid := ols(xs, ys)
	if math.IsNaN(a+e+se+resid) || math.IsInf(a+e+se+resid, 0) {
		return nil, fmt.Errorf("%w: hashrate: the difficulty and prices give no finite estimate", ErrInvalid)
	}
	lnHT := pts[len(pts)-1].lnH
	mu := a + e*lnHT
	if g := math.Expm1(12 * (mu + resid*resid/2)); math.IsInf(g, 0) || math.IsNaN(g) {
		return nil, fmt.Errorf("%w: hashrate: the estimates give an infinite growth", ErrInvalid)
	}
	return &HashrateCalibration{
		From: site.Month{Time: from}, To: site.Month{Time: to}, Months: len(xs),
		GrowthPerYear: math.Expm1(12 * (mu + resid*resid/2)), Elasticity: e, ElasticitySE: se,
		VolPerYear: resid * math.Sqrt(12), HashpriceUSDPerPHDay: math.Exp(lnHT) * 1000,
	}, nil
}

// ols fits y = a + b x by least squares and returns a, b, the standard
// error of b and the residuals' standard deviation (n-2 degrees of
// freedom).
func ols(xs, ys []float64) (a, b, seB, sd float64) {
	n := float64(len(xs))
	mx, _ := MeanStd(xs)
	my, _ := MeanStd(ys)
	var sxx, sxy float64
	for i := range xs {
		dx := xs[i] - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx > 0 {
		b = sxy / sxx
	}
	a = my - b*mx
	var sse float64
	for i := range xs {
		r := ys[i] - a - b*xs[i]
		sse += r * r
	}
	if n > 2 {
		sd = math.Sqrt(sse / (n - 2))
		if sxx > 0 {
			seB = sd / math.Sqrt(sxx)
		}
	}
	return a, b, seB, sd
}

// BlockLength is Politis and White's (2004) automatic block length for the
// circular block bootstrap of a series x, with the correction of Patton,
// Politis and White (2009):
//
//	b = (2 G² / D)^(1/3) n^(1/3),  G = Σ_{|k|<=M} λ(k/M) |k| R(k),
//	D = 4/3 (Σ_{|k|<=M} λ(k/M) R(k))²
//
// R the sample autocovariances, λ the flat-top window (1 up to 1/2, then
// linear to 0 at 1) and M = 2m, m the first lag after which K = max(5,
// √log10 n) autocorrelations in a row are insignificant (below
// 2 √(log10 n / n)). It returns 1 for a series with no dependence, and
// at most min(3√n, n/3).
func BlockLength(x []float64) float64 {
	n := len(x)
	if n < 4 {
		return 1
	}
	mean, _ := MeanStd(x)
	acov := func(k int) float64 {
		var s float64
		for i := k; i < n; i++ {
			s += (x[i] - mean) * (x[i-k] - mean)
		}
		return s / float64(n)
	}
	r0 := acov(0)
	if !(r0 > 0) {
		return 1
	}
	kn := max(5, int(math.Ceil(math.Sqrt(math.Log10(float64(n))))))
	mMax := int(math.Ceil(math.Sqrt(float64(n)))) + kn
	thr := 2 * math.Sqrt(math.Log10(float64(n))/float64(n))
	mHat := mMax
	for m := 0; m <= mMax; m++ {
		quiet := true
		for k := 1; k <= kn && m+k < n; k++ {
			if math.Abs(acov(m+k)/r0) >= thr {
				quiet = false
				break
			}
		}
		if quiet {
			mHat = m
			break
		}
	}
	bigM := min(2*mHat, mMax)
	var g, s0 float64
	for k := -bigM; k <= bigM; k++ {
		lam := 1.0
		if bigM > 0 {
			t := math.Abs(float64(k)) / float64(bigM)
			switch {
			case t > 1:
				lam = 0
			case t > 0.5:
				lam = 2 * (1 - t)
			}
		}
		ak := k
		if ak < 0 {
			ak = -ak
		}
		if ak >= n {
			continue
		}
		r := acov(ak)
		g += lam * float64(ak) * r
		s0 += lam * r
	}
	d := 4.0 / 3 * s0 * s0
	if !(d > 0) || g == 0 {
		return 1
	}
	b := math.Cbrt(2*g*g/d) * math.Cbrt(float64(n))
	bMax := math.Ceil(math.Min(3*math.Sqrt(float64(n)), float64(n)/3))
	return math.Min(math.Max(b, 1), bMax)
}
