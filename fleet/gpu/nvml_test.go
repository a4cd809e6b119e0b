//go:build nvml

package gpu

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

var realNVML = flag.Bool("nvml.real", false, "also read this host's real GPUs through libnvidia-ml")

// mockH100 is go-nvml's mock DGX H100 (8 GPUs) with telemetry: GPU i draws
// 100+i W... expressed in the units NVML returns (mW, %, °C, mJ).
func mockH100(t *testing.T) *server.Server {
	t.Helper()
	srv := dgxh100.New()
	for i, d := range srv.Devices {
		dev := d.(*server.Device)
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return uint32(650_000 + 1_000*i), nvml.SUCCESS }
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: uint32(90 + i), Memory: 40}, nvml.SUCCESS
		}
		dev.GetTemperatureFunc = func(s nvml.TemperatureSensors) (uint32, nvml.Return) {
			if s != nvml.TEMPERATURE_GPU {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return uint32(60 + i), nvml.SUCCESS
		}
		dev.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return uint64(5_000_000 * (i + 1)), nvml.SUCCESS }
	}
	return srv
}

func TestNVMLMockH100(t *testing.T) {
	srv := mockH100(t)
	src := NewNVML(srv)
	defer src.Close()
	got, err := src.Samples(context.Background())
	if err != nil {
		t.Fatalf("Samples() error: %v", err)
	}
	if len(got) != 8 {
		t.Fatalf("Samples() = %d GPUs, want 8", len(got))
	}
	all := MetricPower | MetricUtil | MetricTemp | MetricEnergy
	for i, s := range got {
		uuid, _ := srv.Devices[i].GetUUID()
		// 650000 mW + 1000·i = 650+i W; 5e6·(i+1) mJ = 5000·(i+1) J
		want := Sample{Index: i, UUID: uuid, Model: "NVIDIA H100 80GB HBM3", PowerW: 650 + float64(i), UtilPct: 90 + float64(i),
			TempC: 60 + float64(i), EnergyJ: 5000 * float64(i+1), Reported: all}
		if s != want {
			t.Errorf("Samples()[%d] = %+v, want %+v", i, s, want)
		}
	}
}

func TestNVMLUnsupportedAndFailing(t *testing.T) {
	srv := mockH100(t)
	srv.Devices[2].(*server.Device).GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	got, err := NewNVML(srv).Samples(context.Background())
	if err != nil {
		t.Fatalf("Samples() with an unsupported energy counter: error %v", err)
	}
	if got[2].Has(MetricEnergy) || got[2].EnergyJ != 0 || !got[2].Has(MetricPower) {
		t.Errorf("GPU 2 without an energy counter = %+v, want energy unreported, power reported", got[2])
	}

	srv.Devices[5].(*server.Device).GetPowerUsageFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_GPU_IS_LOST }
	_, err = NewNVML(srv).Samples(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GPU 5 GetPowerUsage") {
		t.Errorf("Samples() with GPU 5 lost: error = %v, want one naming GPU 5 GetPowerUsage", err)
	}

	srv.InitFunc = func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }
	if _, err := NewNVML(srv).Samples(context.Background()); err == nil || !strings.Contains(err.Error(), "Init") {
		t.Errorf("Samples() without the library: error = %v, want one naming Init", err)
	}
}

func TestNVMLCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewNVML(mockH100(t)).Samples(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Samples(cancelled) error = %v, want context.Canceled", err)
	}
}

// TestNVMLReal reads the host's GPUs; run with -tags nvml -nvml.real on a
// machine with an NVIDIA driver.
func TestNVMLReal(t *testing.T) {
	if !*realNVML {
		t.Skip("set -nvml.real to read this host's GPUs")
	}
	src := NewNVML(nil)
	defer src.Close()
	got, err := src.Samples(context.Background())
	if err != nil {
		t.Fatalf("Samples() error: %v", err)
	}
	if len(got) == 0 {
		t.Fatal("no GPUs")
	}
	for _, s := range got {
		t.Logf("GPU %d %s %s: %.1f W, %.0f %%, %.0f °C, %.0f J", s.Index, s.UUID, s.Model, s.PowerW, s.UtilPct, s.TempC, s.EnergyJ)
		if !s.Has(MetricPower) || s.PowerW <= 0 {
			t.Errorf("GPU %d reports no power: %+v", s.Index, s)
		}
	}
}
