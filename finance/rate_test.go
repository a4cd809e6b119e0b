package finance

import (
	"math"
	"testing"
)

func TestMonthlyRate(t *testing.T) {
	tests := []struct {
		annual, monthly float64
	}{
		{0, 0},
		{0.12682503013196977, 0.01}, // 1.01^12
		{1.0, math.Pow(2, 1.0/12) - 1},
		{-0.5, math.Pow(0.5, 1.0/12) - 1},
		{0.08, 0.006434030110004}, // (1.08)^(1/12) - 1, to 15 digits
		{-1, -1},
	}
	for _, tc := range tests {
		if got := MonthlyRate(tc.annual); !near(got, tc.monthly, 1e-14) {
			t.Errorf("MonthlyRate(%v) = %v, want %v", tc.annual, got, tc.monthly)
		}
		if got := AnnualFromMonthly(tc.monthly); !near(got, tc.annual, 1e-13) {
			t.Errorf("AnnualFromMonthly(%v) = %v, want %v", tc.monthly, got, tc.annual)
		}
	}
	if got := MonthlyRate(-2); !math.IsNaN(got) {
		t.Errorf("MonthlyRate(-2) = %v, want NaN", got)
	}
}
