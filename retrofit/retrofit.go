// Package retrofit sizes the conversion of a mining site to an AI data
// centre: the usable critical IT capacity left by the interconnect, the
// cooling's PUE and the electrical redundancy, and the capex as line items
// (electrical, cooling, network fabric, shell and fit-out). Design returns
// ErrInput for inputs it cannot size.
package retrofit

import (
	"errors"
	"fmt"
	"math"
)

// ErrInput is returned by Design for invalid inputs.
var ErrInput = errors.New("retrofit: invalid input")

// Spec is what Design needs: the site's power, the chosen technologies'
// figures, and the costs per unit.
type Spec struct {
	InterconnectMW   float64 // grid connection, MW at the meter
	AIShare          float64 // share of the site converted, [0, 1]
	PUE              float64 // facility PUE of the chosen cooling
	UsableFraction   float64 // share of power blocks usable at the chosen redundancy
	ITMWOverride     float64 // > 0: usable IT MW at share 1, instead of deriving it
	KWPerGPU         float64 // IT kW per GPU, to size the fabric
	ElectricalPerMW  float64 // USD per MW of IT at redundancy N
	RedundancyFactor float64 // multiplier on electrical capex for the redundancy
	CoolingPerMW     float64 // USD per MW of IT
	ShellPerMW       float64 // USD per MW of IT
	FabricPerGPU     float64 // USD per GPU of the chosen network
	AllInPerMW       float64 // > 0: one all-in line per MW of IT instead of the items
}

// LineItem is one capex line.
type LineItem struct {
	Name string  `json:"name"`
	USD  float64 `json:"usd"`
}

// Result is a sized retrofit.
type Result struct {
	ITMW     float64    `json:"it_mw"`      // usable critical IT MW after conversion
	FullITMW float64    `json:"full_it_mw"` // the same at ai_share 1
	GPUs     int        `json:"gpus"`       // GPUs the IT MW holds at KWPerGPU
	Items    []LineItem `json:"items"`
	TotalUSD float64    `json:"total_usd"`
}

// UsableITMW is the critical IT MW a converted site can serve:
//
//	it_mw = interconnect_mw × usable_fraction / PUE
//
// since the meter sees IT × PUE, and redundancy reserves part of the
// power blocks (N+1 with 4+1 blocks leaves 4/5 usable, 2N half).
func UsableITMW(interconnectMW, usableFraction, pue float64) float64 {
	if !(pue > 0) {
		return 0
	}
	return interconnectMW * usableFraction / pue
}

// Design sizes the retrofit of spec.AIShare of the site.
func Design(spec Spec) (Result, error) {
	if !(spec.AIShare >= 0 && spec.AIShare <= 1) || !(spec.PUE >= 1) || !(spec.UsableFraction > 0 && spec.UsableFraction <= 1) || !(spec.InterconnectMW > 0) {
		return Result{}, fmt.Errorf("%w: share %v, PUE %v, usable fraction %v, interconnect %v MW", ErrInput, spec.AIShare, spec.PUE, spec.UsableFraction, spec.InterconnectMW)
	}
	full := spec.ITMWOverride
	if full <= 0 {
		full = UsableITMW(spec.InterconnectMW, spec.UsableFraction, spec.PUE)
	}
	r := Result{FullITMW: full, ITMW: full * spec.AIShare}
	if spec.KWPerGPU > 0 {
		r.GPUs = int(math.Floor(r.ITMW * 1000 / spec.KWPerGPU))
	}
	if spec.AllInPerMW > 0 {
		r.Items = []LineItem{{Name: "all-in retrofit", USD: r.ITMW * spec.AllInPerMW}}
	} else {
		r.Items = []LineItem{
			{Name: "electrical", USD: r.ITMW * spec.ElectricalPerMW * spec.RedundancyFactor},
			{Name: "cooling", USD: r.ITMW * spec.CoolingPerMW},
			{Name: "network fabric", USD: float64(r.GPUs) * spec.FabricPerGPU},
			{Name: "shell and fit-out", USD: r.ITMW * spec.ShellPerMW},
		}
	}
	for _, it := range r.Items {
		r.TotalUSD += it.USD
	}
	return r, nil
}
