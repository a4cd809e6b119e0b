package market

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// pricePoint is one sample of a price series.
type pricePoint struct {
	Time     time.Time
	PriceUSD float64
}

// parseCoinGeckoChart reads a CoinGecko market chart:
//
//	{"prices": [[1711843200000, 69702.3], ...], "market_caps": [...], "total_volumes": [...]}
//
// Times are Unix milliseconds. A null price is skipped (and counted); any
// other bad element is an error with its position.
func parseCoinGeckoChart(data []byte, name string) (points []pricePoint, nulls int, err error) {
	d := newJSONDoc(data, name)
	seen := false
	err = d.object("", func(key string) error {
		if key != "prices" {
			return d.skip()
		}
		seen = true
		return d.array("prices", func(i int) error {
			path := fmt.Sprintf("prices[%d]", i)
			l, c := d.pos()
			var pair []flexNumber
			if err := d.decode(path, &pair); err != nil {
				return err
			}
			at := func(err error) error { return &ParseError{File: name, Line: l, Col: c, Field: path, Err: err} }
			if len(pair) != 2 {
				return at(fmt.Errorf("want [time_ms, price], got %d values", len(pair)))
			}
			ms, err := pair[0].int()
			if err != nil {
				return at(fmt.Errorf("time: %v", err))
			}
			if _, err := unixTime(ms / 1000); err != nil {
				return at(fmt.Errorf("time: %v", err))
			}
			if !pair[1].set {
				nulls++
				return nil
			}
			p, err := pair[1].float()
			if err == nil && !(p > 0) {
				err = fmt.Errorf("must be > 0 (got %v)", p)
			}
			if err != nil {
				return at(fmt.Errorf("price: %v", err))
			}
			points = append(points, pricePoint{Time: time.UnixMilli(ms).UTC(), PriceUSD: p})
			return nil
		})
	})
	if err != nil {
		return nil, 0, err
	}
	if err := d.end(); err != nil {
		return nil, 0, err
	}
	if !seen {
		return nil, 0, &ParseError{File: name, Err: fmt.Errorf("%w: no \"prices\" key", ErrNoData)}
	}
	return points, nulls, nil
}

// dailyFromPoints picks, for each UTC day, the first sample in its first
// hour [00:00, 01:00): CoinGecko's daily samples sit at 00:00, its hourly
// and 5-minute ones just after. A day with no sample in that hour is left
// out (the last sample of a chart, "now", is not a daily price).
func dailyFromPoints(points []pricePoint) []DailyClose {
	ps := slices.Clone(points)
	slices.SortStableFunc(ps, func(a, b pricePoint) int { return a.Time.Compare(b.Time) })
	var out []DailyClose
	for _, p := range ps {
		day := p.Time.Truncate(24 * time.Hour)
		if p.Time.Sub(day) >= time.Hour {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Date.Equal(day) {
			continue
		}
		out = append(out, DailyClose{Date: day, CloseUSD: p.PriceUSD})
	}
	return out
}

// parseCoinGeckoSimplePrice reads /api/v3/simple/price?ids=bitcoin&vs_currencies=usd
// (&include_last_updated_at=true): {"bitcoin": {"usd": 67187.3, "last_updated_at": 1711843200}}.
func parseCoinGeckoSimplePrice(data []byte, name string) (float64, time.Time, error) {
	d := newJSONDoc(data, name)
	var price float64
	var at time.Time
	found := false
	err := d.object("", func(key string) error {
		if key != "bitcoin" {
			return d.skip()
		}
		var raw struct {
			USD           flexNumber `json:"usd"`
			LastUpdatedAt flexNumber `json:"last_updated_at"`
		}
		l, c := d.pos()
		if err := d.decode("bitcoin", &raw); err != nil {
			return err
		}
		v, err := raw.USD.float()
		if err == nil && !(v > 0) {
			err = fmt.Errorf("must be > 0 (got %v)", v)
		}
		if err != nil {
			return &ParseError{File: name, Line: l, Col: c, Field: "bitcoin.usd", Err: err}
		}
		if raw.LastUpdatedAt.set {
			if s, err := raw.LastUpdatedAt.int(); err == nil {
				at, _ = unixTime(s)
			}
		}
		price, found = v, true
		return nil
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	if err := d.end(); err != nil {
		return 0, time.Time{}, err
	}
	if !found {
		return 0, time.Time{}, &ParseError{File: name, Err: fmt.Errorf("%w: no \"bitcoin\" key", ErrNoData)}
	}
	return price, at, nil
}

// coinGeckoChunkDays is the longest span asked in one market-chart request.
const coinGeckoChunkDays = 365

// CoinGeckoDaily fetches daily BTC/USD prices for the days from..to
// (inclusive, UTC) from a CoinGecko-style API at base:
// /api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=..&to=..
// in chunks of at most a year, reporting progress by days.
func (c *Client) CoinGeckoDaily(ctx context.Context, base string, from, to time.Time, bar Progress) ([]DailyClose, error) {
	from, to = dayOf(from), dayOf(to)
	var out []DailyClose
	for start := from; !start.After(to); {
		end := start.AddDate(0, 0, coinGeckoChunkDays-1)
		if end.After(to) {
			end = to
		}
		q := url.Values{}
		q.Set("vs_currency", "usd")
		q.Set("from", strconv.FormatInt(start.Unix(), 10))
		q.Set("to", strconv.FormatInt(end.Add(time.Hour).Unix(), 10))
		u, err := joinURL(base, "/api/v3/coins/bitcoin/market_chart/range", q)
		if err != nil {
			return nil, err
		}
		body, err := c.get(ctx, u)
		if err != nil {
			return nil, err
		}
		points, _, err := parseCoinGeckoChart(body, u)
		if err != nil {
			return nil, err
		}
		for _, d := range dailyFromPoints(points) {
			if !d.Date.Before(start) && !d.Date.After(end) {
				out = append(out, d)
			}
		}
		if bar != nil {
			bar.Add(int64(end.Sub(start)/(24*time.Hour)) + 1)
		}
		start = end.AddDate(0, 0, 1)
	}
	return out, nil
}

// CoinGeckoPrice fetches the current BTC/USD price and its time (zero when
// the source does not say).
func (c *Client) CoinGeckoPrice(ctx context.Context, base string) (float64, time.Time, error) {
	q := url.Values{}
	q.Set("ids", "bitcoin")
	q.Set("vs_currencies", "usd")
	q.Set("include_last_updated_at", "true")
	u, err := joinURL(base, "/api/v3/simple/price", q)
	if err != nil {
		return 0, time.Time{}, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return 0, time.Time{}, err
	}
	return parseCoinGeckoSimplePrice(body, u)
}

// dayOf truncates t to 00:00 UTC of its UTC day.
func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
