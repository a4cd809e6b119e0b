package minerjson

import (
	"os"
	"testing"
)

func BenchmarkParseStats(b *testing.B) {
	data, err := os.ReadFile("../../../shared/data/miner-replies/antminer/v2020/stats.json")
	if err != nil {
		b.Skipf("real antminer stats reply not available: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
