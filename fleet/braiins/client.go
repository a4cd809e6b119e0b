package braiins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// Defaults of Config.
const (
	DefaultTimeout       = 5 * time.Second
	DefaultMaxReplyBytes = 1 << 20
	DefaultPort          = "80"
)

// ErrReplyTooLarge is wrapped when a reply passes Config.MaxReplyBytes.
var ErrReplyTooLarge = errors.New("braiins: reply too large")

// errNoREST marks a device without the REST gateway (login answered 404/405).
var errNoREST = errors.New("braiins: no REST API (login endpoint absent)")

// API selects which Braiins OS API the driver speaks.
type API string

// The APIs of Braiins OS.
const (
	APIAuto    API = ""        // REST, falling back to GraphQL when the REST login is absent
	APIREST    API = "rest"    // Public REST API, /api/v1 (BOS 24.09 and later)
	APIGraphQL API = "graphql" // legacy GraphQL, /graphql (BOS+ 21.09 to 24.x)
)

// Config tunes a Client. The zero value works: APIAuto, DefaultTimeout,
// DefaultMaxReplyBytes and an empty user and password.
type Config struct {
	// Credentials log the driver in. They are sent to the device only and
	// never logged (fleet.Credentials redacts itself).
	Credentials fleet.Credentials
	// API forces one API; APIAuto detects it on first use.
	API API
	// Timeout bounds each HTTP exchange (connect, request, whole reply).
	Timeout time.Duration
	// MaxReplyBytes bounds the body of each reply.
	MaxReplyBytes int64
	// Minimal makes Status read only miner/details, miner/stats and
	// performance/tuner-state (model, mode, hashrate, power, power limit):
	// 3 requests instead of 7, for fleet-wide polls. Temperatures, fans,
	// pools and errors stay empty.
	Minimal bool
	// Transport carries the requests; nil uses a package transport that
	// ignores proxy settings (a miner is on the site LAN and a proxy
	// would see its credentials) and keeps one idle connection per device.
	Transport http.RoundTripper
}

// StatusError is an HTTP status other than 2xx.
type StatusError struct {
	Code int
	Body string // start of the reply body, for the log
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("braiins: HTTP %d", e.Code)
	}
	return fmt.Sprintf("braiins: HTTP %d: %s", e.Code, e.Body)
}

// ParseError is a reply that is not the JSON the API documents.
type ParseError struct {
	Endpoint string // e.g. "miner/stats"
	Field    string // JSON path of the bad field, empty when the document itself is bad
	Err      error
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("braiins: %s: %v", e.Endpoint, e.Err)
	}
	return fmt.Sprintf("braiins: %s: %s: %v", e.Endpoint, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

var defaultTransport = &http.Transport{
	Proxy:                  nil,
	DialContext:            (&net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConnsPerHost:    1,
	IdleConnTimeout:        30 * time.Second,
	ResponseHeaderTimeout:  DefaultTimeout,
	MaxResponseHeaderBytes: 64 << 10,
	DisableCompression:     true,
}

// Client is a driver bound to one Braiins OS miner. It implements
// fleet.Miner and is safe for concurrent use; it keeps the login token (or
// GraphQL session) between calls and logs in again when the device forgets
// it.
type Client struct {
	addr string
	base string
	cfg  Config
	hc   *http.Client

	loginMu sync.Mutex // one login at a time
	mu      sync.Mutex // guards the fields below
	api     API
	token   string // REST token
	session string // GraphQL session_id cookie
}

var _ fleet.Miner = (*Client)(nil)

// New returns a driver for the miner at address ("host" or "host:port";
// port 80 when absent).
func New(address string, cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxReplyBytes <= 0 {
		cfg.MaxReplyBytes = DefaultMaxReplyBytes
	}
	host := address
	if _, _, err := net.SplitHostPort(address); err != nil {
		host = net.JoinHostPort(strings.Trim(address, "[]"), DefaultPort)
	}
	tr := cfg.Transport
	if tr == nil {
		tr = defaultTransport
	}
	return &Client{
		addr: address,
		base: "http://" + host,
		cfg:  cfg,
		api:  cfg.API,
		hc: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// A miner never redirects its API; following one could hand the
			// token to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Address is the device address the driver was made for.
func (c *Client) Address() string { return c.addr }

// Firmware is fleet.FirmwareBraiins.
func (c *Client) Firmware() string { return fleet.FirmwareBraiins }

func (c *Client) fail(command string, err error) error {
	if err == nil {
		return nil
	}
	var fe *fleet.Error
	if errors.As(err, &fe) {
		return err
	}
	return &fleet.Error{Address: c.addr, Command: command, Err: err}
}

// exchange sends one HTTP request and returns the status code, the reply
// body (at most MaxReplyBytes) and the response headers.
func (c *Client) exchange(ctx context.Context, method, path string, body any, hdr map[string]string) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := readBounded(resp.Body, c.cfg.MaxReplyBytes)
	if err != nil {
		return resp.StatusCode, nil, resp.Header, err
	}
	return resp.StatusCode, b, resp.Header, nil
}

// readBounded reads r to its end, failing with ErrReplyTooLarge past max bytes.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrReplyTooLarge, max)
	}
	return b, nil
}

// snippet is the start of a reply body, printable, for an error message.
func snippet(b []byte) string {
	const n = 120
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// resolveAPI returns the API to use, detecting it on first use.
func (c *Client) resolveAPI(ctx context.Context) (API, error) {
	c.mu.Lock()
	api := c.api
	c.mu.Unlock()
	if api != APIAuto {
		return api, nil
	}
	err := c.loginREST(ctx, "")
	switch {
	case err == nil:
		api = APIREST
	case errors.Is(err, errNoREST):
		api = APIGraphQL
	default:
		return APIAuto, err
	}
	c.mu.Lock()
	c.api = api
	c.mu.Unlock()
	return api, nil
}

// Status reads the miner's state.
func (c *Client) Status(ctx context.Context) (fleet.Status, error) {
	api, err := c.resolveAPI(ctx)
	if err != nil {
		return fleet.Status{}, c.fail("status", err)
	}
	var st fleet.Status
	if api == APIGraphQL {
		st, err = c.statusGraphQL(ctx)
	} else {
		st, err = c.statusREST(ctx)
	}
	if err != nil {
		return fleet.Status{}, c.fail("status", err)
	}
	st.Address = c.addr
	st.Firmware = fleet.FirmwareBraiins
	return st, nil
}

// Sleep pauses mining (REST PUT actions/pause; GraphQL bosminer.stop).
func (c *Client) Sleep(ctx context.Context) error {
	return c.control(ctx, "sleep", func(api API) error {
		if api == APIGraphQL {
			return c.mutate(ctx, gqlStop, nil, "bosminer.stop")
		}
		_, err := c.rest(ctx, http.MethodPut, "actions/pause", nil)
		return err
	})
}

// Wake resumes mining (REST PUT actions/resume; GraphQL bosminer.start).
func (c *Client) Wake(ctx context.Context) error {
	return c.control(ctx, "wake", func(api API) error {
		if api == APIGraphQL {
			return c.mutate(ctx, gqlStart, nil, "bosminer.start")
		}
		_, err := c.rest(ctx, http.MethodPut, "actions/resume", nil)
		return err
	})
}

// Reboot restarts the whole device (REST PUT actions/reboot; GraphQL
// bos.reboot).
func (c *Client) Reboot(ctx context.Context) error {
	return c.control(ctx, "reboot", func(api API) error {
		if api == APIGraphQL {
			return c.mutate(ctx, gqlReboot, nil, "bos.reboot")
		}
		_, err := c.rest(ctx, http.MethodPut, "actions/reboot", nil)
		return err
	})
}

// SetPowerTarget sets the autotuner's power target in whole watts (REST
// PUT performance/power-target {"watt": N}; GraphQL updateAutotuning).
func (c *Client) SetPowerTarget(ctx context.Context, watts float64) error {
	w, err := wholeWatts(watts)
	if err != nil {
		return c.fail("power-target", err)
	}
	return c.control(ctx, "power-target", func(api API) error {
		if api == APIGraphQL {
			return c.mutate(ctx, gqlPowerTarget, map[string]any{"limit": w}, "bosminer.config.updateAutotuning")
		}
		_, err := c.rest(ctx, http.MethodPut, "performance/power-target", map[string]int64{"watt": w})
		return err
	})
}

func (c *Client) control(ctx context.Context, command string, do func(API) error) error {
	api, err := c.resolveAPI(ctx)
	if err != nil {
		return c.fail(command, err)
	}
	return c.fail(command, do(api))
}

// wholeWatts checks a power target and rounds it to the API's whole watts.
func wholeWatts(watts float64) (int64, error) {
	if !(watts >= 1 && watts <= 1e6) { // also false for NaN
		return 0, fmt.Errorf("braiins: power target must be in [1, 1e6] W (got %v)", watts)
	}
	return int64(watts + 0.5), nil
}
