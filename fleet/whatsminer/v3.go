package whatsminer

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// CodeError is a v3 reply whose code is not 0.
type CodeError struct {
	Code int64
	Msg  string
}

// Error prints the code and message.
func (e *CodeError) Error() string { return fmt.Sprintf("whatsminer: code %d: %s", e.Code, e.Msg) }

// Codes of v3 replies this package knows (the simulator answers them).
const (
	CodeOK           = 0
	CodeUnknownCmd   = -1 // unknown command or bad parameter
	CodeBadToken     = -2 // token check failed: wrong password or stale salt
	CodeStaleTime    = -3 // ts too far from the device clock
	CodeNoPermission = -4 // the account may not write
)

// ErrFrameTooLarge is a v3 length prefix above the reply cap.
var ErrFrameTooLarge = errors.New("whatsminer: reply frame larger than the cap")

// V3 is a fleet.Miner for a WhatsMiner on API v3.
type V3 struct {
	addr string
	opts Options

	mu   sync.Mutex
	salt string
}

var _ fleet.Miner = (*V3)(nil)

// NewV3 returns a driver for the API v3 device at addr. The account is
// Credentials.User ("super" when empty).
func NewV3(addr string, o Options) *V3 { return &V3{addr: addr, opts: o} }

// Address returns the device address.
func (m *V3) Address() string { return m.addr }

// Firmware returns fleet.FirmwareWhatsminerV3.
func (m *V3) Firmware() string { return fleet.FirmwareWhatsminerV3 }

func (m *V3) fail(cmd string, err error) error {
	return &fleet.Error{Address: m.addr, Command: cmd, Err: err}
}

// WriteFrame writes one v3 frame: a 4-byte little-endian length, then b.
func WriteFrame(w io.Writer, b []byte) error {
	buf := make([]byte, 4+len(b))
	binary.LittleEndian.PutUint32(buf, uint32(len(b)))
	copy(buf[4:], b)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one v3 frame of at most max bytes.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if int64(n) > int64(max) {
		return nil, fmt.Errorf("%w (%d > %d bytes)", ErrFrameTooLarge, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// call sends one request on its own connection and returns the reply when
// its code is 0.
func (m *V3) call(ctx context.Context, cmd string, req map[string]any) (minerjson.Value, error) {
	timeout := m.opts.Timeout
	if timeout <= 0 {
		timeout = cgminer.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := m.opts.Dialer
	if dial == nil {
		d := net.Dialer{KeepAlive: -1} // one request per connection
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", m.addr)
	if err != nil {
		return minerjson.Value{}, m.fail(cmd, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
	defer stop()
	body, _ := json.Marshal(req) // maps of strings and numbers always encode
	if err := WriteFrame(conn, body); err != nil {
		return minerjson.Value{}, m.fail(cmd, deadlineErr(ctx, err))
	}
	max := m.opts.MaxReply
	if max <= 0 {
		max = cgminer.DefaultMaxReply
	}
	reply, err := ReadFrame(conn, max)
	if err != nil {
		return minerjson.Value{}, m.fail(cmd, deadlineErr(ctx, err))
	}
	// The device would wait for another frame: reset rather than close, so
	// that no TIME_WAIT holds this client's port.
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	v, _, err := minerjson.Parse(reply)
	if err != nil {
		return v, m.fail(cmd, err)
	}
	code, ok := v.Get("code").Int()
	if !ok {
		return v, m.fail(cmd, errors.New("whatsminer: v3 reply has no code"))
	}
	if code != CodeOK {
		msg, _ := v.Get("msg").Str()
		return v, m.fail(cmd, &CodeError{Code: code, Msg: msg})
	}
	return v, nil
}

func deadlineErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// Read sends a read command (param may be empty) and returns the reply
// when its code is 0.
func (m *V3) Read(ctx context.Context, cmd, param string) (minerjson.Value, error) {
	req := map[string]any{"cmd": cmd}
	if param != "" {
		req["param"] = param
	}
	return m.call(ctx, cmd, req)
}

// Status reads get.device.info and get.miner.status (summary, edevs,
// pools), each on its own connection, at once.
func (m *V3) Status(ctx context.Context) (fleet.Status, error) {
	st := fleet.Status{Address: m.addr, Firmware: m.Firmware()}
	var (
		info, sum, edevs, pools     minerjson.Value
		eInfo, eSum, eEdevs, ePools error
	)
	parallel(
		func() { info, eInfo = m.call(ctx, "get.device.info", map[string]any{"cmd": "get.device.info"}) },
		func() {
			sum, eSum = m.call(ctx, "get.miner.status", map[string]any{"cmd": "get.miner.status", "param": "summary"})
		},
		func() {
			edevs, eEdevs = m.call(ctx, "get.miner.status", map[string]any{"cmd": "get.miner.status", "param": "edevs"})
		},
		func() {
			pools, ePools = m.call(ctx, "get.miner.status", map[string]any{"cmd": "get.miner.status", "param": "pools"})
		},
	)
	for _, err := range []error{eInfo, eSum, eEdevs, ePools} {
		if err != nil {
			return st, err
		}
	}
	if err := parseV3(info, sum, edevs, pools, &st); err != nil {
		return st, m.fail("get.miner.status", err)
	}
	if salt, ok := info.Get("msg").Get("salt").Str(); ok {
		m.mu.Lock()
		m.salt = salt
		m.mu.Unlock()
	}
	return st, nil
}

// parseV3 reads the four v3 replies. Hashrates are TH/s, power W.
func parseV3(info, sum, edevs, pools minerjson.Value, st *fleet.Status) error {
	s := sum.Get("msg").Get("summary")
	av, ok := s.Get("hash-average").Float()
	if !ok {
		return errors.New("whatsminer: summary has no hash-average")
	}
	st.HashrateTH = av
	st.Hashrate5sTH, _ = s.Get("hash-realtime").Float()
	st.PowerW, _ = s.Get("power-realtime").Float()
	st.PowerLimitW, _ = s.Get("power-limit").Float()
	for _, k := range []string{"fan-speed-in", "fan-speed-out"} {
		if rpm, ok := s.Get(k).Int(); ok {
			st.FansRPM = append(st.FansRPM, int(rpm))
		}
	}
	boards := s.Get("board-temperature").Elems()
	for i, d := range edevs.Get("msg").Get("edevs").Elems() {
		hot, ok := d.MaxFloat("chip-temp-max")
		if i < len(boards) {
			if t, tok := boards[i].Float(); tok && (!ok || t > hot) {
				hot, ok = t, true
			}
		}
		if ok {
			st.TempsC = append(st.TempsC, hot)
		}
	}
	for _, p := range pools.Get("msg").Get("pools").Elems() {
		url, _ := p.Get("url").Str()
		user, _ := p.Get("account").Str()
		status, _ := p.Get("status").Str()
		acc, _ := p.Get("accepted").Int()
		rej, _ := p.Get("rejected").Int()
		st.Pools = append(st.Pools, fleet.Pool{URL: url, User: user, Status: status, Accepted: acc, Rejected: rej})
	}
	msg := info.Get("msg")
	if t, ok := msg.Get("miner").Get("type").Str(); ok {
		st.Model = ModelName(t)
	}
	st.Mode = fleet.ModeMining
	if w, ok := msg.Get("miner").Get("working").Bool(); ok && !w {
		st.Mode = fleet.ModeSleeping
		st.HashrateTH, st.Hashrate5sTH = 0, 0
	}
	st.Errors = append(st.Errors, minerjson.ErrorCodes(msg.Get("error-code"))...)
	return nil
}

// write sends a signed command; a refused token is retried once with a
// fresh salt, then reported as fleet.ErrAuth.
func (m *V3) write(ctx context.Context, cmd string, param any) error {
	account := m.opts.Credentials.User
	if account == "" {
		account = "super"
	}
	for attempt := range 2 {
		m.mu.Lock()
		salt := m.salt
		m.mu.Unlock()
		if salt == "" || attempt > 0 {
			v, err := m.call(ctx, "get.device.info", map[string]any{"cmd": "get.device.info", "param": "salt"})
			if err != nil {
				return err
			}
			s, ok := v.Get("msg").Get("salt").Str()
			if !ok {
				return m.fail(cmd, errors.New("whatsminer: get.device.info gave no salt"))
			}
			salt = s
			m.mu.Lock()
			m.salt = s
			m.mu.Unlock()
		}
		ts := m.opts.now().Unix()
		req := map[string]any{
			"cmd": cmd, "ts": ts, "account": account,
			"token": tokenV3(cmd, m.opts.Credentials.Password, salt, ts),
		}
		if param != nil {
			req["param"] = param
		}
		_, err := m.call(ctx, cmd, req)
		if err == nil {
			return nil
		}
		var ce *CodeError
		if errors.As(err, &ce) && (ce.Code == CodeBadToken || ce.Code == CodeNoPermission) {
			if attempt == 0 && ce.Code == CodeBadToken {
				continue
			}
			return m.fail(cmd, fmt.Errorf("%w: %v", fleet.ErrAuth, ce))
		}
		return err
	}
	return nil
}

// Sleep stops the mining service (set.miner.service stop).
func (m *V3) Sleep(ctx context.Context) error { return m.write(ctx, "set.miner.service", "stop") }

// Wake starts it (set.miner.service start).
func (m *V3) Wake(ctx context.Context) error { return m.write(ctx, "set.miner.service", "start") }

// SetPowerTarget sets the power limit in whole watts (set.miner.power_limit).
func (m *V3) SetPowerTarget(ctx context.Context, watts float64) error {
	if math.IsNaN(watts) || watts <= 0 || watts > 1e6 {
		return fmt.Errorf("whatsminer: power target must be in (0, 1e6] W (got %v)", watts)
	}
	return m.write(ctx, "set.miner.power_limit", int64(math.Round(watts)))
}

// Reboot reboots the controller (set.system.reboot).
func (m *V3) Reboot(ctx context.Context) error { return m.write(ctx, "set.system.reboot", nil) }

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)
