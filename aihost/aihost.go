// Package aihost models the revenue of converted capacity: a colocation
// lease of critical IT kW to a tenant, or a GPU cloud that rents the site's
// own GPUs by the hour. Functions are pure formulas; they return no errors.
package aihost

import "math"

// LeaseRevenueUSD is the colocation revenue of lease month k (0 = first
// month of the lease):
//
//	rate × (1+escalator)^floor(k/12) × kW × min(1, (k+1)/lease_up_months)
//
// the rent escalates on each lease anniversary and the leased kW ramp up
// linearly over the lease-up months (no ramp when lease_up_months is 0).
func LeaseRevenueUSD(rateUSDPerKWMonth, escalatorPerYear, kw float64, leaseUpMonths, k int) float64 {
	if k < 0 {
		return 0
	}
	return rateUSDPerKWMonth * math.Pow(1+escalatorPerYear, float64(k/12)) * kw * LeaseUpFraction(leaseUpMonths, k)
}

// LeaseUpFraction is the share of capacity leased in lease month k.
func LeaseUpFraction(leaseUpMonths, k int) float64 {
	if k < 0 {
		return 0
	}
	if leaseUpMonths <= 0 {
		return 1
	}
	return min(1, float64(k+1)/float64(leaseUpMonths))
}

// GPUCount is the number of GPUs that fit in itMW at kwPerGPU (whole GPUs).
func GPUCount(itMW, kwPerGPU float64) int {
	if !(kwPerGPU > 0) || !(itMW > 0) {
		return 0
	}
	return int(math.Floor(itMW*1000/kwPerGPU + 1e-9))
}

// GPUPriceUSD is the rental price after m months of decline:
//
//	price × (1 - decline_per_year)^(m/12)
func GPUPriceUSD(priceUSDPerGPUHour, declinePerYear float64, m int) float64 {
	return priceUSDPerGPUHour * math.Pow(1-declinePerYear, float64(m)/12)
}

// GPURevenueUSD is GPUs × hours × utilisation × price per GPU-hour.
func GPURevenueUSD(gpus int, hours, utilization, priceUSDPerGPUHour float64) float64 {
	return float64(gpus) * hours * utilization * priceUSDPerGPUHour
}
