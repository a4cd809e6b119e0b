package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashpivot/hashpivot/market"
	"github.com/hashpivot/hashpivot/risk"
	"github.com/spf13/cobra"
)

func newCalibrateCmd(e *env) *cobra.Command {
	var btcPath, hashPath, to string
	var years int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "calibrate --btc FILE.csv [--hashrate FILE.json]",
		Short: "Estimate the risk: model (BTC drift, volatility, bootstrap block; hashrate growth and elasticity) from history",
		Long: "calibrate reads daily BTC/USD closes (CoinGecko export, CoinGecko CSV or hashpivot's cache) and,\n" +
			"optionally, mempool.space's hashrate/difficulty JSON, estimates the risk model on month ends of\n" +
			"the last --years years and prints a risk: block to paste into a site file.",
		Example: "  hashpivot calibrate --btc btc-usd-daily.csv\n" +
			"  hashpivot calibrate --btc btc-usd-daily.csv --hashrate bitcoin-hashrate-difficulty.json --years 8",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if btcPath == "" {
				return badInputf("--btc: a daily BTC/USD CSV is required")
			}
			if years < 1 || years > 100 {
				return badInputf("--years: must be between 1 and 100, got %d", years)
			}
			closes, err := readCloses(btcPath)
			if err != nil {
				return badInputf("--btc: %w", err)
			}
			var diff []risk.DifficultyPoint
			if hashPath != "" {
				if diff, err = readDifficulty(hashPath); err != nil {
					return badInputf("--hashrate: %w", err)
				}
			}
			var end time.Time
			if to != "" {
				t, err := time.Parse("2006-01", to)
				if err != nil {
					return badInputf("--to: want YYYY-MM, got %q", to)
				}
				end = t.AddDate(0, 1, 0)
			} else if len(closes) > 0 {
				last := closes[len(closes)-1].Time
				end = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
				if len(diff) > 0 && diff[len(diff)-1].Time.Before(last) {
					// End where both series have data.
					d := diff[len(diff)-1].Time
					end = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
				}
			}
			c, err := risk.Calibrate(closes, diff, risk.CalibrateOptions{From: end.AddDate(-years, 0, 0), To: end})
			if err != nil {
				return badInput(err)
			}
			if asJSON {
				return writeJSON(e.stdout, c)
			}
			writeCalibration(e.stdout, c, btcPath, hashPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&btcPath, "btc", "", "daily BTC/USD closes, CSV")
	f.StringVar(&hashPath, "hashrate", "", "mempool.space hashrate and difficulty history, JSON")
	f.IntVar(&years, "years", 4, "years of history to use, ending at the last month both files cover")
	f.StringVar(&to, "to", "", "last month of the window, YYYY-MM (default: the data's last)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func readDifficulty(path string) ([]risk.DifficultyPoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := market.LoadMiningHistory(f, path)
	if err != nil {
		return nil, err
	}
	out := make([]risk.DifficultyPoint, 0, len(h.Retargets))
	for _, r := range h.Retargets {
		out = append(out, risk.DifficultyPoint{Time: r.Time, Height: r.Height, Difficulty: r.Difficulty})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no difficulty adjustments", path)
	}
	return out, nil
}

func writeCalibration(w io.Writer, c *risk.Calibration, btcPath, hashPath string) {
	b := c.BTC
	fmt.Fprintf(w, "# hashpivot calibrate: BTC month-end closes %s..%s of %s (%d monthly returns)\n", b.From, b.To, btcPath, b.Returns)
	fmt.Fprintf(w, "# daily log returns give a volatility of %.0f%%/yr; the block length is Politis-White's for the bootstrap\n", b.DailyVolPerYear*100)
	if h := c.Hashrate; h != nil {
		fmt.Fprintf(w, "# difficulty %s..%s of %s (%d monthly changes): elasticity %.3f ± %.3f (standard error);\n", h.From, h.To, hashPath, h.Months, h.Elasticity, h.ElasticitySE)
		fmt.Fprintf(w, "# growth_per_year applies at the last month's hashprice, %.1f USD/PH/day (subsidy only)\n", h.HashpriceUSDPerPHDay)
	}
	fmt.Fprintln(w, "risk:")
	fmt.Fprintf(w, "  btc: {model: gbm, drift_per_year: %.3f, vol_per_year: %.3f, block_months: %d}\n", b.DriftPerYear, b.VolPerYear, b.BlockMonths)
	if h := c.Hashrate; h != nil {
		fmt.Fprintf(w, "  hashrate: {growth_per_year: %.3f, elasticity: %.3f, vol_per_year: %.3f}\n", h.GrowthPerYear, h.Elasticity, h.VolPerYear)
	}
}
