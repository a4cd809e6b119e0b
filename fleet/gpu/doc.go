// Package gpu reads the telemetry of the GPUs that share a site with the
// miners: power, utilisation, temperature and energy of every GPU, as
// Samples from a Source.
//
// The default Source is DCGM: it scrapes NVIDIA dcgm-exporter's Prometheus
// text (/metrics, usually port 9400) and reads DCGM_FI_DEV_POWER_USAGE (W),
// DCGM_FI_DEV_GPU_UTIL (%), DCGM_FI_DEV_GPU_TEMP (°C) and
// DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ since boot), one GPU per UUID
// label (or gpu label when the exporter sends no UUID). ParseDCGM is the
// pure parser behind it, a small bounded reader of the text exposition
// format.
//
// NVML is a second Source that asks the NVIDIA driver directly through
// github.com/NVIDIA/go-nvml. It is built only with the build tag nvml
// (go build -tags nvml), so the default build needs neither cgo nor the
// NVIDIA library.
//
// NewDCGMSimHandler serves a dcgm-exporter-style /metrics for simulated
// GPUs (SimGPU), with the labels a real exporter writes.
//
// Errors: a scrape that fails is a *fleet.Error naming the URL; a body
// over the size limit wraps ErrTooLarge; text that is not the exposition
// format is a *ParseError naming the line.
package gpu
