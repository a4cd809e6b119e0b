package gpu

import "testing"

// BenchmarkParseDCGM parses one scrape of an 8-GPU host.
func BenchmarkParseDCGM(b *testing.B) {
	gpus := make([]SimGPU, 8)
	for i := range gpus {
		gpus[i] = SimGPU{Index: i, PowerW: 650 + float64(i), UtilPct: 95, TempC: 60, EnergyJ: 1e6}
	}
	text := DCGMText(gpus)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDCGM(text); err != nil {
			b.Fatal(err)
		}
	}
}
