package finance

import (
	"fmt"
	"math"
)

// Method is a tax depreciation method, as written in a site file.
type Method string

// Depreciation methods.
const (
	// MethodMACRS is the US Modified Accelerated Cost Recovery System, General
	// Depreciation System, half-year convention (IRS Publication 946, Table
	//
	MethodMACRS Method = "macrs"
	// MethodStraightLine spreads the cost evenly over the recovery period.
	MethodStraightLine Method = "straight_line"
)

// macrsHalfYear holds IRS Publication 946 (2023), Appendix A, Table A-1:
// "3-, 5-, 7-, 10-, 15-, and 20-Year Property, Half-Year Convention", the
// share of the basis deducted in each recovery year, in percent. The 3- to
// 10-year classes use the 200% declining balance method and the 15- and
// 20-year classes 150%, each switching to straight line when that gives the
// larger deduction; the half-year convention makes the schedule one year
// longer than the class.
var macrsHalfYear = map[int][]float64{
	3:  {33.33, 44.45, 14.81, 7.41},
	5:  {20.00, 32.00, 19.20, 11.52, 11.52, 5.76},
	7:  {14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46},
	10: {10.00, 18.00, 14.40, 11.52, 9.22, 7.37, 6.55, 6.55, 6.56, 6.55, 3.28},
	15: {5.00, 9.50, 8.55, 7.70, 6.93, 6.23, 5.90, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 2.95},
	20: {3.750, 7.219, 6.677, 6.177, 5.713, 5.285, 4.888, 4.522, 4.462, 4.461, 4.462,
		4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 2.231},
}

// MACRS returns the MACRS depreciation schedule of a recovery class of 3, 5,
// 7, 10, 15 or 20 years: the fraction of the basis deducted in each tax year,
// classYears+1 values that sum to 1, from IRS Publication 946 Table A-1
// (GDS, half-year convention). It returns ErrDomain for any other class.
// The slice is the caller's to change.
func MACRS(classYears int) ([]float64, error) {
	pct, ok := macrsHalfYear[classYears]
	if !ok {
		return nil, fmt.Errorf("%w: MACRS class must be 3, 5, 7, 10, 15 or 20 years (got %d)", ErrDomain, classYears)
	}
	out := make([]float64, len(pct))
	for i, p := range pct {
		out[i] = p / 100
	}
	return out, nil
}

// StraightLine returns the straight-line schedule over years tax years:
// years equal fractions 1/years, no convention. It returns ErrDomain when
// years <= 0.
func StraightLine(years int) ([]float64, error) {
	if years <= 0 {
		return nil, fmt.Errorf("%w: straight-line years must be > 0 (got %d)", ErrDomain, years)
	}
	out := make([]float64, years)
	for i := range out {
		out[i] = 1 / float64(years)
	}
	return out, nil
}

// DepreciateMonthly returns the monthly depreciation, in the unit of cost,
// of a cost placed in service at month index start of a model of months
// months (len months; zero before start and after the schedule ends; months
// past the horizon are dropped).
//
// MethodMACRS spreads each annual fraction of MACRS(classYears) evenly over the 12
// months of its tax year, tax years counted from the in-service month, so
// month start+12k+j (0 <= j < 12) gets cost*MACRS[k]/12. MethodStraightLine
// gives cost/(12*classYears) to each of the classYears*12 months from start.
//
// It returns ErrDomain for an unknown method, a class MACRS or StraightLine
// rejects, a cost that is negative or not finite, start < 0 or months < 0.
func DepreciateMonthly(method Method, cost float64, classYears, start, months int) ([]float64, error) {
	if !(cost >= 0) || math.IsInf(cost, 0) {
		return nil, fmt.Errorf("%w: cost must be finite and >= 0 (got %v)", ErrDomain, cost)
	}
	if start < 0 {
		return nil, fmt.Errorf("%w: start month must be >= 0 (got %d)", ErrDomain, start)
	}
	if months < 0 {
		return nil, fmt.Errorf("%w: months must be >= 0 (got %d)", ErrDomain, months)
	}
	var annual []float64
	var err error
	switch method {
	case MethodMACRS:
		annual, err = MACRS(classYears)
	case MethodStraightLine:
		annual, err = StraightLine(classYears)
	default:
		return nil, fmt.Errorf("%w: depreciation method must be %q or %q (got %q)", ErrDomain, MethodMACRS, MethodStraightLine, method)
	}
	if err != nil {
		return nil, err
	}
	out := make([]float64, months)
	for m := start; m < months; m++ {
		k := (m - start) / 12
		if k >= len(annual) {
			break
		}
		out[m] = cost * annual[k] / 12
	}
	return out, nil
}
