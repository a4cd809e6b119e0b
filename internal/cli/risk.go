package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"text/tabwriter"

	"github.com/hashpivot/hashpivot/internal/progress"
	"github.com/hashpivot/hashpivot/market"
	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/report"
	"github.com/hashpivot/hashpivot/risk"
	"github.com/hashpivot/hashpivot/site"
	"github.com/spf13/cobra"
)

// riskFlags are the flags risk and optimize share.
type riskFlags struct {
	paths   int
	seed    uint64
	workers int
	asJSON  bool
	out     string
}

func (f *riskFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&f.paths, "paths", 0, "number of market paths (default: the site file's risk.paths)")
	fl.Uint64Var(&f.seed, "seed", 0, "random seed (default: the site file's risk.seed)")
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "goroutines (the result does not depend on it)")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.StringVar(&f.out, "out", "", "write a self-contained HTML report with SVG charts to this file")
}

// load reads the site file at path and resolves the run options from it and
// the flags (fan charts when a report is asked for); the bootstrap's price
// history is read here.
func (f *riskFlags) load(cmd *cobra.Command, path string) (*site.Site, risk.Options, error) {
	s, err := loadSite(path)
	if err != nil {
		return nil, risk.Options{}, err
	}
	o := risk.DefaultOptions(s)
	o.Fan = f.out != ""
	if cmd.Flags().Changed("paths") {
		if f.paths < 1 || f.paths > 100_000_000 {
			return nil, o, badInputf("--paths: must be between 1 and 100000000, got %d", f.paths)
		}
		o.Paths = f.paths
	}
	if cmd.Flags().Changed("seed") {
		o.Seed = f.seed
	}
	if f.workers < 1 || f.workers > 4096 {
		return nil, o, badInputf("--workers: must be between 1 and 4096, got %d", f.workers)
	}
	o.Workers = f.workers
	if s.Risk.BTC.Model == site.BTCModelBootstrap {
		h, err := loadHistory(s)
		if err != nil {
			return nil, o, err
		}
		o.History = h
	}
	return s, o, nil
}

// loadHistory reads risk.history_csv (relative to the site file) and
// returns its monthly log returns.
func loadHistory(s *site.Site) ([]float64, error) {
	path := s.Risk.HistoryCSV
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(s.Source()), path)
	}
	closes, err := readCloses(path)
	if err != nil {
		return nil, badInputf("%s: risk.history_csv: %w", s.Source(), err)
	}
	rets := risk.MonthlyLogReturns(closes)
	if len(rets) < 12 {
		return nil, badInputf("%s: risk.history_csv: %s holds %d monthly returns, the bootstrap needs at least 12", s.Source(), path, len(rets))
	}
	return rets, nil
}

// readCloses loads a daily BTC/USD CSV (any format market.LoadBTCPrices
// reads; empty closes are skipped).
func readCloses(path string) ([]risk.Observation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := market.LoadBTCPrices(f, path, market.SkipMissing)
	if err != nil {
		return nil, err
	}
	out := make([]risk.Observation, len(p.Closes))
	for i, c := range p.Closes {
		out[i] = risk.Observation{Time: c.Date, Value: c.CloseUSD}
	}
	return out, nil
}

// runWithProgress runs fn with a progress bar over paths on stderr, drawn
// only when stderr is a terminal and the output is not JSON.
func runWithProgress(e *env, label string, o *risk.Options, asJSON bool, fn func() error) error {
	bar := progress.New(e.stderr, label, int64(o.Paths), !asJSON && e.stderrIsTerminal())
	o.Progress = func(n int) { bar.Add(int64(n)) }
	err := fn()
	bar.Finish()
	return err
}

// riskError classifies an engine error: settings it cannot use are bad
// input, named with the site file.
func riskError(s *site.Site, err error) error {
	if errors.Is(err, risk.ErrInvalid) || errors.Is(err, plan.ErrModel) {
		return badInput(fmt.Errorf("%s: %w", s.Source(), err))
	}
	return err
}

func newRiskCmd(e *env) *cobra.Command {
	var f riskFlags
	cmd := &cobra.Command{
		Use:   "risk SITE.yaml",
		Short: "Monte Carlo of every strategy: NPV and IRR spread, loss probability, CVaR, EBITDA volatility, liquidity",
		Long: "risk simulates the site's market (BTC price, difficulty following profitability, fees, power,\n" +
			"GPU prices, tenant default: the site file's risk: section) over many monthly paths and runs\n" +
			"every strategy on each, with the model of `hashpivot plan`. A fleet line whose monthly revenue\n" +
			"does not cover its energy is switched off for that month, as in plan. One seed gives the same\n" +
			"output for any --workers.",
		Example: "  hashpivot risk examples/pecos-west.yaml\n" +
			"  hashpivot risk examples/pecos-west.yaml --paths 20000 --seed 7 --out risk.html\n" +
			"  hashpivot risk examples/pecos-west.yaml --json",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, o, err := f.load(cmd, args[0])
			if err != nil {
				return err
			}
			var res *risk.Result
			err = runWithProgress(e, "risk", &o, f.asJSON, func() error {
				var err error
				res, err = risk.Simulate(ctxOf(cmd), s, nil, o)
				return err
			})
			if err != nil {
				return riskError(s, err)
			}
			if f.out != "" {
				if err := writeFileAtomic(f.out, func(w io.Writer) error { return report.WriteRisk(w, s, res, nil) }); err != nil {
					return err
				}
			}
			if f.asJSON {
				return writeJSON(e.stdout, res)
			}
			writeRiskTable(e.stdout, s, res)
			if f.out != "" {
				fmt.Fprintf(e.stdout, "\nreport written to %s\n", f.out)
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// riskModelLine describes the market model in one line.
func riskModelLine(s *site.Site) string {
	r := s.Risk
	btc := fmt.Sprintf("BTC GBM drift %+.0f%%/yr vol %.0f%%", r.BTC.DriftPerYear*100, r.BTC.VolPerYear*100)
	if r.BTC.Model == site.BTCModelBootstrap {
		btc = fmt.Sprintf("BTC bootstrap of %s (blocks of %d months, drift %+.0f%%/yr)", r.HistoryCSV, r.BTC.BlockMonths, r.BTC.DriftPerYear*100)
	}
	return fmt.Sprintf("%s; hashrate %+.0f%%/yr, elasticity %.2f, vol %.0f%%; fees vol %.0f%%; power mean %.0f USD/MWh, vol %.0f%%; tenant default %.1f%%/yr",
		btc, r.Hashrate.GrowthPerYear*100, r.Hashrate.Elasticity, r.Hashrate.VolPerYear*100, r.Fees.VolPerYear*100,
		r.Power.MeanUSDPerMWh, r.Power.VolPerYear*100, r.Tenant.DefaultProbPerYear*100)
}

func pctOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

func writeRiskTable(w io.Writer, s *site.Site, res *risk.Result) {
	fmt.Fprintf(w, "%s — %d paths, seed %d, %d years from %s\n%s\n\n", s.Name, res.Paths, res.Seed, s.HorizonYears, s.Start, riskModelLine(s))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(st risk.StrategyRisk) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, st := range res.Strategies {
			fmt.Fprintf(tw, "%s\t", f(st))
		}
		fmt.Fprintln(tw)
	}
	row("", func(st risk.StrategyRisk) string { return st.Name })
	row("AI share", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.0f%%", st.AIShare*100) })
	row("NPV mean, $M", func(st risk.StrategyRisk) string { return musd(st.NPVUSD.Mean) })
	row("NPV std, $M", func(st risk.StrategyRisk) string { return musd(st.NPVUSD.Std) })
	row("NPV P5 / P50 / P95, $M", func(st risk.StrategyRisk) string {
		return fmt.Sprintf("%s / %s / %s", musd(st.NPVUSD.P5), musd(st.NPVUSD.P50), musd(st.NPVUSD.P95))
	})
	row("IRR of conversion P5 / P50 / P95", func(st risk.StrategyRisk) string {
		if st.IRR.P50 == nil {
			return "—"
		}
		return fmt.Sprintf("%s / %s / %s", pctOrDash(st.IRR.P5), pctOrDash(st.IRR.P50), pctOrDash(st.IRR.P95))
	})
	row("P(NPV < 0)", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.1f%%", st.ProbNPVNegative*100) })
	row("CVaR 5% (mean of worst 5% NPV), $M", func(st risk.StrategyRisk) string { return musd(st.CVaR5USD) })
	row("monthly EBITDA CV", func(st risk.StrategyRisk) string { return fmt.Sprintf("%.3f", st.EBITDACV) })
	row("lowest cumulative cash P5, $M", func(st risk.StrategyRisk) string { return musd(st.MinCashUSDP5) })
	if s.Finance.Debt.Share > 0 {
		row("P(DSCR < 1.2 in a year)", func(st risk.StrategyRisk) string { return pctOrDash(st.DSCRBreachProb) })
	}
	tw.Flush()
	fmt.Fprintln(w, "\nA fleet line whose monthly revenue does not cover its energy is switched off for that month, as in plan.")
}
