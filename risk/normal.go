package risk

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Ziggurat tables for the standard normal (Marsaglia and Tsang, "The
// Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8),
// 2000): 128 layers of equal area v, the base strip extending to r.
const (
	zigR = 3.442619855899
	zigV = 9.91256303526217e-3
	zigM = 1 << 31
)

var zigK [128]uint32
var zigW, zigF [128]float64

func init() {
	dn, tn := zigR, zigR
	q := zigV / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32(dn / q * zigM)
	zigK[1] = 0
	zigW[0] = q / zigM
	zigW[127] = dn / zigM
	zigF[0] = 1
	zigF[127] = math.Exp(-0.5 * dn * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(zigV/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32(dn / tn * zigM)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / zigM
	}
}

// normal returns a standard normal variate drawn from src by the ziggurat
// method (one 64-bit draw almost always: 32 bits for the value, 7 for the
// layer). It calls the generator's concrete type directly, which is what
// makes it faster than rand.Rand.NormFloat64 (an interface call a draw);
// TestNormal checks its moments and its distribution.
func normal(src *rand.PCG) float64 {
	u := src.Uint64()
	j := int32(u)
	i := u >> 32 & 0x7F
	aj := uint32(j)
	if j < 0 {
		aj = uint32(-j)
	}
	if aj < zigK[i] {
		return float64(j) * zigW[i] // 98.8% of draws end here
	}
	return normalSlow(src, u)
}

// normalSlow goes on with the draw u that fell outside the layer's core.
func normalSlow(src *rand.PCG, u uint64) float64 {
	for {
		j := int32(u)
		i := u >> 32 & 0x7F
		x := float64(j) * zigW[i]
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-j)
		}
		if aj < zigK[i] {
			return x
		}
		if i == 0 {
			// The tail beyond r (Marsaglia 1964).
			for {
				x = -math.Log(unit(src)) / zigR
				y := -math.Log(unit(src))
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return zigR + x
			}
			return -zigR - x
		}
		if zigF[i]+unit(src)*(zigF[i-1]-zigF[i]) < math.Exp(-0.5*x*x) {
			return x
		}
		u = src.Uint64()
	}
}

// unit returns a uniform variate in (0, 1].
func unit(src *rand.PCG) float64 {
	return float64(src.Uint64()>>11+1) / (1 << 53)
}

// intN returns a uniform integer in [0, n) (Lemire's multiply-and-reject
// method, exact).
func intN(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
