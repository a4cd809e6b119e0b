package gpu

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// The dcgm-exporter series ParseDCGM reads, with their units.
const (
	DCGMPower  = "DCGM_FI_DEV_POWER_USAGE"              // W, gauge
	DCGMUtil   = "DCGM_FI_DEV_GPU_UTIL"                 // %, gauge
	DCGMTemp   = "DCGM_FI_DEV_GPU_TEMP"                 // °C, gauge
	DCGMEnergy = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" // mJ since boot, counter
)

// Defaults of DCGMConfig.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultMaxBytes = 8 << 20
	// MaxGPUs bounds the GPUs one exporter may report.
	MaxGPUs = 4096
)

// ErrTooLarge is wrapped when a /metrics body passes DCGMConfig.MaxBytes.
var ErrTooLarge = errors.New("gpu: metrics body too large")

// DCGMConfig tunes a DCGM source; the zero value uses the defaults.
type DCGMConfig struct {
	Timeout   time.Duration     // bounds one scrape, connect to last byte
	MaxBytes  int64             // bounds one /metrics body
	Transport http.RoundTripper // nil: no proxy, one idle connection per exporter
}

var defaultTransport = &http.Transport{
	Proxy:                  nil,
	DialContext:            (&net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConnsPerHost:    1,
	IdleConnTimeout:        90 * time.Second,
	ResponseHeaderTimeout:  DefaultTimeout,
	MaxResponseHeaderBytes: 64 << 10,
}

// DCGM scrapes one dcgm-exporter. It is safe for concurrent use.
type DCGM struct {
	url string
	cfg DCGMConfig
	hc  *http.Client
}

var _ Source = (*DCGM)(nil)

// NewDCGM returns a source that scrapes url (e.g.
// "http://10.0.0.5:9400/metrics").
func NewDCGM(url string, cfg DCGMConfig) *DCGM {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	tr := cfg.Transport
	if tr == nil {
		tr = defaultTransport
	}
	return &DCGM{url: url, cfg: cfg, hc: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
}

// Samples scrapes the exporter once.
func (d *DCGM) Samples(ctx context.Context) ([]Sample, error) {
	s, err := d.scrape(ctx)
	if err != nil {
		return nil, &fleet.Error{Address: d.url, Command: "scrape", Err: err}
	}
	return s, nil
}

func (d *DCGM) scrape(ctx context.Context) ([]Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, d.cfg.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > d.cfg.MaxBytes {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, d.cfg.MaxBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gpu: HTTP %d", resp.StatusCode)
	}
	return ParseDCGM(body)
}

// ParseDCGM reads dcgm-exporter's Prometheus text and returns one Sample
// per GPU, ordered by index then UUID. A GPU is keyed by its UUID label,
// or by its gpu label when there is no UUID; the first series of a metric
// for a GPU wins (a MIG-partitioned GPU repeats device-level series per
// instance). Non-finite values read as not reported. Every line is
// checked; the first bad one is a *ParseError with its number.
func ParseDCGM(text []byte) ([]Sample, error) {
	byKey := map[string]int{}
	var out []Sample
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), len(text)+1)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		s, err := parseSeries(l)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		var m Metric
		switch s.name {
		case DCGMPower:
			m = MetricPower
		case DCGMUtil:
			m = MetricUtil
		case DCGMTemp:
			m = MetricTemp
		case DCGMEnergy:
			m = MetricEnergy
		default:
			continue
		}
		uuid, _ := s.label("UUID")
		gpuLabel, hasGPU := s.label("gpu")
		index := -1
		if hasGPU {
			n, err := strconv.Atoi(gpuLabel)
			if err != nil || n < 0 {
				return nil, &ParseError{Line: line, Err: fmt.Errorf("%s: gpu label %.20q is not an index", s.name, gpuLabel)}
			}
			index = n
		}
		key := uuid
		if key == "" {
			if !hasGPU {
				return nil, &ParseError{Line: line, Err: fmt.Errorf("%s has neither a UUID nor a gpu label", s.name)}
			}
			key = "gpu:" + gpuLabel
		}
		i, ok := byKey[key]
		if !ok {
			if len(out) == MaxGPUs {
				return nil, &ParseError{Line: line, Err: fmt.Errorf("more than %d GPUs", MaxGPUs)}
			}
			i = len(out)
			byKey[key] = i
			model, _ := s.label("modelName")
			host, _ := s.label("Hostname")
			out = append(out, Sample{Index: index, UUID: uuid, Model: model, Hostname: host})
		}
		g := &out[i]
		if g.Has(m) || math.IsNaN(s.value) || math.IsInf(s.value, 0) {
			continue
		}
		switch m {
		case MetricPower:
			g.PowerW = s.value
		case MetricUtil:
			g.UtilPct = s.value
		case MetricTemp:
			g.TempC = s.value
		case MetricEnergy:
			g.EnergyJ = s.value / 1000 // mJ
		}
		g.Reported |= m
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: line + 1, Err: err}
	}
	slices.SortStableFunc(out, func(a, b Sample) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), strings.Compare(a.UUID, b.UUID))
	})
	return out, nil
}
