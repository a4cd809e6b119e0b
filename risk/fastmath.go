package risk

import "math"

// expTable[j] = 2^(j/64), j = 0..63.
var expTable = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// Constants of exp: 64/ln 2 and ln 2/64 split in a high part with 32
// significant bits (so k × ln2Hi64 is exact for |k| < 2^20) and the rest.
const (
	invLn2x64  = 64 / math.Ln2
	ln2Hi64    = 2977044472.0 / (1 << 38) // ln 2 / 64 to 32 significant bits, exactly
	ln2Lo64    = math.Ln2/64 - ln2Hi64
	roundShift = 1.5 * (1 << 52)
)

// scaleExp sets out[i] = c e^x[i] (out may be x). e^x is within 2 ulp
// (TestExp checks it against math.Exp) and, written out in the loop, about
// four times as fast as a call of math.Exp a value on amd64: the Monte
// Carlo takes a few hundred exponentials per path, all through here. With
// k = round(64x/ln 2) and r = x - k ln2/64 (|r| <= ln2/128),
//
//	e^x = 2^⌊k/64⌋ × 2^((k mod 64)/64) × e^r,
//
// the middle factor from a table and e^r from its Taylor polynomial of
// degree 5 (truncation error < 4e-17 relative). Arguments outside
// [-700, 700] and NaN go to math.Exp.
//
// On amd64 with AVX2 the work goes four elements at a time
// (simd_amd64.s) with exactly the operations of the Go loop, so a run's
// figures do not depend on the processor; TestScaleExpAVX2 checks the bits.
func scaleExp(out, x []float64, c float64) {
	x = x[:len(out)]
	for len(out) > 0 {
		if useAVX2 {
			n := scaleExpAVX2(out, x, c)
			out, x = out[n:], x[n:]
		}
		// The rest, or the block of four that holds an argument the
		// four-lane code leaves to math.Exp.
		k := len(out)
		if useAVX2 {
			k = min(k, 4)
		}
		scaleExpGo(out[:k], x[:k], c)
		out, x = out[k:], x[k:]
	}
}

// scaleExpGo is scaleExp in Go, one element at a time.
func scaleExpGo(out, x []float64, c float64) {
	x = x[:len(out)]
	for i, v := range x {
		if !(v > -700 && v < 700) {
			out[i] = c * math.Exp(v)
			continue
		}
		// Round 64v/ln 2 to an integer by adding 1.5 × 2^52: the sum's low
		// mantissa bits are the integer (no call to math.Round).
		sh := v*invLn2x64 + roundShift
		k := int64(int32(math.Float64bits(sh)))
		kf := sh - roundShift
		r := (v - kf*ln2Hi64) - kf*ln2Lo64
		r2 := r * r
		p := r + r2*((1.0/2+r*(1.0/6))+r2*(1.0/24+r*(1.0/120)))
		t := expTable[k&63]
		e := t + t*p
		// Scale by 2^(k>>6) through the exponent bits (no overflow: |k>>6| <= 1010).
		out[i] = c * math.Float64frombits(math.Float64bits(e)+uint64(k>>6)<<52)
	}
}
