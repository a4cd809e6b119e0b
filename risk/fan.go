package risk

import "math"

// Band is a fan chart: the 5th, 50th and 95th percentile of a monthly
// quantity across paths, one entry per month.
type Band struct {
	P5  []float64 `json:"p5"`  // 5th percentile by month
	P50 []float64 `json:"p50"` // median by month
	P95 []float64 `json:"p95"` // 95th percentile by month
}

// Fan holds the fan charts of a run.
type Fan struct {
	// HashpriceUSDPerPHDay is the network hashprice, USD per PH/s per day.
	HashpriceUSDPerPHDay Band `json:"hashprice_usd_per_ph_day"`
	// CashUSD is each strategy's monthly free cash flow, USD, in the order
	// of Result.Strategies.
	CashUSD []Band `json:"cash_usd"`
}

// fanHist holds, for each series and month, a histogram of the values
// across paths: fanBins equal bins over [lo, hi) plus an underflow and an
// overflow bin. The bins come from the pilot paths' range widened by half
// on each side, so that the 5th and 95th percentiles of the whole run fall
// inside (a percentile in the under- or overflow bin is reported as lo or
// hi). Counts are integers, so adding histograms in any order gives the
// same result.
type fanHist struct {
	series, months int
	lo, inv, width []float64 // per series*months + month
	counts         []uint32  // per (series*months + month)*(fanBins+2) + bin
	total          int
}

func newFanHist(series, months int, pilot [][]float64, pilotN int) *fanHist {
	h := &fanHist{series: series, months: months}
	sm := series * months
	h.lo, h.inv, h.width = make([]float64, sm), make([]float64, sm), make([]float64, sm)
	h.counts = make([]uint32, sm*(fanBins+2))
	for s := range series {
		for m := range months {
			lo, hi := math.Inf(1), math.Inf(-1)
			for j := range pilotN {
				v := pilot[s][j*months+m]
				lo, hi = min(lo, v), max(hi, v)
			}
			span := hi - lo
			if !(span > 0) {
				span = math.Max(math.Abs(lo)*1e-6, 1e-9)
			}
			lo -= span / 2
			hi += span / 2
			idx := s*months + m
			h.lo[idx] = lo
			h.width[idx] = (hi - lo) / fanBins
			h.inv[idx] = fanBins / (hi - lo)
		}
	}
	for s := range series {
		for j := range pilotN {
			h.addPath(s, pilot[s][j*months:(j+1)*months], 1)
		}
	}
	return h
}

// emptyLike returns a histogram with the same bins and no counts.
func (h *fanHist) emptyLike() *fanHist {
	return &fanHist{series: h.series, months: h.months, lo: h.lo, inv: h.inv, width: h.width,
		counts: make([]uint32, len(h.counts))}
}

// addPath counts one path's monthly values of series s, each times scale.
func (h *fanHist) addPath(s int, vals []float64, scale float64) {
	base := s * h.months
	lo, inv := h.lo[base:base+h.months], h.inv[base:base+h.months]
	counts := h.counts[base*(fanBins+2) : (base+h.months)*(fanBins+2)]
	for m, v := range vals[:h.months] {
		x := (v*scale - lo[m]) * inv[m]
		b := 0 // underflow
		switch {
		case x >= fanBins:
			b = fanBins + 1
		case x >= 0:
			b = 1 + int(x)
		}
		counts[m*(fanBins+2)+b]++
	}
	if s == 0 {
		h.total++
	}
}

// add adds o's counts to h.
func (h *fanHist) add(o *fanHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// band returns the P5/P50/P95 of series s by month, interpolating
// linearly within a bin.
func (h *fanHist) band(s int) Band {
	b := Band{P5: make([]float64, h.months), P50: make([]float64, h.months), P95: make([]float64, h.months)}
	for m := range h.months {
		idx := s*h.months + m
		c := h.counts[idx*(fanBins+2) : (idx+1)*(fanBins+2)]
		var n uint64
		for _, v := range c {
			n += uint64(v)
		}
		for _, q := range []struct {
			p   float64
			out []float64
		}{{0.05, b.P5}, {0.5, b.P50}, {0.95, b.P95}} {
			q.out[m] = histQuantile(c, n, q.p, h.lo[idx], h.width[idx])
		}
	}
	return b
}

// histQuantile returns the p-quantile of a histogram with an underflow bin,
// fanBins bins of width w from lo, and an overflow bin.
func histQuantile(c []uint32, n uint64, p, lo, w float64) float64 {
	if n == 0 {
		return math.NaN()
	}
	target := p * float64(n)
	var cum float64
	for i, v := range c {
		next := cum + float64(v)
		if next >= target && v > 0 {
			switch i {
			case 0:
				return lo
			case len(c) - 1:
				return lo + w*fanBins
			}
			frac := (target - cum) / float64(v)
			return lo + w*(float64(i-1)+frac)
		}
		cum = next
	}
	return lo + w*fanBins
}
