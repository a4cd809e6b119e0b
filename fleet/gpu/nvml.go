//go:build nvml

package gpu

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// NVML reads the GPUs of this host through the NVIDIA driver's management
// library (libnvidia-ml, loaded at Init). Only in builds with the tag nvml.
// It is safe for concurrent use.
type NVML struct {
	lib nvml.Interface

	mu     sync.Mutex
	inited bool
}

var _ Source = (*NVML)(nil)

// NewNVML returns an NVML source over lib; nil means the real library
// (nvml.New()). Tests pass go-nvml's mock servers.
func NewNVML(lib nvml.Interface) *NVML {
	if lib == nil {
		lib = nvml.New()
	}
	return &NVML{lib: lib}
}

// nvmlError turns an NVML return code into an error naming the call.
func nvmlError(call string, ret nvml.Return) error {
	return fmt.Errorf("gpu: nvml %s: %s", call, nvml.ErrorString(ret))
}

// Init loads the library. Samples calls it when needed.
func (n *NVML) Init() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.initLocked()
}

func (n *NVML) initLocked() error {
	if n.inited {
		return nil
	}
	if ret := n.lib.Init(); ret != nvml.SUCCESS {
		return nvmlError("Init", ret)
	}
	n.inited = true
	return nil
}

// Close releases the library.
func (n *NVML) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.inited {
		return nil
	}
	n.inited = false
	if ret := n.lib.Shutdown(); ret != nvml.SUCCESS {
		return nvmlError("Shutdown", ret)
	}
	return nil
}

// Samples reads every GPU once. A quantity the GPU does not support
// (nvml.ERROR_NOT_SUPPORTED, e.g. the energy counter before Volta) is left
// unreported; any other failure of a GPU fails the call.
func (n *NVML) Samples(ctx context.Context) ([]Sample, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.initLocked(); err != nil {
		return nil, err
	}
	count, ret := n.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, nvmlError("DeviceGetCount", ret)
	}
	if count < 0 || count > MaxGPUs {
		return nil, fmt.Errorf("gpu: nvml reports %d GPUs", count)
	}
	out := make([]Sample, 0, count)
	for i := range count {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, err := n.sample(i)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (n *NVML) sample(i int) (Sample, error) {
	dev, ret := n.lib.DeviceGetHandleByIndex(i)
	if ret != nvml.SUCCESS {
		return Sample{}, nvmlError(fmt.Sprintf("DeviceGetHandleByIndex(%d)", i), ret)
	}
	s := Sample{Index: i}
	var errs []error
	// optional records a reading; an unsupported one stays unreported.
	optional := func(call string, ret nvml.Return, m Metric, set func()) {
		switch ret {
		case nvml.SUCCESS:
			set()
			s.Reported |= m
		case nvml.ERROR_NOT_SUPPORTED:
		default:
			errs = append(errs, nvmlError(fmt.Sprintf("GPU %d %s", i, call), ret))
		}
	}
	if uuid, ret := dev.GetUUID(); ret == nvml.SUCCESS {
		s.UUID = uuid
	} else {
		errs = append(errs, nvmlError(fmt.Sprintf("GPU %d GetUUID", i), ret))
	}
	if name, ret := dev.GetName(); ret == nvml.SUCCESS {
		s.Model = name
	}
	mw, ret := dev.GetPowerUsage() // mW
	optional("GetPowerUsage", ret, MetricPower, func() { s.PowerW = float64(mw) / 1000 })
	u, ret := dev.GetUtilizationRates()
	optional("GetUtilizationRates", ret, MetricUtil, func() { s.UtilPct = float64(u.Gpu) })
	t, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU)
	optional("GetTemperature", ret, MetricTemp, func() { s.TempC = float64(t) })
	mj, ret := dev.GetTotalEnergyConsumption() // mJ
	optional("GetTotalEnergyConsumption", ret, MetricEnergy, func() { s.EnergyJ = float64(mj) / 1000 })
	if err := errors.Join(errs...); err != nil {
		return Sample{}, err
	}
	return s, nil
}
