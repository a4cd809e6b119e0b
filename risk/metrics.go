package risk

import (
	"math"
	"math/bits"
	"slices"
)

// Dist summarises a sample: mean, standard deviation (n-1 in the
// denominator) and the 5th, 50th and 95th percentiles.
type Dist struct {
	Mean float64 `json:"mean"` // arithmetic mean
	Std  float64 `json:"std"`  // sample standard deviation
	P5   float64 `json:"p5"`   // 5th percentile
	P50  float64 `json:"p50"`  // median
	P95  float64 `json:"p95"`  // 95th percentile
}

// MeanStd returns the mean and sample standard deviation of xs, summed in
// order (two passes, so the result depends only on the values and their
// order). Both are 0 for an empty sample; Std is 0 for one value.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// ShareNegative returns the share of xs below 0 (0 for an empty sample).
func ShareNegative(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	neg := 0
	for _, v := range xs {
		if v < 0 {
			neg++
		}
	}
	return float64(neg) / float64(len(xs))
}

// Quantiles returns the p-quantiles of xs (each p in [0, 1]) by linear
// interpolation between order statistics, as NumPy's default and R's type
// 7: with h = (n-1)p, q = x_(⌊h⌋) + (h-⌊h⌋)(x_(⌊h⌋+1) - x_(⌊h⌋)). It
// reorders xs (selection, O(n) expected per quantile, not a sort) and
// returns NaN for an empty sample. xs must hold no NaN.
func Quantiles(xs []float64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	n := len(xs)
	if n == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	from := 0 // xs[:from] are all <= xs[from:], and xs[from:] is unordered
	for _, oi := range order {
		p := min(max(ps[oi], 0), 1)
		h := float64(n-1) * p
		lo := int(math.Floor(h))
		lo = min(max(lo, from), n-1)
		selectNth(xs[from:], lo-from)
		from = lo
		v := xs[lo]
		if frac := h - float64(lo); frac > 0 && lo+1 < n {
			next := slices.Min(xs[lo+1:])
			v += frac * (next - v)
		}
		out[oi] = v
	}
	return out
}

// CVaR returns the mean of the worst ⌈alpha·n⌉ values of xs (the lower
// tail: expected shortfall at level alpha, as a value, not a loss). It
// reorders xs; NaN for an empty sample.
func CVaR(xs []float64, alpha float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(alpha*float64(n) - 1e-9))
	k = min(max(k, 1), n)
	selectNth(xs, k-1)
	var s float64
	for _, x := range xs[:k] {
		s += x
	}
	return s / float64(k)
}

// selectNth reorders xs so that xs[k] is the value a sort would put there,
// with every value before it <= xs[k] <= every value after it
// (introselect: Hoare partitioning around a median of three, falling back
// to a sort of the remaining range when it makes too little progress).
func selectNth(xs []float64, k int) {
	lo, hi := 0, len(xs)-1
	budget := 2 * bits.Len(uint(len(xs)))
	for hi > lo {
		if budget == 0 || hi-lo < 16 {
			slices.Sort(xs[lo : hi+1])
			return
		}
		budget--
		mid := lo + (hi-lo)/2
		// Median of three to xs[mid].
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		// Now xs[lo..j] <= pivot <= xs[i..hi], and xs[j+1..i-1] == pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}
