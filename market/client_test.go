package market

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 3, 22, 12, 0, 0, 0, time.UTC)

// sleepLog records the waits a Client asked for, without waiting.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// testClient is a Client that never really sleeps, with a fixed clock and
// jitter 0 (so backoff waits are exactly d/2).
func testClient(t *testing.T) (*Client, *sleepLog) {
	t.Helper()
	c := NewClient()
	sl := &sleepLog{}
	c.Sleep = sl.sleep
	c.Now = func() time.Time { return testNow }
	c.Jitter = func() float64 { return 0 }
	c.HTTP = &http.Client{Timeout: 10 * time.Second}
	return c, sl
}

// script serves a sequence of handlers, one per request, repeating the last.
type script struct {
	mu    sync.Mutex
	steps []http.HandlerFunc
	calls int
	urls  []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := min(s.calls, len(s.steps)-1)
	s.calls++
	s.urls = append(s.urls, r.URL.RequestURI())
	s.mu.Unlock()
	s.steps[i](w, r)
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func status(code int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func ok(body string) http.HandlerFunc { return status(200, body) }

// truncated announces a longer body than it sends, then closes.
func truncated(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)+100))
		w.WriteHeader(200)
		fmt.Fprint(w, body)
	}
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name      string
		steps     []http.HandlerFunc
		wantBody  string
		wantErr   string
		wantCalls int
		wantWaits []time.Duration
	}{
		{name: "ok", steps: []http.HandlerFunc{ok("hi")}, wantBody: "hi", wantCalls: 1},
		{name: "429 with Retry-After seconds", steps: []http.HandlerFunc{status(429, "slow down", "Retry-After", "7"), ok("hi")},
			wantBody: "hi", wantCalls: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "429 with Retry-After date", steps: []http.HandlerFunc{status(429, "", "Retry-After", testNow.Add(90*time.Second).Format(http.TimeFormat)), ok("hi")},
			wantBody: "hi", wantCalls: 2, wantWaits: []time.Duration{90 * time.Second}},
		{name: "429 without Retry-After backs off", steps: []http.HandlerFunc{status(429, ""), status(429, ""), ok("hi")},
			wantBody: "hi", wantCalls: 3, wantWaits: []time.Duration{500 * time.Millisecond, time.Second}},
		{name: "429 Retry-After too long", steps: []http.HandlerFunc{status(429, "", "Retry-After", "3600")},
			wantErr: "server asks to retry after 1h0m0s, more than the 5m0s allowed", wantCalls: 1},
		{name: "500 then ok", steps: []http.HandlerFunc{status(500, "oops"), ok("hi")}, wantBody: "hi", wantCalls: 2,
			wantWaits: []time.Duration{500 * time.Millisecond}},
		{name: "503 with Retry-After", steps: []http.HandlerFunc{status(503, "", "Retry-After", "2"), ok("hi")}, wantBody: "hi", wantCalls: 2,
			wantWaits: []time.Duration{2 * time.Second}},
		{name: "always 502 gives up", steps: []http.HandlerFunc{status(502, "bad gateway")},
			wantErr: "gave up after 5 attempts: market: GET", wantCalls: 5,
			wantWaits: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "404 fails at once", steps: []http.HandlerFunc{status(404, "no such thing")}, wantErr: "HTTP 404 Not Found: no such thing", wantCalls: 1},
		{name: "truncated body retried", steps: []http.HandlerFunc{truncated("hal"), ok("hello")}, wantBody: "hello", wantCalls: 2,
			wantWaits: []time.Duration{500 * time.Millisecond}},
		{name: "body too large", steps: []http.HandlerFunc{ok(strings.Repeat("x", 2000))}, wantErr: "input too large", wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, sl := testClient(t)
			c.MaxBodyBytes = 1000
			body, err := c.get(context.Background(), srv.URL+"/x")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("get() error = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil || string(body) != tc.wantBody {
				t.Fatalf("get() = %q, %v; want %q", body, err, tc.wantBody)
			}
			if s.count() != tc.wantCalls {
				t.Errorf("server saw %d calls, want %d", s.count(), tc.wantCalls)
			}
			if got := sl.all(); fmt.Sprint(got) != fmt.Sprint(tc.wantWaits) && !(len(got) == 0 && len(tc.wantWaits) == 0) {
				t.Errorf("waits = %v, want %v", got, tc.wantWaits)
			}
		})
	}
}

func TestClientHTTPErrorType(t *testing.T) {
	srv := httptest.NewServer(status(401, `{"error":"key required"}`))
	defer srv.Close()
	c, _ := testClient(t)
	_, err := c.get(context.Background(), srv.URL+"/x")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 || !strings.Contains(he.Body, "key required") {
		t.Fatalf("get() error = %#v, want *HTTPError 401", err)
	}
}

func TestClientRespectsContextWhileWaiting(t *testing.T) {
	srv := httptest.NewServer(status(503, ""))
	defer srv.Close()
	c, _ := testClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d) // the real sleep: must return at once
	}
	_, err := c.get(ctx, srv.URL+"/x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("get() error = %v, want context.Canceled", err)
	}
}

func TestClientBackoffJitter(t *testing.T) {
	c := NewClient()
	c.BaseDelay, c.MaxDelay = time.Second, 8*time.Second
	for _, tc := range []struct {
		try    int
		jitter float64
		want   time.Duration
	}{
		{1, 0, 500 * time.Millisecond}, {1, 0.999999, 999999500 * time.Nanosecond},
		{2, 0.5, 1500 * time.Millisecond}, {4, 0, 4 * time.Second}, {10, 0, 4 * time.Second}, {10, 1, 8 * time.Second},
	} {
		c.Jitter = func() float64 { return tc.jitter }
		if got := c.backoff(tc.try); got != tc.want {
			t.Errorf("backoff(%d) with jitter %v = %v, want %v", tc.try, tc.jitter, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"12", 12 * time.Second}, {"-4", 0}, {"soon", 0},
		{testNow.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{testNow.Add(-30 * time.Second).Format(http.TimeFormat), 0},
		{"999999999", 24 * time.Hour},
	} {
		if got := retryAfter(tc.in, testNow); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestClientSourceHeader(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	c, _ := testClient(t)
	if err := c.SetSourceHeader(srv.URL+"/api", "Ocp-Apim-Subscription-Key", "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.get(context.Background(), srv.URL+"/api/x"); err != nil {
		t.Fatal(err)
	}
	if got.Get("Ocp-Apim-Subscription-Key") != "k1" || !strings.HasPrefix(got.Get("User-Agent"), "hashpivot") {
		t.Fatalf("headers = %v", got)
	}
}

func TestJoinURL(t *testing.T) {
	for _, tc := range []struct{ base, path, want, err string }{
		{"https://mempool.space", "/api/x", "https://mempool.space/api/x", ""},
		{"https://mempool.space/", "/api/x", "https://mempool.space/api/x", ""},
		{"http://127.0.0.1:8080/sub/", "/api/x", "http://127.0.0.1:8080/sub/api/x", ""},
		{"mempool.space", "/x", "", "want scheme://host"},
		{"ftp://h", "/x", "", "want http or https"},
	} {
		got, err := joinURL(tc.base, tc.path, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("joinURL(%q) error = %v, want %q", tc.base, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("joinURL(%q, %q) = %q, %v; want %q", tc.base, tc.path, got, err, tc.want)
		}
	}
}
