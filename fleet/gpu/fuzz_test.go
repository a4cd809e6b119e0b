package gpu

import (
	"testing"
)

// FuzzParseDCGM: any text gives samples or an error, never a panic; every
// sample is keyed, within the GPU limit, and reports only finite values;
// the simulator's text round-trips.
func FuzzParseDCGM(f *testing.F) {
	f.Add([]byte(exporterText))
	f.Add(DCGMText([]SimGPU{{Index: 0, PowerW: 700, UtilPct: 100, TempC: 70, EnergyJ: 1}}))
	f.Add([]byte("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",modelName=\"a\\\"b\\\\c\\n\"} NaN 17\n"))
	f.Add([]byte("DCGM_FI_DEV_GPU_UTIL{gpu=\"-1\"} 5\n"))
	f.Add([]byte("up{a=\"1\",} 1\n# TYPE x gauge\nx 0x1p3\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		samples, err := ParseDCGM(text)
		if err != nil {
			if samples != nil {
				t.Fatalf("ParseDCGM(%q) = %v with error %v", text, samples, err)
			}
			return
		}
		if len(samples) > MaxGPUs {
			t.Fatalf("%d samples, over the limit", len(samples))
		}
		for _, s := range samples {
			if s.UUID == "" && s.Index < 0 {
				t.Fatalf("sample with neither UUID nor index: %+v", s)
			}
			for _, v := range []float64{s.PowerW, s.UtilPct, s.TempC, s.EnergyJ} {
				if v != v || v > 1e308 || v < -1e308 {
					t.Fatalf("non-finite value in %+v", s)
				}
			}
		}
		// Round trip: what the simulator writes from these samples parses
		// back to the same power, index and UUID.
		sim := make([]SimGPU, 0, len(samples))
		for _, s := range samples {
			if s.Index < 0 || s.UUID == "" {
				return
			}
			sim = append(sim, SimGPU{Index: s.Index, UUID: s.UUID, PowerW: s.PowerW})
		}
		back, err := ParseDCGM(DCGMText(sim))
		if err != nil {
			t.Fatalf("ParseDCGM(DCGMText(%+v)) error: %v", sim, err)
		}
		if len(back) != len(sim) {
			t.Fatalf("round trip of %d GPUs gave %d", len(sim), len(back))
		}
	})
}
