package gpu

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
)

// SimGPU is one simulated GPU as NewDCGMSimHandler serves it. Empty text
// fields get defaults derived from Index.
type SimGPU struct {
	Index    int
	UUID     string // default "GPU-00000000-0000-4000-8000-<index, 12 digits>"
	Model    string // default "NVIDIA H100 80GB HBM3"
	Hostname string // default "hashpivot-sim"
	PCIBusID string // default "00000000:<index + 0x18>:00.0"

	PowerW  float64
	UtilPct float64
	TempC   float64
	EnergyJ float64 // since boot
}

// Labels that the simulated exporter writes besides the GPU's own.
const (
	simDriverVersion = "550.54.15"
	simDefaultModel  = "NVIDIA H100 80GB HBM3"
	simDefaultHost   = "hashpivot-sim"
)

func (g SimGPU) withDefaults() SimGPU {
	if g.UUID == "" {
		g.UUID = fmt.Sprintf("GPU-00000000-0000-4000-8000-%012d", g.Index)
	}
	if g.Model == "" {
		g.Model = simDefaultModel
	}
	if g.Hostname == "" {
		g.Hostname = simDefaultHost
	}
	if g.PCIBusID == "" {
		g.PCIBusID = fmt.Sprintf("00000000:%02X:00.0", (g.Index+0x18)%256)
	}
	return g
}

// NewDCGMSimHandler serves a dcgm-exporter-style /metrics (any path) for
// a fixed set of GPUs; the slice is copied.
func NewDCGMSimHandler(gpus []SimGPU) http.Handler {
	fixed := slices.Clone(gpus)
	return NewDCGMSimHandlerFunc(func() []SimGPU { return fixed })
}

// NewDCGMSimHandlerFunc serves /metrics for the GPUs snapshot returns at
// each scrape, for a simulator whose GPUs change.
func NewDCGMSimHandlerFunc(snapshot func() []SimGPU) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(DCGMText(snapshot()))
	})
}

// DCGMText writes gpus as dcgm-exporter does: a HELP and TYPE line per
// metric, then one series per GPU with the labels gpu, UUID, pci_bus_id,
// device, modelName, Hostname and DCGM_FI_DRIVER_VERSION.
func DCGMText(gpus []SimGPU) []byte {
	var b strings.Builder
	metrics := []struct {
		name, help, typ string
		value           func(SimGPU) string
	}{
		{"DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", "gauge", func(g SimGPU) string {
			if g.UtilPct > 0 {
				return "1980"
			}
			return "345"
		}},
		{DCGMTemp, "GPU temperature (in C).", "gauge", func(g SimGPU) string { return fmt.Sprintf("%d", int64(math.Round(g.TempC))) }},
		{DCGMPower, "Power draw (in W).", "gauge", func(g SimGPU) string { return fmt.Sprintf("%f", g.PowerW) }},
		{DCGMEnergy, "Total energy consumption since boot (in mJ).", "counter", func(g SimGPU) string {
			return fmt.Sprintf("%d", int64(math.Round(g.EnergyJ*1000)))
		}},
		{DCGMUtil, "GPU utilization (in %).", "gauge", func(g SimGPU) string { return fmt.Sprintf("%d", int64(math.Round(g.UtilPct))) }},
	}
	full := make([]SimGPU, len(gpus))
	for i, g := range gpus {
		full[i] = g.withDefaults()
	}
	for _, m := range metrics {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.typ)
		for _, g := range full {
			fmt.Fprintf(&b, "%s{gpu=\"%d\",UUID=\"%s\",pci_bus_id=\"%s\",device=\"nvidia%d\",modelName=\"%s\",Hostname=\"%s\",DCGM_FI_DRIVER_VERSION=\"%s\"} %s\n",
				m.name, g.Index, escapeLabel(g.UUID), escapeLabel(g.PCIBusID), g.Index, escapeLabel(g.Model), escapeLabel(g.Hostname), simDriverVersion, m.value(g))
		}
	}
	return []byte(b.String())
}

// escapeLabel escapes a label value for the text format.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
