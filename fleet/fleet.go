// Package fleet defines what every miner driver and GPU telemetry source
// reports and accepts: the Miner interface, the Status of one device and the
// DeviceState a simulator's protocol server reads and changes. Drivers live
// in one sub-package per firmware (fleet/cgminer, fleet/whatsminer,
// fleet/braiins, fleet/luxos, ...).
package fleet

import (
	"context"
	"errors"
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
