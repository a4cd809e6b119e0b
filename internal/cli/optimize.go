package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/hashpivot/hashpivot/report"
	"github.com/hashpivot/hashpivot/risk"
	"github.com/hashpivot/hashpivot/site"
	"github.com/spf13/cobra"
)

func newOptimizeCmd(e *env) *cobra.Command {
	var f riskFlags
	cmd := &cobra.Command{
		Use:   "optimize SITE.yaml",
		Short: "Search the AI share and conversion start for the best risk-adjusted value (mean NPV against CVaR)",
		Long: "optimize evaluates every AI share and conversion start of the site file's optimize: grid on the\n" +
			"same Monte Carlo paths as risk (common random numbers), excludes candidates whose probability\n" +
			"of loss exceeds optimize.max_loss_probability, and picks the best under optimize.objective:\n" +
			"mean, p50, or mean_minus_cvar = mean - risk_aversion × (mean - CVaR 5%).",
		Example: "  hashpivot optimize examples/pecos-west.yaml\n" +
			"  hashpivot optimize examples/pecos-west.yaml --paths 5000 --json",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, o, err := f.load(cmd, args[0])
			if err != nil {
				return err
			}
			var opt *risk.Optimum
			err = runWithProgress(e, "optimize", &o, f.asJSON, func() error {
				var err error
				opt, err = risk.Optimize(ctxOf(cmd), s, o)
				return err
			})
			if err != nil {
				return riskError(s, err)
			}
			if f.out != "" {
				if err := writeFileAtomic(f.out, func(w io.Writer) error { return report.WriteRisk(w, s, opt.Result, opt) }); err != nil {
					return err
				}
			}
			if f.asJSON {
				return writeJSON(e.stdout, opt)
			}
			writeOptimumTable(e.stdout, s, opt)
			if f.out != "" {
				fmt.Fprintf(e.stdout, "\nreport written to %s\n", f.out)
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func writeOptimumTable(w io.Writer, s *site.Site, opt *risk.Optimum) {
	obj := opt.Objective
	if obj == site.ObjectiveMeanMinusCVaR {
		obj = fmt.Sprintf("mean - %.2f × (mean - CVaR 5%%)", opt.RiskAversion)
	}
	fmt.Fprintf(w, "%s — %d candidates on %d paths, seed %d; objective %s; loss probability at most %.0f%%\n%s\n\n",
		s.Name, len(opt.Frontier), opt.Paths, opt.Seed, obj, opt.MaxLossProbability*100, riskModelLine(s))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "AI share\tstart\tmean NPV $M\tCVaR 5% $M\tP(NPV<0)\tobjective $M\t\t")
	for _, c := range opt.Frontier {
		start := c.Start.String()
		if c.AIShare == 0 {
			start = "—"
		}
		mark := ""
		switch {
		case opt.Best != nil && c.AIShare == opt.Best.AIShare && c.Start == opt.Best.Start:
			mark = "best"
		case !c.Eligible:
			mark = "excluded"
		case c.Efficient:
			mark = "frontier"
		}
		fmt.Fprintf(tw, "%.0f%%\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t\n", c.AIShare*100, start, musd(c.MeanNPVUSD), musd(c.CVaR5USD),
			c.ProbNPVNegative*100, musd(c.ObjectiveUSD), mark)
	}
	tw.Flush()
	if b := opt.Best; b != nil {
		fmt.Fprintf(w, "\nbest: AI share %.0f%% from %s — mean NPV %s $M, CVaR 5%% %s $M, P(NPV<0) %.1f%%, objective %s $M\n",
			b.AIShare*100, b.Start, musd(b.MeanNPVUSD), musd(b.CVaR5USD), b.ProbNPVNegative*100, musd(b.ObjectiveUSD))
	} else {
		fmt.Fprintf(w, "\nno candidate has a probability of loss of at most %.0f%%\n", opt.MaxLossProbability*100)
	}
	fmt.Fprintln(w, "frontier: no other candidate has both a higher mean NPV and a higher CVaR.")
}
