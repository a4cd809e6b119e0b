package plan_test

import (
	"fmt"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

func ExamplePlan() {
	s, err := site.Parse([]byte(`
version: 1
name: Example
start: 2026-01
horizon_years: 5
grid: {interconnect_mw: 50}
ai:
  colocation: {rate_usd_per_kw_month: 120, escalator_per_year: 0, lease_up_months: 0, opex_usd_per_mw_month: 15000}
retrofit: {months: 0, it_mw: 40, capex_usd_per_mw_it: 6000000}
finance: {discount_rate: 0.09, tax_rate: 0}
strategies: [{name: colo, ai_share: 1}]
`), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := plan.Plan(s)
	sm := out[0].Summary
	fmt.Printf("%s: capex $%.0fM, NPV $%.1fM, IRR %.1f%%\n", sm.Name, sm.CapexUSD/1e6, sm.NPVUSD/1e6, *sm.IRR*100)
	// Output: colo: capex $240M, NPV $-34.3M, IRR 2.0%
}
