package finance

import (
	"errors"
	"math"
	"testing"
)

func TestPMT(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		nper      int
		pv, fv    float64
		due       bool
		want, tol float64
	}{
		// Microsoft PMT help: 8% a year, 10 monthly payments, 10000 borrowed.
		{"excel", 0.08 / 12, 10, 10000, 0, false, -1037.03, 0.005},
		{"excel due", 0.08 / 12, 10, 10000, 0, true, -1030.16, 0.005},
		// Microsoft PMT help: save 50000 in 18 years at 6%.
		{"excel savings", 0.06 / 12, 18 * 12, 0, 50000, false, -129.08, 0.005},
		// Closed forms.
		{"zero rate", 0, 4, 1000, 200, false, -300, 1e-12},
		{"one period", 0.1, 1, 1000, 0, false, -1100, 1e-9},
		{"one period due", 0.1, 1, 1000, 0, true, -1000, 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PMT(tc.rate, tc.nper, tc.pv, tc.fv, tc.due); !near(got, tc.want, tc.tol) {
				t.Errorf("PMT(%v, %d, %v, %v, %v) = %v, want %v", tc.rate, tc.nper, tc.pv, tc.fv, tc.due, got, tc.want)
			}
		})
	}
	for _, nper := range []int{0, -1} {
		if got := PMT(0.1, nper, 1, 0, false); !math.IsNaN(got) {
			t.Errorf("PMT(0.1, %d, 1, 0, false) = %v, want NaN", nper, got)
		}
	}
	if got := PMT(-1, 12, 1, 0, false); !math.IsNaN(got) {
		t.Errorf("PMT(-1, 12, 1, 0, false) = %v, want NaN", got)
	}
}

// TestAnnuity checks the schedule's properties: each payment is -PMT, the
// principal repaid sums to the loan, interest is the monthly rate on the
// balance, and the schedule sits in [start, start+term).
func TestAnnuity(t *testing.T) {
	tests := []struct {
		name                  string
		principal, annualRate float64
		term, start, months   int
	}{
		{"10 years at 8%", 100e6, 0.08, 10, 6, 180},
		{"zero rate", 12e3, 0, 1, 0, 12},
		{"starts at 0", 5e6, 0.065, 5, 0, 60},
		{"high rate", 1e6, 0.35, 3, 2, 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			interest, paid, err := Annuity(tc.principal, tc.annualRate, tc.term, tc.start, tc.months)
			if err != nil || len(interest) != tc.months || len(paid) != tc.months {
				t.Fatalf("Annuity(%v, %v, %d, %d, %d) = %d, %d months, %v", tc.principal, tc.annualRate, tc.term, tc.start, tc.months, len(interest), len(paid), err)
			}
			r := tc.annualRate / 12
			payment := -PMT(r, tc.term*12, tc.principal, 0, false)
			balance, sum := tc.principal, 0.0
			for m := range tc.months {
				in := m >= tc.start && m < tc.start+tc.term*12
				if !in {
					if interest[m] != 0 || paid[m] != 0 {
						t.Errorf("month %d outside the loan: interest %v, principal %v", m, interest[m], paid[m])
					}
					continue
				}
				if !near(interest[m]+paid[m], payment, 1e-6*payment) {
					t.Errorf("month %d: interest %v + principal %v = %v, want -PMT = %v", m, interest[m], paid[m], interest[m]+paid[m], payment)
				}
				if !near(interest[m], balance*r, 1e-9*tc.principal) {
					t.Errorf("month %d: interest %v, want %v * %v", m, interest[m], balance, r)
				}
				balance -= paid[m]
				sum += paid[m]
			}
			if !near(sum, tc.principal, 1e-9*tc.principal) {
				t.Errorf("principal repaid sums to %v, want %v", sum, tc.principal)
			}
		})
	}
}

func TestAnnuityPastHorizon(t *testing.T) {
	interest, paid, err := Annuity(1000, 0.12, 1, 6, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Months 6..9 are the first four of twelve payments.
	full, fullPaid, _ := Annuity(1000, 0.12, 1, 0, 12)
	for m := range 10 {
		wantIn, wantPaid := 0.0, 0.0
		if m >= 6 {
			wantIn, wantPaid = full[m-6], fullPaid[m-6]
		}
		if interest[m] != wantIn || paid[m] != wantPaid {
			t.Errorf("month %d: %v, %v, want %v, %v", m, interest[m], paid[m], wantIn, wantPaid)
		}
	}
}

func TestAnnuityErrors(t *testing.T) {
	tests := []struct {
		name                  string
		principal, annualRate float64
		term, start, months   int
	}{
		{"negative principal", -1, 0.1, 1, 0, 12},
		{"NaN principal", math.NaN(), 0.1, 1, 0, 12},
		{"negative rate", 1, -0.1, 1, 0, 12},
		{"Inf rate", 1, math.Inf(1), 1, 0, 12},
		{"zero term", 1, 0.1, 0, 0, 12},
		{"negative start", 1, 0.1, 1, -1, 12},
		{"negative months", 1, 0.1, 1, 0, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, paid, err := Annuity(tc.principal, tc.annualRate, tc.term, tc.start, tc.months)
			if !errors.Is(err, ErrDomain) || in != nil || paid != nil {
				t.Errorf("Annuity(%v, %v, %d, %d, %d) = %v, %v, %v, want ErrDomain", tc.principal, tc.annualRate, tc.term, tc.start, tc.months, in, paid, err)
			}
		})
	}
}
