package risk

import (
	"math"
	"math/bits"
)

// Stream is one market path's random number generator: SplitMix64 (Steele,
// Lea and Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA
// 2014; it passes TestU01's BigCrush), a Weyl sequence s += γ run through a
// bijective mixer. Its whole state is one word, so the Monte Carlo's loops
// keep it in a register and draw a variate with two multiplications —
// several times cheaper than math/rand/v2's PCG behind a pointer.
//
// Path j of seed S starts at mix(j ^ mix(S)), a pseudo-random point of the
// 2^64-long sequence: two paths overlap only if their starts fall within a
// few hundred steps of each other, about 1 chance in 10^4 for a million
// paths, and an overlap would repeat draws, not bias them.
type Stream struct{ s uint64 }

// golden is γ = 2^64/φ, odd, the Weyl increment of SplitMix64.
const golden = 0x9e3779b97f4a7c15

// NewStream returns path's stream of seed.
func NewStream(seed, path uint64) *Stream {
	var r Stream
	r.Seed(seed, path)
	return &r
}

// Seed resets r to path's stream of seed.
func (r *Stream) Seed(seed, path uint64) { r.s = mix64(path ^ mix64(seed+golden)) }

// Uint64 returns the next 64 uniform bits.
func (r *Stream) Uint64() uint64 {
	r.s += golden
	return mix64(r.s)
}

// mix64 is SplitMix64's output function (Stafford's "Mix13" variant of
// MurmurHash3's finaliser), a bijection of 64-bit words.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Ziggurat tables for the standard normal (Marsaglia and Tsang, "The
// Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8),
// 2000): 256 layers of equal area v, the base strip extending to r (the
// paper's constants for 256 layers: 1.5% of draws miss a layer's core and
// go on in normalSlow, against 2.7% with 128).
const (
	zigN = 256
	zigR = 3.6541528853610088
	zigV = 4.92867323399e-3
	zigM = 1 << 31
)

var zigK [zigN]uint32
var zigW, zigF [zigN]float64

func init() {
	dn, tn := zigR, zigR
	q := zigV / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32(dn / q * zigM)
	zigK[1] = 0
	zigW[0] = q / zigM
	zigW[zigN-1] = dn / zigM
	zigF[0] = 1
	zigF[zigN-1] = math.Exp(-0.5 * dn * dn)
	for i := zigN - 2; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(zigV/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32(dn / tn * zigM)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / zigM
	}
}

// normals fills out with mu + sig z, z standard normal drawn from r by the
// ziggurat method: one 64-bit draw per variate almost always (32 bits for
// the value, 8 for the layer), the rare draw outside a layer's core going
// on in normalSlow. The loop holds the generator's state in a local, which
// is what makes it fast (a four-lane AVX2 version was no faster: its two
// table gathers a block cost what the scalar loads do); TestNormal checks
// the variates' moments and distribution.
func normals(out []float64, mu, sig float64, r *Stream) {
	s := r.s
	for i := range out {
		s += golden
		u := mix64(s)
		j := int32(u)
		l := u >> 32 & (zigN - 1)
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-j)
		}
		var z float64
		if aj < zigK[l] {
			z = float64(j) * zigW[l] // 98.5% of draws end here
		} else {
			z, s = normalSlow(s, u)
		}
		out[i] = mu + sig*z
	}
	r.s = s
}

// normalSlow goes on with the draw u that fell outside the layer's core,
// from the generator state s; it returns the variate and the new state.
func normalSlow(s, u uint64) (float64, uint64) {
	r := Stream{s}
	for {
		j := int32(u)
		i := u >> 32 & (zigN - 1)
		x := float64(j) * zigW[i]
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-j)
		}
		if aj < zigK[i] {
			return x, r.s
		}
		if i == 0 {
			// The tail beyond r (Marsaglia 1964).
			for {
				x = -math.Log(r.unit()) / zigR
				y := -math.Log(r.unit())
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return zigR + x, r.s
			}
			return -zigR - x, r.s
		}
		if zigF[i]+r.unit()*(zigF[i-1]-zigF[i]) < expOne(-0.5*x*x) {
			return x, r.s
		}
		u = r.Uint64()
	}
}

// unit returns a uniform variate in (0, 1].
func (r *Stream) unit() float64 {
	return float64(r.Uint64()>>11+1) / (1 << 53)
}

// intN returns a uniform integer in [0, n) (Lemire's multiply-and-reject
// method, exact).
func (r *Stream) intN(n uint64) uint64 {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// expOne is e^x by scaleExpGo (the slow path of a few draws in a hundred
// takes one; math.Exp would be most of its cost).
func expOne(x float64) float64 {
	var out, in [1]float64
	in[0] = x
	scaleExpGo(out[:], in[:], 1)
	return out[0]
}
