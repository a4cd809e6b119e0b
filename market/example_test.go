package market_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashpivot/hashpivot/market"
)

// A CoinGecko export whose last close is empty: the row is skipped and
// reported, never read as 0.
func ExampleLoadBTCPrices() {
	csv := `event_date,close_price_usd,market_cap_usd,volume_usd
2026-07-17 00:00:00 UTC,63899.3262237992,1281671279122.6794,28906918204.03447
2026-07-18 00:00:00 UTC,64795.703823037846,1299683566530.662,15451966881.207874
2026-07-19 00:00:00 UTC,"",1292361496904.9734,15704947278.9367
`
	p, err := market.LoadBTCPrices(strings.NewReader(csv), "btc-usd-daily.csv", market.SkipMissing)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range p.Closes {
		fmt.Printf("%s %.2f\n", c.Date.Format(time.DateOnly), c.CloseUSD)
	}
	for _, s := range p.Skipped {
		fmt.Printf("skipped line %d (%s): %s\n", s.Line, s.Date.Format(time.DateOnly), s.Reason)
	}
	_, err = market.LoadBTCPrices(strings.NewReader(csv), "btc-usd-daily.csv", market.RejectMissing)
	fmt.Println(err)
	// Output:
	// 2026-07-17 63899.33
	// 2026-07-18 64795.70
	// skipped line 4 (2026-07-19): empty close_price_usd
	// market: btc-usd-daily.csv:4: close_price_usd: missing value: empty close on 2026-07-19
}

// The hashprice of a market state, as `hashpivot data market` prints it.
func ExampleState_HashpriceUSDPerPHDay() {
	st := market.State{BTCPriceUSD: 84000, Difficulty: 112.15e12, BlockHeight: 888000, FeesBTCPerBlock: 0.02}
	fmt.Printf("subsidy %.3f BTC, hashrate %.0f EH/s, hashprice $%.2f/PH/s/day\n", st.SubsidyBTC(), st.HashrateEH(), st.HashpriceUSDPerPHDay())
	// Output:
	// subsidy 3.125 BTC, hashrate 803 EH/s, hashprice $47.39/PH/s/day
}
