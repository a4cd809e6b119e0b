//go:build !amd64 || purego

package plan

// useAVX2 is false off amd64 (or with the purego tag): leaseGo alone.
var useAVX2 = false

func leaseAVX2(l *leaseLanes) {}

func marginsAVX2(margin, hp, rd, ed, power []float64) {}
