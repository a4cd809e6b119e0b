package finance_test

import (
	"fmt"
	"time"

	"github.com/hashpivot/hashpivot/finance"
)

// The investment of Microsoft's IRR help: 70000 paid out, then five years
// of income.
func ExampleIRR() {
	flows := []float64{-70000, 12000, 15000, 18000, 21000, 26000}
	irr, err := finance.IRR(flows)
	if err != nil {
		panic(err)
	}
	// NPV discounts its first flow a period, so add the t=0 outlay.
	npv := flows[0] + finance.NPV(0.05, flows[1:])
	fmt.Printf("IRR %.2f%%, NPV at 5%% %.2f\n", 100*irr, npv)
	// Output: IRR 8.66%, NPV at 5% 8231.52
}

func ExampleXIRR() {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	flows := []float64{-10000, 2750, 4250, 3250, 2750}
	dates := []time.Time{day("2008-01-01"), day("2008-03-01"), day("2008-10-30"), day("2009-02-15"), day("2009-04-01")}
	xnpv, _ := finance.XNPV(0.09, flows, dates)
	xirr, _ := finance.XIRR(flows, dates)
	// Microsoft's help shows 2086.65 and 0.373362535; the exact root is
	// 0.37336253352, Excel stopping its iteration a little earlier.
	fmt.Printf("XNPV %.2f, XIRR %.8f\n", xnpv, xirr)
	// Output: XNPV 2086.65, XIRR 0.37336253
}

// A monthly model: a 12 MUSD retrofit in month 0, depreciated over MACRS 5
// years and financed half by a 5-year loan at 9%, then 300 kUSD of EBITDA a
// month for 10 years at a 21% tax rate.
func Example_monthlyModel() {
	const months, capex, rate = 121, 12e6, 0.21
	dep, _ := finance.DepreciateMonthly(finance.MethodMACRS, capex, 5, 1, months)
	interest, principal, _ := finance.Annuity(capex/2, 0.09, 5, 1, months)
	taxable := make([]float64, months)
	for m := 1; m < months; m++ {
		taxable[m] = 300e3 - dep[m] - interest[m]
	}
	tax := finance.TaxWithCarryForward(taxable, rate)
	equity := make([]float64, months)
	equity[0] = -capex / 2
	for m := 1; m < months; m++ {
		equity[m] = 300e3 - interest[m] - principal[m] - tax[m]
	}
	irr, _ := finance.IRRMonthlyAnnualised(equity)
	payback, _ := finance.Payback(equity)
	npv := equity[0] + finance.NPV(finance.MonthlyRate(0.12), equity[1:])
	fmt.Printf("equity IRR %.1f%%/yr, payback month %d, NPV at 12%% %.2f MUSD\n", 100*irr, payback, npv/1e6)
	// Output: equity IRR 40.2%/yr, payback month 36, NPV at 12% 7.58 MUSD
}
