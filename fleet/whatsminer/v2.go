package whatsminer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// PortV2 and PortV3 are the API ports.
const (
	PortV2 = 4028
	PortV3 = 4433
)

// tokenLife is how long a v2 token is reused: the vendor document gives
// tokens 30 minutes; five are kept in hand.
const tokenLife = 25 * time.Minute

// Options tune a driver. The zero value uses the defaults (cgminer's
// timeout and reply cap, time.Now, net.Dialer) and an empty password.
type Options struct {
	Timeout     time.Duration
	MaxReply    int
	Credentials fleet.Credentials // v2: the admin password; v3: account and password
	Now         func() time.Time
	Dialer      func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// V2 is a fleet.Miner for a WhatsMiner on API v2.
type V2 struct {
	c    cgminer.Client
	opts Options

	mu      sync.Mutex
	keys    *v2Keys
	keysAt  time.Time
	model   string
	modelOK bool
}

var _ fleet.Miner = (*V2)(nil)

// NewV2 returns a driver for the API v2 device at addr.
func NewV2(addr string, o Options) *V2 {
	return &V2{c: cgminer.Client{Addr: addr, Timeout: o.Timeout, MaxReply: o.MaxReply, Dialer: o.Dialer}, opts: o}
}

// Address returns the device address.
func (m *V2) Address() string { return m.c.Addr }

// Firmware returns fleet.FirmwareWhatsminer.
func (m *V2) Firmware() string { return fleet.FirmwareWhatsminer }

func (m *V2) fail(cmd string, err error) error {
	var fe *fleet.Error
	if errors.As(err, &fe) {
		return err
	}
	return &fleet.Error{Address: m.c.Addr, Command: cmd, Err: err}
}

func v2Request(cmd string, params map[string]string) []byte {
	req := map[string]string{"cmd": cmd}
	for k, v := range params {
		req[k] = v
	}
	b, _ := json.Marshal(req) // strings always encode
	return b
}

// read sends a read command and checks its STATUS.
func (m *V2) read(ctx context.Context, cmd string) (minerjson.Value, error) {
	v, err := m.c.Call(ctx, v2Request(cmd, nil))
	if err != nil {
		return v, err
	}
	if err := cgminer.CheckStatus(v); err != nil {
		return v, m.fail(cmd, err)
	}
	return v, nil
}

// Read sends a read command (no login) and returns the reply when its
// STATUS is a success.
func (m *V2) Read(ctx context.Context, cmd string) (minerjson.Value, error) { return m.read(ctx, cmd) }

// Model asks devdetails for the model ("WhatsMiner M50S").
func (m *V2) Model(ctx context.Context) (string, error) {
	v, err := m.read(ctx, "devdetails")
	if err != nil {
		return "", err
	}
	return parseV2Model(v), nil
}

// parallel runs fns at once and waits for all; it is how a driver asks a
// device several one-connection questions without paying their latencies
// in sequence.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	wg.Wait()
}

// Status reads summary, devs, pools, status and get_error_code (and
// devdetails once, for the model), each on its own connection, at once.
func (m *V2) Status(ctx context.Context) (fleet.Status, error) {
	st := fleet.Status{Address: m.c.Addr, Firmware: m.Firmware()}
	var (
		sum, devs, pools, status, codes, details minerjson.Value
		eSum, eDevs, ePools, eStatus, eCodes     error
		eDetails                                 error
	)
	m.mu.Lock()
	needModel := !m.modelOK
	m.mu.Unlock()
	fns := []func(){
		func() { sum, eSum = m.read(ctx, "summary") },
		func() { devs, eDevs = m.read(ctx, "devs") },
		func() { pools, ePools = m.read(ctx, "pools") },
		func() { status, eStatus = m.read(ctx, "status") },
		func() { codes, eCodes = m.read(ctx, "get_error_code") },
	}
	if needModel {
		fns = append(fns, func() { details, eDetails = m.read(ctx, "devdetails") })
	}
	parallel(fns...)
	for _, err := range []error{eSum, eDevs, ePools, eStatus} {
		if err != nil {
			return st, err
		}
	}
	if err := parseV2Summary(sum, &st); err != nil {
		return st, m.fail("summary", err)
	}
	parseV2Devs(devs, &st)
	st.Pools = parseV2Pools(pools)
	if off, ok := parseV2Off(status); ok && off {
		st.Mode = fleet.ModeSleeping
		st.HashrateTH, st.Hashrate5sTH = 0, 0
	}
	if eCodes == nil {
		st.Errors = append(st.Errors, minerjson.ErrorCodes(codes.GetFold("Msg").Get("error_code"))...)
	} else if !isStatusError(eCodes) {
		return st, eCodes
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if needModel {
		if eDetails == nil {
			m.model, m.modelOK = parseV2Model(details), true
		} else if isStatusError(eDetails) {
			m.modelOK = true // an older firmware without devdetails
		} else {
			return st, eDetails
		}
	}
	st.Model = m.model
	return st, nil
}

func isStatusError(err error) bool {
	var se *cgminer.StatusError
	return errors.As(err, &se)
}

// parseV2Summary reads the summary reply: hashrate in MH/s ("MHS av", and
// "MHS 5s" or "HS RT" for the recent rate), power and its limit in W, the
// two fan speeds, the power mode and v1-style "Error Code N" members.
func parseV2Summary(v minerjson.Value, st *fleet.Status) error {
	s := v.Get("SUMMARY").Index(0)
	if !s.Exists() {
		return errors.New("whatsminer: summary reply has no SUMMARY")
	}
	av, ok := s.Get("MHS av").Float()
	if !ok {
		return errors.New("whatsminer: summary has no MHS av")
	}
	st.HashrateTH = av / 1e6
	if f, ok := s.Get("MHS 5s").Float(); ok {
		st.Hashrate5sTH = f / 1e6
	} else if f, ok := s.Get("HS RT").Float(); ok {
		st.Hashrate5sTH = f / 1e6
	}
	st.PowerW, _ = s.Get("Power").Float()
	if f, ok := s.Get("Power_RT").Float(); ok && st.PowerW == 0 {
		st.PowerW = f
	}
	st.PowerLimitW, _ = s.Get("Power Limit").Float()
	for _, k := range []string{"Fan Speed In", "Fan Speed Out"} {
		if rpm, ok := s.Get(k).Int(); ok {
			st.FansRPM = append(st.FansRPM, int(rpm))
		}
	}
	st.Mode = fleet.ModeMining
	if pm, _ := s.Get("Power Mode").Str(); strings.EqualFold(pm, "low") {
		st.Mode = fleet.ModeLowPower
	}
	for _, m := range s.Members() {
		if strings.HasPrefix(m.Key, "Error Code ") && m.Key != "Error Code Count" {
			if c, ok := m.Value.Str(); ok {
				st.Errors = append(st.Errors, c)
			}
		}
	}
	if t, ok := s.Get("Chip Temp Max").Float(); ok {
		st.TempsC = []float64{t} // replaced by per-board values from devs
	}
	return nil
}

// parseV2Devs reads per-board temperatures: the hottest of "Chip Temp Max"
// and "Temperature".
func parseV2Devs(v minerjson.Value, st *fleet.Status) {
	var temps []float64
	for _, d := range v.Get("DEVS").Elems() {
		hot, ok := d.MaxFloat("Chip Temp Max")
		if t, tok := d.MaxFloat("Temperature"); tok && (!ok || t > hot) {
			hot, ok = t, true
		}
		if ok {
			temps = append(temps, hot)
		}
	}
	if len(temps) > 0 {
		st.TempsC = temps
	}
}

func parseV2Pools(v minerjson.Value) []fleet.Pool {
	var out []fleet.Pool
	for _, p := range v.Get("POOLS").Elems() {
		url, _ := p.Get("URL").Str()
		user, _ := p.Get("User").Str()
		status, _ := p.Get("Status").Str()
		acc, _ := p.Get("Accepted").Int()
		rej, _ := p.Get("Rejected").Int()
		out = append(out, fleet.Pool{URL: url, User: user, Status: status, Accepted: acc, Rejected: rej})
	}
	return out
}

// parseV2Off reads the status reply: Msg.mineroff (btmineroff on older
// firmware) is "true" while the miner is powered off.
func parseV2Off(v minerjson.Value) (off, ok bool) {
	msg := v.GetFold("Msg")
	for _, k := range []string{"mineroff", "btmineroff"} {
		if b, ok := msg.Get(k).Bool(); ok {
			return b, true
		}
	}
	return false, false
}

// parseV2Model names the model from devdetails ("M50S.VH20" is a
// WhatsMiner M50S).
func parseV2Model(v minerjson.Value) string {
	for _, d := range v.Get("DEVDETAILS").Elems() {
		if s, ok := d.Get("Model").Str(); ok && s != "" {
			return ModelName(s)
		}
	}
	return ""
}

// ModelName turns a MicroBT type ("M60S_VK40", "M50S.VH20", "m30s++") into
// "WhatsMiner M60S".
func ModelName(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.IndexAny(t, "_."); i > 0 {
		t = t[:i]
	}
	if t == "" {
		return ""
	}
	return "WhatsMiner " + strings.ToUpper(t)
}

// token returns v2 keys, asking the device for a token when the one in
// hand is older than tokenLife.
func (m *V2) token(ctx context.Context, fresh bool) (v2Keys, error) {
	m.mu.Lock()
	if m.keys != nil && !fresh && m.opts.now().Sub(m.keysAt) < tokenLife {
		k := *m.keys
		m.mu.Unlock()
		return k, nil
	}
	m.mu.Unlock()
	v, err := m.read(ctx, "get_token")
	if err != nil {
		return v2Keys{}, err
	}
	msg := v.GetFold("Msg")
	salt, ok1 := msg.Get("salt").Str()
	newSalt, ok2 := msg.Get("newsalt").Str()
	tm, ok3 := msg.Get("time").Str()
	if !ok1 || !ok2 || !ok3 {
		return v2Keys{}, m.fail("get_token", errors.New("whatsminer: get_token reply lacks time, salt or newsalt"))
	}
	k := deriveV2(m.opts.Credentials.Password, salt, newSalt, tm)
	m.mu.Lock()
	m.keys, m.keysAt = &k, m.opts.now()
	m.mu.Unlock()
	return k, nil
}

// write sends an encrypted command. A refused token is renewed once; a
// second refusal is fleet.ErrAuth.
func (m *V2) write(ctx context.Context, cmd string, params map[string]string) error {
	for attempt := range 2 {
		keys, err := m.token(ctx, attempt > 0)
		if err != nil {
			return err
		}
		p := map[string]string{"token": keys.sign}
		for k, v := range params {
			p[k] = v
		}
		enc := encryptECB(keys.aesKey, v2Request(cmd, p))
		req, _ := json.Marshal(map[string]any{"enc": 1, "data": enc})
		v, err := m.c.Call(ctx, req)
		if err != nil {
			return m.fail(cmd, unwrapFleet(err))
		}
		if s, ok := v.Get("enc").Str(); ok {
			plain, derr := decryptECB(keys.aesKey, s)
			if derr != nil {
				return m.fail(cmd, derr)
			}
			if v, _, err = minerjson.Parse(plain); err != nil {
				return m.fail(cmd, fmt.Errorf("whatsminer: decrypted reply: %w", err))
			}
		}
		err = cgminer.CheckStatus(v)
		if err == nil {
			return nil
		}
		var se *cgminer.StatusError
		if errors.As(err, &se) && authCode(se.Code) {
			if attempt == 0 {
				continue
			}
			return m.fail(cmd, fmt.Errorf("%w: %v", fleet.ErrAuth, err))
		}
		return m.fail(cmd, err)
	}
	return nil
}

// authCode: 135 "check token err", 23 "invalid JSON" (what a device says
// when the payload was encrypted under another password's key).
func authCode(code int64) bool { return code == 135 || code == 23 }

func unwrapFleet(err error) error {
	var fe *fleet.Error
	if errors.As(err, &fe) {
		return fe.Err
	}
	return err
}

// Sleep powers the hash boards off (power_off, answering before it acts).
func (m *V2) Sleep(ctx context.Context) error {
	return m.write(ctx, "power_off", map[string]string{"respbefore": "true"})
}

// Wake powers them on (power_on).
func (m *V2) Wake(ctx context.Context) error { return m.write(ctx, "power_on", nil) }

// SetPowerTarget sets the power limit (adjust_power_limit, whole watts).
func (m *V2) SetPowerTarget(ctx context.Context, watts float64) error {
	if math.IsNaN(watts) || watts <= 0 || watts > 1e6 {
		return fmt.Errorf("whatsminer: power target must be in (0, 1e6] W (got %v)", watts)
	}
	return m.write(ctx, "adjust_power_limit", map[string]string{"power_limit": strconv.Itoa(int(math.Round(watts)))})
}

// Reboot reboots the controller (reboot).
func (m *V2) Reboot(ctx context.Context) error { return m.write(ctx, "reboot", nil) }
