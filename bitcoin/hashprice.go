package bitcoin

import "math"

// two32 is 2^32, the expected number of hashes per unit of difficulty.
const two32 = 4294967296.0

// HashrateFromDifficulty returns the network hashrate in H/s implied by a
// difficulty at the target block interval of 600 s:
//
//	H = D * 2^32 / 600
//
// (the expected hashes to find a block at difficulty D are D * 2^32).
func HashrateFromDifficulty(difficulty float64) float64 {
	return difficulty * two32 / 600
}

// DifficultyFromHashrate is the inverse of HashrateFromDifficulty.
func DifficultyFromHashrate(hashrateHs float64) float64 {
	return hashrateHs * 600 / two32
}

// HashpriceUSDPerTHDay returns the expected revenue of 1 TH/s for one day,
// in USD, before pool fees:
//
//	hashprice = 144 * (subsidy_btc + fees_btc_per_block) * price_usd / H_th
//
// where H_th = D * 2^32 / 600 / 1e12 is the network hashrate in TH/s. A
// non-positive difficulty gives 0.
func HashpriceUSDPerTHDay(difficulty, subsidyBTC, feesBTCPerBlock, priceUSD float64) float64 {
	hth := HashrateFromDifficulty(difficulty) / 1e12
	if !(hth > 0) || math.IsInf(hth, 0) {
		return 0
	}
	return BlocksPerDay * (subsidyBTC + feesBTCPerBlock) * priceUSD / hth
}

// HashpriceUSDPerPHDay is HashpriceUSDPerTHDay per PH/s (×1000), the unit
// the industry quotes.
func HashpriceUSDPerPHDay(difficulty, subsidyBTC, feesBTCPerBlock, priceUSD float64) float64 {
	return 1000 * HashpriceUSDPerTHDay(difficulty, subsidyBTC, feesBTCPerBlock, priceUSD)
}

// HashvalueUSDPerMWh converts a hashprice into the value of one MWh spent by
// a machine of efficiency jPerTH (J/TH, i.e. W per TH/s), after a pool fee:
//
//	value = hashprice_usd_per_th_day * (1 - pool_fee) / (jPerTH * 24 / 1e6)
//
// since 1 TH/s at jPerTH watts uses jPerTH*24 Wh a day. A non-positive
// efficiency gives 0.
func HashvalueUSDPerMWh(hashpriceUSDPerTHDay, jPerTH, poolFee float64) float64 {
	if !(jPerTH > 0) {
		return 0
	}
	return hashpriceUSDPerTHDay * (1 - poolFee) / (jPerTH * 24 / 1e6)
}
