package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashpivot/hashpivot/aihost"
	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/dispatch"
	"github.com/hashpivot/hashpivot/market"
	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/report"
	"github.com/hashpivot/hashpivot/site"
	"github.com/spf13/cobra"
)

// maxProblemBytes bounds a --problem file (a year of 5-minute intervals
// with per-interval hashvalues for 20 groups is about 40 MB).
const maxProblemBytes = 256 << 20

type dispatchFlags struct {
	problem, prices, strategy, point, from, to, tz string
	asJSON                                         bool
	csvPath, out, writeProblem, writeLP            string
	hashprice                                      float64
	maxIterations                                  int
}

func newDispatchCmd(e *env) *cobra.Command {
	var f dispatchFlags
	cmd := &cobra.Command{
		Use:   "dispatch [SITE.yaml --prices prices.csv --strategy NAME | --problem problem.json]",
		Short: "Split the site's power between ASICs, AI and the grid interval by interval: exact optimum, backtest on real prices",
		Long: `dispatch finds, interval by interval, the power of each group of ASICs that
maximises mining revenue minus energy cost minus the 4CP charge, with firm AI
load served first, under the site cap, ramp limits and demand-response
commitments. The optimum is exact (merit order, ramp dynamic programming, or
column generation with a proven gap_usd). It prints the result against the
naive "always on" dispatch: the value of flexibility.

Two forms: --problem reads a problem JSON (docs/dispatch.md); the site-file
form builds one from SITE.yaml, a strategy and a price series (ERCOT-style or
plain timestamp,price CSV), cut to a window with --from/--to.`,
		Example: "  hashpivot dispatch --problem examples/dispatch-ramps.json\n" +
			"  hashpivot dispatch examples/pecos-west.yaml --prices prices.csv --strategy hybrid --from 2024-01-01 --to 2024-02-01\n" +
			"  hashpivot dispatch --problem p.json --json --csv intervals.csv --out dispatch.html",
		Args: func(cmd *cobra.Command, args []string) error { return badInput(cobra.MaximumNArgs(1)(cmd, args)) },
		RunE: func(cmd *cobra.Command, args []string) error { return runDispatch(e, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.problem, "problem", "", "read the problem from this JSON file")
	fl.StringVar(&f.prices, "prices", "", "site-file form: power price CSV (ERCOT-style or timestamp,price)")
	fl.StringVar(&f.strategy, "strategy", "", "site-file form: the strategy of the site file to dispatch (its AI share sets the AI load and the fleet left)")
	fl.StringVar(&f.point, "settlement-point", "", "settlement point to read from an ERCOT-style price file (default: the site's grid.settlement_point when the file has it)")
	fl.StringVar(&f.from, "from", "", "first interval kept from the price file: a date (midnight in --tz) or an RFC 3339 time")
	fl.StringVar(&f.to, "to", "", "end (excluded) of the window kept from the price file")
	fl.StringVar(&f.tz, "tz", "", "time zone (IANA name, such as America/Chicago) of price timestamps without a UTC offset, and of --from/--to dates (default UTC)")
	fl.Float64Var(&f.hashprice, "hashprice", 0, "site-file form: hashprice in USD per PH/s per day (default: from the site's market section)")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.StringVar(&f.csvPath, "csv", "", "write one row per interval (price, each group's MW, AI MW, site MW, reason) to this file")
	fl.StringVar(&f.out, "out", "", "write a self-contained HTML page with SVG charts to this file")
	fl.StringVar(&f.writeProblem, "write-problem", "", "write the problem (as --problem reads it) to this file")
	fl.StringVar(&f.writeLP, "write-lp", "", "write the problem as a CPLEX LP file (glpsol --lp) to this file")
	fl.IntVar(&f.maxIterations, "max-iterations", 0, "bound the rounds of column generation (0: automatic)")
	return cmd
}

func runDispatch(e *env, f *dispatchFlags, args []string) error {
	var p *dispatch.Problem
	var notes []string
	var err error
	title := ""
	switch {
	case f.problem != "" && len(args) > 0:
		return badInputf("dispatch: give either --problem or a site file, not both")
	case f.problem != "":
		if f.prices != "" || f.strategy != "" || f.hashprice != 0 {
			return badInputf("dispatch: --prices, --strategy and --hashprice belong to the site-file form, not --problem")
		}
		p, err = readProblem(f.problem)
		title = "Dispatch of " + f.problem
	case len(args) == 1:
		p, notes, err = problemFromSite(args[0], f)
		title = fmt.Sprintf("Dispatch of %s, strategy %s", args[0], f.strategy)
	default:
		return badInputf("dispatch: give --problem problem.json, or SITE.yaml with --prices and --strategy")
	}
	if err != nil {
		return err
	}
	if f.maxIterations < 0 {
		return badInputf("--max-iterations: must be >= 0, got %d", f.maxIterations)
	}
	if f.writeProblem != "" {
		if err := writeFileAtomic(f.writeProblem, func(w io.Writer) error {
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}); err != nil {
			return err
		}
	}
	if f.writeLP != "" {
		if err := writeFileAtomic(f.writeLP, p.WriteLP); err != nil {
			return err
		}
	}
	sol, err := dispatch.Solve(p, dispatch.Options{MaxIterations: f.maxIterations})
	if errors.Is(err, dispatch.ErrInvalid) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if f.csvPath != "" {
		if err := writeFileAtomic(f.csvPath, func(w io.Writer) error { return dispatch.WriteCSV(w, p, sol) }); err != nil {
			return err
		}
	}
	if f.out != "" {
		if err := writeFileAtomic(f.out, func(w io.Writer) error {
			_, err := io.WriteString(w, dispatchPage(title, p, sol, notes))
			return err
		}); err != nil {
			return err
		}
	}
	if f.asJSON {
		return writeDispatchJSON(e.stdout, p, sol, notes)
	}
	writeDispatchTable(e.stdout, p, sol, notes)
	for _, w := range []struct{ what, path string }{{"intervals", f.csvPath}, {"page", f.out}, {"problem", f.writeProblem}, {"LP", f.writeLP}} {
		if w.path != "" {
			fmt.Fprintf(e.stdout, "%s written to %s\n", w.what, w.path)
		}
	}
	return nil
}

// readProblem reads and parses a --problem file (bad input, exit 2).
func readProblem(path string) (*dispatch.Problem, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, badInput(err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxProblemBytes+1))
	if err != nil {
		return nil, badInput(fmt.Errorf("read %s: %w", path, err))
	}
	if len(data) > maxProblemBytes {
		return nil, badInputf("%s: larger than %d MiB", path, maxProblemBytes>>20)
	}
	p, err := dispatch.ParseProblem(data)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", path, err))
	}
	return p, nil
}

// parseWindowTime reads --from/--to: a date (midnight in loc) or RFC 3339.
func parseWindowTime(flag, v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badInputf("--%s %q: want a date like 2024-01-01 or an RFC 3339 time", flag, v)
	}
	return t, nil
}

// hoursPerMonth is the mean length of a month, 8766 h / 12.
const hoursPerMonth = 730.5

// problemFromSite builds a dispatch problem from a site file, one of its
// strategies and a price series. The strategy is taken as fully in place
// (retrofit done, lease fully up): the AI load is the usable IT MW of its
// retrofit times the cooling PUE, firm in every interval; each fleet line
// keeps (1 − ai_share) of its units and becomes a group of max_mw
// units × W × uptime × mining PUE whose hashvalue per MWh of site power is
// hashprice × (1 − pool_fee) / (J/TH × PUE × 24 / 1e6). The hashprice is
// the site's market state at its start unless --hashprice gives one.
func problemFromSite(path string, f *dispatchFlags) (*dispatch.Problem, []string, error) {
	if f.prices == "" || f.strategy == "" {
		return nil, nil, badInputf("dispatch %s: the site-file form needs --prices and --strategy", path)
	}
	if f.hashprice < 0 || math.IsNaN(f.hashprice) || math.IsInf(f.hashprice, 0) {
		return nil, nil, badInputf("--hashprice: must be a finite number >= 0, got %v", f.hashprice)
	}
	s, err := loadSite(path)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(s.Strategies, func(st site.Strategy) bool { return st.Name == f.strategy })
	if i < 0 {
		names := make([]string, len(s.Strategies))
		for k, st := range s.Strategies {
			names[k] = st.Name
		}
		return nil, nil, badInputf("--strategy %q: %s has %s", f.strategy, path, strings.Join(names, ", "))
	}
	st := s.Strategies[i]
	loc := time.UTC
	if f.tz != "" {
		if loc, err = time.LoadLocation(f.tz); err != nil {
			return nil, nil, badInputf("--tz %q: %v", f.tz, err)
		}
	}
	from, err := parseWindowTime("from", f.from, loc)
	if err != nil {
		return nil, nil, err
	}
	to, err := parseWindowTime("to", f.to, loc)
	if err != nil {
		return nil, nil, err
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, nil, badInputf("--to %s is not after --from %s", f.to, f.from)
	}
	series, err := readPrices(f.prices, s.Grid.SettlementPoint, f.point, from, to, loc)
	if err != nil {
		return nil, nil, err
	}

	var notes []string
	hp := f.hashprice / 1000 // USD per TH/s per day
	if f.hashprice == 0 {
		m := s.Market
		hp = bitcoin.HashpriceUSDPerTHDay(m.Difficulty, bitcoin.SubsidyBTC(m.BlockHeight), m.FeesBTCPerBlock, m.BTCPriceUSD)
		notes = append(notes, fmt.Sprintf("hashprice %.2f USD/PH/day from the site's market (BTC %.0f USD, difficulty %.4g); set --hashprice for the window's own", hp*1000, m.BTCPriceUSD, m.Difficulty))
	} else {
		notes = append(notes, fmt.Sprintf("hashprice %.2f USD/PH/day (--hashprice)", f.hashprice))
	}
	model, err := plan.Compile(s, st)
	if err != nil {
		return nil, nil, badInput(err)
	}
	aiPUE, _ := s.Assumptions.CoolingPUE.Get(s.Retrofit.Cooling)
	itMW := 0.0
	if st.AIShare > 0 {
		itMW = model.Retrofit.ITMW
	}
	p := &dispatch.Problem{
		IntervalMinutes: int(series.Interval / time.Minute),
		Start:           series.Start,
		SiteCapMW:       s.Grid.InterconnectMW,
		AIFirmMW:        itMW * aiPUE,
		PricesUSDPerMWh: series.PricesUSDPerMWh,
	}
	if p.AIFirmMW > 0 {
		p.AIRevenueUSDPerMWh = aiRevenuePerMWh(s, itMW, p.AIFirmMW, series.PricesUSDPerMWh)
		notes = append(notes, fmt.Sprintf("strategy %s taken as fully in place: %.1f MW of IT at PUE %.2f is %.1f MW of firm AI load", st.Name, itMW, aiPUE, p.AIFirmMW))
	}
	mi := s.Mining
	seen := map[string]int{}
	for k, l := range mi.Fleet {
		spec, err := s.LineSpec(l)
		if err != nil {
			return nil, nil, badInputf("%s: mining.fleet[%d]: %v", path, k, err)
		}
		name := spec.Name
		if name == "" {
			name = l.Model
		}
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, seen[name])
		}
		maxMW := float64(l.Units) * spec.W * (1 - st.AIShare) * mi.Uptime * mi.PUE / 1e6
		hv := bitcoin.HashvalueUSDPerMWh(hp, spec.JPerTH(), mi.PoolFee) / mi.PUE
		p.Groups = append(p.Groups, dispatch.Group{Name: name, MaxMW: maxMW, HashvalueUSDPerMWh: hv})
	}
	notes = append(notes, fmt.Sprintf("prices: %d intervals of %d min from %s%s", len(series.PricesUSDPerMWh), int(series.Interval/time.Minute),
		series.Start.Format(time.RFC3339), pointNote(series.SettlementPoint)))
	if err := p.Validate(); err != nil {
		return nil, nil, badInput(fmt.Errorf("%s with strategy %s: %w", path, st.Name, err))
	}
	return p, notes, nil
}

func pointNote(sp string) string {
	if sp == "" {
		return ""
	}
	return " at " + sp
}

// aiRevenuePerMWh spreads the AI business's revenue over its firm load:
// a colocation lease earns rate × kW each month (plus the energy, at the
// window's mean price, when the tenant pays it through); a GPU cloud earns
// GPUs × utilisation × price per GPU-hour.
func aiRevenuePerMWh(s *site.Site, itMW, aiMW float64, prices []float64) float64 {
	switch s.AI.Kind {
	case site.KindColocation:
		c := s.AI.Colocation
		v := c.RateUSDPerKWMonth * itMW * 1000 / (aiMW * hoursPerMonth)
		if c.PowerPassThrough && len(prices) > 0 {
			sum := 0.0
			for _, x := range prices {
				sum += x
			}
			v += sum / float64(len(prices))
		}
		return v
	case site.KindGPUCloud:
		g := s.AI.GPUCloud
		gpus := aihost.GPUCount(itMW, g.ITKWPerGPU)
		return float64(gpus) * g.Utilization * g.PriceUSDPerGPUHour / aiMW
	}
	return 0
}

// readPrices loads the price file; a site's settlement point is the
// default for a file that lists several.
func readPrices(path, sitePoint, point string, from, to time.Time, loc *time.Location) (market.PriceSeries, error) {
	fh, err := os.Open(path)
	if err != nil {
		return market.PriceSeries{}, badInput(err)
	}
	defer fh.Close()
	opt := market.PriceOptions{SettlementPoint: point, From: from, To: to, Location: loc}
	s, err := market.LoadPrices(fh, path, opt)
	if errors.Is(err, market.ErrAmbiguousPoint) && point == "" && sitePoint != "" {
		if _, serr := fh.Seek(0, io.SeekStart); serr == nil {
			opt.SettlementPoint = sitePoint
			if s2, err2 := market.LoadPrices(fh, path, opt); !errors.Is(err2, market.ErrNoSuchPoint) {
				s, err = s2, err2
			} else {
				err = fmt.Errorf("%w (the site's grid.settlement_point %s is not in it: use --settlement-point)", err, sitePoint)
			}
		}
	}
	if err != nil {
		return market.PriceSeries{}, badInput(err)
	}
	return s, nil
}

// dispatchJSON is the contract of `dispatch --json`: the keys
// (objective_usd … gap_usd) and more.
type dispatchJSON struct {
	dispatch.Summary
	GapUSD              float64          `json:"gap_usd"`
	UpperBoundUSD       float64          `json:"upper_bound_usd"`
	Method              dispatch.Method  `json:"method"`
	Iterations          int              `json:"iterations"`
	Intervals           int              `json:"intervals"`
	IntervalMinutes     int              `json:"interval_minutes"`
	Baseline            dispatch.Summary `json:"always_on"`
	FlexibilityValueUSD float64          `json:"flexibility_value_usd"`
	Groups              []groupJSON      `json:"groups"`
	Notes               []string         `json:"notes,omitempty"`
}

type groupJSON struct {
	Name           string  `json:"name"`
	MaxMW          float64 `json:"max_mw"`
	MWh            float64 `json:"mwh"`
	CurtailedHours float64 `json:"curtailed_hours"`
}

func writeDispatchJSON(w io.Writer, p *dispatch.Problem, sol *dispatch.Solution, notes []string) error {
	out := dispatchJSON{
		Summary: sol.Summary, GapUSD: sol.GapUSD, UpperBoundUSD: sol.UpperBoundUSD,
		Method: sol.Method, Iterations: sol.Iterations, Intervals: p.Intervals(), IntervalMinutes: p.IntervalMinutes,
		Baseline: sol.Baseline, FlexibilityValueUSD: sol.FlexibilityValueUSD, Notes: notes,
	}
	for g, gr := range p.Groups {
		out.Groups = append(out.Groups, groupStats(p, gr, sol.MW[g]))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func groupStats(p *dispatch.Problem, gr dispatch.Group, mw []float64) groupJSON {
	s := groupJSON{Name: gr.Name, MaxMW: gr.MaxMW}
	for _, x := range mw {
		s.MWh += x * p.Hours()
		if x < gr.MaxMW-1e-6 {
			s.CurtailedHours += p.Hours()
		}
	}
	return s
}

func writeDispatchTable(w io.Writer, p *dispatch.Problem, sol *dispatch.Solution, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	exact := "exact"
	if sol.GapUSD > 0 {
		exact = fmt.Sprintf("within a proven %s of the optimum", money(sol.GapUSD))
	}
	fmt.Fprintf(w, "%d intervals of %d min, %d groups, %.1f MW cap, %.1f MW firm AI: %s (%s)\n\n",
		p.Intervals(), p.IntervalMinutes, len(p.Groups), p.SiteCapMW, p.AIFirmMW, sol.Method, exact)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	s, b := sol.Summary, sol.Baseline
	fmt.Fprintf(tw, "\tdispatch\talways on\t\n")
	row := func(name string, a, c float64) { fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, money(a), money(c)) }
	row("mining revenue", s.MiningRevenueUSD, b.MiningRevenueUSD)
	row("mining energy cost", s.EnergyCostUSD, b.EnergyCostUSD)
	row("4CP charge", s.FourCPChargeUSD, b.FourCPChargeUSD)
	row("objective", s.ObjectiveUSD, b.ObjectiveUSD)
	row("AI revenue", s.AIRevenueUSD, b.AIRevenueUSD)
	row("AI energy cost", s.AIEnergyCostUSD, b.AIEnergyCostUSD)
	row("demand response", s.DRPaymentUSD, b.DRPaymentUSD)
	row("PPA settlement", s.PPASettlementUSD, b.PPASettlementUSD)
	row("net margin", s.NetMarginUSD, b.NetMarginUSD)
	fmt.Fprintf(tw, "mining energy\t%.0f MWh\t%.0f MWh\t\n", s.MiningMWh, b.MiningMWh)
	fmt.Fprintf(tw, "curtailed\t%.0f MWh, %.1f h\t%.0f MWh, %.1f h\t\n", s.CurtailedMWh, s.CurtailedHours, b.CurtailedMWh, b.CurtailedHours)
	tw.Flush()
	fmt.Fprintf(w, "\nvalue of flexibility over always on: %s\n", money(sol.FlexibilityValueUSD))
}

// money prints whole dollars with thousands separators.
func money(v float64) string {
	s := groupThousands(math.Abs(v), 0)
	if v < 0 && s != "0" {
		return "-$" + s
	}
	return "$" + s
}

// dispatchPage renders the --out page with the report package's charts.
func dispatchPage(title string, p *dispatch.Problem, sol *dispatch.Solution, notes []string) string {
	n := p.Intervals()
	load := make([]float64, n)
	for t := range load {
		load[t] = p.AIFirmMW
		for g := range p.Groups {
			load[t] += sol.MW[g][t]
		}
	}
	labels := func(idx []int) []string {
		out := make([]string, len(idx))
		for k, t := range idx {
			if p.Start.IsZero() {
				out[k] = fmt.Sprint(t)
			} else {
				out[k] = p.IntervalStart(t).Format("01-02 15:04")
			}
		}
		return out
	}
	priceS, idx := bucketSeries("price", p.PricesUSDPerMWh)
	loadS, _ := bucketSeries("site load", load)
	capS := report.Series{Name: "site cap", Values: slices.Repeat([]float64{p.SiteCapMW}, len(loadS.Values))}
	sorted := slices.Clone(load)
	slices.SortFunc(sorted, func(a, b float64) int { return -cmpF(a, b) })
	const ldcPoints = 200
	ldc := make([]float64, 0, ldcPoints+1)
	ldcLabels := make([]string, 0, ldcPoints+1)
	for k := 0; k <= ldcPoints && n > 0; k++ {
		ldc = append(ldc, sorted[min(n-1, k*(n-1)/ldcPoints)])
		ldcLabels = append(ldcLabels, fmt.Sprintf("%d%%", k*100/ldcPoints))
	}
	s, b := sol.Summary, sol.Baseline
	rows := [][]string{{"", "dispatch", "always on"}}
	add := func(name string, a, c float64) { rows = append(rows, []string{name, money(a), money(c)}) }
	add("Mining revenue", s.MiningRevenueUSD, b.MiningRevenueUSD)
	add("Mining energy cost", s.EnergyCostUSD, b.EnergyCostUSD)
	add("4CP charge", s.FourCPChargeUSD, b.FourCPChargeUSD)
	add("Objective", s.ObjectiveUSD, b.ObjectiveUSD)
	add("AI revenue", s.AIRevenueUSD, b.AIRevenueUSD)
	add("AI energy cost", s.AIEnergyCostUSD, b.AIEnergyCostUSD)
	add("Demand-response payment", s.DRPaymentUSD, b.DRPaymentUSD)
	add("PPA settlement", s.PPASettlementUSD, b.PPASettlementUSD)
	add("Net margin", s.NetMarginUSD, b.NetMarginUSD)
	rows = append(rows, []string{"Curtailed", fmt.Sprintf("%.0f MWh, %.1f h", s.CurtailedMWh, s.CurtailedHours), fmt.Sprintf("%.0f MWh, %.1f h", b.CurtailedMWh, b.CurtailedHours)})
	var head strings.Builder
	fmt.Fprintf(&head, `<p>%d intervals of %d minutes. Method %s, proven gap %s. Value of flexibility over always on: <strong>%s</strong>.</p>`,
		n, p.IntervalMinutes, sol.Method, money(sol.GapUSD), money(sol.FlexibilityValueUSD))
	for _, note := range notes {
		fmt.Fprintf(&head, `<p class="note">%s</p>`, htmlEscape(note))
	}
	band := ""
	if len(priceS.Lo) > 0 {
		band = " The line is each bucket's mean, the band its minimum and maximum."
	}
	return report.Page(title,
		head.String(),
		report.Table(rows),
		report.Figure(report.Chart{Title: "Power price", YLabel: "USD/MWh", XLabels: labels(idx), Series: []report.Series{priceS}}.SVG(), "Price of each interval."+band),
		report.Figure(report.Chart{Title: "Site load", YLabel: "MW", XLabels: labels(idx), Series: []report.Series{loadS, capS}}.SVG(), "AI and mining load against the site cap."+band),
		report.Figure(report.Chart{Title: "Load duration curve", YLabel: "MW", XLabels: ldcLabels, Series: []report.Series{{Name: "site load", Values: ldc}}}.SVG(), "Site load sorted from highest to lowest: the share of the time the site draws at least that much."),
	)
}

// chartBuckets is the most points a time chart draws.
const chartBuckets = 600

// bucketSeries reduces ys to at most chartBuckets points: the mean of each
// bucket, with its minimum and maximum as a band so that spikes stay
// visible. It returns the first interval of each bucket.
func bucketSeries(name string, ys []float64) (report.Series, []int) {
	n := len(ys)
	if n <= chartBuckets {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return report.Series{Name: name, Values: slices.Clone(ys)}, idx
	}
	size := (n + chartBuckets - 1) / chartBuckets
	s := report.Series{Name: name}
	var idx []int
	for a := 0; a < n; a += size {
		e := min(n, a+size)
		lo, hi, sum := ys[a], ys[a], 0.0
		for _, v := range ys[a:e] {
			lo, hi, sum = min(lo, v), max(hi, v), sum+v
		}
		s.Values = append(s.Values, sum/float64(e-a))
		s.Lo = append(s.Lo, lo)
		s.Hi = append(s.Hi, hi)
		idx = append(idx, a)
	}
	return s, idx
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
