package risk_test

import (
	"context"
	"fmt"
	"math"

	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/risk"
	"github.com/hashpivot/hashpivot/site"
)

// Simulate the example site's strategies on 2,000 market paths. With the
// tenant's default switched off, converting to a colocation lease never
// loses money on any path, and its monthly EBITDA varies far less than
// mining's; with every source of randomness off, every path is the plan.
func ExampleSimulate() {
	s, err := site.Load("../examples/pecos-west.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Risk.Tenant.DefaultProbPerYear = 0
	opts := risk.DefaultOptions(s)
	opts.Paths = 2000
	res, err := risk.Simulate(context.Background(), s, nil, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	keep, conv := res.Strategies[0], res.Strategies[1]
	fmt.Printf("%s: P(NPV<0) = %.0f%%\n", conv.Name, conv.ProbNPVNegative*100)
	fmt.Printf("EBITDA CV %s below a tenth of %s's: %v\n", conv.Name, keep.Name, conv.EBITDACV < keep.EBITDACV/10)

	s.Risk.BTC.VolPerYear, s.Risk.Hashrate.VolPerYear, s.Risk.Hashrate.Elasticity = 0, 0, 0
	s.Risk.Fees.VolPerYear, s.Risk.Power.VolPerYear = 0, 0
	res, _ = risk.Simulate(context.Background(), s, nil, opts)
	outcomes, _ := plan.Plan(s)
	for k, o := range outcomes {
		same := math.Abs(res.Strategies[k].NPVUSD.Mean-o.Summary.NPVUSD) < 1e-6*math.Abs(o.Summary.NPVUSD)
		fmt.Printf("%s: risk NPV = plan NPV: %v\n", o.Summary.Name, same)
	}
	// Output:
	// convert: P(NPV<0) = 0%
	// EBITDA CV convert below a tenth of keep-mining's: true
	// keep-mining: risk NPV = plan NPV: true
	// convert: risk NPV = plan NPV: true
	// hybrid: risk NPV = plan NPV: true
}

// CVaR at 5% is the mean of the worst 5% of outcomes.
func ExampleCVaR() {
	npv := make([]float64, 100)
	for i := range npv {
		npv[i] = float64(i) - 10 // -10, -9, …, 89
	}
	fmt.Println(risk.CVaR(npv, 0.05)) // mean of -10 … -6
	fmt.Println(risk.Quantiles(npv, 0.5)[0])
	// Output:
	// -8
	// 39.5
}
