// Package fleet defines what every miner driver and GPU telemetry source
// reports and accepts: the Miner interface, the Status of one device and the
// DeviceState a simulator's protocol server reads and changes. Drivers live
// in one sub-package per firmware (fleet/cgminer, fleet/whatsminer,
// fleet/braiins, fleet/luxos, ...).
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Mode is what a device is doing.
type Mode string

// Modes a device can be in.
const (
	ModeMining   Mode = "mining"
	ModeSleeping Mode = "sleeping"
	ModeLowPower Mode = "low_power"
	ModeUnknown  Mode = "unknown"
)

// ErrUnsupported is returned by a driver for a command its firmware lacks.
var ErrUnsupported = errors.New("fleet: unsupported by this firmware")

// ErrAuth is wrapped by a driver when the device refuses its credentials.
var ErrAuth = errors.New("fleet: authentication failed")

// Firmware names as drivers report them (Status.Firmware, Miner.Firmware).
const (
	FirmwareAntminer     = "antminer"      // Bitmain stock (bmminer/cgminer RPC)
	FirmwareAvalon       = "avalon"        // Canaan stock (cgminer RPC with ascset)
	FirmwareCGMiner      = "cgminer"       // any other cgminer-family RPC
	FirmwareWhatsminer   = "whatsminer"    // MicroBT API v2 (TCP 4028)
	FirmwareWhatsminerV3 = "whatsminer-v3" // MicroBT API v3 (TCP 4433)
	FirmwareBraiins      = "braiins"       // Braiins OS REST
	FirmwareLuxOS        = "luxos"         // LuxOS (cgminer-style RPC with sessions)
)

// Error is a protocol or transport failure of one command on one device. It
// carries the device address and the command so that a fleet-wide report
// says which device failed at what.
type Error struct {
	Address string
	Command string
	Err     error
}

// Error prints "address: command: cause".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Address, e.Command, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Credentials are what a driver logs in with. They come from a file or the
// environment, never from the command line; String, GoString and LogValue
// redact the password so that a credential never reaches a log.
type Credentials struct {
	User     string
	Password string
}

// String prints the user and hides the password.
func (c Credentials) String() string {
	return fmt.Sprintf("{user:%q password:%s}", c.User, redact(c.Password))
}

// GoString is String, so that %#v redacts too.
func (c Credentials) GoString() string { return c.String() }

// LogValue makes slog print the user only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", c.User), slog.String("password", redact(c.Password)))
}

func redact(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "[redacted]"
}

// Pool is one configured mining pool.
type Pool struct {
	URL      string `json:"url"`
	User     string `json:"user"`
	Status   string `json:"status"`
	Accepted int64  `json:"accepted"`
	Rejected int64  `json:"rejected"`
}

// Status is one device's state as its firmware reports it.
type Status struct {
	Address      string    `json:"address"`
	Firmware     string    `json:"firmware"`
	Model        string    `json:"model"`
	HashrateTH   float64   `json:"hashrate_th"`    // average since start, TH/s
	Hashrate5sTH float64   `json:"hashrate_5s_th"` // 5-second, TH/s
	PowerW       float64   `json:"power_w"`
	PowerLimitW  float64   `json:"power_limit_w"`
	TempsC       []float64 `json:"temps_c"` // per board (hottest sensor of the board)
	FansRPM      []int     `json:"fans_rpm"`
	Mode         Mode      `json:"mode"`
	Pools        []Pool    `json:"pools"`
	Errors       []string  `json:"errors"`

	// PowerEstimated is true when the firmware reports no power and
	// PowerW is the driver's estimate (nominal J/TH of the model times the
	// average hashrate; stock Antminer firmware has no power reading).
	PowerEstimated bool `json:"power_estimated,omitempty"`
}

// Miner is a driver bound to one device address. Every method does network
// I/O bounded by ctx and by the driver's own deadlines and size limits.
type Miner interface {
	Address() string
	Firmware() string
	Status(ctx context.Context) (Status, error)
	Sleep(ctx context.Context) error
	Wake(ctx context.Context) error
	SetPowerTarget(ctx context.Context, watts float64) error
	Reboot(ctx context.Context) error
}

// DeviceState is a simulated device as a protocol server sees it: the
// simulator owns the state; each firmware package serves it in that
// firmware's real wire format.
type DeviceState interface {
	Snapshot() Status
	Sleep()
	Wake()
	SetPowerTarget(watts float64) error
	Reboot()
}
