package antweb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// Port is the web UI's port on a miner.
const Port = 80

// Realm is the digest realm of stock Antminer firmware.
const Realm = "antMiner Configuration"

// FactoryCredentials are stock Antminer firmware's factory login.
var FactoryCredentials = fleet.Credentials{User: "root", Password: "root"}

// Defaults of a Config.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultMaxReply = 1 << 20 // 1 MiB; a configuration is about 1 KB
)

// Mode is the firmware's work mode, the "miner-mode" (or, on newer
// firmware, "bitmain-work-mode") of its configuration.
type Mode int

// Work modes of stock firmware (the values its web UI writes).
const (
	ModeNormal Mode = 0
	ModeSleep  Mode = 1
	ModeHigh   Mode = 2 // high performance, on the models that have it
	ModeLow    Mode = 3 // low power, on firmware from about 2022
)

// String names the mode.
func (m Mode) String() string {
	switch m {
	case ModeNormal:
		return "normal"
	case ModeSleep:
		return "sleep"
	case ModeHigh:
		return "high performance"
	case ModeLow:
		return "low power"
	}
	return "mode " + strconv.Itoa(int(m))
}

// Mode keys of the configuration, older first.
const (
	KeyMinerMode = "miner-mode"
	KeyWorkMode  = "bitmain-work-mode"
)

// ErrReplyTooLarge is a reply over Config.MaxReply.
var ErrReplyTooLarge = errors.New("antweb: reply too large")

// StatusError is an HTTP status other than 2xx.
type StatusError struct {
	Code int
}

// Error prints the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("antweb: HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// RefusedError is a set_miner_conf reply whose "stats" is not success.
type RefusedError struct {
	Stats, Code, Msg string
}

// Error prints what the device said.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("antweb: device refused the configuration: %s %s %q", e.Stats, e.Code, e.Msg)
}

// Config tunes a Client. The zero value uses the defaults and no login.
type Config struct {
	Credentials fleet.Credentials
	Timeout     time.Duration // one call (every request it makes); DefaultTimeout when zero
	MaxReply    int64         // bytes per reply; DefaultMaxReply when zero
	// Transport carries the requests; DefaultTransport when nil.
	Transport http.RoundTripper
}

// DefaultTransport is shared by Clients without their own: a device's
// requests reuse one connection, at most 1024 idle connections are kept
// across devices, no proxy sees a request.
var DefaultTransport http.RoundTripper = &http.Transport{
	Proxy:                  nil,
	DialContext:            (&net.Dialer{KeepAlive: -1}).DialContext,
	MaxIdleConns:           1024,
	MaxIdleConnsPerHost:    1,
	IdleConnTimeout:        10 * time.Second,
	ResponseHeaderTimeout:  DefaultTimeout,
	MaxResponseHeaderBytes: 64 << 10,
	DisableCompression:     true,
}

// Client talks to the web CGI API of one miner. It answers the miner's
// digest challenge and keeps its nonce for the next requests (counting
// them in nc). It is safe for concurrent use.
type Client struct {
	addr string
	cfg  Config
	http *http.Client

	mu sync.Mutex
	ch *challenge // the last challenge answered
	nc uint32
}

// New returns a client for the web API at addr (host:port; the port is
// usually Port).
func New(addr string, cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxReply <= 0 {
		cfg.MaxReply = DefaultMaxReply
	}
	tr := cfg.Transport
	if tr == nil {
		tr = DefaultTransport
	}
	return &Client{addr: addr, cfg: cfg, http: &http.Client{
		Transport: tr,
		// A redirect could take the request elsewhere: never follow one.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Address returns the web API's address.
func (c *Client) Address() string { return c.addr }

func (c *Client) fail(cmd string, err error) error {
	return &fleet.Error{Address: c.addr, Command: cmd, Err: err}
}

// authorization answers the cached challenge for one request, or returns
// "" before the first challenge.
func (c *Client) authorization(method, uri string) (string, error) {
	c.mu.Lock()
	ch := c.ch
	c.nc++
	nc := c.nc
	c.mu.Unlock()
	if ch == nil {
		return "", nil
	}
	return ch.authorization(method, uri, c.cfg.Credentials.User, c.cfg.Credentials.Password, nc)
}

func (c *Client) setChallenge(ch challenge) {
	c.mu.Lock()
	c.ch, c.nc = &ch, 0
	c.mu.Unlock()
}

// do sends one CGI request (GET without body, POST with body), answering a
// digest challenge once, and returns the reply's body.
func (c *Client) do(ctx context.Context, method, cgi string, body []byte) ([]byte, error) {
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.cfg.Timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	uri := "/cgi-bin/" + cgi + ".cgi"
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, "http://"+c.addr+uri, rd)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		auth, err := c.authorization(method, uri)
		if err != nil {
			return nil, err
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		data, rerr := readBody(resp.Body, c.cfg.MaxReply)
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			ch, err := parseChallenges(resp.Header.Values("WWW-Authenticate"))
			if err != nil {
				return nil, fmt.Errorf("%w: %w", fleet.ErrAuth, err)
			}
			c.setChallenge(ch)
			// Retry once after the first challenge or an expired nonce;
			// a refused answer to a fresh challenge is a wrong login.
			if attempt == 0 || ch.stale && attempt == 1 {
				continue
			}
			return nil, fmt.Errorf("%w: the device refused the login for realm %q", fleet.ErrAuth, ch.realm)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, &StatusError{Code: resp.StatusCode}
		}
		return data, rerr
	}
}

func readBody(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrReplyTooLarge, max)
	}
	return data, nil
}

// MinerConf is the configuration get_miner_conf.cgi returns.
type MinerConf struct {
	// ModeKey is the key of the work mode: KeyMinerMode or KeyWorkMode;
	// "" for firmware without work modes (then it cannot sleep).
	ModeKey string
	Mode    Mode // the current mode, when ModeKey is not ""
	raw     minerjson.Value
}

// ParseMinerConf reads a get_miner_conf.cgi reply. The mode may be a
// number or a string of digits ("bitmain-work-mode": "0").
func ParseMinerConf(b []byte) (MinerConf, error) {
	v, _, err := minerjson.Parse(b)
	if err != nil {
		return MinerConf{}, err
	}
	if v.Kind() != minerjson.Object {
		return MinerConf{}, fmt.Errorf("antweb: configuration is a JSON %s, want an object", v.Kind())
	}
	conf := MinerConf{raw: v}
	for _, k := range []string{KeyMinerMode, KeyWorkMode} {
		mv := v.Get(k)
		if !mv.Exists() {
			continue
		}
		n, ok := mv.Int()
		if !ok || n < 0 || n > 9 {
			return MinerConf{}, fmt.Errorf("antweb: configuration %s: want a mode number (got %s)", k, mv.Kind())
		}
		conf.ModeKey, conf.Mode = k, Mode(n)
		break
	}
	return conf, nil
}

// withMode is the configuration the web UI posts to change the mode: the
// fan, frequency and pools settings as read, and the new mode.
func (conf MinerConf) withMode(m Mode) ([]byte, error) {
	get := func(def any, keys ...string) any {
		for _, k := range keys {
			if v := conf.raw.Get(k); v.Exists() {
				if x := v.Interface(); finite(x) {
					return x
				}
			}
		}
		return def
	}
	pools := get([]any{}, "pools")
	if _, ok := pools.([]any); !ok {
		pools = []any{}
	}
	payload := map[string]any{
		"bitmain-fan-ctrl": get(false, "bitmain-fan-ctrl"),
		"bitmain-fan-pwm":  get("100", "bitmain-fan-pwm"),
		"freq-level":       get("100", "freq-level", "bitmain-freq-level"),
		"pools":            pools,
		conf.ModeKey:       int(m),
	}
	return json.Marshal(payload)
}

// finite reports whether x (from minerjson.Value.Interface) holds no NaN
// or infinity, which JSON cannot carry (a device may write "nan").
func finite(x any) bool {
	switch x := x.(type) {
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case []any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	}
	return true
}

// ParseSetResult reads a set_miner_conf.cgi reply: {"stats":"success",
// "code":"M000","msg":"OK!"}. Another "stats" is a *RefusedError; a reply
// without one (older firmware answers plain text) is taken as done.
func ParseSetResult(b []byte) error {
	v, _, err := minerjson.Parse(b)
	if err != nil || !v.Get("stats").Exists() {
		return nil
	}
	stats, _ := v.Get("stats").Str()
	if strings.EqualFold(stats, "success") {
		return nil
	}
	code, _ := v.Get("code").Str()
	msg, _ := v.Get("msg").Str()
	return &RefusedError{Stats: stats, Code: code, Msg: msg}
}

// MinerConf reads the configuration.
func (c *Client) MinerConf(ctx context.Context) (MinerConf, error) {
	b, err := c.do(ctx, http.MethodGet, "get_miner_conf", nil)
	if err != nil {
		return MinerConf{}, c.fail("get_miner_conf", err)
	}
	conf, err := ParseMinerConf(b)
	if err != nil {
		return MinerConf{}, c.fail("get_miner_conf", err)
	}
	return conf, nil
}

// SetMode puts the miner in mode m as the web UI does: it reads the
// configuration and posts it back with the new mode. Firmware without a
// work mode answers fleet.ErrUnsupported.
func (c *Client) SetMode(ctx context.Context, m Mode) error {
	conf, err := c.MinerConf(ctx)
	if err != nil {
		return err
	}
	if conf.ModeKey == "" {
		return c.fail("set_miner_conf", fmt.Errorf("%w (this firmware's configuration has no work mode)", fleet.ErrUnsupported))
	}
	body, err := conf.withMode(m)
	if err != nil {
		return c.fail("set_miner_conf", err)
	}
	b, err := c.do(ctx, http.MethodPost, "set_miner_conf", body)
	if err == nil {
		err = ParseSetResult(b)
	}
	if err != nil {
		return c.fail("set_miner_conf", err)
	}
	return nil
}

// Reboot reboots the miner's controller (reboot.cgi). A device that drops
// the connection instead of answering is rebooting: that is success too.
func (c *Client) Reboot(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, "reboot", nil)
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) && ctx.Err() == nil {
		err = nil
	}
	if err != nil {
		return c.fail("reboot", err)
	}
	return nil
}

// SystemInfo is what get_system_info.cgi says of the miner.
type SystemInfo struct {
	MinerType string // "Antminer S19 Pro"
	Hostname  string
	Firmware  string // system_filesystem_version
}

// ParseSystemInfo reads a get_system_info.cgi reply.
func ParseSystemInfo(b []byte) (SystemInfo, error) {
	v, _, err := minerjson.Parse(b)
	if err != nil {
		return SystemInfo{}, err
	}
	if v.Kind() != minerjson.Object {
		return SystemInfo{}, fmt.Errorf("antweb: system info is a JSON %s, want an object", v.Kind())
	}
	var si SystemInfo
	si.MinerType, _ = v.Get("minertype").Str()
	si.Hostname, _ = v.Get("hostname").Str()
	si.Firmware, _ = v.Get("system_filesystem_version").Str()
	return si, nil
}

// SystemInfo reads get_system_info.cgi.
func (c *Client) SystemInfo(ctx context.Context) (SystemInfo, error) {
	b, err := c.do(ctx, http.MethodGet, "get_system_info", nil)
	if err != nil {
		return SystemInfo{}, c.fail("get_system_info", err)
	}
	si, err := ParseSystemInfo(b)
	if err != nil {
		return SystemInfo{}, c.fail("get_system_info", err)
	}
	return si, nil
}

// IsStockChallenge reports whether the headers of a 401 reply challenge as
// stock Antminer firmware does (Digest, realm "antMiner Configuration"):
// how detection tells its web UI from another HTTP server.
func IsStockChallenge(h http.Header) bool {
	ch, err := parseChallenges(h.Values("WWW-Authenticate"))
	return err == nil && ch.realm == Realm
}
