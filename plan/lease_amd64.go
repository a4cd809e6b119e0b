//go:build !purego

package plan

import "golang.org/x/sys/cpu"

// useAVX2 selects the four-lane year loop and margins (lease_amd64.s).
var useAVX2 = cpu.X86.HasAVX2

// leaseAVX2 is leaseGo on l.months months, four at a time (see
// lease_amd64.s).
//
//go:noescape
func leaseAVX2(l *leaseLanes)

// marginsAVX2 is marginsGo on the first len(margin) &^ 3 months, four at
// a time (see lease_amd64.s).
//
//go:noescape
func marginsAVX2(margin, hp, rd, ed, power []float64)
