//go:build !purego

package risk

import "golang.org/x/sys/cpu"

// useAVX2 selects the four-lane exponential, useFMA the four-lane Horner
// recurrences (simd_amd64.s).
var (
	useAVX2 = cpu.X86.HasAVX2
	useFMA  = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// scaleExpAVX2 is scaleExpGo four elements at a time; it returns how many
// it did (see simd_amd64.s).
//
//go:noescape
func scaleExpAVX2(out, x []float64, c float64) int

// hornerAVX2 is hornerGo four lanes at a time (see simd_amd64.s).
//
//go:noescape
func hornerAVX2(a, b []float64, y float64, acc *[12]float64)
