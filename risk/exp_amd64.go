//go:build !purego

package risk

import "golang.org/x/sys/cpu"

// useAVX2 selects the four-lane exponential (exp_amd64.s).
var useAVX2 = cpu.X86.HasAVX2

// scaleExpAVX2 is scaleExpGo four elements at a time; it returns how many
// it did (see exp_amd64.s).
//
//go:noescape
func scaleExpAVX2(out, x []float64, c float64) int
