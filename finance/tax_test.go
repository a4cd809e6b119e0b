package finance

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTaxWithCarryForward(t *testing.T) {
	// year builds 12 months of taxable income with the year's total in the
	// first month and the rest spread over the others, to show that only the
	// total counts.
	year := func(total float64) []float64 {
		out := make([]float64, 12)
		out[0] = total - 11
		for i := 1; i < 12; i++ {
			out[i] = 1
		}
		return out
	}
	// booked puts one tax per year in the year's last month.
	booked := func(n int, taxes ...float64) []float64 {
		out := make([]float64, n)
		for y, tax := range taxes {
			out[min(12*y+11, n-1)] = tax
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
		name    string
		taxable []float64
		rate    float64
		want    []float64
	}{
		{"profit", year(1000), 0.25, booked(12, 250)},
		{"loss", year(-1000), 0.25, booked(12, 0)},
		// Loss 1000, then 600 (all offset), then 900: 500 left to offset, tax
		// 25% of 500.
		{"carry forward", cat(year(-1000), year(600), year(900)), 0.25, booked(36, 0, 0, 125)},
		// No carry-back: profit 1000 taxed before the next year's loss.
		{"no carry back", cat(year(1000), year(-1000), year(400)), 0.2, booked(36, 200, 0, 0)},
		// A short last year books its tax in the last month.
		{"short last year", cat(year(100), []float64{30, 40, 50}), 0.1, booked(15, 10, 12)},
		{"short only", []float64{-5, 10}, 0.5, []float64{0, 2.5}},
		{"losses accumulate", cat(year(-100), year(-200), year(250), year(100)), 0.3, booked(48, 0, 0, 0, 15)},
		{"zero rate", year(1000), 0, booked(12, 0)},
		{"negative rate", year(1000), -0.1, booked(12, 0)},
		{"empty", nil, 0.2, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TaxWithCarryForward(tc.taxable, tc.rate)
			if len(got) != len(tc.want) {
				t.Fatalf("TaxWithCarryForward(%v, %v) = %v, want %v", tc.taxable, tc.rate, got, tc.want)
			}
			for i := range got {
				if !near(got[i], tc.want[i], 1e-9) {
					t.Errorf("TaxWithCarryForward(%v, %v)[%d] = %v, want %v", tc.taxable, tc.rate, i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestTaxProperties checks on random incomes that tax is never negative,
// falls only in a year's last month, never exceeds rate times the year's
// profit, and in total equals rate times the cumulative profit beyond all
// losses (with no carry-back, total tax >= rate * max(0, total income)).
func TestTaxProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const rate = 0.21
	buf := make([]float64, 0, 240)
	for range 300 {
		taxable := make([]float64, rng.IntN(240))
		var total float64
		for i := range taxable {
			taxable[i] = rng.NormFloat64()*100 + 10
			total += taxable[i]
		}
		got := TaxWithCarryForward(taxable, rate)
		buf = AppendTaxWithCarryForward(buf[:0], taxable, rate)
		var sum float64
		for i, tax := range got {
			if tax != buf[i] {
				t.Fatalf("AppendTaxWithCarryForward differs at %d: %v, want %v", i, buf[i], tax)
			}
			if tax < 0 || tax != 0 && i%12 != 11 && i != len(got)-1 {
				t.Fatalf("tax %v in month %d of %d", tax, i, len(got))
			}
			if tax > 0 {
				var profit float64
				for _, x := range taxable[i/12*12 : i+1] {
					profit += x
				}
				if tax > rate*profit+1e-9 {
					t.Fatalf("tax %v in month %d above %v * year profit %v", tax, i, rate, profit)
				}
			}
			sum += tax
		}
		if sum < rate*math.Max(0, total)-1e-9 {
			t.Fatalf("total tax %v below rate * total income %v", sum, rate*total)
		}
	}
}

// TestYearTax: a loss adds to the carry; a profit uses it up first and is
// taxed on the rest.
func TestYearTax(t *testing.T) {
	for _, c := range []struct {
		income, carried, rate, tax, out float64
	}{
		{-100, 50, 0.21, 0, 150},
		{100, 0, 0.21, 21, 0},
		{100, 30, 0.21, 0.21 * 70, 0},
		{100, 130, 0.21, 0, 30},
		{100, 0, 0, 0, 0},
	} {
		tax, out := YearTax(c.income, c.carried, c.rate)
		if tax != c.tax || out != c.out {
			t.Errorf("YearTax(%v, %v, %v) = %v, %v; want %v, %v", c.income, c.carried, c.rate, tax, out, c.tax, c.out)
		}
	}
}
