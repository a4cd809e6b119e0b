package market

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// coinMetricsPage is one page of /v4/timeseries/asset-metrics.
type coinMetricsPage struct {
	Rows          []pricePoint
	NextPageToken string
	NextPageURL   string
}

// parseCoinMetricsPage reads one page of Coin Metrics' asset metrics:
//
//	{"data": [{"asset": "btc", "time": "2020-01-01T00:00:00.000000000Z", "PriceUSD": "7200.17"}],
//	 "next_page_token": "…", "next_page_url": "https://…&next_page_token=…"}
//
// Values come as strings. A row without PriceUSD (null) is skipped.
func parseCoinMetricsPage(data []byte, name string) (coinMetricsPage, error) {
	d := newJSONDoc(data, name)
	var p coinMetricsPage
	seen := false
	err := d.object("", func(key string) error {
		switch key {
		case "data":
			seen = true
			return d.array("data", func(i int) error {
				path := fmt.Sprintf("data[%d]", i)
				l, c := d.pos()
				var raw struct {
					Asset    string     `json:"asset"`
					Time     string     `json:"time"`
					PriceUSD flexNumber `json:"PriceUSD"`
				}
				if err := d.decode(path, &raw); err != nil {
					return err
				}
				at := func(f string, err error) error {
					return &ParseError{File: name, Line: l, Col: c, Field: path + "." + f, Err: err}
				}
				t, err := time.Parse(time.RFC3339Nano, raw.Time)
				if err != nil {
					return at("time", fmt.Errorf("want RFC 3339, got %q", raw.Time))
				}
				if _, err := unixTime(t.Unix()); err != nil {
					return at("time", err)
				}
				if !raw.PriceUSD.set {
					return nil
				}
				v, err := raw.PriceUSD.float()
				if err == nil && !(v > 0) {
					err = fmt.Errorf("must be > 0 (got %v)", v)
				}
				if err != nil {
					return at("PriceUSD", err)
				}
				p.Rows = append(p.Rows, pricePoint{Time: t.UTC(), PriceUSD: v})
				return nil
			})
		case "next_page_token", "next_page_url":
			var s string
			if err := d.decode(key, &s); err != nil {
				return err
			}
			if key == "next_page_token" {
				p.NextPageToken = s
			} else {
				p.NextPageURL = s
			}
			return nil
		case "error":
			var e struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			}
			if err := d.decode("error", &e); err != nil {
				return err
			}
			return d.errHere("error", fmt.Errorf("source error %s: %s", e.Type, e.Message))
		default:
			return d.skip()
		}
	})
	if err != nil {
		return coinMetricsPage{}, err
	}
	if err := d.end(); err != nil {
		return coinMetricsPage{}, err
	}
	if !seen {
		return coinMetricsPage{}, &ParseError{File: name, Err: fmt.Errorf("%w: no \"data\" key", ErrNoData)}
	}
	return p, nil
}

// coinMetricsMaxPages bounds a pagination loop (10,000 rows a page).
const coinMetricsMaxPages = 1000

// CoinMetricsDaily fetches daily BTC/USD prices for the days from..to
// (inclusive, UTC, stored under hashpivot's convention: Coin Metrics'
// PriceUSD of day D is the price at 00:00 UTC of D+1, kept under D+1) from
// the Coin Metrics API at base:
// /v4/timeseries/asset-metrics?assets=btc&metrics=PriceUSD&frequency=1d&...
// It follows next_page_token (and next_page_url when it points to the same
// host as base) until the last page, reporting progress by rows.
func (c *Client) CoinMetricsDaily(ctx context.Context, base string, from, to time.Time, bar Progress) ([]DailyClose, error) {
	from, to = dayOf(from), dayOf(to)
	q := url.Values{}
	q.Set("assets", "btc")
	q.Set("metrics", "PriceUSD")
	q.Set("frequency", "1d")
	q.Set("start_time", from.AddDate(0, 0, -1).Format(time.DateOnly))
	q.Set("end_time", to.AddDate(0, 0, -1).Format(time.DateOnly))
	q.Set("page_size", "10000")
	first, err := joinURL(base, "/v4/timeseries/asset-metrics", q)
	if err != nil {
		return nil, err
	}
	baseHost := hostOf(first)
	var out []DailyClose
	next := first
	for page := 0; next != ""; page++ {
		if page >= coinMetricsMaxPages {
			return nil, fmt.Errorf("market: %s: more than %d pages, giving up", first, coinMetricsMaxPages)
		}
		body, err := c.get(ctx, next)
		if err != nil {
			return nil, err
		}
		p, err := parseCoinMetricsPage(body, next)
		if err != nil {
			return nil, err
		}
		for _, r := range p.Rows {
			d := dayOf(r.Time).AddDate(0, 0, 1)
			if !d.Before(from) && !d.After(to) {
				out = append(out, DailyClose{Date: d, CloseUSD: r.PriceUSD})
			}
		}
		if bar != nil {
			bar.Add(int64(len(p.Rows)))
		}
		switch {
		case p.NextPageURL != "" && hostOf(p.NextPageURL) == baseHost && strings.HasPrefix(p.NextPageURL, "http"):
			next = p.NextPageURL
		case p.NextPageToken != "":
			qq := url.Values{}
			for k, v := range q {
				qq[k] = v
			}
			qq.Set("next_page_token", p.NextPageToken)
			if next, err = joinURL(base, "/v4/timeseries/asset-metrics", qq); err != nil {
				return nil, err
			}
		default:
			next = ""
		}
	}
	sortCloses(out)
	return dedupCloses(out), nil
}

// CoinMetricsLatestPrice fetches the latest daily PriceUSD and the instant
// it is the price of (00:00 UTC after its day).
func (c *Client) CoinMetricsLatestPrice(ctx context.Context, base string) (float64, time.Time, error) {
	q := url.Values{}
	q.Set("assets", "btc")
	q.Set("metrics", "PriceUSD")
	q.Set("frequency", "1d")
	q.Set("page_size", "1")
	q.Set("paging_from", "end")
	u, err := joinURL(base, "/v4/timeseries/asset-metrics", q)
	if err != nil {
		return 0, time.Time{}, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return 0, time.Time{}, err
	}
	p, err := parseCoinMetricsPage(body, u)
	if err != nil {
		return 0, time.Time{}, err
	}
	if len(p.Rows) == 0 {
		return 0, time.Time{}, fmt.Errorf("%w: %s returned no price", ErrNoData, u)
	}
	last := p.Rows[len(p.Rows)-1]
	return last.PriceUSD, dayOf(last.Time).AddDate(0, 0, 1), nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// dedupCloses keeps the last of equal dates in a sorted series.
func dedupCloses(cs []DailyClose) []DailyClose {
	var out []DailyClose
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].Date.Equal(c.Date) {
			out[n-1] = c
			continue
		}
		out = append(out, c)
	}
	return out
}
