package retrofit

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestDesign(t *testing.T) {
	spec := Spec{InterconnectMW: 100, AIShare: 0.5, PUE: 1.25, UsableFraction: 0.8, KWPerGPU: 1.6,
		ElectricalPerMW: 2e6, RedundancyFactor: 1.5, CoolingPerMW: 1e6, ShellPerMW: 0.5e6, FabricPerGPU: 1000}
	r, err := Design(spec)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: full IT = 100 × 0.8 / 1.25 = 64 MW; half = 32 MW; GPUs = 32000/1.6 = 20000.
	// Capex = 32×(3e6 + 1e6 + 0.5e6) + 20000×1000 = 144e6 + 20e6 = 164e6.
	if r.FullITMW != 64 || r.ITMW != 32 || r.GPUs != 20000 || math.Abs(r.TotalUSD-164e6) > 1e-3 {
		t.Fatalf("Design = %+v, want full 64, it 32, gpus 20000, total 164e6", r)
	}
	spec.AllInPerMW = 5e6
	spec.ITMWOverride = 50
	r, _ = Design(spec)
	if r.ITMW != 25 || r.TotalUSD != 125e6 || len(r.Items) != 1 {
		t.Fatalf("Design all-in = %+v, want it 25, total 125e6", r)
	}
	if _, err := Design(Spec{InterconnectMW: 10, AIShare: 2, PUE: 1.1, UsableFraction: 1}); !errors.Is(err, ErrInput) {
		t.Fatalf("Design(share 2) error = %v, want ErrInput", err)
	}
}

func ExampleUsableITMW() {
	// 100 MW interconnect, N+1 (4+1 blocks), direct liquid cooling at PUE 1.15.
	fmt.Printf("%.1f MW of critical IT\n", UsableITMW(100, 0.8, 1.15))
	// Output: 69.6 MW of critical IT
}
