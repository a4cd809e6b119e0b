package finance

// TaxWithCarryForward returns the income tax of each month of a model whose
// monthly taxable income (before loss relief) is taxable, at rate (0.21 for
// 21%). Tax is computed per tax year of 12 model months (months 0-11, 12-23,
// ...; a last, shorter year if len(taxable) is not a multiple of 12): a
// year's loss is carried forward, without limit of time or amount and
// without carry-back, and offsets the profits of later years; the tax of a
// year, rate * max(0, profit - losses carried), is booked in its last month
// and every other month is 0. A rate <= 0 gives no tax, so the result is
// never negative; NaN income gives NaN tax.
func TaxWithCarryForward(taxable []float64, rate float64) []float64 {
	return AppendTaxWithCarryForward(make([]float64, 0, len(taxable)), taxable, rate)
}

// AppendTaxWithCarryForward appends TaxWithCarryForward(taxable, rate) to
// dst and returns the extended slice; it does not allocate when dst has the
// capacity, for Monte Carlo paths that reuse a buffer.
func AppendTaxWithCarryForward(dst, taxable []float64, rate float64) []float64 {
	var carried float64 // losses not yet used, >= 0
	for y := 0; y < len(taxable); y += 12 {
		end := min(y+12, len(taxable))
		var income float64
		for _, x := range taxable[y:end] {
			income += x
		}
		var tax float64
		tax, carried = YearTax(income, carried, rate)
		for m := y; m < end-1; m++ {
			dst = append(dst, 0)
		}
		dst = append(dst, tax)
	}
	return dst
}

// YearTax is one year of TaxWithCarryForward: the tax on a year's taxable
// income given the losses carried into the year (>= 0), and the losses
// carried out of it.
func YearTax(income, carried, rate float64) (tax, carriedOut float64) {
	if income < 0 {
		return 0, carried - income
	}
	used := min(carried, income)
	if rate > 0 {
		tax = rate * (income - used)
	}
	return tax, carried - used
}
