package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

// WritePlan writes the plan report: the strategy table, monthly cash flow
// and cumulative cash by strategy, and capex by line item.
func WritePlan(w io.Writer, s *site.Site, outcomes []plan.Outcome) error {
	n := 0
	if len(outcomes) > 0 {
		n = outcomes[0].Model.Months()
	}
	labels := make([]string, n)
	for i := range labels {
		labels[i] = s.Start.AddMonths(i).String()
	}
	rows := [][]string{{"strategy", "AI share", "IT MW", "capex $M", "NPV $M", "IRR", "payback (months)", "contracted revenue", "value $M"}}
	var cash, cum []Series
	itemNames := []string{}
	seen := map[string]bool{}
	for _, o := range outcomes {
		sm := o.Summary
		irr, pb := "—", "—"
		if sm.IRR != nil {
			irr = fmt.Sprintf("%.1f%%", *sm.IRR*100)
		}
		if sm.PaybackMonths != nil {
			pb = strconv.Itoa(*sm.PaybackMonths)
		}
		rows = append(rows, []string{sm.Name, fmt.Sprintf("%.0f%%", sm.AIShare*100), fmt.Sprintf("%.1f", sm.ITMW),
			fmt.Sprintf("%.1f", sm.CapexUSD/1e6), fmt.Sprintf("%.1f", sm.NPVUSD/1e6), irr, pb,
			fmt.Sprintf("%.0f%%", sm.ContractedRevenueShare*100), fmt.Sprintf("%.1f", sm.EVUSD/1e6)})
		c := make([]float64, n)
		run := 0.0
		for i, f := range o.Result.FCF {
			run += f
			c[i] = run
		}
		cash = append(cash, Series{Name: sm.Name, Values: o.Result.FCF})
		cum = append(cum, Series{Name: sm.Name, Values: c})
		for _, it := range sm.CapexItems {
			if !seen[it.Name] {
				seen[it.Name] = true
				itemNames = append(itemNames, it.Name)
			}
		}
	}
	var capex []Series
	strategyNames := []string{}
	for _, o := range outcomes {
		strategyNames = append(strategyNames, o.Summary.Name)
	}
	for _, name := range itemNames {
		vals := make([]float64, len(outcomes))
		for k, o := range outcomes {
			for _, it := range o.Summary.CapexItems {
				if it.Name == name {
					vals[k] = it.USD
				}
			}
		}
		capex = append(capex, Series{Name: name, Values: vals})
	}
	body := []string{
		fmt.Sprintf("<p>%s: %d years from %s, %.0f MW interconnect, fleet %.1f MW at the meter. Power %.0f USD/MWh; BTC %.0f USD; difficulty %.3g; hashrate growth %.0f%%/yr.</p>",
			s.Name, s.HorizonYears, s.Start, s.Grid.InterconnectMW, s.FleetDrawMW(), s.Power.PriceUSDPerMWh, s.Market.BTCPriceUSD, s.Market.Difficulty, s.Market.HashrateGrowthPerYear*100),
		Table(rows),
		Figure(Chart{Title: "Monthly free cash flow by strategy", YLabel: "USD", XLabels: labels, Series: cash}.SVG(), "Free cash flow to equity each month; a fleet line whose revenue does not cover its energy is switched off that month."),
		Figure(Chart{Title: "Cumulative cash by strategy", YLabel: "USD", XLabels: labels, Series: cum}.SVG(), "Running sum of free cash flow; its low point is the liquidity each strategy needs."),
		Figure(Chart{Title: "Capex by line item", YLabel: "USD", XLabels: strategyNames, Series: capex, Bars: true}.SVG(), "Capex over the horizon by line item, per strategy."),
	}
	_, err := io.WriteString(w, Page("hashpivot plan — "+s.Name, body...))
	return err
}
