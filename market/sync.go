package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// SyncResult says what a Sync* call did.
type SyncResult struct {
	// Path is the cache file written (or found up to date).
	Path string `json:"path"`
	// Rows is the number of rows in it now; Added how many are new or
	// changed by this call.
	Rows  int `json:"rows"`
	Added int `json:"added"`
	// UpToDate is true when nothing was missing and nothing was asked.
	UpToDate bool `json:"up_to_date"`
	// Source names the source that answered; URL its base URL.
	Source string `json:"source"`
	URL    string `json:"url"`
	// FetchedAt is when the call finished.
	FetchedAt time.Time `json:"fetched_at"`
	// First and Last bound the file's data.
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	// Notes are things worth telling the user (a fallback, skipped rows).
	Notes []string `json:"notes,omitempty"`
}

// BTCPriceSource chooses the price source of SyncBTCPrices.
type BTCPriceSource string

// The price sources.
const (
	// SourceAuto asks CoinGecko and falls back to Coin Metrics.
	SourceAuto        BTCPriceSource = "auto"
	SourceCoinGecko   BTCPriceSource = "coingecko"
	SourceCoinMetrics BTCPriceSource = "coinmetrics"
)

// BTCPriceRequest is what SyncBTCPrices fetches.
type BTCPriceRequest struct {
	// From and To are the first and last days wanted (UTC, inclusive). A
	// zero To is today; a zero From is the cache's first day, or 365 days
	// before To when there is no cache.
	From, To time.Time
	// Source: SourceAuto (default), SourceCoinGecko or SourceCoinMetrics.
	Source BTCPriceSource
	// CoinGeckoURL and CoinMetricsURL are the base URLs ("" = defaults).
	CoinGeckoURL, CoinMetricsURL string
}

// dayRange is a span of whole days, inclusive.
type dayRange struct{ From, To time.Time }

// missingRanges returns the runs of days in [from, to] for which have is
// false, merging runs separated by fewer than mergeGap present days.
func missingRanges(from, to time.Time, have func(time.Time) bool, mergeGap int) []dayRange {
	var out []dayRange
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if have(d) {
			continue
		}
		if n := len(out); n > 0 && d.Sub(out[n-1].To) <= time.Duration(mergeGap+1)*24*time.Hour {
			out[n-1].To = d
			continue
		}
		out = append(out, dayRange{From: d, To: d})
	}
	return out
}

// SyncBTCPrices brings the cache file dir/BTCPriceFile up to date for the
// days req.From..req.To: it asks the source only for the days the file
// lacks (runs of missing days), merges, and writes the file and its sidecar
// atomically. With SourceAuto a failing CoinGecko is replaced by Coin
// Metrics, and the result's Notes say so.
func (c *Client) SyncBTCPrices(ctx context.Context, dir string, req BTCPriceRequest) (SyncResult, error) {
	path := filepath.Join(dir, BTCPriceFile)
	var cached []DailyClose
	prices, err := loadCachedWith(path, func(r io.Reader, name string) (BTCPrices, error) {
		return LoadBTCPrices(r, name, SkipMissing)
	})
	switch {
	case err == nil:
		cached = prices.Closes
	case errors.Is(err, ErrNoCache):
	default:
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	today := dayOf(c.now())
	to := today
	if !req.To.IsZero() && dayOf(req.To).Before(today) {
		to = dayOf(req.To)
	}
	from := dayOf(req.From)
	if req.From.IsZero() {
		from = to.AddDate(0, 0, -365)
		if len(cached) > 0 && cached[0].Date.Before(from) {
			from = cached[0].Date
		}
	}
	if from.After(to) {
		return SyncResult{}, fmt.Errorf("%w: btc-price: from %s is after to %s", ErrBadRequest, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	have := make(map[time.Time]bool, len(cached))
	for _, cl := range cached {
		have[cl.Date] = true
	}
	ranges := missingRanges(from, to, func(d time.Time) bool { return have[d] }, 7)
	res := SyncResult{Path: path}
	if len(ranges) == 0 {
		res.UpToDate = true
		res.Rows = len(cached)
		res.FetchedAt = c.now()
		if m, err := ReadMeta(path); err == nil {
			res.Source, res.URL = m.Source, m.URL
		}
		res.First, res.Last = closesBounds(cached)
		return res, nil
	}
	var total int64
	for _, r := range ranges {
		total += int64(r.To.Sub(r.From)/(24*time.Hour)) + 1
	}
	bar := c.progress("btc-price", total)
	defer bar.Finish()
	cgURL := orDefault(req.CoinGeckoURL, DefaultCoinGeckoURL)
	cmURL := orDefault(req.CoinMetricsURL, DefaultCoinMetricsURL)
	var fetched []DailyClose
	sources := map[string]bool{}
	src := req.Source
	if src == "" {
		src = SourceAuto
	}
	for _, r := range ranges {
		var got []DailyClose
		var err error
		switch src {
		case SourceCoinGecko:
			got, err = c.CoinGeckoDaily(ctx, cgURL, r.From, r.To, bar)
			res.Source, res.URL = "coingecko", cgURL
		case SourceCoinMetrics:
			got, err = c.CoinMetricsDaily(ctx, cmURL, r.From, r.To, bar)
			res.Source, res.URL = "coinmetrics", cmURL
		case SourceAuto:
			got, err = c.CoinGeckoDaily(ctx, cgURL, r.From, r.To, bar)
			res.Source, res.URL = "coingecko", cgURL
			if err != nil && ctx.Err() == nil {
				res.Notes = append(res.Notes, fmt.Sprintf("coingecko failed (%v); used coinmetrics", strings.TrimPrefix(err.Error(), "market: ")))
				got, err = c.CoinMetricsDaily(ctx, cmURL, r.From, r.To, bar)
				res.Source, res.URL = "coinmetrics", cmURL
				src = SourceCoinMetrics // and for the remaining ranges
			}
		default:
			return SyncResult{}, fmt.Errorf("%w: btc-price: unknown source %q (want auto, coingecko or coinmetrics)", ErrBadRequest, req.Source)
		}
		if err != nil {
			return SyncResult{}, err
		}
		sources[res.Source+" "+res.URL] = true
		fetched = append(fetched, got...)
	}
	if len(sources) > 1 {
		res.Source, res.URL = "coingecko+coinmetrics", cgURL+" "+cmURL
	}
	merged := mergeCloses(cached, fetched)
	res.Added = countChangedCloses(cached, fetched)
	res.Rows = len(merged)
	res.First, res.Last = closesBounds(merged)
	if len(merged) == 0 {
		return SyncResult{}, fmt.Errorf("%w: btc-price: the source returned no prices for %s..%s", ErrNoData, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	res.FetchedAt = c.now()
	meta := Meta{Source: res.Source, URL: res.URL, FetchedAt: res.FetchedAt, Rows: res.Rows, First: res.First, Last: res.Last,
		Format: BTCPriceHeader, Note: strings.Join(append([]string{"close_usd on date D is the price at 00:00 UTC of D"}, res.Notes...), "; ")}
	if err := writeCacheFile(path, func(w io.Writer) error { return WriteBTCPrices(w, merged) }, meta); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}

// countChangedCloses counts fetched days that are new or differ from cached.
func countChangedCloses(cached, fetched []DailyClose) int {
	old := make(map[time.Time]float64, len(cached))
	for _, c := range cached {
		old[c.Date] = c.CloseUSD
	}
	seen := map[time.Time]bool{}
	n := 0
	for _, f := range fetched {
		if seen[f.Date] {
			continue
		}
		seen[f.Date] = true
		if v, ok := old[f.Date]; !ok || v != f.CloseUSD {
			n++
		}
	}
	return n
}

func closesBounds(cs []DailyClose) (string, string) {
	if len(cs) == 0 {
		return "", ""
	}
	return cs[0].Date.Format(time.DateOnly), cs[len(cs)-1].Date.Format(time.DateOnly)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
