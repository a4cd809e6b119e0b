package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ERCOTRequest is what SyncERCOTPrices fetches.
type ERCOTRequest struct {
	// Market is ERCOTRealTime (default) or ERCOTDayAhead.
	Market ERCOTMarket
	// SettlementPoint is a hub, load zone or node name such as HB_WEST.
	SettlementPoint string
	// From and To are the first and last delivery dates (ERCOT's local
	// calendar dates; only year, month and day are used). To is capped at
	// today (RT) or tomorrow (DAM).
	From, To time.Time
	// BaseURL is the public reports API ("" = DefaultERCOTURL).
	BaseURL string
	// PageSize is the rows asked per page (default 10000).
	PageSize int
}

var settlementPointRE = regexp.MustCompile(`^[A-Z0-9_]{1,64}$`)

// ERCOTCacheFile is the cache file name of a report and settlement point.
func ERCOTCacheFile(m ERCOTMarket, sp string) string {
	return "ercot-" + string(m) + "-" + sp + ".csv"
}

// ercotMaxPages bounds a pagination loop.
const ercotMaxPages = 10000

// SyncERCOTPrices brings the cache file dir/ERCOTCacheFile(market, point)
// up to date for the delivery dates From..To: it asks the public reports
// API only for the dates the file lacks or holds incompletely (fewer
// intervals than the day has), following the pages of each answer, then
// merges and writes the file (ERCOTCacheHeader) and its sidecar atomically.
func (c *Client) SyncERCOTPrices(ctx context.Context, dir string, req ERCOTRequest) (SyncResult, error) {
	mkt := req.Market
	if mkt == "" {
		mkt = ERCOTRealTime
	}
	endpoint, err := mkt.endpoint()
	if err != nil {
		return SyncResult{}, err
	}
	sp := strings.ToUpper(strings.TrimSpace(req.SettlementPoint))
	if !settlementPointRE.MatchString(sp) {
		return SyncResult{}, fmt.Errorf("%w: settlement point %q: want letters, digits and _ (such as HB_WEST)", ErrBadRequest, req.SettlementPoint)
	}
	if req.From.IsZero() {
		return SyncResult{}, fmt.Errorf("%w: ercot-prices: a first delivery date (from) is required", ErrBadRequest)
	}
	loc, err := ercotLocation()
	if err != nil {
		return SyncResult{}, err
	}
	base := orDefault(req.BaseURL, DefaultERCOTURL)
	size := req.PageSize
	if size <= 0 {
		size = 10000
	}
	civil := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	nowLocal := c.now().In(loc)
	last := civil(nowLocal)
	if mkt == ERCOTDayAhead {
		last = last.AddDate(0, 0, 1)
	}
	from := civil(req.From)
	to := last
	if !req.To.IsZero() && civil(req.To).Before(last) {
		to = civil(req.To)
	}
	if from.After(to) {
		return SyncResult{}, fmt.Errorf("%w: ercot-prices: from %s is after to %s (the last date available now)", ErrBadRequest, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}

	path := filepath.Join(dir, ERCOTCacheFile(mkt, sp))
	cached, err := loadCachedWith(path, func(r io.Reader, name string) ([]ERCOTPrice, error) { return ReadERCOTCache(r, name, sp) })
	if err != nil && !errors.Is(err, ErrNoCache) {
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	perDay := func(d time.Time) int {
		mid := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		hours := int(time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).Sub(mid) / time.Hour)
		return hours * int(time.Hour/mkt.interval())
	}
	count := map[time.Time]int{}
	for _, p := range cached {
		count[civil(p.Start.In(loc))]++
	}
	complete := func(d time.Time) bool { return count[d] >= perDay(d) }
	ranges := missingRanges(from, to, complete, 0)
	res := SyncResult{Path: path, Source: "ercot " + strings.ToUpper(reportID(mkt)), URL: base}
	if len(ranges) == 0 {
		res.UpToDate, res.Rows, res.FetchedAt = true, len(cached), c.now()
		res.First, res.Last = ercotBounds(cached)
		return res, nil
	}
	var total int64
	for _, r := range ranges {
		for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
			total += int64(perDay(d))
		}
	}
	bar := c.progress("ercot "+string(mkt)+" "+sp, total)
	defer bar.Finish()
	var fetched []ERCOTPrice
	for _, r := range ranges {
		for page := 1; ; page++ {
			if page > ercotMaxPages {
				return SyncResult{}, fmt.Errorf("market: ercot-prices: more than %d pages, giving up", ercotMaxPages)
			}
			q := url.Values{}
			q.Set("deliveryDateFrom", r.From.Format(time.DateOnly))
			q.Set("deliveryDateTo", r.To.Format(time.DateOnly))
			q.Set("settlementPoint", sp)
			q.Set("page", strconv.Itoa(page))
			q.Set("size", strconv.Itoa(size))
			u, err := joinURL(base, endpoint, q)
			if err != nil {
				return SyncResult{}, err
			}
			body, err := c.get(ctx, u)
			if err != nil {
				return SyncResult{}, err
			}
			p, err := parseERCOTPage(body, u, mkt)
			if err != nil {
				return SyncResult{}, err
			}
			for _, row := range p.Rows {
				d := civil(row.Start.In(loc))
				if strings.EqualFold(row.SettlementPoint, sp) && !d.Before(r.From) && !d.After(r.To) {
					fetched = append(fetched, row)
				}
			}
			bar.Add(int64(len(p.Rows)))
			if p.TotalPages <= page || len(p.Rows) == 0 {
				break
			}
		}
	}
	// A load zone comes back twice per interval (types LZ and LZEW, with
	// different prices): refuse rather than keep whichever came last.
	seen := make(map[time.Time]float64, len(fetched))
	for _, row := range fetched {
		if p, dup := seen[row.Start]; dup && p != row.PriceUSDPerMWh {
			return SyncResult{}, fmt.Errorf("market: ercot-prices: %s has two prices (%v and %v) for the interval starting %s — the API returned several settlement point types (LZ and LZEW for a load zone); use `data fetch ercot-archive --settlement-point-type` to choose one",
				sp, p, row.PriceUSDPerMWh, row.Start.Format(time.RFC3339))
		}
		seen[row.Start] = row.PriceUSDPerMWh
	}
	merged, added := mergeERCOT(cached, fetched)
	if len(merged) == 0 {
		return SyncResult{}, fmt.Errorf("%w: ercot-prices: %s returned no %s prices for %s from %s to %s", ErrNoData, base, mkt, sp, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	res.Rows, res.Added, res.FetchedAt = len(merged), added, c.now()
	res.First, res.Last = ercotBounds(merged)
	count = map[time.Time]int{}
	for _, p := range merged {
		count[civil(p.Start.In(loc))]++
	}
	var incomplete []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if !complete(d) {
			incomplete = append(incomplete, d.Format(time.DateOnly))
		}
	}
	if len(incomplete) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d delivery date(s) still incomplete (asked again next time): %s", len(incomplete), summarizeList(incomplete, 5)))
	}
	meta := Meta{Source: res.Source, URL: base + endpoint, FetchedAt: res.FetchedAt, Rows: res.Rows, First: res.First, Last: res.Last,
		Format: ERCOTCacheHeader, Note: fmt.Sprintf("settlement point %s, %s intervals, interval start times in US Central, USD/MWh", sp, mkt.interval())}
	if err := writeCacheFile(path, func(w io.Writer) error { return WriteERCOTCache(w, merged) }, meta); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}

func reportID(m ERCOTMarket) string {
	if m == ERCOTDayAhead {
		return "np4-190-cd"
	}
	return "np6-905-cd"
}

// mergeERCOT merges by interval start (fetched wins) and counts the rows
// that are new or changed.
func mergeERCOT(cached, fetched []ERCOTPrice) ([]ERCOTPrice, int) {
	m := make(map[int64]ERCOTPrice, len(cached)+len(fetched))
	for _, p := range cached {
		m[p.Start.Unix()] = p
	}
	added := 0
	for _, p := range fetched {
		old, ok := m[p.Start.Unix()]
		if !ok || old.PriceUSDPerMWh != p.PriceUSDPerMWh {
			added++
		}
		m[p.Start.Unix()] = p
	}
	out := make([]ERCOTPrice, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b ERCOTPrice) int { return a.Start.Compare(b.Start) })
	return out, added
}

func ercotBounds(ps []ERCOTPrice) (string, string) {
	if len(ps) == 0 {
		return "", ""
	}
	loc, _ := ercotLocation()
	return ps[0].Start.In(loc).Format(time.RFC3339), ps[len(ps)-1].Start.In(loc).Format(time.RFC3339)
}

func summarizeList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}
