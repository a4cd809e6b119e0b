package cgminer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// Kind is the member of the cgminer family a Miner talks to.
type Kind int

// Members of the cgminer family.
const (
	Generic  Kind = iota // any cgminer: summary, devs, pools
	Antminer             // Bitmain stock bmminer: the numbered-key stats layout
	Avalon               // Canaan: packed MM ID strings, ascset control
)

// Firmware returns the fleet firmware name of the kind.
func (k Kind) Firmware() string {
	switch k {
	case Antminer:
		return fleet.FirmwareAntminer
	case Avalon:
		return fleet.FirmwareAvalon
	}
	return fleet.FirmwareCGMiner
}

// Options tune a Miner. The zero value uses the defaults.
type Options struct {
	Timeout  time.Duration // per command; DefaultTimeout when zero
	MaxReply int           // bytes; DefaultMaxReply when zero
	// Now is the clock for Avalon's scheduled soft-off/soft-on times.
	Now func() time.Time
	// Dialer replaces net.Dialer when set.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport, when set, carries the Miner's exchanges (see Transport).
	Transport *Transport
	// WebAddr is the address of a stock Antminer's web API (host:80 on a
	// miner), through which it sleeps, wakes, changes work mode and
	// reboots; without it those commands are unsupported (Reboot falls
	// back to the RPC restart). WebCredentials is its login and
	// WebTransport, when set, carries its requests.
	WebAddr        string
	WebCredentials fleet.Credentials
	WebTransport   http.RoundTripper
	// NoPools makes Status skip the pools command, for fleet-wide polls
	// that report no pools: one command per device (stats; summary+devs
	// for a generic cgminer), and for an Antminer a reply read in one
	// pass without building a parse tree.
	NoPools bool
}

// Miner is a fleet.Miner for one cgminer-family device.
type Miner struct {
	client  Client
	kind    Kind
	now     func() time.Time
	noPools bool
	web     *antweb.Client // stock Antminer's web API, when known
}

var _ fleet.Miner = (*Miner)(nil)

// New returns a driver for the device at addr (host:port).
func New(addr string, kind Kind, o Options) *Miner {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var web *antweb.Client
	if kind == Antminer && o.WebAddr != "" {
		web = antweb.New(o.WebAddr, antweb.Config{Credentials: o.WebCredentials, Timeout: o.Timeout, Transport: o.WebTransport})
	}
	return &Miner{
		web:     web,
		client:  Client{Addr: addr, Timeout: o.Timeout, MaxReply: o.MaxReply, Dialer: o.Dialer, Transport: o.Transport},
		kind:    kind,
		now:     now,
		noPools: o.NoPools,
	}
}

// Address returns the device address.
func (m *Miner) Address() string { return m.client.Addr }

// Firmware returns the firmware name.
func (m *Miner) Firmware() string { return m.kind.Firmware() }

// Client returns the RPC client, for commands the Miner does not wrap.
func (m *Miner) Client() *Client { return &m.client }

// statsRequest is the stats command, encoded once.
var statsRequest = JSONRequest("stats", "")

// Status reads the device in one connection: stats and pools (summary,
// devs and pools for a generic cgminer), without pools under
// Options.NoPools.
func (m *Miner) Status(ctx context.Context) (fleet.Status, error) {
	st := fleet.Status{Address: m.client.Addr, Firmware: m.Firmware()}
	if m.kind == Antminer && m.noPools {
		return m.antminerStats(ctx, st)
	}
	switch m.kind {
	case Antminer, Avalon:
		cmds := []string{"stats", "pools"}
		if m.noPools {
			cmds = cmds[:1]
		}
		r, err := m.client.Multi(ctx, cmds...)
		if err != nil {
			return st, err
		}
		if _, ok := r["stats"]; !ok {
			return st, m.client.fail("stats", fmt.Errorf("cgminer: reply cut before stats"))
		}
		if m.kind == Antminer {
			err = parseAntminerStats(r["stats"], &st)
			estimatePower(&st)
		} else {
			err = parseAvalonStats(r["stats"], &st)
		}
		if err != nil {
			return st, m.client.fail("stats", err)
		}
		st.Pools = parsePools(r["pools"])
	default:
		cmds := []string{"summary", "devs", "pools"}
		if m.noPools {
			cmds = cmds[:2]
		}
		r, err := m.client.Multi(ctx, cmds...)
		if err != nil {
			return st, err
		}
		if _, ok := r["summary"]; !ok {
			return st, m.client.fail("summary", fmt.Errorf("cgminer: reply cut before summary"))
		}
		if err := parseGenericSummary(r["summary"], r["devs"], &st); err != nil {
			return st, m.client.fail("summary", err)
		}
		st.Pools = parsePools(r["pools"])
	}
	return st, nil
}

// antminerStats reads an Antminer with the stats command alone, on the
// fast path when the reply allows it.
func (m *Miner) antminerStats(ctx context.Context, st fleet.Status) (fleet.Status, error) {
	v, fast, err := m.client.call(ctx, statsRequest, func(b []byte) bool { return parseAntminerStatsFast(b, &st) })
	if err != nil {
		return st, err
	}
	if !fast {
		if err := CheckStatus(v); err != nil {
			return st, m.client.fail("stats", err)
		}
		if err := parseAntminerStats(v, &st); err != nil {
			return st, m.client.fail("stats", err)
		}
	}
	estimatePower(&st)
	return st, nil
}

// Sleep stops hashing. Avalon: ascset|0,softoff,1:<unix time> (the device
// schedules it for that second). Stock Antminer: work mode sleep through
// the web API (Options.WebAddr). Generic cgminer, and an Antminer without
// its web address, have no command for it: fleet.ErrUnsupported.
func (m *Miner) Sleep(ctx context.Context) error {
	switch {
	case m.kind == Avalon:
		return m.softSwitch(ctx, "softoff")
	case m.web != nil:
		return m.web.SetMode(ctx, antweb.ModeSleep)
	}
	return m.unsupported("sleep")
}

// Wake resumes hashing. Avalon: ascset|0,softon,1:<unix time>. Stock
// Antminer: work mode normal (a miner put in low-power mode before it
// slept wakes in normal mode).
func (m *Miner) Wake(ctx context.Context) error {
	switch {
	case m.kind == Avalon:
		return m.softSwitch(ctx, "softon")
	case m.web != nil:
		return m.web.SetMode(ctx, antweb.ModeNormal)
	}
	return m.unsupported("wake")
}

func (m *Miner) softSwitch(ctx context.Context, op string) error {
	param := fmt.Sprintf("0,%s,1:%d", op, m.now().Unix())
	v, err := m.client.Plain(ctx, "ascset", param)
	if err != nil {
		var fe *fleet.Error
		if op == "softon" && errors.As(err, &fe) && errors.Is(fe.Err, ErrNoReply) {
			return nil // some Avalon builds close without a reply to softon
		}
		return err
	}
	return ascsetResult(m.client.Addr, "ascset|"+param, v)
}

// ascsetResult judges an ascset reply: "ASC 0 set OK" or "... success ..."
// is done; "failed"/"unknown" is an error even under STATUS I.
func ascsetResult(addr, cmd string, v minerjson.Value) error {
	msg, _ := v.Get("STATUS").Index(0).Get("Msg").Str()
	low := strings.ToLower(msg)
	if strings.Contains(low, "fail") || strings.Contains(low, "unknown") || strings.Contains(low, "invalid") {
		return &fleet.Error{Address: addr, Command: cmd, Err: fmt.Errorf("cgminer: device says %q", msg)}
	}
	return nil
}

// ErrTargetTooLow is a power target below every work mode of the device:
// a controller sleeps the miner instead of overshooting its cap.
var ErrTargetTooLow = errors.New("cgminer: power target below the device's lowest work mode (sleep it instead)")

// SetPowerTarget sets the power the device should draw. Avalon: the work
// level whose nominal power is the highest not above watts
// (ascset|0,worklevel,set,N, falling back to workmode on firmwares that
// call it that). Stock Antminer (through the web API): the work mode whose
// nominal power is the highest not above watts, normal or low power
// (AntminerModeWatts), or ErrTargetTooLow below them. Generic cgminer:
// fleet.ErrUnsupported.
func (m *Miner) SetPowerTarget(ctx context.Context, watts float64) error {
	if math.IsNaN(watts) || watts <= 0 {
		return fmt.Errorf("cgminer: power target must be > 0 W (got %v)", watts)
	}
	if m.kind == Antminer && m.web != nil {
		return m.antminerPowerTarget(ctx, watts)
	}
	if m.kind != Avalon {
		return m.unsupported("power-target")
	}
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	model, ok := LookupModel(st.Model)
	if !ok || len(model.LevelsW) == 0 {
		return m.client.fail("worklevel", fmt.Errorf("cgminer: no work levels known for model %q: %w", st.Model, fleet.ErrUnsupported))
	}
	level := LevelFor(model, watts)
	for _, name := range []string{"worklevel", "workmode"} {
		param := "0," + name + ",set," + strconv.Itoa(level)
		v, err := m.client.Plain(ctx, "ascset", param)
		if err == nil {
			err = ascsetResult(m.client.Addr, "ascset|"+param, v)
		}
		if err == nil {
			return nil
		}
		if name == "workmode" || !strings.Contains(strings.ToLower(err.Error()), "unknown") {
			return err
		}
	}
	return nil
}

// antminerPowerTarget maps watts to a stock Antminer work mode.
func (m *Miner) antminerPowerTarget(ctx context.Context, watts float64) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	model, ok := LookupModel(st.Model)
	if !ok {
		return m.client.fail("power-target", fmt.Errorf("cgminer: no nameplate known for model %q: %w", st.Model, fleet.ErrUnsupported))
	}
	normalW, lowW := AntminerModeWatts(model)
	mode := antweb.ModeNormal
	switch {
	case watts >= normalW:
	case watts >= lowW:
		mode = antweb.ModeLow
	default:
		return m.client.fail("power-target", fmt.Errorf("%w: %.0f W is below %s's low-power mode (%.0f W)", ErrTargetTooLow, watts, model.Name, lowW))
	}
	return m.web.SetMode(ctx, mode)
}

// LevelFor picks the Avalon work level for a power target: the highest
// level whose nominal power is at most watts, level 0 below them all.
func LevelFor(m Model, watts float64) int {
	level := 0
	for i, w := range m.LevelsW {
		if w <= watts+1e-9 {
			level = i
		}
	}
	return level
}

// Reboot restarts the device. Avalon: ascset|0,reboot,0 (the controller
// reboots). Stock Antminer with its web address: reboot.cgi (the
// controller reboots). Otherwise the restart command, which restarts the
// mining software (the RPC cannot reboot the OS).
func (m *Miner) Reboot(ctx context.Context) error {
	if m.web != nil {
		return m.web.Reboot(ctx)
	}
	if m.kind == Avalon {
		v, err := m.client.Plain(ctx, "ascset", "0,reboot,0")
		if err != nil {
			return err
		}
		return ascsetResult(m.client.Addr, "ascset|0,reboot,0", v)
	}
	_, err := m.client.Command(ctx, "restart", "")
	return err
}

func (m *Miner) unsupported(cmd string) error {
	why := fmt.Sprintf("%s firmware has no RPC for it", m.Firmware())
	if m.kind == Antminer {
		why += "; its web API does: give the web address"
	}
	return &fleet.Error{Address: m.client.Addr, Command: cmd, Err: fmt.Errorf("%w (%s)", fleet.ErrUnsupported, why)}
}
