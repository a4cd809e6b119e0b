//go:build !amd64 || purego

package risk

// useAVX2 and useFMA are false off amd64 (or with the purego tag): the Go
// loops alone.
var useAVX2, useFMA = false, false

func scaleExpAVX2(out, x []float64, c float64) int { return 0 }

func hornerAVX2(a, b []float64, y float64, acc *[12]float64) { hornerGo(a, b, y, acc) }
