package bitcoin

// Consensus constants.
const (
	// SatoshiPerBTC is the number of satoshis in one bitcoin.
	SatoshiPerBTC = 100_000_000
	// HalvingInterval is the number of blocks between subsidy halvings.
	HalvingInterval = 210_000
	// BlocksPerDay is the expected number of blocks a day (one per 600 s).
	BlocksPerDay = 144
	// initialSubsidySat is the subsidy of the first era, 50 BTC.
	initialSubsidySat = 50 * SatoshiPerBTC
)

// Subsidy returns the block subsidy at height h in satoshis:
//
//	subsidy(h) = 50 BTC >> floor(h / 210000)
//
// as in Bitcoin Core's GetBlockSubsidy (validation.cpp); it is zero from
// the 64th halving on, and for negative heights it is the first era's.
func Subsidy(height int64) int64 {
	if height < 0 {
		height = 0
	}
	halvings := height / HalvingInterval
	if halvings >= 64 {
		return 0
	}
	return initialSubsidySat >> halvings
}

// SubsidyBTC returns Subsidy(height) in BTC.
func SubsidyBTC(height int64) float64 {
	return float64(Subsidy(height)) / SatoshiPerBTC
}

// MeanSubsidyBTC returns the mean subsidy per block, in BTC, of the n blocks
// starting at height from (heights from … from+n-1), prorating across any
// halving inside the span. n <= 0 gives the subsidy at from.
func MeanSubsidyBTC(from, n int64) float64 {
	if n <= 0 {
		return SubsidyBTC(from)
	}
	var totalSat int64
	h, end := from, from+n
	for h < end {
		next := (h/HalvingInterval + 1) * HalvingInterval
		if h < 0 {
			next = 0
		}
		next = min(next, end)
		totalSat += Subsidy(h) * (next - h)
		h = next
	}
	return float64(totalSat) / float64(n) / SatoshiPerBTC
}
