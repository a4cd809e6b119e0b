package cli

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/market"
)

// deadURL is a loopback address nothing listens on.
func deadURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestPlanMarketCache(t *testing.T) {
	dir := t.TempDir()
	st := market.State{BTCPriceUSD: 120000, Difficulty: 1.6e14, BlockHeight: 930000, FeesBTCPerBlock: 0.03,
		AsOf: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), Source: "test"}
	if err := market.SaveState(dir, st); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "plan", example, "--market", "cache", "--cache-dir", dir, "--json")
	if code != 0 {
		t.Fatalf("plan --market cache: exit %d: %s", code, errs)
	}
	var doc struct {
		Site struct {
			Market map[string]float64 `json:"market"`
		} `json:"site"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Site.Market
	if m["btc_price_usd"] != 120000 || m["difficulty"] != 1.6e14 || m["block_height"] != 930000 || m["fees_btc_per_block"] != 0.03 {
		t.Fatalf("plan used market %v, want the cached state", m)
	}
	// The file's growth assumption is kept.
	if m["hashrate_growth_per_year"] != 0.20 {
		t.Fatalf("growth %v, want the file's 0.20", m["hashrate_growth_per_year"])
	}
}

func TestPlanMarketLiveFallsBack(t *testing.T) {
	dir := t.TempDir()
	dead := deadURL(t)
	t.Setenv("HASHPIVOT_MEMPOOL_URL", dead)
	t.Setenv("HASHPIVOT_COINGECKO_URL", dead)
	t.Setenv("HASHPIVOT_COINMETRICS_URL", dead)
	// No cache: a clear failure.
	code, _, errs := run(t, "plan", example, "--market", "live", "--cache-dir", dir)
	if code == 0 || !strings.Contains(errs, "no cached state") {
		t.Fatalf("plan --market live, network down, no cache: exit %d, %q", code, errs)
	}
	// With a cache: a warning, and the cached state is used.
	_ = market.SaveState(dir, market.State{BTCPriceUSD: 80000, Difficulty: 1.4e14, BlockHeight: 929000, AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Source: "test"})
	code, out, errs := run(t, "plan", example, "--market", "live", "--cache-dir", dir)
	if code != 0 || !strings.Contains(errs, "live market data unavailable") || !strings.Contains(out, "BTC 80000 USD") {
		t.Fatalf("plan --market live fallback: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	// --market cache with an empty cache is bad input.
	code, _, errs = run(t, "plan", example, "--market", "cache", "--cache-dir", t.TempDir())
	if code != 2 || !strings.Contains(errs, "no cached market state") {
		t.Fatalf("plan --market cache, empty: exit %d %q", code, errs)
	}
}
