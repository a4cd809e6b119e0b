package finance

import (
	"fmt"
	"math"
	"time"
)

// NPV returns the net present value of flows at a per-period discount rate,
// as Excel's NPV does: flows[i] falls at the end of period i+1, so
//
//	NPV = sum_{i=0}^{n-1} flows[i] / (1+rate)^(i+1)
//
// The value at t=0 of flows whose first element falls at t=0 is
// flows[0] + NPV(rate, flows[1:]). NPV of no flows is 0. A rate <= -1 has no
// meaning and gives a non-finite result (Excel: #DIV/0! or #NUM!). NPV does
// not allocate.
func NPV(rate float64, flows []float64) float64 {
	d := 1 / (1 + rate)
	var acc float64
	for i := len(flows) - 1; i >= 0; i-- {
		acc = math.FMA(acc, d, flows[i])
	}
	return acc * d
}

// XNPV returns the net present value at an annual rate of flows paid on
// arbitrary dates, as Excel's XNPV does:
//
//	XNPV = sum_i flows[i] / (1+rate)^((dates[i]-dates[0])/365)
//
// where a date difference counts calendar days (the civil date of each time
// in its own location; the time of day is ignored, as Excel truncates date
// serials). It returns ErrLength when flows is empty or the lengths differ,
// and ErrDomain when rate <= -1, a flow is not finite or a date precedes
// dates[0].
func XNPV(rate float64, flows []float64, dates []time.Time) (float64, error) {
	if err := checkDated(flows, dates); err != nil {
		return 0, err
	}
	if !(rate > -1) || math.IsInf(rate, 0) {
		return 0, fmt.Errorf("%w: rate must be finite and > -1 (got %v)", ErrDomain, rate)
	}
	lg := math.Log1p(rate)
	d0 := civilDay(dates[0])
	var sum float64
	for i, f := range flows {
		t := float64(civilDay(dates[i])-d0) / 365
		sum += f * math.Exp(-t*lg)
	}
	return sum, nil
}

// checkDated validates the flows and dates of XNPV and XIRR.
func checkDated(flows []float64, dates []time.Time) error {
	if len(flows) == 0 || len(flows) != len(dates) {
		return fmt.Errorf("%w: %d flows and %d dates (need as many dates as flows, at least one)", ErrLength, len(flows), len(dates))
	}
	if err := checkFinite(flows); err != nil {
		return err
	}
	d0 := civilDay(dates[0])
	for i := 1; i < len(dates); i++ {
		if civilDay(dates[i]) < d0 {
			return fmt.Errorf("%w: dates[%d] (%s) precedes dates[0] (%s)", ErrDomain, i,
				dates[i].Format(time.DateOnly), dates[0].Format(time.DateOnly))
		}
	}
	return nil
}

// checkFinite returns ErrDomain naming the first flow that is NaN or
// infinite.
func checkFinite(flows []float64) error {
	for i, f := range flows {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: flows[%d] must be finite (got %v)", ErrDomain, i, f)
		}
	}
	return nil
}

// civilDay returns the number of days from 1970-01-01 to t's calendar date
// in t's own location.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// MIRR returns the modified internal rate of return per period of flows
// (flows[0] at t=0), as Excel's MIRR does: negative flows are discounted to
// t=0 at financeRate, positive flows are compounded to the last period at
// reinvestRate, and
//
//	MIRR = (FV(positives, reinvestRate) / -PV(negatives, financeRate))^(1/(n-1)) - 1
//
// It returns ErrLength for fewer than two flows, ErrNoSignChange when the
// flows lack a positive or a negative value (Excel: #DIV/0!) and ErrDomain
// for a rate <= -1 or a flow that is not finite.
func MIRR(flows []float64, financeRate, reinvestRate float64) (float64, error) {
	n := len(flows)
	if n < 2 {
		return 0, fmt.Errorf("%w: MIRR needs at least 2 flows (got %d)", ErrLength, n)
	}
	if err := checkFinite(flows); err != nil {
		return 0, err
	}
	if !(financeRate > -1) || math.IsInf(financeRate, 0) {
		return 0, fmt.Errorf("%w: financeRate must be finite and > -1 (got %v)", ErrDomain, financeRate)
	}
	if !(reinvestRate > -1) || math.IsInf(reinvestRate, 0) {
		return 0, fmt.Errorf("%w: reinvestRate must be finite and > -1 (got %v)", ErrDomain, reinvestRate)
	}
	// Horner: pv of negatives at t=0 (from the back), fv of positives at t=n-1
	// (from the front).
	df := 1 / (1 + financeRate)
	gr := 1 + reinvestRate
	var pvNeg, fvPos float64
	for i := n - 1; i >= 0; i-- {
		pvNeg *= df
		if flows[i] < 0 {
			pvNeg += flows[i]
		}
	}
	for _, f := range flows {
		fvPos *= gr
		if f > 0 {
			fvPos += f
		}
	}
	if pvNeg == 0 || fvPos == 0 {
		return 0, ErrNoSignChange
	}
	return math.Pow(fvPos/-pvNeg, 1/float64(n-1)) - 1, nil
}

// Payback returns the payback period of flows (flows[0] at t=0): the first
// index at which the cumulative sum of flows is >= 0 after the last index at
// which it was negative. ok is false when the cumulative sum is never
// negative (nothing to pay back) or is still negative at the last flow.
// Payback does not allocate.
func Payback(flows []float64) (months int, ok bool) {
	var cum float64
	last := -1
	for i, f := range flows {
		cum += f
		if cum < 0 {
			last = i
		}
	}
	if last < 0 || last == len(flows)-1 {
		return 0, false
	}
	return last + 1, true
}
