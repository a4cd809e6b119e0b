package cgminer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// Port is the cgminer RPC port.
const Port = 4028

// Defaults of a Client.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultMaxReply = 1 << 20 // 1 MiB: far above any real reply; 64 KB cuts happen on the device
)

// Client sends cgminer RPC commands to one address, one connection per
// command. The zero value (with Addr set) uses the defaults.
type Client struct {
	Addr     string
	Timeout  time.Duration // for one whole exchange: dial, write, read
	MaxReply int           // bytes; the reply is cut there
	// Dialer, when set, replaces net.Dialer (tests, proxies).
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport, when set (and Dialer is not), carries exchanges with a
	// numeric address on its event loops instead of a net.Conn each.
	Transport *Transport
}

// StatusError is a reply whose STATUS is E (error) or F (fatal).
type StatusError struct {
	Status string // "E" or "F"
	Code   int64
	Msg    string
}

// Error prints the status, code and message.
func (e *StatusError) Error() string {
	return fmt.Sprintf("cgminer: status %s code %d: %s", e.Status, e.Code, e.Msg)
}

// plainDialer dials without TCP keep-alive: a connection lives for one
// command, and the keep-alive options cost four system calls per device.
var plainDialer = &net.Dialer{KeepAlive: -1}

// ErrNoReply is a connection the device closed without a byte.
var ErrNoReply = errors.New("cgminer: connection closed without a reply")

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) maxReply() int {
	if c.MaxReply > 0 {
		return c.MaxReply
	}
	return DefaultMaxReply
}

func (c *Client) fail(cmd string, err error) error {
	return &fleet.Error{Address: c.Addr, Command: cmd, Err: err}
}

// exchange writes req on a fresh connection and hands the reply (NUL and
// anything after it removed) to fn. The reply buffer is reused afterwards:
// fn must not keep it.
func (c *Client) exchange(ctx context.Context, req []byte, fn func([]byte) error) error {
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout() {
		// A caller's earlier deadline (a poller's per-device one) stands
		// as it is: no second timer.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout())
		defer cancel()
	}
	if c.Transport != nil && c.Dialer == nil {
		if ap, err := netip.ParseAddrPort(c.Addr); err == nil && ap.Addr().Zone() == "" {
			return c.exchangeOn(ctx, ap, req, fn)
		}
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(req); err != nil {
		return ctxErr(ctx, err)
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 256<<10 {
			bufPool.Put(bp)
		}
	}()
	buf, sawNUL, err := readReply(conn, (*bp)[:0], c.maxReply())
	*bp = buf[:0]
	if err != nil {
		return ctxErr(ctx, err)
	}
	if sawNUL {
		awaitClose(conn)
	}
	if len(buf) == 0 {
		return ErrNoReply
	}
	return fn(buf)
}

// readReply reads until the terminating NUL, the end of the stream or max
// bytes, whichever comes first. A reply cut at max is returned as it is:
// the parser repairs truncation.
func readReply(r io.Reader, buf []byte, max int) (_ []byte, sawNUL bool, _ error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := min(cap(buf), max) - len(buf)
		if room <= 0 {
			return buf, false, nil
		}
		n, err := r.Read(buf[len(buf) : len(buf)+room])
		if n > 0 {
			start := len(buf)
			buf = buf[:start+n]
			if i := bytes.IndexByte(buf[start:], 0); i >= 0 {
				return buf[:start+i], true, nil
			}
		}
		if err == io.EOF {
			return buf, false, nil
		}
		if err != nil {
			if len(buf) > 0 && isReset(err) {
				return buf, false, nil // a reset after a full reply is a normal close on some firmwares
			}
			return buf, false, err
		}
	}
}

// exchangeOn is exchange over c.Transport.
func (c *Client) exchangeOn(ctx context.Context, ap netip.AddrPort, req []byte, fn func([]byte) error) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.timeout()) // not reached: exchange set one
	}
	bp := bufPool.Get().(*[]byte)
	buf, _, err := c.Transport.roundTrip(ctx, ap, req, c.maxReply(), deadline, (*bp)[:0])
	defer func() {
		if cap(buf) <= 256<<10 {
			*bp = buf[:0]
			bufPool.Put(bp)
		}
	}()
	if err != nil {
		return ctxErr(ctx, err)
	}
	if len(buf) == 0 {
		return ErrNoReply
	}
	return fn(buf)
}

// dial connects to c.Addr. A numeric address (what a site's targets are)
// is dialed directly, without the resolver's work for a name.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	if c.Dialer != nil {
		return c.Dialer(ctx, "tcp", c.Addr)
	}
	ap, err := netip.ParseAddrPort(c.Addr)
	if err != nil {
		return plainDialer.DialContext(ctx, "tcp", c.Addr)
	}
	tc, err := plainDialer.DialTCP(ctx, "tcp", netip.AddrPort{}, ap)
	if err != nil {
		return nil, err
	}
	return tc, nil
}

// awaitClose ends a connection whose reply is complete with a reset
// instead of a FIN handshake: cgminer has already closed its side after
// the NUL, and a reset leaves no TIME_WAIT on either side, so a poller of
// 100,000 devices neither holds tens of thousands of ephemeral ports nor
// pays the kernel for their handshakes.
func awaitClose(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// ctxErr prefers the context's reason (deadline, cancel) to the I/O error it
// caused.
func ctxErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The connection's deadline is the context's: it fired first.
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// Exchange sends raw bytes and returns a copy of the raw reply, NUL
// removed. It is the transport under Command, for drivers of cgminer-like
// protocols (Whatsminer API v2).
func (c *Client) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	var out []byte
	err := c.exchange(ctx, req, func(b []byte) error {
		out = append([]byte(nil), b...)
		return nil
	})
	if err != nil {
		return nil, c.fail(requestName(req), err)
	}
	return out, nil
}

// Call sends req and returns the parsed reply without judging its STATUS.
func (c *Client) Call(ctx context.Context, req []byte) (minerjson.Value, error) {
	v, _, err := c.call(ctx, req, nil)
	return v, err
}

// call is Call with a fast path: fast (when not nil) reads the raw reply
// first, and the reply is parsed only when fast reports false (handled is
// then false).
func (c *Client) call(ctx context.Context, req []byte, fast func([]byte) bool) (v minerjson.Value, handled bool, err error) {
	err = c.exchange(ctx, req, func(b []byte) error {
		if fast != nil && fast(b) {
			handled = true
			return nil
		}
		var perr error
		v, _, perr = minerjson.Parse(b)
		if perr != nil {
			return fmt.Errorf("%w (reply starts %q)", perr, head(b))
		}
		return nil
	})
	if err != nil {
		return minerjson.Value{}, false, c.fail(requestName(req), err)
	}
	return v, handled, nil
}

// Command sends {"command":cmd,"parameter":param} and returns the reply
// when its STATUS is a success.
func (c *Client) Command(ctx context.Context, cmd, param string) (minerjson.Value, error) {
	v, err := c.Call(ctx, JSONRequest(cmd, param))
	if err != nil {
		return v, err
	}
	if err := CheckStatus(v); err != nil {
		return v, c.fail(cmd, err)
	}
	return v, nil
}

// Plain sends "cmd|param", the form Avalon's ascset expects, and returns
// the reply when its STATUS is a success.
func (c *Client) Plain(ctx context.Context, cmd, param string) (minerjson.Value, error) {
	req := cmd
	if param != "" {
		req += "|" + param
	}
	v, err := c.Call(ctx, []byte(req))
	if err != nil {
		return v, err
	}
	if err := CheckStatus(v); err != nil {
		return v, c.fail(req, err)
	}
	return v, nil
}

// Multi sends several commands in one request ("summary+stats") and returns
// each one's reply by name. A firmware that refuses joined commands is asked
// one command at a time. A reply cut short may lack the last commands: they
// are missing from the map, and only a reply with none of them is an error.
func (c *Client) Multi(ctx context.Context, cmds ...string) (map[string]minerjson.Value, error) {
	joined := strings.Join(cmds, "+")
	v, err := c.Call(ctx, JSONRequest(joined, ""))
	if err != nil {
		return nil, err
	}
	out := make(map[string]minerjson.Value, len(cmds))
	if len(cmds) == 1 {
		if err := CheckStatus(v); err != nil {
			return nil, c.fail(joined, err)
		}
		out[cmds[0]] = v
		return out, nil
	}
	if v.Get(cmds[0]).Kind() == minerjson.Invalid && v.Get("STATUS").Exists() {
		// No joined commands here: one at a time.
		for _, cmd := range cmds {
			r, err := c.Command(ctx, cmd, "")
			if err != nil {
				return nil, err
			}
			out[cmd] = r
		}
		return out, nil
	}
	// A reply cut short (64 KB limits on some firmwares) may lack the later
	// commands: return those present; the caller decides what it needs.
	for _, cmd := range cmds {
		r := v.Get(cmd)
		if r.Kind() == minerjson.Array {
			r = r.Index(0)
		}
		if !r.Exists() {
			continue
		}
		if err := CheckStatus(r); err != nil {
			return nil, c.fail(cmd, err)
		}
		out[cmd] = r
	}
	if len(out) == 0 {
		return nil, c.fail(joined, fmt.Errorf("cgminer: reply holds none of %q", cmds))
	}
	return out, nil
}

// JSONRequest encodes a cgminer JSON request.
func JSONRequest(cmd, param string) []byte {
	type request struct {
		Command   string `json:"command"`
		Parameter string `json:"parameter,omitempty"`
	}
	b, _ := json.Marshal(request{cmd, param}) // strings always encode
	return b
}

// CheckStatus returns nil for a reply whose STATUS says success (S, I, W,
// or RESTART) and a *StatusError for E and F. STATUS may be the usual array
// of objects or, as Whatsminer writes it, a string beside Code and Msg.
func CheckStatus(v minerjson.Value) error {
	st := v.Get("STATUS")
	holder := v
	if st.Kind() == minerjson.Array {
		holder = st.Index(0)
		st = holder.Get("STATUS")
	}
	s, ok := st.Str()
	if !ok {
		return errors.New("cgminer: reply has no STATUS")
	}
	switch strings.ToUpper(s) {
	case "S", "I", "W", "RESTART":
		return nil
	}
	code, _ := holder.Get("Code").Int()
	msg, _ := holder.GetFold("Msg").Str()
	return &StatusError{Status: s, Code: code, Msg: msg}
}

// requestName names a request in errors: the command, never a parameter
// (a Whatsminer request may hold a token).
func requestName(req []byte) string {
	if len(req) > 0 && req[0] == '{' {
		v, _, err := minerjson.Parse(req)
		if err == nil {
			for _, k := range []string{"command", "cmd"} {
				if s, ok := v.Get(k).Str(); ok {
					return s
				}
			}
		}
		return "request"
	}
	s := string(req)
	if i := strings.IndexAny(s, "|\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

func head(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
