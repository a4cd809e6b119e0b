package gpu

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// exporterText is /metrics as dcgm-exporter 3.x writes it for two GPUs on
// one host (written by hand after the exporter's format: HELP and TYPE
// lines, the label order gpu, UUID, pci_bus_id, device, modelName,
// Hostname), with GPU 1 listed first and some series the parser skips.
const exporterText = `# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
# TYPE DCGM_FI_DEV_SM_CLOCK gauge
DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-bbbbbbbb-0000-4000-8000-000000000001",pci_bus_id="00000000:19:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 1980
DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-aaaaaaaa-0000-4000-8000-000000000000",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 1980
# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).
# TYPE DCGM_FI_DEV_GPU_TEMP gauge
DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-bbbbbbbb-0000-4000-8000-000000000001",pci_bus_id="00000000:19:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 61
DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-aaaaaaaa-0000-4000-8000-000000000000",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 54
# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
# TYPE DCGM_FI_DEV_POWER_USAGE gauge
DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-bbbbbbbb-0000-4000-8000-000000000001",pci_bus_id="00000000:19:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 120.500000
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaaaaaa-0000-4000-8000-000000000000",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 699.123000
# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-aaaaaaaa-0000-4000-8000-000000000000",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 123456789
# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaaaaaaa-0000-4000-8000-000000000000",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} 100
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-bbbbbbbb-0000-4000-8000-000000000001",pci_bus_id="00000000:19:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"} NaN
`

func TestParseDCGM(t *testing.T) {
	h100 := "NVIDIA H100 80GB HBM3"
	tests := []struct {
		name string
		in   string
		want []Sample
	}{
		{"exporter", exporterText, []Sample{
			// energy 123456789 mJ = 123456.789 J
			{Index: 0, UUID: "GPU-aaaaaaaa-0000-4000-8000-000000000000", Model: h100, Hostname: "node-1",
				PowerW: 699.123, UtilPct: 100, TempC: 54, EnergyJ: 123456.789, Reported: MetricPower | MetricUtil | MetricTemp | MetricEnergy},
			// NaN utilisation and no energy series: not reported
			{Index: 1, UUID: "GPU-bbbbbbbb-0000-4000-8000-000000000001", Model: h100, Hostname: "node-1",
				PowerW: 120.5, TempC: 61, Reported: MetricPower | MetricTemp},
		}},
		{"no UUID, keyed by gpu", "DCGM_FI_DEV_POWER_USAGE{gpu=\"3\"} 300\nDCGM_FI_DEV_GPU_TEMP{gpu=\"3\"} 40\n",
			[]Sample{{Index: 3, PowerW: 300, TempC: 40, Reported: MetricPower | MetricTemp}}},
		{"UUID without gpu", `DCGM_FI_DEV_POWER_USAGE{UUID="GPU-x"} 250` + "\n",
			[]Sample{{Index: -1, UUID: "GPU-x", PowerW: 250, Reported: MetricPower}}},
		{"escapes, spaces, trailing comma, timestamp, CRLF",
			"DCGM_FI_DEV_POWER_USAGE { gpu = \"0\" , modelName=\"a \\\"quoted\\\" \\\\ name\\nx\", } 1.5e2 1700000000000\r\n",
			[]Sample{{Index: 0, Model: "a \"quoted\" \\ name\nx", PowerW: 150, Reported: MetricPower}}},
		{"first series wins (MIG instances repeat it)",
			"DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-m\",GPU_I_ID=\"1\"} 400\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-m\",GPU_I_ID=\"2\"} 999\n",
			[]Sample{{Index: 0, UUID: "GPU-m", PowerW: 400, Reported: MetricPower}}},
		{"+Inf is not reported", "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\"} +Inf\n", []Sample{{Index: 0}}},
		{"other metrics only", "# just a comment\nup 1\nnode_load1{} 0.5\n", nil},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDCGM([]byte(tc.in))
			if err != nil {
				t.Fatalf("ParseDCGM(%s) error: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDCGM(%s) =\n %+v\nwant\n %+v", tc.name, got, tc.want)
			}
		})
	}
}

func TestParseDCGMErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"no GPU label", "# c\nDCGM_FI_DEV_POWER_USAGE{Hostname=\"h\"} 1\n", 2, "neither a UUID nor a gpu label"},
		{"bad gpu label", "DCGM_FI_DEV_POWER_USAGE{gpu=\"zero\"} 1\n", 1, "not an index"},
		{"value not a number", "x 1\nDCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} lots\n", 2, "not a number"},
		{"missing value", "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"}\n", 1, "missing value"},
		{"unterminated label", "DCGM_FI_DEV_GPU_UTIL{gpu=\"0} 5\n", 1, "unterminated"},
		{"bad escape", `DCGM_FI_DEV_GPU_UTIL{gpu="\q"} 5`, 1, "invalid escape"},
		{"bad timestamp", "up 1 soon\n", 1, "timestamp"},
		{"bad name", "\n\n9up 1\n", 3, "expected a name"},
		{"no comma between labels", `up{a="1" b="2"} 1`, 1, "expected , or }"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDCGM([]byte(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("ParseDCGM(%q) error = %v, want a *ParseError at line %d containing %q", tc.in, err, tc.line, tc.msg)
			}
		})
	}
}

func TestParseDCGMTooManyGPUs(t *testing.T) {
	var b bytes.Buffer
	for i := range MaxGPUs + 1 {
		fmt.Fprintf(&b, "DCGM_FI_DEV_POWER_USAGE{gpu=\"%d\",UUID=\"GPU-%d\"} 1\n", i, i)
	}
	if _, err := ParseDCGM(b.Bytes()); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("ParseDCGM(%d GPUs) error = %v, want the GPU limit", MaxGPUs+1, err)
	}
}

// TestSimGolden: the simulated exporter's text is stable (go test -update
// rewrites it) and parses back to the GPUs it was made from.
func TestSimGolden(t *testing.T) {
	gpus := []SimGPU{
		{Index: 0, PowerW: 698.25, UtilPct: 97.4, TempC: 63.6, EnergyJ: 1.5e6},
		{Index: 1, UUID: "GPU-custom", Model: "NVIDIA H200", Hostname: "rack-7", PCIBusID: "00000000:9A:00.0", PowerW: 88.5, UtilPct: 0, TempC: 31, EnergyJ: 0.0015},
	}
	got := DCGMText(gpus)
	golden := filepath.Join("testdata", "dcgm_metrics.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (go test -update writes it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("DCGMText differs from %s; run go test -update if the change is intended\ngot:\n%s", golden, got)
	}

	samples, err := ParseDCGM(got)
	if err != nil {
		t.Fatalf("ParseDCGM(DCGMText) error: %v", err)
	}
	all := MetricPower | MetricUtil | MetricTemp | MetricEnergy
	wantS := []Sample{
		// temperature and utilisation are whole numbers on the wire, as dcgm-exporter writes them
		{Index: 0, UUID: "GPU-00000000-0000-4000-8000-000000000000", Model: "NVIDIA H100 80GB HBM3", Hostname: "hashpivot-sim", PowerW: 698.25, UtilPct: 97, TempC: 64, EnergyJ: 1.5e6, Reported: all},
		{Index: 1, UUID: "GPU-custom", Model: "NVIDIA H200", Hostname: "rack-7", PowerW: 88.5, UtilPct: 0, TempC: 31, EnergyJ: 0.002, Reported: all},
	}
	if !reflect.DeepEqual(samples, wantS) {
		t.Errorf("ParseDCGM(DCGMText) =\n %+v\nwant\n %+v", samples, wantS)
	}
}

func TestDCGMAgainstSim(t *testing.T) {
	gpus := []SimGPU{{Index: 0, PowerW: 700, UtilPct: 100, TempC: 70, EnergyJ: 10}, {Index: 1, PowerW: 80, TempC: 30}}
	srv := httptest.NewServer(NewDCGMSimHandlerFunc(func() []SimGPU { return gpus }))
	t.Cleanup(srv.Close)
	src := NewDCGM(srv.URL+"/metrics", DCGMConfig{})
	got, err := src.Samples(context.Background())
	if err != nil {
		t.Fatalf("Samples() error: %v", err)
	}
	total := 0.0
	for _, s := range got {
		total += s.PowerW
	}
	if len(got) != 2 || total != 780 || got[0].EnergyJ != 10 || got[1].Index != 1 {
		t.Errorf("Samples() = %+v, want 2 GPUs, 780 W in all, 10 J on GPU 0", got)
	}
	resp, err := http.Post(srv.URL+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = HTTP %d, want 405", resp.StatusCode)
	}
}

func TestDCGMBadExporters(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
		want    string
	}{
		{"hangs", nil, func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout")
		}, "a timeout"},
		{"garbage", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("\x00\xff{not metrics}")) },
			func(err error) bool { var pe *ParseError; return errors.As(err, &pe) }, "a *ParseError"},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("# padding\n", 200)))
		}, func(err error) bool { return errors.Is(err, ErrTooLarge) }, "ErrTooLarge"},
		{"HTTP 500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) },
			func(err error) bool { return strings.Contains(err.Error(), "HTTP 500") }, "HTTP 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			h := tc.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			}
			srv := httptest.NewServer(h)
			t.Cleanup(func() { close(release); srv.Close() })
			_, err := NewDCGM(srv.URL, DCGMConfig{Timeout: 50 * time.Millisecond, MaxBytes: 1 << 10}).Samples(context.Background())
			var fe *fleet.Error
			if err == nil || !tc.check(err) || !errors.As(err, &fe) || fe.Address != srv.URL {
				t.Errorf("Samples() error = %v, want %s in a *fleet.Error naming %s", err, tc.want, srv.URL)
			}
		})
	}
}

func TestSampleHas(t *testing.T) {
	s := Sample{Reported: MetricPower | MetricTemp}
	if !s.Has(MetricPower) || s.Has(MetricEnergy) || s.Has(MetricPower|MetricEnergy) || !s.Has(MetricPower|MetricTemp) {
		t.Errorf("Sample{Reported: power|temp}.Has gives the wrong answer")
	}
}
