package finance

import "math"

// MonthlyRate converts an effective annual rate into the effective monthly
// rate that compounds to it: (1+annual)^(1/12) - 1. It returns NaN for
// annual < -1.
func MonthlyRate(annual float64) float64 {
	return math.Expm1(math.Log1p(annual) / 12)
}

// AnnualFromMonthly converts an effective monthly rate into the effective
// annual rate it compounds to: (1+monthly)^12 - 1. It returns NaN for
// monthly < -1.
func AnnualFromMonthly(monthly float64) float64 {
	return math.Expm1(12 * math.Log1p(monthly))
}
