package market

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// priceOn is the fake sources' BTC price at 00:00 UTC of day d: an
// independent closed form the tests check against.
func priceOn(d time.Time) float64 {
	return 10000 + float64(d.Unix()/86400%1000) + 0.25
}

// fakeSources serves the public APIs in their real formats:
// CoinGecko's market chart and simple price, Coin Metrics' paginated asset
// metrics, and mempool.space's endpoints. Faults can be queued per path.
type fakeSources struct {
	t        *testing.T
	mu       sync.Mutex
	faults   map[string][]http.HandlerFunc // by URL path, served first
	requests []string
	mining   []byte // hashrate/difficulty JSON for every interval
	cmPage   int    // Coin Metrics rows per page
	cgDown   bool   // CoinGecko answers 401 (its key-required answer)
	midFail  bool   // the first request for a second page gets a 500
}

func newFakeSources(t *testing.T) (*fakeSources, *httptest.Server) {
	f := &fakeSources{t: t, faults: map[string][]http.HandlerFunc{}, cmPage: 100, mining: []byte(miningSample)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSources) fault(path string, h ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[path] = append(f.faults[path], h...)
}

func (f *fakeSources) seen(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeSources) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	if q := f.faults[r.URL.Path]; len(q) > 0 {
		h := q[0]
		f.faults[r.URL.Path] = q[1:]
		f.mu.Unlock()
		h(w, r)
		return
	}
	f.mu.Unlock()
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/api/v3/coins/bitcoin/market_chart/range":
		if f.cgDown {
			status(401, `{"status":{"error_code":10010,"error_message":"API key required"}}`)(w, r)
			return
		}
		from, _ := strconv.ParseInt(q.Get("from"), 10, 64)
		to, _ := strconv.ParseInt(q.Get("to"), 10, 64)
		step := int64(86400)
		if to-from < 90*86400 {
			step = 3600 // CoinGecko: hourly below 90 days
		}
		type chart struct {
			Prices       [][2]float64 `json:"prices"`
			MarketCaps   [][2]float64 `json:"market_caps"`
			TotalVolumes [][2]float64 `json:"total_volumes"`
		}
		var c chart
		start := (from + step - 1) / step * step
		for s := start; s <= to; s += step {
			d := time.Unix(s, 0).UTC()
			p := priceOn(dayOf(d)) + float64(d.Hour()) // hourly points drift off the day's price
			c.Prices = append(c.Prices, [2]float64{float64(s * 1000), p})
			c.MarketCaps = append(c.MarketCaps, [2]float64{float64(s * 1000), p * 19e6})
			c.TotalVolumes = append(c.TotalVolumes, [2]float64{float64(s * 1000), 1e9})
		}
		// The last point of a real chart is "now", mid-day.
		c.Prices = append(c.Prices, [2]float64{float64((to - 1800) * 1000), 1})
		json.NewEncoder(w).Encode(c)
	case r.URL.Path == "/api/v3/simple/price":
		if f.cgDown {
			status(401, `{"status":{"error_code":10010}}`)(w, r)
			return
		}
		fmt.Fprintf(w, `{"bitcoin":{"usd":84123.5,"last_updated_at":%d}}`, testNow.Unix())
	case r.URL.Path == "/v4/timeseries/asset-metrics":
		f.serveCoinMetrics(w, r)
	case r.URL.Path == "/api/blocks/tip/height":
		fmt.Fprint(w, "888000")
	case strings.HasPrefix(r.URL.Path, "/api/v1/mining/hashrate/"):
		w.Write(f.mining)
	case strings.HasPrefix(r.URL.Path, "/api/v1/mining/blocks/fees/"):
		// Daily groups over the window asked, the newest at testNow.
		span := map[string]int{"24h": 1, "3d": 3, "1w": 7, "1m": 30, "3m": 90, "6m": 182, "1y": 365}[strings.TrimPrefix(r.URL.Path, "/api/v1/mining/blocks/fees/")]
		var rows []string
		for i := span; i >= 1; i-- {
			ts := testNow.Add(-time.Duration(i) * day).Unix()
			rows = append(rows, fmt.Sprintf(`{"avgHeight":%d,"timestamp":%d,"avgFees":%d,"USD":84000}`, 888000-144*i, ts, 1000000+i))
		}
		fmt.Fprint(w, "["+strings.Join(rows, ",")+"]")
	case strings.HasPrefix(r.URL.Path, "/api/v1/mining/reward-stats/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/api/v1/mining/reward-stats/"))
		// Totals as strings, as mempool.space sends them.
		fmt.Fprintf(w, `{"startBlock":%d,"endBlock":888000,"totalReward":"%d","totalFee":"%d","totalTx":"%d"}`, 888000-n+1, n*315000000, n*2000000, n*3000)
	case r.URL.Path == "/api/v1/prices":
		fmt.Fprintf(w, `{"time":%d,"USD":84000,"EUR":77000}`, testNow.Unix())
	default:
		http.NotFound(w, r)
	}
}

// serveCoinMetrics pages through daily PriceUSD rows: the row of day D holds
// the price at 00:00 UTC of D+1 (Coin Metrics' close), values as strings.
func (f *fakeSources) serveCoinMetrics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("paging_from") == "end" {
		d := dayOf(testNow).AddDate(0, 0, -1)
		fmt.Fprintf(w, `{"data":[{"asset":"btc","time":"%s","PriceUSD":"%v"}]}`, d.Format("2006-01-02T15:04:05.000000000Z"), priceOn(d.AddDate(0, 0, 1)))
		return
	}
	start, err1 := time.Parse(time.DateOnly, q.Get("start_time"))
	end, err2 := time.Parse(time.DateOnly, q.Get("end_time"))
	if err1 != nil || err2 != nil || q.Get("assets") != "btc" || q.Get("metrics") != "PriceUSD" || q.Get("frequency") != "1d" {
		status(400, `{"error":{"type":"bad_parameter","message":"bad query"}}`)(w, r)
		return
	}
	if tok := q.Get("next_page_token"); tok != "" {
		f.mu.Lock()
		fail := f.midFail
		f.midFail = false
		f.mu.Unlock()
		if fail {
			status(500, "internal error")(w, r)
			return
		}
		if start, err1 = time.Parse(time.DateOnly, tok); err1 != nil {
			status(400, `{"error":{"type":"bad_parameter","message":"bad token"}}`)(w, r)
			return
		}
	}
	type row struct {
		Asset    string `json:"asset"`
		Time     string `json:"time"`
		PriceUSD string `json:"PriceUSD"`
	}
	var page struct {
		Data          []row  `json:"data"`
		NextPageToken string `json:"next_page_token,omitempty"`
		NextPageURL   string `json:"next_page_url,omitempty"`
	}
	d := start
	for ; !d.After(end) && len(page.Data) < f.cmPage; d = d.AddDate(0, 0, 1) {
		page.Data = append(page.Data, row{"btc", d.Format("2006-01-02T15:04:05.000000000Z"), strconv.FormatFloat(priceOn(d.AddDate(0, 0, 1)), 'f', -1, 64)})
	}
	if !d.After(end) {
		page.NextPageToken = d.Format(time.DateOnly)
		nq := r.URL.Query()
		nq.Set("next_page_token", page.NextPageToken)
		page.NextPageURL = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
	}
	json.NewEncoder(w).Encode(page)
}

func checkCloses(t *testing.T, got []DailyClose, from, to time.Time) {
	t.Helper()
	n := int(to.Sub(from)/day) + 1
	if len(got) != n {
		t.Fatalf("got %d closes, want %d (%s..%s)", len(got), n, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	for i, c := range got {
		want := from.AddDate(0, 0, i)
		if !c.Date.Equal(want) || c.CloseUSD != priceOn(want) {
			t.Fatalf("close[%d] = %s %v, want %s %v", i, c.Date.Format(time.DateOnly), c.CloseUSD, want.Format(time.DateOnly), priceOn(want))
		}
	}
}

func loadCacheCloses(t *testing.T, dir string) []DailyClose {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, BTCPriceFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := LoadBTCPrices(f, BTCPriceFile, RejectMissing)
	if err != nil {
		t.Fatal(err)
	}
	return p.Closes
}

func TestSyncBTCPricesCoinGeckoIncremental(t *testing.T) {
	fs, srv := newFakeSources(t)
	c, _ := testClient(t)
	dir := t.TempDir()
	from := day0("2024-01-01")
	res, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL})
	if err != nil {
		t.Fatalf("SyncBTCPrices() error = %v", err)
	}
	today := dayOf(testNow)
	checkCloses(t, loadCacheCloses(t, dir), from, today)
	if res.Source != "coingecko" || res.Added != res.Rows || res.Rows != int(today.Sub(from)/day)+1 {
		t.Errorf("result = %+v", res)
	}
	// Chunks of at most a year: 2024-01-01.. is 447 days, two requests.
	if n := len(fs.seen("/api/v3/coins/bitcoin/market_chart/range")); n != 2 {
		t.Errorf("%d market chart requests, want 2", n)
	}
	m, err := ReadMeta(filepath.Join(dir, BTCPriceFile))
	if err != nil || m.Source != "coingecko" || m.URL != srv.URL || !m.FetchedAt.Equal(testNow) || m.Rows != res.Rows || m.Format != BTCPriceHeader {
		t.Errorf("meta = %+v, %v", m, err)
	}

	// A day later only the missing day is asked for (hourly answer).
	c.Now = func() time.Time { return testNow.Add(day) }
	res, err = c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, CoinGeckoURL: srv.URL})
	if err != nil {
		t.Fatalf("incremental SyncBTCPrices() error = %v", err)
	}
	if res.Added != 1 {
		t.Errorf("incremental added %d, want 1", res.Added)
	}
	reqs := fs.seen("/api/v3/coins/bitcoin/market_chart/range")
	last := reqs[len(reqs)-1]
	wantFrom := fmt.Sprintf("from=%d", today.AddDate(0, 0, 1).Unix())
	if len(reqs) != 3 || !strings.Contains(last, wantFrom) {
		t.Errorf("incremental requests %v, want a third one with %s", reqs, wantFrom)
	}
	checkCloses(t, loadCacheCloses(t, dir), from, today.AddDate(0, 0, 1))

	// Up to date: nothing asked.
	res, err = c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, CoinGeckoURL: srv.URL})
	if err != nil || !res.UpToDate || len(fs.seen("/api/v3")) != 3 {
		t.Errorf("third sync = %+v, %v; requests %d", res, err, len(fs.seen("/api/v3")))
	}
	assertNoTempFiles(t, dir)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestSyncBTCPricesFallbackToCoinMetricsPaginated(t *testing.T) {
	fs, srv := newFakeSources(t)
	fs.cgDown = true
	fs.cmPage = 40
	// A 429 with Retry-After on the first page and a 500 in the middle.
	fs.fault("/v4/timeseries/asset-metrics", status(429, `{"error":{"type":"rate_limit"}}`, "Retry-After", "3"))
	fs.midFail = true
	c, sl := testClient(t)
	dir := t.TempDir()
	from, to := day0("2024-10-01"), day0("2025-01-31")
	res, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, To: to, CoinGeckoURL: srv.URL, CoinMetricsURL: srv.URL})
	if err != nil {
		t.Fatalf("SyncBTCPrices() error = %v", err)
	}
	checkCloses(t, loadCacheCloses(t, dir), from, to)
	if res.Source != "coinmetrics" || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "coingecko failed") || !strings.Contains(res.Notes[0], "401") {
		t.Errorf("result = %+v", res)
	}
	// 123 days at 40 a page: 4 pages, plus the 429 and the 500 (on page 2).
	reqs := fs.seen("/v4/timeseries/asset-metrics")
	if len(reqs) != 6 || strings.Contains(reqs[1], "next_page_token") || !strings.Contains(reqs[2], "next_page_token") || reqs[2] != reqs[3] {
		t.Errorf("coin metrics requests = %q, want 6: page 1 twice (429), page 2 twice (500), pages 3 and 4", reqs)
	}
	if w := sl.all(); len(w) != 2 || w[0] != 3*time.Second {
		t.Errorf("waits = %v, want [3s (Retry-After), backoff]", w)
	}
	m, _ := ReadMeta(filepath.Join(dir, BTCPriceFile))
	if !strings.Contains(m.Note, "coingecko failed") {
		t.Errorf("meta note = %q, want it to record the fallback", m.Note)
	}
}

func TestSyncBTCPricesCoinMetricsOnly(t *testing.T) {
	_, srv := newFakeSources(t)
	c, _ := testClient(t)
	dir := t.TempDir()
	from, to := day0("2025-01-01"), day0("2025-01-10")
	if _, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, To: to, Source: SourceCoinMetrics, CoinMetricsURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	checkCloses(t, loadCacheCloses(t, dir), from, to)
}

func TestSyncBTCPricesFailureKeepsCache(t *testing.T) {
	fs, srv := newFakeSources(t)
	c, _ := testClient(t)
	dir := t.TempDir()
	from := day0("2025-03-01")
	if _, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, Source: SourceCoinGecko, CoinGeckoURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, BTCPriceFile))
	// Next day: every try of CoinGecko is cut short; the file must not change.
	c.Now = func() time.Time { return testNow.Add(day) }
	for range 5 {
		fs.fault("/api/v3/coins/bitcoin/market_chart/range", truncated(`{"prices": [[1742688000000, 1`))
	}
	_, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{From: from, Source: SourceCoinGecko, CoinGeckoURL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "gave up after 5 attempts") {
		t.Fatalf("SyncBTCPrices(truncated bodies) error = %v, want gave up", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, BTCPriceFile))
	if string(after) != string(before) {
		t.Errorf("cache changed after a failed fetch")
	}
	assertNoTempFiles(t, dir)
}

func TestSyncBTCPricesMalformedRow(t *testing.T) {
	fs, srv := newFakeSources(t)
	fs.fault("/api/v3/coins/bitcoin/market_chart/range", ok("{\"prices\": [[1740787200000, 84000.1],\n [1740873600000, \"abc\"]]}"))
	c, _ := testClient(t)
	_, err := c.SyncBTCPrices(context.Background(), t.TempDir(), BTCPriceRequest{From: day0("2025-03-01"), Source: SourceCoinGecko, CoinGeckoURL: srv.URL})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Field != "prices[1]" || !strings.Contains(pe.File, "/api/v3/coins/bitcoin/market_chart/range") {
		t.Fatalf("SyncBTCPrices(malformed) error = %v, want a ParseError at line 2, prices[1], naming the URL", err)
	}
	// A malformed Coin Metrics page too.
	fs.fault("/v4/timeseries/asset-metrics", ok(`{"data":[{"asset":"btc","time":"2025-03-01T00:00:00.000000000Z","PriceUSD":"-5"}]}`))
	_, err = c.SyncBTCPrices(context.Background(), t.TempDir(), BTCPriceRequest{From: day0("2025-03-01"), Source: SourceCoinMetrics, CoinMetricsURL: srv.URL})
	if !errors.As(err, &pe) || pe.Field != "data[0].PriceUSD" {
		t.Fatalf("SyncBTCPrices(coin metrics malformed) error = %v", err)
	}
}

func TestSyncBTCPricesBadCache(t *testing.T) {
	_, srv := newFakeSources(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, BTCPriceFile), []byte("date,close_usd\n2025-01-01,abc\n"), 0o644)
	c, _ := testClient(t)
	_, err := c.SyncBTCPrices(context.Background(), dir, BTCPriceRequest{CoinGeckoURL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "btc-price-usd-daily.csv:2: close_usd") || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("SyncBTCPrices(bad cache) error = %v", err)
	}
}

func TestParseCoinGeckoChart(t *testing.T) {
	pts, nulls, err := parseCoinGeckoChart([]byte(`{"prices":[[1711843200000,69702.3],[1711846800000,null]],"market_caps":[],"total_volumes":[]}`), "c.json")
	if err != nil || len(pts) != 1 || nulls != 1 || pts[0].PriceUSD != 69702.3 || !pts[0].Time.Equal(time.UnixMilli(1711843200000)) {
		t.Fatalf("parseCoinGeckoChart() = %v, %d, %v", pts, nulls, err)
	}
	for _, in := range []string{`{"prices":[[1]]}`, `{"prices":[[1711843200000,0]]}`, `{"market_caps":[]}`, `{"prices":[[5,1]]}`} {
		if _, _, err := parseCoinGeckoChart([]byte(in), "c.json"); err == nil {
			t.Errorf("parseCoinGeckoChart(%s) = nil error", in)
		}
	}
}

func TestDailyFromPoints(t *testing.T) {
	d := day0("2025-03-01")
	pts := []pricePoint{
		{d.Add(25 * time.Hour), 3},  // 2025-03-02 01:00: too late in the day
		{d.Add(5 * time.Minute), 2}, // 2025-03-01 00:05
		{d, 1},                      // 2025-03-01 00:00
		{d.Add(48*time.Hour + 59*time.Minute), 4}, // 2025-03-03 00:59
	}
	got := dailyFromPoints(pts)
	want := []DailyClose{{d, 1}, {d.AddDate(0, 0, 2), 4}}
	if !equalCloses(got, want) {
		t.Fatalf("dailyFromPoints = %v, want %v", got, want)
	}
}

func FuzzParseCoinGeckoChart(f *testing.F) {
	f.Add(`{"prices":[[1711843200000,69702.3],[1711846800000,null]],"market_caps":[],"total_volumes":[]}`)
	f.Add(`{"prices":[[1]]}`)
	f.Fuzz(func(t *testing.T, in string) {
		pts, _, err := parseCoinGeckoChart([]byte(in), "f.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		for _, p := range pts {
			if !(p.PriceUSD > 0) {
				t.Fatalf("accepted price %v", p.PriceUSD)
			}
		}
		dailyFromPoints(pts)
	})
}

func FuzzParseCoinMetricsPage(f *testing.F) {
	f.Add(`{"data":[{"asset":"btc","time":"2020-01-01T00:00:00.000000000Z","PriceUSD":"7200.17"}],"next_page_token":"x","next_page_url":"http://127.0.0.1/v4?x"}`)
	f.Add(`{"error":{"type":"forbidden","message":"no"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		p, err := parseCoinMetricsPage([]byte(in), "f.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		for _, r := range p.Rows {
			if !(r.PriceUSD > 0) {
				t.Fatalf("accepted price %v", r.PriceUSD)
			}
		}
	})
}
