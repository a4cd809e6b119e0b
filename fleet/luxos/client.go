package luxos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// Defaults of Config.
const (
	DefaultPort          = "4028"
	DefaultTimeout       = 5 * time.Second
	DefaultMaxReplyBytes = 512 << 10
)

// The multi-commands Status sends. The profiles, which give the power
// limit, rarely change: the driver reads them once and again only when the
// miner runs a profile it has not seen.
const (
	statusCommands        = "summary+power+config+temps+fans+pools+events"
	minimalStatusCommands = "summary+power+config"
)

// Errors of the driver.
var (
	ErrReplyTooLarge = errors.New("luxos: reply too large")
	ErrNoSession     = errors.New("luxos: no session")
	ErrTargetTooLow  = errors.New("luxos: every profile draws more than the power target")
)

// Config tunes a Client; the zero value uses the defaults.
type Config struct {
	// Timeout bounds each exchange: connect, request and whole reply.
	Timeout time.Duration
	// MaxReplyBytes bounds one reply.
	MaxReplyBytes int
	// Minimal makes Status send only summary+power+config (model, mode,
	// hashrate, power, power limit), for fleet-wide polls. Temperatures,
	// fans, pools and events stay empty.
	Minimal bool
	// Dial opens the TCP connection; nil uses net.Dialer.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// CommandError is a reply whose STATUS is E (error) or F (fatal).
type CommandError struct {
	Command string
	Code    int
	Msg     string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("luxos: %s: STATUS E code %d: %s", e.Command, e.Code, e.Msg)
}

// ParseError is a reply that lacks what the API documents.
type ParseError struct {
	Command string
	Field   string
	Err     error
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("luxos: %s: %v", e.Command, e.Err)
	}
	return fmt.Sprintf("luxos: %s: %s: %v", e.Command, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Client is a driver bound to one LuxOS miner. It implements fleet.Miner
// and is safe for concurrent use; commands that need a session run one at
// a time.
type Client struct {
	addr    string
	dialTo  string
	cfg     Config
	writeMu sync.Mutex // one session-holding command at a time

	mu       sync.Mutex
	profiles []Profile // last profiles read, for the power limit
}

var _ fleet.Miner = (*Client)(nil)

// New returns a driver for the miner at address ("host" or "host:port";
// port 4028 when absent).
func New(address string, cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxReplyBytes <= 0 {
		cfg.MaxReplyBytes = DefaultMaxReplyBytes
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	to := address
	if _, _, err := net.SplitHostPort(address); err != nil {
		to = net.JoinHostPort(strings.Trim(address, "[]"), DefaultPort)
	}
	return &Client{addr: address, dialTo: to, cfg: cfg}
}

// Address is the device address the driver was made for.
func (c *Client) Address() string { return c.addr }

// Firmware is fleet.FirmwareLuxOS.
func (c *Client) Firmware() string { return fleet.FirmwareLuxOS }

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

// exchange sends one request and returns the raw reply, read to the NUL
// that ends it or to the end of the connection.
func (c *Client) exchange(ctx context.Context, command, parameter string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := c.cfg.Dial(ctx, "tcp", c.dialTo)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	dl, _ := ctx.Deadline()
	if err := conn.SetDeadline(dl); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := map[string]string{"command": command}
	if parameter != "" {
		req["parameter"] = parameter
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(b); err != nil {
		return nil, ctxErr(ctx, err)
	}
	reply, err := readReply(conn, c.cfg.MaxReplyBytes)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	return reply, nil
}

// ctxErr prefers the context's reason to the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // the connection's deadline is the context's
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// readReply reads until the first NUL byte or EOF, at most max bytes.
func readReply(r io.Reader, max int) ([]byte, error) {
	var buf []byte
	chunk := make([]byte, 8<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			end := bytes.IndexByte(chunk[:n], 0)
			if end < 0 {
				end = n
			}
			buf = append(buf, chunk[:end]...)
			if len(buf) > max {
				return nil, fmt.Errorf("%w (over %d bytes)", ErrReplyTooLarge, max)
			}
			if end < n {
				return buf, nil
			}
		}
		if errors.Is(err, io.EOF) {
			if len(buf) == 0 {
				return nil, errors.New("luxos: empty reply")
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// command sends one command and returns its reply, failing on a STATUS of
// E or F.
func (c *Client) command(ctx context.Context, command, parameter string) (minerjson.Value, error) {
	raw, err := c.exchange(ctx, command, parameter)
	if err != nil {
		return minerjson.Value{}, err
	}
	v, _, err := minerjson.Parse(raw)
	if err != nil {
		return minerjson.Value{}, &ParseError{Command: command, Err: err}
	}
	if err := checkStatus(command, v); err != nil {
		return minerjson.Value{}, err
	}
	return v, nil
}

// checkStatus fails on a reply whose STATUS[0].STATUS is E or F.
func checkStatus(command string, v minerjson.Value) error {
	s := v.Get("STATUS").Index(0)
	if !s.Exists() {
		return nil // a multi-command reply: each member has its own STATUS
	}
	code, _ := s.Get("Code").Int()
	msg, _ := s.Get("Msg").Str()
	switch st, _ := s.Get("STATUS").Str(); st {
	case "E", "F":
		return &CommandError{Command: command, Code: int(code), Msg: msg}
	}
	return nil
}

// Status reads the miner's state with one multi-command request (and a
// profiles request when the miner runs a profile the driver has not seen).
func (c *Client) Status(ctx context.Context) (fleet.Status, error) {
	cmds := statusCommands
	if c.cfg.Minimal {
		cmds = minimalStatusCommands
	}
	raw, err := c.exchange(ctx, cmds, "")
	if err != nil {
		return fleet.Status{}, c.fail("status", err)
	}
	st, profile, err := parseStatus(raw)
	if err != nil {
		return fleet.Status{}, c.fail("status", err)
	}
	if profile != "" && st.PowerLimitW == 0 {
		w, ok := c.profileWatts(profile)
		if !ok {
			if _, err := c.Profiles(ctx); err != nil {
				return fleet.Status{}, err
			}
			w, _ = c.profileWatts(profile)
		}
		st.PowerLimitW = w
	}
	st.Address = c.addr
	return st, nil
}

// profileWatts looks a profile up in the last profiles read.
func (c *Client) profileWatts(name string) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.profiles {
		if p.Name == name {
			return p.Watts, true
		}
	}
	return 0, false
}

// session returns a session ID and whether this call created it (and so
// must log it off).
func (c *Client) session(ctx context.Context) (string, bool, error) {
	v, err := c.command(ctx, "logon", "")
	if err == nil {
		sid, _ := v.Get("SESSION").Index(0).Get("SessionID").Str()
		if sid == "" {
			return "", false, &ParseError{Command: "logon", Field: "SESSION[0].SessionID", Err: errors.New("missing")}
		}
		return sid, true, nil
	}
	var ce *CommandError
	if !errors.As(err, &ce) {
		return "", false, err
	}
	// Another actor holds the session: borrow it.
	v, err2 := c.command(ctx, "session", "")
	if err2 != nil {
		return "", false, fmt.Errorf("%w: %w: logon refused (%v) and session failed: %w", fleet.ErrAuth, ErrNoSession, ce.Msg, err2)
	}
	sid, _ := v.Get("SESSION").Index(0).Get("SessionID").Str()
	if sid == "" {
		return "", false, fmt.Errorf("%w: %w: logon refused: %s", fleet.ErrAuth, ErrNoSession, ce.Msg)
	}
	return sid, false, nil
}

// withSession runs a command that needs a session: logon, the command,
// logoff (when the session is ours).
func (c *Client) withSession(ctx context.Context, name, command, args string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	sid, own, err := c.session(ctx)
	if err != nil {
		return c.fail(name, err)
	}
	param := sid
	if args != "" {
		param += "," + args
	}
	_, err = c.command(ctx, command, param)
	if own && ctx.Err() == nil {
		_, _ = c.command(ctx, "logoff", sid) // best effort: the session expires by itself in a minute
	}
	return c.fail(name, err)
}

// Sleep curtails the miner: hashboards and power supply off.
func (c *Client) Sleep(ctx context.Context) error {
	return c.withSession(ctx, "sleep", "curtail", "sleep")
}

// Wake ends a curtailment: power on, boards ramped to the current profile.
func (c *Client) Wake(ctx context.Context) error {
	return c.withSession(ctx, "wake", "curtail", "wakeup")
}

// Reboot restarts the whole device.
func (c *Client) Reboot(ctx context.Context) error {
	return c.withSession(ctx, "reboot", "rebootdevice", "")
}

// Profile is one LuxOS profile as the profiles command lists it.
type Profile struct {
	Name       string
	Watts      float64 // estimated power
	HashrateTH float64 // estimated hashrate
}

// Profiles lists the miner's profiles.
func (c *Client) Profiles(ctx context.Context) ([]Profile, error) {
	v, err := c.command(ctx, "profiles", "")
	if err != nil {
		return nil, c.fail("profiles", err)
	}
	ps, err := parseProfiles(v)
	if err != nil {
		return nil, c.fail("profiles", err)
	}
	c.mu.Lock()
	c.profiles = ps
	c.mu.Unlock()
	return ps, nil
}

// SetProfile switches the miner to the named profile.
func (c *Client) SetProfile(ctx context.Context, name string) error {
	if name == "" || strings.ContainsAny(name, ",\x00\n") {
		return c.fail("profileset", fmt.Errorf("luxos: invalid profile name %q", name))
	}
	return c.withSession(ctx, "profileset", "profileset", name)
}

// SetPowerTarget switches to the most powerful profile whose estimated
// power is at most watts (see ChooseProfile).
func (c *Client) SetPowerTarget(ctx context.Context, watts float64) error {
	ps, err := c.Profiles(ctx)
	if err != nil {
		return err
	}
	p, err := ChooseProfile(ps, watts)
	if err != nil {
		return c.fail("power-target", err)
	}
	return c.SetProfile(ctx, p.Name)
}

// ChooseProfile returns the profile with the highest estimated power not
// above watts (the fastest one within the target); ties go to the first
// listed. It fails with ErrTargetTooLow when every profile draws more.
func ChooseProfile(ps []Profile, watts float64) (Profile, error) {
	if math.IsNaN(watts) || watts <= 0 {
		return Profile{}, fmt.Errorf("luxos: power target must be > 0 W (got %v)", watts)
	}
	best, found := Profile{}, false
	lowest := math.Inf(1)
	for _, p := range ps {
		lowest = math.Min(lowest, p.Watts)
		if p.Watts <= watts && (!found || p.Watts > best.Watts) {
			best, found = p, true
		}
	}
	if !found {
		if len(ps) == 0 {
			return Profile{}, errors.New("luxos: the miner lists no profiles")
		}
		return Profile{}, fmt.Errorf("%w: target %v W, lowest profile %v W", ErrTargetTooLow, watts, lowest)
	}
	return best, nil
}
