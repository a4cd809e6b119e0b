package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/market"
)

// dataTestNow is the clock of the data command tests.
var dataTestNow = time.Date(2025, 3, 22, 12, 0, 0, 0, time.UTC)

// withFakeClock makes every market client of the test use a fixed clock
// and a sleep that returns at once.
func withFakeClock(t *testing.T) {
	t.Helper()
	marketClientHook = func(c *market.Client) {
		c.Now = func() time.Time { return dataTestNow }
		c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	t.Cleanup(func() { marketClientHook = nil })
}

// fakeMarketServer answers the mempool.space and CoinGecko endpoints the
// data commands use, in their real formats.
func fakeMarketServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/blocks/tip/height", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "888000") })
	mux.HandleFunc("/api/v1/mining/hashrate/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"hashrates":[{"timestamp":1741564800,"avgHashrate":8.1e20}],"difficulty":[{"time":1741535926,"height":887040,"difficulty":112149504190349.3,"adjustment":1.0143}],"currentHashrate":8.1e20,"currentDifficulty":112149504190349.3}`)
	})
	mux.HandleFunc("/api/v1/mining/reward-stats/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"startBlock":887857,"endBlock":888000,"totalReward":"45288000000","totalFee":"288000000","totalTx":"432000"}`)
	})
	mux.HandleFunc("/api/v1/mining/blocks/fees/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `[{"avgHeight":887856,"timestamp":%d,"avgFees":2000000,"USD":84000}]`, dataTestNow.Add(-24*time.Hour).Unix())
	})
	mux.HandleFunc("/api/v3/simple/price", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"bitcoin":{"usd":84000}}`)
	})
	mux.HandleFunc("/api/v3/coins/bitcoin/market_chart/range", func(w http.ResponseWriter, r *http.Request) {
		from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
		to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
		var pts []string
		for s := (from + 3599) / 3600 * 3600; s <= to; s += 3600 {
			pts = append(pts, fmt.Sprintf("[%d,%d]", s*1000, 80000+s/86400%100))
		}
		fmt.Fprintf(w, `{"prices":[%s],"market_caps":[],"total_volumes":[]}`, strings.Join(pts, ","))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDataFetchCommands(t *testing.T) {
	withFakeClock(t)
	srv := fakeMarketServer(t)
	dir := t.TempDir()
	code, out, errs := runCLI("data", "fetch", "btc-price", "--from", "2025-03-01", "--to", "2025-03-05", "--base-url", srv.URL, "--cache-dir", dir)
	if code != 0 || !strings.Contains(out, "btc-price: 5 rows in "+filepath.Join(dir, market.BTCPriceFile)+" (5 new)") || errs != "" {
		t.Fatalf("fetch btc-price = %d, %q, %q", code, out, errs)
	}
	if _, err := os.Stat(market.MetaPath(filepath.Join(dir, market.BTCPriceFile))); err != nil {
		t.Errorf("no sidecar: %v", err)
	}
	code, out, _ = runCLI("data", "fetch", "btc-price", "--from", "2025-03-01", "--to", "2025-03-05", "--base-url", srv.URL, "--cache-dir", dir, "--json")
	var res struct {
		Dataset  string `json:"dataset"`
		Rows     int    `json:"rows"`
		UpToDate bool   `json:"up_to_date"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Dataset != "btc-price" || res.Rows != 5 || !res.UpToDate {
		t.Fatalf("fetch btc-price --json (again) = %d, %q", code, out)
	}
	code, out, errs = runCLI("data", "fetch", "difficulty", "--base-url", srv.URL, "--cache-dir", dir)
	if code != 0 || !strings.Contains(out, "difficulty: 1 rows") {
		t.Fatalf("fetch difficulty = %d, %q, %q", code, out, errs)
	}
	t.Setenv("HASHPIVOT_CACHE_DIR", dir)
	t.Setenv("HASHPIVOT_MEMPOOL_URL", srv.URL)
	code, out, errs = runCLI("data", "fetch", "fees", "--days", "7")
	if code != 0 || !strings.Contains(out, "fees: 1 rows in "+filepath.Join(dir, market.FeesFile)) {
		t.Fatalf("fetch fees (cache dir and URL from the environment) = %d, %q, %q", code, out, errs)
	}
}

func TestDataMarket(t *testing.T) {
	withFakeClock(t)
	srv := fakeMarketServer(t)
	dir := t.TempDir()
	code, out, errs := runCLI("data", "market", "--json", "--cache-dir", dir, "--mempool-url", srv.URL, "--coingecko-url", srv.URL)
	var got struct {
		BTCPriceUSD          float64 `json:"btc_price_usd"`
		Difficulty           float64 `json:"difficulty"`
		BlockHeight          int64   `json:"block_height"`
		FeesBTCPerBlock      float64 `json:"fees_btc_per_block"`
		AsOf                 string  `json:"as_of"`
		SubsidyBTC           float64 `json:"subsidy_btc"`
		HashpriceUSDPerPHDay float64 `json:"hashprice_usd_per_ph_day"`
		Live                 bool    `json:"live"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("data market --json = %d, %q, %q", code, out, errs)
	}
	// 288,000,000 sat of fees over 144 blocks is 0.02 BTC a block.
	if got.BTCPriceUSD != 84000 || got.BlockHeight != 888000 || got.FeesBTCPerBlock != 0.02 || got.SubsidyBTC != 3.125 || !got.Live || got.AsOf != "2025-03-22T12:00:00Z" {
		t.Errorf("data market --json = %+v", got)
	}
	if got.HashpriceUSDPerPHDay < 47.3 || got.HashpriceUSDPerPHDay > 47.5 {
		t.Errorf("hashprice = %v, want about 47.4 (144*3.145*84000/(112.15e12*2^32/600/1e12)*1000)", got.HashpriceUSDPerPHDay)
	}
	// The network is gone: the cached state, with a warning.
	code, out, errs = runCLI("data", "market", "--cache-dir", dir, "--mempool-url", "http://127.0.0.1:1", "--coingecko-url", "http://127.0.0.1:1")
	if code != 0 || !strings.Contains(errs, "warning: live market data unavailable") || !strings.Contains(out, "(cached)") || !strings.Contains(out, "$84,000.00") {
		t.Fatalf("data market (offline) = %d, %q, %q", code, out, errs)
	}
	code, out, _ = runCLI("data", "market", "--cached", "--cache-dir", dir)
	if code != 0 || !strings.Contains(out, "Hashprice") || !strings.Contains(out, "888,000") {
		t.Fatalf("data market --cached = %d, %q", code, out)
	}
	// Offline and no cache: a runtime failure that says so.
	code, _, errs = runCLI("data", "market", "--cache-dir", t.TempDir(), "--mempool-url", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errs, "no cached state") {
		t.Fatalf("data market (offline, no cache) = %d, %q", code, errs)
	}
}

func TestDataBadInput(t *testing.T) {
	withFakeClock(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args   []string
		errHas string
	}{
		{[]string{"data", "fetch", "btc-price", "--from", "2025-13-01"}, `--from "2025-13-01"`},
		{[]string{"data", "fetch", "btc-price", "--source", "yahoo"}, `--source "yahoo"`},
		{[]string{"data", "fetch", "btc-price", "--base-url", "ftp://x"}, `--base-url "ftp://x"`},
		{[]string{"data", "fetch", "btc-price", "--from", "2025-03-10", "--to", "2025-03-01", "--base-url", "http://127.0.0.1:1"}, "from 2025-03-10 is after to 2025-03-01"},
		{[]string{"data", "fetch", "fees", "--days", "0"}, "--days"},
		{[]string{"data", "fetch", "ercot-prices", "--from", "2024-06-01"}, "--settlement-point is required"},
		{[]string{"data", "fetch", "ercot-prices", "--settlement-point", "HB_WEST"}, "--from is required"},
		{[]string{"data", "fetch", "ercot-prices", "--settlement-point", "HB/WEST", "--from", "2024-06-01", "--base-url", "http://127.0.0.1:1"}, "settlement point"},
		{[]string{"data", "fetch", "ercot-prices", "--settlement-point", "HB_WEST", "--from", "2024-06-01", "--market", "spot"}, `--market "spot"`},
		{[]string{"data", "fetch", "ercot-prices", "--settlement-point", "HB_WEST", "--from", "2024-06-02", "--to", "2024-06-01"}, "before --from"},
		{[]string{"data", "market", "--cached"}, "no cached market state"},
		{[]string{"data", "fetch", "nothing"}, "unknown data set"},
		{[]string{"data", "nothing"}, "unknown command"},
	} {
		code, _, errs := runCLI(append(tc.args, "--cache-dir", dir)...)
		if code != 2 || !strings.Contains(errs, tc.errHas) {
			t.Errorf("hashpivot %s = exit %d, %q; want exit 2 mentioning %q", strings.Join(tc.args, " "), code, errs, tc.errHas)
		}
	}
	// A corrupt cache file is the user's to fix: exit 2, naming file and line.
	os.WriteFile(filepath.Join(dir, market.BTCPriceFile), []byte("date,close_usd\n2025-01-01,zero\n"), 0o644)
	code, _, errs := runCLI("data", "fetch", "btc-price", "--cache-dir", dir, "--base-url", "http://127.0.0.1:1")
	if code != 2 || !strings.Contains(errs, market.BTCPriceFile+":2: close_usd") {
		t.Errorf("fetch btc-price (corrupt cache) = %d, %q", code, errs)
	}
}

func TestGroupThousands(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{{84000, 2, "84,000.00"}, {888000, 0, "888,000"}, {999, 0, "999"}, {1234567.891, 1, "1,234,567.9"}, {-1234, 0, "-1,234"}} {
		if got := groupThousands(tc.v, tc.prec); got != tc.want {
			t.Errorf("groupThousands(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
}
