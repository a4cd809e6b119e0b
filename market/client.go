package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default base URLs of the public sources (each can be overridden).
const (
	DefaultMempoolURL     = "https://mempool.space"
	DefaultCoinGeckoURL   = "https://api.coingecko.com"
	DefaultCoinMetricsURL = "https://community-api.coinmetrics.io"
	DefaultERCOTURL       = "https://api.ercot.com/api/public-reports"
)

// Progress receives a long download's advance; *progress.Bar satisfies it.
type Progress interface {
	Add(n int64)
	Finish()
}

// HTTPError is a non-success HTTP status from a source.
type HTTPError struct {
	URL        string
	StatusCode int
	Body       string // the first bytes of the body, for the message
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("market: GET %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Client fetches from the public sources over HTTP: a per-request timeout,
// up to MaxAttempts tries with jittered exponential backoff on network
// errors, truncated bodies, 408/425/429/5xx, honouring Retry-After on 429
// and 503, and bodies bounded by MaxBodyBytes. Every wait respects the
// context. The zero value is not ready: use NewClient and change fields.
type Client struct {
	// HTTP does the requests; its Timeout bounds each one.
	HTTP *http.Client
	// MaxAttempts is the number of tries of one request (>= 1).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff: try n waits a random time
	// in [d/2, d) with d = min(MaxDelay, BaseDelay*2^(n-1)).
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a longer one fails
	// at once with the server's HTTPError.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds a response body.
	MaxBodyBytes int64
	// UserAgent is sent with every request.
	UserAgent string
	// Header holds extra headers sent to every source whose base URL has
	// the key's host (see SetSourceHeader); nil means none.
	Header map[string]http.Header
	// Sleep waits d or until ctx ends (tests inject one that returns at
	// once); Now is the clock; Jitter returns a number in [0, 1).
	Sleep  func(ctx context.Context, d time.Duration) error
	Now    func() time.Time
	Jitter func() float64
	// NewProgress starts a progress report for a download of total units;
	// nil means none.
	NewProgress func(label string, total int64) Progress
	// Log receives one line per retry; nil means none.
	Log *slog.Logger
}

// NewClient returns a Client with production defaults: 60 s per request,
// 5 tries, backoff from 1 s to 30 s, Retry-After up to 5 minutes, bodies up
// to 64 MiB.
func NewClient() *Client {
	return &Client{
		HTTP:          &http.Client{Timeout: 60 * time.Second},
		MaxAttempts:   5,
		BaseDelay:     time.Second,
		MaxDelay:      30 * time.Second,
		MaxRetryAfter: 5 * time.Minute,
		MaxBodyBytes:  64 << 20,
		UserAgent:     "hashpivot (+https://github.com/hashpivot/hashpivot)",
		Sleep:         sleepCtx,
		Now:           time.Now,
		Jitter:        rand.Float64,
	}
}

// SetSourceHeader adds a header sent to every request whose host is the
// host of baseURL (for example ERCOT's Ocp-Apim-Subscription-Key).
func (c *Client) SetSourceHeader(baseURL, key, value string) error {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("market: base URL %q: want scheme://host[/path]", baseURL)
	}
	if c.Header == nil {
		c.Header = map[string]http.Header{}
	}
	h := c.Header[u.Host]
	if h == nil {
		h = http.Header{}
		c.Header[u.Host] = h
	}
	h.Set(key, value)
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) progress(label string, total int64) Progress {
	if c.NewProgress == nil {
		return nopProgress{}
	}
	if p := c.NewProgress(label, total); p != nil {
		return p
	}
	return nopProgress{}
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}
func (nopProgress) Finish()   {}

// retryable marks an error worth another try.
type retryable struct {
	err   error
	after time.Duration // server-requested wait, 0 if none
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// get fetches rawURL and returns its body, retrying as the Client says.
func (c *Client) get(ctx context.Context, rawURL string) ([]byte, error) {
	attempts := max(c.MaxAttempts, 1)
	var last error
	for try := 1; try <= attempts; try++ {
		body, err := c.getOnce(ctx, rawURL)
		if err == nil {
			return body, nil
		}
		var re *retryable
		if !errors.As(err, &re) {
			return nil, err
		}
		last = re.err
		if ctx.Err() != nil {
			return nil, fmt.Errorf("market: GET %s: %w", rawURL, ctx.Err())
		}
		if try == attempts {
			break
		}
		wait := c.backoff(try)
		if re.after > 0 {
			maxRA := c.MaxRetryAfter
			if maxRA <= 0 {
				maxRA = 5 * time.Minute
			}
			if re.after > maxRA {
				return nil, fmt.Errorf("market: GET %s: server asks to retry after %v, more than the %v allowed: %w", rawURL, re.after, maxRA, re.err)
			}
			wait = re.after
		}
		if c.Log != nil {
			c.Log.Warn("retrying", "url", rawURL, "attempt", try, "wait_seconds", wait.Seconds(), "error", re.err.Error())
		}
		sleep := c.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("market: GET %s: %w (last error: %v)", rawURL, err, re.err)
		}
	}
	return nil, fmt.Errorf("market: GET %s: gave up after %d attempts: %w", rawURL, attempts, last)
}

// backoff is the wait before try+1: random in [d/2, d).
func (c *Client) backoff(try int) time.Duration {
	base, maxd := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = time.Second
	}
	if maxd < base {
		maxd = base
	}
	d := base
	for i := 1; i < try && d < maxd; i++ {
		d *= 2
	}
	d = min(d, maxd)
	j := 0.5
	if c.Jitter != nil {
		j = c.Jitter()
	}
	j = min(max(j, 0), 1)
	return d/2 + time.Duration(float64(d/2)*j)
}

func (c *Client) getOnce(ctx context.Context, rawURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("market: GET %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json, text/plain, text/csv")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	for k, vs := range c.Header[req.URL.Host] {
		req.Header[k] = append([]string(nil), vs...)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("market: GET %s: %w", rawURL, ctx.Err())
		}
		return nil, &retryable{err: err}
	}
	defer resp.Body.Close()
	limit := c.MaxBodyBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		herr := &HTTPError{URL: rawURL, StatusCode: resp.StatusCode, Body: oneLine(string(snippet))}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return nil, &retryable{err: herr, after: retryAfter(resp.Header.Get("Retry-After"), c.now())}
		case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusGatewayTimeout:
			return nil, &retryable{err: herr}
		}
		return nil, herr
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("market: GET %s: %w: body of %d bytes exceeds the %d-byte limit", rawURL, ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		// Cut connection, short body against Content-Length: try again.
		return nil, &retryable{err: fmt.Errorf("market: GET %s: reading body: %w", rawURL, err)}
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("market: GET %s: %w: body exceeds the %d-byte limit", rawURL, ErrTooLarge, limit)
	}
	return body, nil
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); 0 when
// absent or unparsable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// joinURL joins a base URL, a path and a query.
func joinURL(base, path string, q url.Values) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("market: base URL %q: want scheme://host[/path]", base)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("market: base URL %q: want http or https", base)
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
