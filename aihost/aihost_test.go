package aihost

import (
	"fmt"
	"math"
	"testing"
)

func TestLeaseRevenue(t *testing.T) {
	cases := []struct {
		k    int
		want float64
	}{
		{0, 100 * 1000 * 1.0 / 4}, // first month of a 4-month ramp
		{3, 100 * 1000},           // fully leased
		{11, 100 * 1000},
		{12, 103 * 1000},               // first anniversary
		{24, 100 * 1.03 * 1.03 * 1000}, // second
		{-1, 0},
	}
	for _, tc := range cases {
		if got := LeaseRevenueUSD(100, 0.03, 1000, 4, tc.k); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("LeaseRevenueUSD(k=%d) = %v, want %v", tc.k, got, tc.want)
		}
	}
}

func TestGPU(t *testing.T) {
	if n := GPUCount(13, 1.3); n != 10000 {
		t.Fatalf("GPUCount(13 MW, 1.3 kW) = %d, want 10000", n)
	}
	if p := GPUPriceUSD(2, 0.2, 24); math.Abs(p-2*0.64) > 1e-12 {
		t.Fatalf("GPUPriceUSD after 2 years = %v, want 1.28", p)
	}
	if r := GPURevenueUSD(1000, 720, 0.5, 2); r != 720000 {
		t.Fatalf("GPURevenueUSD = %v, want 720000", r)
	}
}

func ExampleLeaseRevenueUSD() {
	// 60 MW leased at $140/kW-month, month 13 of the lease, 3% escalator.
	fmt.Printf("$%.0f\n", LeaseRevenueUSD(140, 0.03, 60_000, 6, 13))
	// Output: $8652000
}
