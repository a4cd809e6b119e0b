package bitcoin

import (
	"fmt"
	"math"
	"testing"
)

func TestSubsidy(t *testing.T) {
	// Expected values from the consensus schedule (Bitcoin Core
	// GetBlockSubsidy): eras of 210,000 blocks halving 50 BTC.
	cases := []struct {
		height int64
		sat    int64
	}{
		{0, 5_000_000_000},
		{209_999, 5_000_000_000},
		{210_000, 2_500_000_000},
		{420_000, 1_250_000_000},
		{630_000, 625_000_000},
		{839_999, 625_000_000},
		{840_000, 312_500_000},
		{1_050_000, 156_250_000},
		{210_000 * 33, 0}, // 5e9 >> 33 = 0 (last non-zero era is 32)
		{210_000 * 64, 0},
		{210_000 * 100, 0},
	}
	for _, tc := range cases {
		if got := Subsidy(tc.height); got != tc.sat {
			t.Errorf("Subsidy(%d) = %d, want %d", tc.height, got, tc.sat)
		}
	}
}

func TestMeanSubsidyAcrossHalving(t *testing.T) {
	// 100 blocks before 840,000 at 6.25 and 44 after at 3.125.
	got := MeanSubsidyBTC(840_000-100, 144)
	want := (100*6.25 + 44*3.125) / 144
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("MeanSubsidyBTC(839900,144) = %v, want %v", got, want)
	}
	if got := MeanSubsidyBTC(900_000, 4320); got != 3.125 {
		t.Fatalf("MeanSubsidyBTC inside one era = %v, want 3.125", got)
	}
	// Spanning two halvings.
	got = MeanSubsidyBTC(209_990, 210_020)
	want = (10*50 + 210_000*25 + 10*12.5) / 210_020.0
	if math.Abs(got-want) > 1e-9 {
		t.Fatalf("MeanSubsidyBTC across two halvings = %v, want %v", got, want)
	}
}

func TestHashpriceRealPoint(t *testing.T) {
	// Difficulty 88.10T at height 840,672 (after the April 2024 halving),
	// BTC $63,000, no fees: about $44.9 per PH/s per day (issue 2; Luxor's
	// Hashrate Index quoted ~$45-50/PH/day in early May 2024 with fees).
	got := HashpriceUSDPerPHDay(88.10e12, SubsidyBTC(840_672), 0, 63_000)
	// Independent arithmetic: H = 88.1e12*2^32/600 = 6.3064e20 H/s = 630.64 EH/s.
	hth := 88.10e12 * math.Pow(2, 32) / 600 / 1e12
	want := 144 * 3.125 * 63000 / hth * 1000
	if math.Abs(got-want) > 1e-9 || math.Abs(got-44.9) > 0.1 {
		t.Fatalf("HashpriceUSDPerPHDay(88.10T, 3.125, 0, 63000) = %v, want %v (~44.9)", got, want)
	}
}

func TestHashrateRoundTrip(t *testing.T) {
	for _, d := range []float64{1, 86.39e12, 112.15e12} {
		if got := DifficultyFromHashrate(HashrateFromDifficulty(d)); math.Abs(got-d)/d > 1e-12 {
			t.Errorf("round trip of difficulty %v = %v", d, got)
		}
	}
	// 112.15T → about 802.8 EH/s (mempool.space showed ~800 EH/s in March 2025).
	if eh := HashrateFromDifficulty(112.15e12) / 1e18; math.Abs(eh-802.8) > 0.5 {
		t.Fatalf("hashrate at 112.15T = %v EH/s, want ~802.8", eh)
	}
}

func TestHashvalue(t *testing.T) {
	// A 17.5 J/TH miner at $0.05/TH/day: 17.5*24 Wh = 0.00042 MWh per TH-day.
	got := HashvalueUSDPerMWh(0.05, 17.5, 0)
	if want := 0.05 / 0.00042; math.Abs(got-want) > 1e-9 {
		t.Fatalf("HashvalueUSDPerMWh(0.05,17.5,0) = %v, want %v", got, want)
	}
	if HashvalueUSDPerMWh(1, 0, 0) != 0 || HashpriceUSDPerTHDay(0, 3.125, 0, 1) != 0 {
		t.Fatal("degenerate inputs must give 0")
	}
}

func ExampleHashpriceUSDPerPHDay() {
	hp := HashpriceUSDPerPHDay(88.10e12, SubsidyBTC(840_672), 0, 63_000)
	fmt.Printf("%.2f USD/PH/day\n", hp)
	// Output: 44.95 USD/PH/day
}

func BenchmarkHashprice(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for b.Loop() {
		s += HashpriceUSDPerTHDay(1.5e14, MeanSubsidyBTC(1_049_000, 4464), 0.02, 90000)
	}
	_ = s
}
