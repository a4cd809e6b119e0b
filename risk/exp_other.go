//go:build !amd64 || purego

package risk

// useAVX2 is false off amd64 (or with the purego tag): scaleExp is the Go
// loop alone.
var useAVX2 = false

func scaleExpAVX2(out, x []float64, c float64) int { return 0 }
