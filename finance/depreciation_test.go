package finance

import (
	"errors"
	"math"
	"testing"
)

func TestMACRSPublished(t *testing.T) {
	// IRS Publication 946, Table A-1, as quoted in the specification, percent.
	tests := []struct {
		class int
		pct   []float64
	}{
		{5, []float64{20, 32, 19.2, 11.52, 11.52, 5.76}},
		{7, []float64{14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46}},
	}
	for _, tc := range tests {
		got, err := MACRS(tc.class)
		if err != nil || len(got) != len(tc.pct) {
			t.Fatalf("MACRS(%d) = %v, %v, want %v%%", tc.class, got, err, tc.pct)
		}
		for i := range got {
			if !near(got[i], tc.pct[i]/100, 1e-15) {
				t.Errorf("MACRS(%d)[%d] = %v, want %v", tc.class, i, got[i], tc.pct[i]/100)
			}
		}
	}
}

// TestMACRSMatchesMethod recomputes every class from its definition —
// declining balance (200% to 10 years, 150% above), half a year's deduction
// in the first year, a switch to straight line over the remaining life when
// that is larger — and checks the table within its rounding (the IRS rounds
// to 0.01% and moves a few entries by up to 0.0064% so each class sums to
// 100%).
func TestMACRSMatchesMethod(t *testing.T) {
	for _, class := range []int{3, 5, 7, 10, 15, 20} {
		got, err := MACRS(class)
		if err != nil {
			t.Fatalf("MACRS(%d): %v", class, err)
		}
		want := decliningBalanceHalfYear(class)
		if len(got) != class+1 || len(want) != class+1 {
			t.Fatalf("MACRS(%d) has %d years, method %d, want %d", class, len(got), len(want), class+1)
		}
		var sum float64
		for i := range got {
			sum += got[i]
			if !near(got[i], want[i], 0.007/100) {
				t.Errorf("MACRS(%d)[%d] = %v, method gives %v", class, i, got[i], want[i])
			}
		}
		if !near(sum, 1, 1e-12) {
			t.Errorf("sum of MACRS(%d) = %v, want 1", class, sum)
		}
	}
}

func decliningBalanceHalfYear(class int) []float64 {
	factor := 2.0
	if class >= 15 {
		factor = 1.5
	}
	rate := factor / float64(class)
	basis := 1.0
	first := basis * max(rate, 1/float64(class)) / 2
	out := []float64{first}
	basis -= first
	life := float64(class) - 0.5
	for basis > 1e-12 {
		d := min(basis, max(basis*rate, basis/life))
		out = append(out, d)
		basis -= d
		life--
	}
	return out
}

func TestMACRSErrors(t *testing.T) {
	for _, class := range []int{-5, 0, 1, 4, 6, 27, 39} {
		if got, err := MACRS(class); !errors.Is(err, ErrDomain) || got != nil {
			t.Errorf("MACRS(%d) = %v, %v, want ErrDomain", class, got, err)
		}
	}
}

func TestMACRSIsACopy(t *testing.T) {
	a, _ := MACRS(5)
	a[0] = 99
	if b, _ := MACRS(5); b[0] != 0.2 {
		t.Errorf("MACRS(5)[0] = %v after a caller changed its copy, want 0.2", b[0])
	}
}

func TestStraightLine(t *testing.T) {
	got, err := StraightLine(4)
	if err != nil || len(got) != 4 {
		t.Fatalf("StraightLine(4) = %v, %v", got, err)
	}
	for i, f := range got {
		if f != 0.25 {
			t.Errorf("StraightLine(4)[%d] = %v, want 0.25", i, f)
		}
	}
	for _, years := range []int{0, -1} {
		if got, err := StraightLine(years); !errors.Is(err, ErrDomain) {
			t.Errorf("StraightLine(%d) = %v, %v, want ErrDomain", years, got, err)
		}
	}
}

func TestDepreciateMonthly(t *testing.T) {
	// rep returns n copies of v.
	rep := func(v float64, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	cat := func(parts ...[]float64) []float64 {
		var out []float64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name                 string
		method               Method
		cost                 float64
		class, start, months int
		want                 []float64
	}{
		// 1200 * 20% / 12 = 20 a month in the first tax year, 1200 * 32% / 12 =
		// 32 in the second.
		{"macrs 5 truncated", MethodMACRS, 1200, 5, 2, 20, cat(rep(0, 2), rep(20, 12), rep(32, 6))},
		// 3-year: 33.33, 44.45, 14.81, 7.41 % of 1200 over 12 months each.
		{"macrs 3 whole", MethodMACRS, 1200, 3, 1, 50, cat(rep(0, 1), rep(33.33, 12), rep(44.45, 12), rep(14.81, 12), rep(7.41, 12), rep(0, 1))},
		// 2400 over 2 years = 100 a month for 24 months.
		{"straight line", MethodStraightLine, 2400, 2, 3, 30, cat(rep(0, 3), rep(100, 24), rep(0, 3))},
		{"straight line past horizon", MethodStraightLine, 2400, 2, 10, 12, cat(rep(0, 10), rep(100, 2))},
		{"start after horizon", MethodMACRS, 1000, 5, 40, 12, rep(0, 12)},
		{"zero cost", MethodMACRS, 0, 7, 0, 3, rep(0, 3)},
		{"no months", MethodMACRS, 1000, 7, 0, 0, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DepreciateMonthly(tc.method, tc.cost, tc.class, tc.start, tc.months)
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("DepreciateMonthly(%q, %v, %d, %d, %d) = %v, %v, want %v", tc.method, tc.cost, tc.class, tc.start, tc.months, got, err, tc.want)
			}
			for i := range got {
				if !near(got[i], tc.want[i], 1e-9) {
					t.Errorf("DepreciateMonthly(%q, %v, %d, %d, %d)[%d] = %v, want %v", tc.method, tc.cost, tc.class, tc.start, tc.months, i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestDepreciateMonthlySumsToCost checks that a schedule that ends within
// the horizon depreciates the whole cost.
func TestDepreciateMonthlySumsToCost(t *testing.T) {
	for _, m := range []Method{MethodMACRS, MethodStraightLine} {
		for _, class := range []int{3, 5, 7, 10, 15, 20} {
			got, err := DepreciateMonthly(m, 1e6, class, 7, 7+12*(class+1))
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, x := range got {
				sum += x
			}
			if !near(sum, 1e6, 1e-6) {
				t.Errorf("sum of DepreciateMonthly(%q, 1e6, %d, ...) = %v, want 1e6", m, class, sum)
			}
		}
	}
}

func TestDepreciateMonthlyErrors(t *testing.T) {
	tests := []struct {
		name                 string
		method               Method
		cost                 float64
		class, start, months int
	}{
		{"unknown method", "declining", 1, 5, 0, 12},
		{"empty method", "", 1, 5, 0, 12},
		{"macrs class", MethodMACRS, 1, 6, 0, 12},
		{"straight line years", MethodStraightLine, 1, 0, 0, 12},
		{"negative cost", MethodMACRS, -1, 5, 0, 12},
		{"NaN cost", MethodMACRS, math.NaN(), 5, 0, 12},
		{"Inf cost", MethodMACRS, math.Inf(1), 5, 0, 12},
		{"negative start", MethodMACRS, 1, 5, -1, 12},
		{"negative months", MethodMACRS, 1, 5, 0, -12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DepreciateMonthly(tc.method, tc.cost, tc.class, tc.start, tc.months)
			if !errors.Is(err, ErrDomain) || got != nil {
				t.Errorf("DepreciateMonthly(%q, %v, %d, %d, %d) = %v, %v, want ErrDomain", tc.method, tc.cost, tc.class, tc.start, tc.months, got, err)
			}
		})
	}
}
