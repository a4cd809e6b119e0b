package finance

import (
	"fmt"
	"math"
)

// PMT returns the level payment per period of a loan or annuity, as Excel's
// PMT does: with rate r per period, nper periods, present value pv, future
// value fv and payments at the start of each period when due,
//
//	PMT = -(r*(pv*(1+r)^nper + fv)) / ((1+r*due)*((1+r)^nper - 1))
//
// and -(pv+fv)/nper when r = 0. Money received is positive, paid out
// negative: a loan of 10000 (pv > 0) has a negative payment. nper <= 0
// gives NaN (Excel: #NUM!), as does a rate <= -1.
func PMT(rate float64, nper int, pv, fv float64, due bool) float64 {
	if nper <= 0 || !(rate > -1) {
		return math.NaN()
	}
	n := float64(nper)
	if rate == 0 {
		return -(pv + fv) / n
	}
	g := math.Pow(1+rate, n)
	t := 0.0
	if due {
		t = 1
	}
	return -(rate * (pv*g + fv)) / ((1 + rate*t) * (g - 1))
}

// Annuity returns the monthly interest and principal of a level-payment
// loan: principal lent at annualRate, a nominal annual rate compounded
// monthly (the monthly rate is annualRate/12, as loan contracts quote it),
// repaid in termYears*12 equal monthly payments -PMT(annualRate/12,
// termYears*12, principal, 0, false) made at the end of months start,
// start+1, ... of a model of months months. Both slices have len months and
// are 0 outside the repayment; payments past the horizon are dropped, so the
// balance still owed at the horizon is principal - sum(principalPaid). The
// last payment repays the exact remaining balance, so principalPaid sums to
// principal when the loan ends within the horizon.
//
// It returns ErrDomain for a principal or rate that is negative or not
// finite, termYears <= 0, start < 0 or months < 0.
func Annuity(principal, annualRate float64, termYears, start, months int) (interest, principalPaid []float64, err error) {
	switch {
	case !(principal >= 0) || math.IsInf(principal, 0):
		return nil, nil, fmt.Errorf("%w: principal must be finite and >= 0 (got %v)", ErrDomain, principal)
	case !(annualRate >= 0) || math.IsInf(annualRate, 0):
		return nil, nil, fmt.Errorf("%w: annual rate must be finite and >= 0 (got %v)", ErrDomain, annualRate)
	case termYears <= 0:
		return nil, nil, fmt.Errorf("%w: term must be > 0 years (got %d)", ErrDomain, termYears)
	case start < 0:
		return nil, nil, fmt.Errorf("%w: start month must be >= 0 (got %d)", ErrDomain, start)
	case months < 0:
		return nil, nil, fmt.Errorf("%w: months must be >= 0 (got %d)", ErrDomain, months)
	}
	interest = make([]float64, months)
	principalPaid = make([]float64, months)
	n := termYears * 12
	r := annualRate / 12
	payment := -PMT(r, n, principal, 0, false)
	balance := principal
	for k := range n {
		m := start + k
		if m >= months {
			break
		}
		in := balance * r
		pp := payment - in
		if k == n-1 {
			pp = balance
		}
		interest[m] = in
		principalPaid[m] = pp
		balance -= pp
	}
	return interest, principalPaid, nil
}
