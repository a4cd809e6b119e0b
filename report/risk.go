package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/hashpivot/hashpivot/risk"
	"github.com/hashpivot/hashpivot/site"
)

// histBins is the number of bins of the NPV histograms.
const histBins = 40

// WriteRisk writes the risk report: the metrics table, NPV histograms
// overlaid by strategy, fan charts (P5–P95 around the median) of the
// hashprice and of each strategy's monthly cash, and, when opt is not nil,
// the optimiser's mean–CVaR frontier and its choice. res.Fan must be set
// (risk.Options.Fan) for the fan charts.
func WriteRisk(w io.Writer, s *site.Site, res *risk.Result, opt *risk.Optimum) error {
	var body []string
	r := s.Risk
	body = append(body, fmt.Sprintf("<p>%s: %d market paths (seed %d), %d years from %s. BTC %s; network hashrate %+.0f%%/yr with an elasticity of %.2f to hashprice and %.0f%% volatility; fees %.3f BTC a block (vol %.0f%%); power mean %.0f USD/MWh (reversion %.1f/yr, vol %.0f%%); GPU price decline %.0f%%/yr (vol %.0f%%); tenant default %.1f%%/yr, re-leased after %d months.</p>",
		html.EscapeString(s.Name), res.Paths, res.Seed, s.HorizonYears, s.Start, html.EscapeString(btcModel(s)),
		r.Hashrate.GrowthPerYear*100, r.Hashrate.Elasticity, r.Hashrate.VolPerYear*100, r.Fees.MeanBTCPerBlock, r.Fees.VolPerYear*100,
		r.Power.MeanUSDPerMWh, r.Power.ReversionPerYear, r.Power.VolPerYear*100, r.GPUPrice.DeclinePerYear*100, r.GPUPrice.VolPerYear*100,
		r.Tenant.DefaultProbPerYear*100, r.Tenant.ReleasingMonths))
	body = append(body, Table(riskRows(res)))
	body = append(body, `<p class="note">NPV of free cash flow to equity at the site's discount rate. IRR of the conversion: the strategy's cash flows less the status quo's on the same path. CVaR 5%: mean NPV of the worst 5% of paths. EBITDA CV: month by month standard deviation across paths over the mean, summed over months. A fleet line whose monthly revenue does not cover its energy is switched off for that month, as in plan. All strategies are evaluated on the same paths.</p>`)
	if len(res.NPVUSD) > 0 {
		body = append(body, Figure(npvHistogram(res).SVG(), "Distribution of NPV by strategy: share of paths in each bin (the outer bins hold the paths beyond the 0.5th and 99.5th percentiles)."))
	}
	if f := res.Fan; f != nil {
		labels := make([]string, len(f.HashpriceUSDPerPHDay.P50))
		for i := range labels {
			labels[i] = s.Start.AddMonths(i).String()
		}
		hp := Chart{Title: "Hashprice, USD per PH/s per day (median, P5–P95)", YLabel: "USD/PH/day", XLabels: labels,
			Series: []Series{{Name: "hashprice", Values: f.HashpriceUSDPerPHDay.P50, Lo: f.HashpriceUSDPerPHDay.P5, Hi: f.HashpriceUSDPerPHDay.P95}}}
		body = append(body, Figure(hp.SVG(), "Network hashprice across paths: the line is the median, the band P5–P95."))
		var cash []Series
		for k, b := range f.CashUSD {
			cash = append(cash, Series{Name: res.Strategies[k].Name, Values: b.P50, Lo: b.P5, Hi: b.P95})
		}
		body = append(body, Figure(Chart{Title: "Monthly free cash flow by strategy (median, P5–P95)", YLabel: "USD", XLabels: labels, Series: cash}.SVG(),
			"Free cash flow to equity each month across paths: the line is the median, the band P5–P95; a contracted lease narrows the band."))
	}
	if opt != nil {
		body = append(body, optimumSection(opt)...)
	}
	title := "hashpivot risk — " + s.Name
	if opt != nil {
		title = "hashpivot optimize — " + s.Name
	}
	_, err := io.WriteString(w, Page(title, body...))
	return err
}

func btcModel(s *site.Site) string {
	r := s.Risk
	if r.BTC.Model == site.BTCModelBootstrap {
		return fmt.Sprintf("block bootstrap (%d-month blocks) of the monthly returns of %s, re-centred on %+.0f%%/yr", r.BTC.BlockMonths, r.HistoryCSV, r.BTC.DriftPerYear*100)
	}
	return fmt.Sprintf("geometric Brownian motion from %.0f USD, expected growth %+.0f%%/yr, volatility %.0f%%", s.Market.BTCPriceUSD, r.BTC.DriftPerYear*100, r.BTC.VolPerYear*100)
}

func mu(x float64) string { return fmt.Sprintf("%.1f", x/1e6) }

func pctp(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

// riskRows is the metrics table: one row per metric, one column per
// strategy (as the CLI prints it).
func riskRows(res *risk.Result) [][]string {
	head := []string{""}
	for _, st := range res.Strategies {
		head = append(head, st.Name)
	}
	rows := [][]string{head}
	add := func(label string, f func(st risk.StrategyRisk) string) {
		r := []string{label}
		for _, st := range res.Strategies {
			r = append(r, f(st))
		}
		rows = append(rows, r)
	}
	add("AI share", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.0f%%", st.AIShare*100) })
	add("NPV mean, $M", func(st risk.StrategyRisk) string { return mu(st.NPVUSD.Mean) })
	add("NPV std, $M", func(st risk.StrategyRisk) string { return mu(st.NPVUSD.Std) })
	add("NPV P5 / P50 / P95, $M", func(st risk.StrategyRisk) string {
		return mu(st.NPVUSD.P5) + " / " + mu(st.NPVUSD.P50) + " / " + mu(st.NPVUSD.P95)
	})
	add("IRR of conversion P5 / P50 / P95", func(st risk.StrategyRisk) string {
		if st.IRR.P50 == nil {
			return "—"
		}
		return pctp(st.IRR.P5) + " / " + pctp(st.IRR.P50) + " / " + pctp(st.IRR.P95)
	})
	add("P(NPV < 0)", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.1f%%", st.ProbNPVNegative*100) })
	add("CVaR 5%, $M", func(st risk.StrategyRisk) string { return mu(st.CVaR5USD) })
	add("monthly EBITDA CV", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.3f", st.EBITDACV) })
	add("lowest cumulative cash P5, $M", func(st risk.StrategyRisk) string { return mu(st.MinCashUSDP5) })
	add("P(DSCR < 1.2 in a year)", func(st risk.StrategyRisk) string { return pctp(st.DSCRBreachProb) })
	return rows
}

// npvHistogram bins every strategy's NPVs on common bins spanning the
// pooled 0.5th to 99.5th percentiles (values beyond go to the end bins).
func npvHistogram(res *risk.Result) Chart {
	var pooled []float64
	for _, xs := range res.NPVUSD {
		pooled = append(pooled, xs...)
	}
	q := risk.Quantiles(pooled, 0.005, 0.995)
	lo, hi := q[0], q[1]
	if !(hi > lo) {
		lo, hi = lo-1, lo+1
	}
	width := (hi - lo) / histBins
	labels := make([]string, histBins)
	for b := range labels {
		labels[b] = shortNum(lo + width*(float64(b)+0.5))
	}
	var series []Series
	for k, xs := range res.NPVUSD {
		counts := make([]float64, histBins)
		for _, v := range xs {
			b := int(math.Floor((v - lo) / width))
			b = min(max(b, 0), histBins-1)
			counts[b]++
		}
		for b := range counts {
			counts[b] *= 100 / float64(len(xs))
		}
		series = append(series, Series{Name: res.Strategies[k].Name, Values: counts})
	}
	return Chart{Title: "NPV across paths by strategy", YLabel: "% of paths", XLabels: labels, Series: series, Bars: true}
}

// optimumSection is the frontier scatter, the frontier's efficient
// candidates and the choice.
func optimumSection(opt *risk.Optimum) []string {
	out := []string{"<h2>Optimiser</h2>"}
	obj := opt.Objective
	if obj == site.ObjectiveMeanMinusCVaR {
		obj = fmt.Sprintf("mean − %.2f × (mean − CVaR 5%%)", opt.RiskAversion)
	}
	choice := "No candidate has a probability of loss within the limit."
	if b := opt.Best; b != nil {
		choice = fmt.Sprintf("Best: AI share %.0f%% from %s — mean NPV %s $M, CVaR 5%% %s $M, P(NPV<0) %.1f%%, objective %s $M.",
			b.AIShare*100, b.Start, mu(b.MeanNPVUSD), mu(b.CVaR5USD), b.ProbNPVNegative*100, mu(b.ObjectiveUSD))
	}
	out = append(out, fmt.Sprintf("<p>Objective: %s; candidates with P(NPV&lt;0) above %.0f%% are excluded. %s</p>",
		html.EscapeString(obj), opt.MaxLossProbability*100, html.EscapeString(choice)))
	out = append(out, Figure(frontierSVG(opt), "Each candidate (AI share, conversion start) by the CVaR 5% and the mean of its NPV; filled: eligible, hollow: excluded by the loss limit, ringed: the choice."))
	rows := [][]string{{"AI share", "start", "mean NPV $M", "CVaR 5% $M", "P50 NPV $M", "P(NPV<0)", "objective $M", "eligible"}}
	for _, c := range opt.Frontier {
		if !c.Efficient {
			continue
		}
		el := "yes"
		if !c.Eligible {
			el = "no"
		}
		rows = append(rows, []string{fmt.Sprintf("%.0f%%", c.AIShare*100), c.Start.String(), mu(c.MeanNPVUSD), mu(c.CVaR5USD),
			mu(c.P50NPVUSD), fmt.Sprintf("%.1f%%", c.ProbNPVNegative*100), mu(c.ObjectiveUSD), el})
	}
	out = append(out, "<p>The efficient candidates (no other has both a higher mean and a higher CVaR):</p>", Table(rows))
	return out
}

// frontierSVG draws the candidates as a scatter of mean NPV against CVaR.
func frontierSVG(opt *risk.Optimum) string {
	const w, h = 860, 360
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, c := range opt.Frontier {
		xlo, xhi = math.Min(xlo, c.CVaR5USD), math.Max(xhi, c.CVaR5USD)
		ylo, yhi = math.Min(ylo, c.MeanNPVUSD), math.Max(yhi, c.MeanNPVUSD)
	}
	if !(xhi > xlo) {
		xlo, xhi = xlo-1, xlo+1
	}
	if !(yhi > ylo) {
		ylo, yhi = ylo-1, ylo+1
	}
	padX, padY := (xhi-xlo)*0.05, (yhi-ylo)*0.05
	xlo, xhi, ylo, yhi = xlo-padX, xhi+padX, ylo-padY, yhi+padY
	pw, ph := float64(w-margin-20), float64(h-margin-30)
	x := func(v float64) float64 { return margin + pw*(v-xlo)/(xhi-xlo) }
	y := func(v float64) float64 { return 30 + ph*(1-(v-ylo)/(yhi-ylo)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11" role="img">`, w, h, w, h)
	b.WriteString(`<title>Mean NPV against CVaR 5%</title><text x="60" y="18" font-size="14" font-weight="bold">Mean NPV against CVaR 5% of each candidate</text>`)
	for k := 0; k <= 4; k++ {
		yv := ylo + (yhi-ylo)*float64(k)/4
		xv := xlo + (xhi-xlo)*float64(k)/4
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, margin, margin+pw, y(yv), y(yv))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, margin-4, y(yv)+4, shortNum(yv))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(xv), 30+ph+16, shortNum(xv))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">CVaR 5%%, USD</text>`, margin+pw/2, h-4)
	fmt.Fprintf(&b, `<text x="12" y="%.1f" transform="rotate(-90 12 %.1f)" text-anchor="middle">mean NPV, USD</text>`, 30+ph/2, 30+ph/2)
	for _, c := range opt.Frontier {
		fill := Palette[0]
		if !c.Eligible {
			fill = "none"
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s"><title>%s</title></circle>`, x(c.CVaR5USD), y(c.MeanNPVUSD), fill, Palette[0],
			html.EscapeString(fmt.Sprintf("AI %.0f%% from %s", c.AIShare*100, c.Start)))
	}
	if bst := opt.Best; bst != nil {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="9" fill="none" stroke="%s" stroke-width="2"/>`, x(bst.CVaR5USD), y(bst.MeanNPVUSD), Palette[1])
	}
	b.WriteString(`</svg>`)
	return b.String()
}
