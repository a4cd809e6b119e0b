package gpu_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/hashpivot/hashpivot/fleet/gpu"
)

// Scrape a simulated dcgm-exporter and total the GPUs' power.
func Example() {
	srv := httptest.NewServer(gpu.NewDCGMSimHandler([]gpu.SimGPU{
		{Index: 0, PowerW: 695.5, UtilPct: 98, TempC: 66},
		{Index: 1, PowerW: 702.25, UtilPct: 100, TempC: 68},
	}))
	defer srv.Close()

	samples, err := gpu.NewDCGM(srv.URL+"/metrics", gpu.DCGMConfig{}).Samples(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0.0
	for _, s := range samples {
		fmt.Printf("GPU %d %s: %.2f W, %.0f %%, %.0f °C\n", s.Index, s.Model, s.PowerW, s.UtilPct, s.TempC)
		total += s.PowerW
	}
	fmt.Printf("total %.2f W\n", total)
	// Output:
	// GPU 0 NVIDIA H100 80GB HBM3: 695.50 W, 98 %, 66 °C
	// GPU 1 NVIDIA H100 80GB HBM3: 702.25 W, 100 %, 68 °C
	// total 1397.75 W
}
