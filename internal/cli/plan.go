package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/report"
	"github.com/hashpivot/hashpivot/site"
	"github.com/spf13/cobra"
)

func newPlanCmd(e *env) *cobra.Command {
	var asJSON, asCSV bool
	var out, marketSrc, cacheDir string
	cmd := &cobra.Command{
		Use:   "plan SITE.yaml",
		Short: "Compare the site's strategies: capex, NPV, IRR, payback, EBITDA by year, value",
		Example: "  hashpivot plan examples/pecos-west.yaml\n" +
			"  hashpivot plan examples/pecos-west.yaml --json\n" +
			"  hashpivot plan examples/pecos-west.yaml --csv > months.csv\n" +
			"  hashpivot plan examples/pecos-west.yaml --out report.html",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asCSV {
				return badInputf("--json and --csv: choose one")
			}
			s, marketNote, err := loadSiteWithMarket(cmd.Context(), e, args[0], marketSrc, cacheDir, asJSON || asCSV)
			if err != nil {
				return err
			}
			outcomes, err := plan.Plan(s)
			if err != nil {
				return err
			}
			if out != "" {
				if err := writeFileAtomic(out, func(w io.Writer) error { return report.WritePlan(w, s, outcomes) }); err != nil {
					return err
				}
			}
			switch {
			case asJSON:
				return writePlanJSON(e.stdout, s, outcomes)
			case asCSV:
				return writePlanCSV(e.stdout, s, outcomes)
			}
			if marketNote != "" {
				fmt.Fprintln(e.stdout, marketNote)
			}
			writePlanTable(e.stdout, s, outcomes)
			if out != "" {
				fmt.Fprintf(e.stdout, "\nreport written to %s\n", out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&asCSV, "csv", false, "print the monthly cash flows of every strategy as CSV")
	f.StringVar(&out, "out", "", "write a self-contained HTML report with SVG charts to this file")
	f.StringVar(&marketSrc, "market", "file", "market state: file (the site file's), live (fetch now, falling back to the cache), cache (last fetched)")
	f.StringVar(&cacheDir, "cache-dir", "", "data cache directory (default $HASHPIVOT_CACHE_DIR, else $XDG_CACHE_HOME/hashpivot)")
	return cmd
}

// planJSON is the contract of `plan --json`.
type planJSON struct {
	Site       planSiteJSON   `json:"site"`
	Strategies []plan.Summary `json:"strategies"`
}

type planSiteJSON struct {
	Name                 string      `json:"name"`
	Start                site.Month  `json:"start"`
	HorizonYears         int         `json:"horizon_years"`
	InterconnectMW       float64     `json:"interconnect_mw"`
	FleetNameplateMW     float64     `json:"fleet_nameplate_mw"`
	FleetDrawMW          float64     `json:"fleet_draw_mw"`
	Market               site.Market `json:"market"`
	PowerPriceUSDPerMWh  float64     `json:"power_price_usd_per_mwh"`
	AIKind               string      `json:"ai_kind"`
	HashpriceUSDPerPHDay float64     `json:"hashprice_usd_per_ph_day"`
}

func sitePlanJSON(s *site.Site, outcomes []plan.Outcome) planSiteJSON {
	hp := 0.0
	if len(outcomes) > 0 {
		hp = outcomes[0].Result.HashpriceTH[0] * 1000
	}
	return planSiteJSON{Name: s.Name, Start: s.Start, HorizonYears: s.HorizonYears,
		InterconnectMW: s.Grid.InterconnectMW, FleetNameplateMW: s.FleetNameplateW() / 1e6,
		FleetDrawMW: s.FleetDrawMW(), Market: s.Market, PowerPriceUSDPerMWh: s.Power.PriceUSDPerMWh,
		AIKind: s.AI.Kind, HashpriceUSDPerPHDay: hp}
}

func writePlanJSON(w io.Writer, s *site.Site, outcomes []plan.Outcome) error {
	doc := planJSON{Site: sitePlanJSON(s, outcomes)}
	for _, o := range outcomes {
		doc.Strategies = append(doc.Strategies, o.Summary)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writePlanCSV(w io.Writer, s *site.Site, outcomes []plan.Outcome) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"strategy", "month", "hashprice_usd_per_ph_day", "mining_revenue_usd", "mining_energy_usd", "mining_opex_usd",
		"ai_revenue_usd", "ai_energy_usd", "ai_opex_usd", "ebitda_usd", "capex_usd", "salvage_usd", "depreciation_usd",
		"interest_usd", "principal_usd", "tax_usd", "fcf_usd"})
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	for _, o := range outcomes {
		r := o.Result
		for i := range o.Model.Months() {
			_ = cw.Write([]string{o.Summary.Name, s.Start.AddMonths(i).String(), ff(r.HashpriceTH[i] * 1000),
				ff(r.MiningRevenue[i]), ff(r.MiningEnergy[i]), ff(r.MiningOpex[i]), ff(r.AIRevenue[i]), ff(r.AIEnergy[i]),
				ff(r.AIOpex[i]), ff(r.EBITDA[i]), ff(r.Capex[i]), ff(r.Salvage[i]), ff(r.Depreciation[i]),
				ff(r.Interest[i]), ff(r.Principal[i]), ff(r.Tax[i]), ff(r.FCF[i])})
		}
	}
	cw.Flush()
	return cw.Error()
}

func musd(x float64) string { return fmt.Sprintf("%.1f", x/1e6) }

func pct(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

func writePlanTable(w io.Writer, s *site.Site, outcomes []plan.Outcome) {
	hp := 0.0
	if len(outcomes) > 0 {
		hp = outcomes[0].Result.HashpriceTH[0] * 1000
	}
	fmt.Fprintf(w, "%s — %d-year plan from %s, %.0f MW interconnect, fleet %.1f MW at the meter, hashprice %.2f USD/PH/day, power %.0f USD/MWh\n\n",
		s.Name, s.HorizonYears, s.Start, s.Grid.InterconnectMW, s.FleetDrawMW(), hp, s.Power.PriceUSDPerMWh)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(o plan.Outcome) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, o := range outcomes {
			fmt.Fprintf(tw, "%s\t", f(o))
		}
		fmt.Fprintln(tw)
	}
	row("", func(o plan.Outcome) string { return o.Summary.Name })
	row("AI share", func(o plan.Outcome) string { return fmt.Sprintf("%.0f%%", o.Summary.AIShare*100) })
	row("conversion starts", func(o plan.Outcome) string {
		if o.Summary.AIShare == 0 {
			return "—"
		}
		return o.Summary.Start.String()
	})
	row("critical IT MW", func(o plan.Outcome) string { return fmt.Sprintf("%.1f", o.Summary.ITMW) })
	row("capex, $M", func(o plan.Outcome) string { return musd(o.Summary.CapexUSD) })
	row("NPV, $M", func(o plan.Outcome) string { return musd(o.Summary.NPVUSD) })
	row("IRR of conversion", func(o plan.Outcome) string { return pct(o.Summary.IRR) })
	row("payback, months", func(o plan.Outcome) string {
		if o.Summary.PaybackMonths == nil {
			return "—"
		}
		return strconv.Itoa(*o.Summary.PaybackMonths)
	})
	row("contracted revenue", func(o plan.Outcome) string { return fmt.Sprintf("%.0f%%", o.Summary.ContractedRevenueShare*100) })
	row("value at multiples, $M", func(o plan.Outcome) string { return musd(o.Summary.EVUSD) })
	row("lowest cumulative cash, $M", func(o plan.Outcome) string { return musd(o.Summary.MinCashUSD) })
	row("months a fleet line is off", func(o plan.Outcome) string { return strconv.Itoa(o.Summary.MiningOffMonths) })
	fmt.Fprintln(tw)
	row("EBITDA $M (mining + AI)", func(plan.Outcome) string { return "" })
	years := len(outcomes[0].Summary.EBITDAUSDByYear)
	for y := range years {
		row(fmt.Sprintf("year %d (%d)", y+1, s.Start.Year()+y), func(o plan.Outcome) string {
			return fmt.Sprintf("%s + %s", musd(o.Summary.MiningEBITDAUSDByYear[y]), musd(o.Summary.AIEBITDAUSDByYear[y]))
		})
	}
	tw.Flush()
}

// writeFileAtomic writes a file through a temporary file and a rename, so a
// failure never leaves a half-written file under the name.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".hashpivot-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}
