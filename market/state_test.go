package market

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSyncDifficulty(t *testing.T) {
	fs, srv := newFakeSources(t)
	if data, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "bitcoin-hashrate-difficulty.json")); err == nil {
		fs.mining = data // the real dump, in the endpoint's own format
	}
	c, _ := testClient(t)
	dir := t.TempDir()
	res, err := c.SyncDifficulty(context.Background(), dir, srv.URL)
	if err != nil {
		t.Fatalf("SyncDifficulty() error = %v", err)
	}
	if reqs := fs.seen("/api/v1/mining/hashrate/"); len(reqs) != 1 || reqs[0] != "/api/v1/mining/hashrate/all" {
		t.Errorf("first sync asked %v, want hashrate/all", reqs)
	}
	want, _ := LoadMiningHistory(strings.NewReader(string(fs.mining)), "x")
	f, err := os.Open(filepath.Join(dir, DifficultyFile))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRetargets(f, DifficultyFile)
	f.Close()
	if err != nil || len(rs) != len(want.Retargets) || rs[len(rs)-1] != want.Retargets[len(want.Retargets)-1] || res.Rows != len(rs) {
		t.Fatalf("difficulty.csv = %d rows, %v; want %d", len(rs), err, len(want.Retargets))
	}
	j, err := os.Open(filepath.Join(dir, MiningHistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	h, err := LoadMiningHistory(j, MiningHistoryFile)
	j.Close()
	if err != nil || len(h.Hashrates) != len(want.Hashrates) || h.CurrentDifficulty != want.CurrentDifficulty {
		t.Fatalf("%s = %d hashrates, %v", MiningHistoryFile, len(h.Hashrates), err)
	}
	for _, p := range []string{DifficultyFile, MiningHistoryFile} {
		if m, err := ReadMeta(filepath.Join(dir, p)); err != nil || m.Source != "mempool.space" || !m.FetchedAt.Equal(testNow) {
			t.Errorf("meta of %s = %+v, %v", p, m, err)
		}
	}
	// The next sync asks only for the window since the last sample.
	last := want.Hashrates[len(want.Hashrates)-1].Time
	c.Now = func() time.Time { return last.Add(3 * day) }
	if _, err := c.SyncDifficulty(context.Background(), dir, srv.URL); err != nil {
		t.Fatal(err)
	}
	if reqs := fs.seen("/api/v1/mining/hashrate/"); len(reqs) != 2 || reqs[1] != "/api/v1/mining/hashrate/1m" {
		t.Errorf("second sync asked %v, want hashrate/1m", reqs)
	}
}

func TestSyncFees(t *testing.T) {
	fs, srv := newFakeSources(t)
	c, _ := testClient(t)
	dir := t.TempDir()
	res, err := c.SyncFees(context.Background(), dir, srv.URL, 90)
	if err != nil {
		t.Fatalf("SyncFees() error = %v", err)
	}
	if reqs := fs.seen("/api/v1/mining/blocks/fees/"); len(reqs) != 1 || reqs[0] != "/api/v1/mining/blocks/fees/3m" {
		t.Errorf("asked %v, want fees/3m", reqs)
	}
	if res.Rows != 90 {
		t.Errorf("rows = %d, want 90", res.Rows)
	}
	f, _ := os.Open(filepath.Join(dir, FeesFile))
	got, err := LoadFees(f, FeesFile)
	f.Close()
	if err != nil || len(got) != 90 || got[89].FeesBTC != 0.01000001 || got[89].AvgHeight != 888000-144 {
		t.Fatalf("fees file: %v, last %+v", err, got[len(got)-1])
	}
	// Two days later: a short window is enough.
	c.Now = func() time.Time { return testNow.Add(2 * day) }
	if _, err := c.SyncFees(context.Background(), dir, srv.URL, 90); err != nil {
		t.Fatal(err)
	}
	if reqs := fs.seen("/api/v1/mining/blocks/fees/"); len(reqs) != 2 || reqs[1] != "/api/v1/mining/blocks/fees/1w" {
		t.Errorf("second sync asked %v, want fees/1w (3 days since the last row, plus a day)", reqs)
	}
	if _, err := c.SyncFees(context.Background(), dir, srv.URL, 0); err == nil {
		t.Errorf("SyncFees(days=0) = nil error")
	}
}

func TestPeriodFor(t *testing.T) {
	for _, tc := range []struct {
		span time.Duration
		want string
	}{{time.Hour, "1m"}, {30 * day, "1m"}, {31 * day, "3m"}, {400 * day, "2y"}, {2000 * day, "all"}} {
		if got := periodFor(tc.span, hashratePeriods); got != tc.want {
			t.Errorf("periodFor(%v) = %q, want %q", tc.span, got, tc.want)
		}
	}
}

// wantHashprice is the hashprice per PH/s per day by the DESIGN.md formula,
// written out here independently of package bitcoin.
func wantHashprice(price, difficulty, feesBTC float64, height int64) float64 {
	subsidy := 50.0
	for h := height; h >= 210000; h -= 210000 {
		subsidy /= 2
	}
	hashrateTH := difficulty * math.Pow(2, 32) / 600 / 1e12
	return 1000 * 144 * (subsidy + feesBTC) * price / hashrateTH
}

func TestFetchState(t *testing.T) {
	fs, srv := newFakeSources(t)
	c, _ := testClient(t)
	dir := t.TempDir()
	st, err := FetchState(context.Background(), StateOptions{Client: c, MempoolURL: srv.URL, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL, CacheDir: dir})
	if err != nil {
		t.Fatalf("FetchState() error = %v", err)
	}
	want := State{BTCPriceUSD: 84123.5, Difficulty: 112149504190349.3, BlockHeight: 888000, FeesBTCPerBlock: 0.02, AsOf: testNow}
	if st.BTCPriceUSD != want.BTCPriceUSD || st.Difficulty != want.Difficulty || st.BlockHeight != want.BlockHeight ||
		math.Abs(st.FeesBTCPerBlock-want.FeesBTCPerBlock) > 1e-12 || !st.AsOf.Equal(want.AsOf) {
		t.Fatalf("FetchState() = %+v, want %+v", st, want)
	}
	if !strings.Contains(st.Source, "coingecko") || !strings.Contains(st.Source, "mempool.space") {
		t.Errorf("source = %q", st.Source)
	}
	if reqs := fs.seen("/api/v1/mining/reward-stats/"); len(reqs) != 1 || reqs[0] != "/api/v1/mining/reward-stats/144" {
		t.Errorf("reward stats asked %v", reqs)
	}
	if got, w := st.HashpriceUSDPerPHDay(), wantHashprice(84123.5, 112149504190349.3, 0.02, 888000); math.Abs(got-w) > 1e-9*w {
		t.Errorf("HashpriceUSDPerPHDay() = %v, want %v", got, w)
	}
	if st.SubsidyBTC() != 3.125 {
		t.Errorf("SubsidyBTC() = %v, want 3.125", st.SubsidyBTC())
	}
	cached, err := LoadCachedState(dir)
	if err != nil || cached != st {
		t.Fatalf("LoadCachedState() = %+v, %v; want %+v", cached, err, st)
	}
}

func TestFetchStatePriceFallbacks(t *testing.T) {
	fs, srv := newFakeSources(t)
	fs.cgDown = true
	c, _ := testClient(t)
	st, err := FetchState(context.Background(), StateOptions{Client: c, MempoolURL: srv.URL, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL})
	if err != nil {
		t.Fatalf("FetchState() error = %v", err)
	}
	if w := priceOn(dayOf(testNow)); st.BTCPriceUSD != w || !strings.Contains(st.Source, "coinmetrics") {
		t.Errorf("price = %v from %q, want %v from coinmetrics", st.BTCPriceUSD, st.Source, w)
	}
	// Coin Metrics down too: mempool.space's price.
	for range 5 {
		fs.fault("/v4/timeseries/asset-metrics", status(503, ""))
	}
	st, err = FetchState(context.Background(), StateOptions{Client: c, MempoolURL: srv.URL, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL})
	if err != nil || st.BTCPriceUSD != 84000 || !strings.Contains(st.Source, "price: mempool.space") {
		t.Errorf("FetchState() = %+v, %v; want mempool.space's 84000", st, err)
	}
}

func TestFetchStateOrCached(t *testing.T) {
	_, srv := newFakeSources(t)
	c, _ := testClient(t)
	c.MaxAttempts = 1
	dir := t.TempDir()
	opts := StateOptions{Client: c, MempoolURL: srv.URL, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL, CacheDir: dir}
	// No network, no cache: a clear error.
	down := opts
	down.MempoolURL = "http://127.0.0.1:1"
	if _, fb, err := FetchStateOrCached(context.Background(), down); err == nil || fb != nil || !errors.Is(err, ErrNoCache) {
		t.Fatalf("FetchStateOrCached(down, no cache) = %v, %v; want ErrNoCache", fb, err)
	}
	live, fb, err := FetchStateOrCached(context.Background(), opts)
	if err != nil || fb != nil {
		t.Fatalf("FetchStateOrCached(live) = %v, %v", fb, err)
	}
	got, fb, err := FetchStateOrCached(context.Background(), down)
	if err != nil || fb == nil || got != live || !strings.Contains(fb.Error(), "block height") {
		t.Fatalf("FetchStateOrCached(down) = %+v, %v, %v; want the cached state and the live error", got, fb, err)
	}
}

func TestParseState(t *testing.T) {
	for _, tc := range []struct{ in, errHas string }{
		{`{"btc_price_usd":1,"difficulty":2,"block_height":3,"fees_btc_per_block":0,"as_of":"2025-03-22T12:00:00Z","source":"x"}`, ""},
		{`{"btc_price_usd":-1,"difficulty":0,"block_height":3,"fees_btc_per_block":0,"as_of":"2025-03-22T12:00:00Z"}`, "btc_price_usd: must be > 0 (got -1)\ndifficulty: must be > 0"},
		{`{"btc_price_usd":1,"difficulty":2,"block_height":3,"fees_btc_per_block":0,"as_of":"2025-03-22T12:00:00Z","extra":1}`, "unknown field"},
		{`{"btc_price_usd":1,`, "s.json:1:"},
		{`{"btc_price_usd":1,"difficulty":2,"block_height":3,"fees_btc_per_block":0}`, "as_of: missing"},
	} {
		_, err := ParseState(strings.NewReader(tc.in), "s.json")
		if tc.errHas == "" && err != nil || tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
			t.Errorf("ParseState(%s) error = %v, want %q", tc.in, err, tc.errHas)
		}
	}
}

func FuzzParseState(f *testing.F) {
	f.Add(`{"btc_price_usd":1,"difficulty":2,"block_height":3,"fees_btc_per_block":0,"as_of":"2025-03-22T12:00:00Z","source":"x"}`)
	f.Add(`{"btc_price_usd":1,`)
	f.Fuzz(func(t *testing.T, in string) {
		st, err := ParseState(strings.NewReader(in), "f.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		if st.Validate() != nil {
			t.Fatalf("accepted an invalid state %+v", st)
		}
	})
}

func FuzzParseMempoolSmall(f *testing.F) {
	f.Add("888000", `{"startBlock":1,"endBlock":144,"totalReward":"1","totalFee":"2","totalTx":"3"}`, `{"time":1703252411,"USD":43753}`)
	f.Add("-1", `{"startBlock":5,"endBlock":1}`, `{"USD":"x"}`)
	f.Fuzz(func(t *testing.T, tip, rewards, price string) {
		isParse := func(err error) {
			var pe *ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
		}
		h, err := parseTipHeight([]byte(tip), "tip")
		isParse(err)
		if err == nil && h < 0 {
			t.Fatalf("negative height %d accepted", h)
		}
		rs, err := parseRewardStats([]byte(rewards), "rs")
		isParse(err)
		if err == nil && (rs.EndBlock < rs.StartBlock || rs.FeesBTCPerBlock() < 0) {
			t.Fatalf("bad reward stats accepted: %+v", rs)
		}
		p, _, err := parseMempoolPrice([]byte(price), "p")
		isParse(err)
		if err == nil && !(p > 0) {
			t.Fatalf("price %v accepted", p)
		}
	})
}
