package risk

import (
	"os"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/market"
)

// sharedData opens a file of ../shared/data, or skips the test.
func sharedData(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("../../shared/data/" + name)
	if err != nil {
		t.Skipf("shared data %s not available (%v): skipping", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestCalibrateSharedData calibrates on the real history of ../shared/data:
// the BTC CoinGecko export (with its empty close) and the mempool.space
// difficulty file.
func TestCalibrateSharedData(t *testing.T) {
	prices, err := market.LoadBTCPrices(sharedData(t, "btc-usd-daily.csv"), "btc-usd-daily.csv", market.SkipMissing)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := market.LoadMiningHistory(sharedData(t, "bitcoin-hashrate-difficulty.json"), "bitcoin-hashrate-difficulty.json")
	if err != nil {
		t.Fatal(err)
	}
	var closes []Observation
	for _, c := range prices.Closes {
		closes = append(closes, Observation{c.Date, c.CloseUSD})
	}
	var diff []DifficultyPoint
	for _, r := range hist.Retargets {
		diff = append(diff, DifficultyPoint{r.Time, r.Height, r.Difficulty})
	}
	for _, years := range []int{4, 8} {
		to := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		c, err := Calibrate(closes, diff, CalibrateOptions{From: to.AddDate(-years, 0, 0), To: to})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d years: %+v %+v", years, c.BTC, *c.Hashrate)
	}
}
