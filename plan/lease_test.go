package plan

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestLeaseLanesLayout pins the offsets lease_amd64.s reads.
func TestLeaseLanesLayout(t *testing.T) {
	var l leaseLanes
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"eb", unsafe.Offsetof(l.eb), 0}, {"s2", unsafe.Offsetof(l.s2), 72}, {"months", unsafe.Offsetof(l.months), 80},
		{"npv", unsafe.Offsetof(l.npv), 88}, {"sumE", unsafe.Offsetof(l.sumE), 120},
		{"cum", unsafe.Offsetof(l.cum), 632}, {"low", unsafe.Offsetof(l.low), 1144},
	} {
		if c.got != c.want {
			t.Errorf("leaseLanes.%s at offset %d, lease_amd64.s reads %d", c.name, c.got, c.want)
		}
	}
}

// TestLeaseAVX2 checks that the vector year loop gives leaseGo's bits
// exactly (a run's figures must not depend on the processor), with and
// without moments, over horizons of whole years and not.
func TestLeaseAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 here: leaseGo alone")
	}
	rng := rand.New(rand.NewPCG(1, 9))
	vec := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * scale
		}
		return v
	}
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	for trial := range 500 {
		n := rng.IntN(12 * 16)
		share, margin, fixE, fixCash, df := vec(n, 1), vec(n, 1e6), vec(n, 1e6), vec(n, 1e6), vec(n, 1)
		var ref []float64
		if trial%2 == 0 {
			ref = vec(n, 1e6)
		}
		run := func(avx bool) (*leaseLanes, [][]float64) {
			saved := useAVX2
			useAVX2 = avx
			defer func() { useAVX2 = saved }()
			eb, fcf := make([]float64, n), make([]float64, n)
			var s1, s2 []float64
			if ref != nil {
				s1, s2 = make([]float64, n), make([]float64, n)
				for i := range s1 {
					s1[i], s2[i] = float64(i), float64(2*i)
				}
			}
			l := new(leaseLanes)
			l.lease(eb, fcf, share, margin, fixE, fixCash, df, ref, s1, s2)
			return l, [][]float64{eb, fcf, s1, s2}
		}
		got, gs := run(true)
		want, ws := run(false)
		for k := range got.npv {
			if !same(got.npv[k], want.npv[k]) {
				t.Fatalf("trial %d (n=%d): npv lanes AVX2 %v, Go %v", trial, n, got.npv, want.npv)
			}
		}
		for y := 0; 12*y < n; y++ {
			// The lowest may differ in the sign of a zero, not in value.
			if !same(got.sumE[y], want.sumE[y]) || !same(got.cum[y], want.cum[y]) || got.low[y] != want.low[y] {
				t.Fatalf("trial %d (n=%d) year %d: AVX2 %v %v %v, Go %v %v %v", trial, n, y,
					got.sumE[y], got.cum[y], got.low[y], want.sumE[y], want.cum[y], want.low[y])
			}
		}
		for k := range gs {
			for i := range gs[k] {
				if !same(gs[k][i], ws[k][i]) {
					t.Fatalf("trial %d: array %d month %d: AVX2 %v, Go %v", trial, k, i, gs[k][i], ws[k][i])
				}
			}
		}
	}
}

// TestMarginsAVX2 checks the vector margins against marginsGo bit for bit,
// with revenue below, equal to and above the energy, zero and NaN.
func TestMarginsAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 here: marginsGo alone")
	}
	rng := rand.New(rand.NewPCG(4, 2))
	for trial := range 500 {
		n := rng.IntN(40)
		hp, rd, ed, power := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range hp {
			hp[i], rd[i], ed[i], power[i] = rng.Float64()*0.1, rng.Float64()*1e7, rng.Float64()*7e4, rng.Float64()*100
			switch rng.IntN(8) {
			case 0:
				hp[i] = 0
			case 1:
				hp[i], rd[i], ed[i], power[i] = 2, 3, 3, 2 // revenue equal to energy
			case 2:
				hp[i] = math.NaN()
			}
		}
		got, want := make([]float64, n), make([]float64, n)
		marginsAVX2(got, hp, rd, ed, power)
		done := n &^ 3
		marginsGo(got[done:], hp[done:], rd[done:], ed[done:], power[done:])
		marginsGo(want, hp, rd, ed, power)
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("trial %d month %d: AVX2 %v, Go %v", trial, i, got[i], want[i])
			}
		}
	}
}
