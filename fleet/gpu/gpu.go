package gpu

import "context"

// Metric names one quantity of a Sample, as a bit of Sample.Reported.
type Metric uint8

// The quantities a Sample carries.
const (
	MetricPower  Metric = 1 << iota // PowerW
	MetricUtil                      // UtilPct
	MetricTemp                      // TempC
	MetricEnergy                    // EnergyJ
)

// Sample is one GPU's telemetry at one scrape. A quantity the source did
// not report is zero and its bit is clear in Reported: a controller must
// not read a missing power as 0 W.
type Sample struct {
	Index    int    // GPU index on its host (dcgm-exporter's gpu label)
	UUID     string // "GPU-..." as nvidia-smi prints it
	Model    string // e.g. "NVIDIA H100 80GB HBM3"
	Hostname string // host the exporter runs on, when it says

	PowerW  float64 // power draw, W
	UtilPct float64 // GPU utilisation, 0..100 %
	TempC   float64 // GPU temperature, °C
	EnergyJ float64 // energy since the driver loaded, J

	Reported Metric // which of the quantities above the source reported
}

// Has reports whether the source reported m.
func (s Sample) Has(m Metric) bool { return s.Reported&m == m }

// Source is anything that reads the GPUs of one host or exporter.
type Source interface {
	Samples(ctx context.Context) ([]Sample, error)
}
