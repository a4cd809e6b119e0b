// Package finance holds the spreadsheet arithmetic of a project plan: time
// value of money (NPV, IRR, XNPV, XIRR, MIRR, PMT, payback), rate
// conversions between annual and monthly periods, tax depreciation (MACRS
// and straight line), tax with loss carry-forward and level-payment debt.
//
// Every function is pure: no I/O, no clock, no goroutines. The functions that
// share a name with a spreadsheet function follow Microsoft Excel's
// definition (and therefore LibreOffice Calc's): the same period and sign
// conventions, the same results to the documented precision. NPV and IRR do
// not allocate, so the Monte Carlo engine can call them on every path.
//
// Conventions: NPV, like Excel, discounts its first flow one full period;
// the value at t=0 of flows that start at t=0 is flows[0] + NPV(rate,
// flows[1:]). IRR, MIRR and Payback take flows[0] at t=0. A cash outflow is
// negative.
//
// Errors (match them with errors.Is; messages start with "finance: "):
//
//   - ErrLength: too few flows, or flows and dates of different lengths.
//   - ErrNoSignChange: the flows lack a positive or a negative value, so no
//     rate of return exists.
//   - ErrNoConvergence: IRR or XIRR found no rate in (-0.9999, 1e6).
//   - ErrDomain: an argument outside its domain (a rate <= -1, a NaN flow, a
//     date before the first date, an unknown MACRS class, a negative month);
//     the wrapping error names the argument and its value.
package finance

import "errors"

// Sentinel errors of the package; see the package comment.
var (
	// ErrLength reports too few flows or mismatched lengths.
	ErrLength = errors.New("finance: wrong number of values")
	// ErrNoSignChange reports flows that are all of one sign (or zero).
	ErrNoSignChange = errors.New("finance: cash flows need at least one positive and one negative value")
	// ErrNoConvergence reports that no rate of return was found in
	// (-0.9999, 1e6).
	ErrNoConvergence = errors.New("finance: no rate of return found in (-0.9999, 1e6)")
	// ErrDomain reports an argument outside its domain; it is always wrapped
	// with the argument's name and value.
	ErrDomain = errors.New("finance: argument out of range")
)
