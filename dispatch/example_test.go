package dispatch_test

import (
	"fmt"

	"github.com/hashpivot/hashpivot/dispatch"
)

// A 100 MW site with 20 MW of firm AI load and two ASIC groups over four
// hours: the older, less efficient group stops when power costs more than
// it earns, and both stop in the price spike. By hand: s21 earns
// 40×(35+15+25) = 3000, s19 40×(15+5) = 800; always on loses
// 40×(260−1020) + 40×(180−1020) = −64000.
func ExampleSolve() {
	p, err := dispatch.ParseProblem([]byte(`{
	  "interval_minutes": 60,
	  "site_cap_mw": 100,
	  "ai_firm_mw": 20,
	  "groups": [
	    {"name": "s21", "max_mw": 40, "hashvalue_usd_per_mwh": 65},
	    {"name": "s19", "max_mw": 40, "hashvalue_usd_per_mwh": 45}
	  ],
	  "prices_usd_per_mwh": [30, 50, 900, 40]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	sol, err := dispatch.Solve(p, dispatch.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for g, gr := range p.Groups {
		fmt.Println(gr.Name, sol.MW[g])
	}
	fmt.Println(sol.Reasons)
	fmt.Printf("objective %.0f USD, gap %.0f, method %s\n", sol.Summary.ObjectiveUSD, sol.GapUSD, sol.Method)
	fmt.Printf("always on %.0f USD, value of flexibility %.0f USD\n", sol.Baseline.ObjectiveUSD, sol.FlexibilityValueUSD)
	// Output:
	// s21 [40 40 0 40]
	// s19 [40 0 0 40]
	// [full price price full]
	// objective 3800 USD, gap 0, method merit_order
	// always on -64000 USD, value of flexibility 67800 USD
}
