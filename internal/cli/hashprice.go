package cli

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/spf13/cobra"
)

func newHashpriceCmd(e *env) *cobra.Command {
	var difficulty, price, fees float64
	var height int64
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "hashprice --difficulty D --btc-price P [--fees-btc F] [--height H]",
		Short:   "Hashprice per PH/s and TH/s per day, and the network hashrate",
		Example: "  hashpivot hashprice --difficulty 1.5e14 --btc-price 90000 --fees-btc 0.02 --height 928000",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var errs []string
			if !(difficulty > 0) || math.IsInf(difficulty, 0) {
				errs = append(errs, fmt.Sprintf("--difficulty: must be > 0, got %v", difficulty))
			}
			if !(price > 0) || math.IsInf(price, 0) {
				errs = append(errs, fmt.Sprintf("--btc-price: must be > 0, got %v", price))
			}
			if !(fees >= 0) || math.IsInf(fees, 0) {
				errs = append(errs, fmt.Sprintf("--fees-btc: must be >= 0, got %v", fees))
			}
			if height < 0 {
				errs = append(errs, fmt.Sprintf("--height: must be >= 0, got %d", height))
			}
			if len(errs) > 0 {
				return badInputf("%s", joinLines(errs))
			}
			sub := bitcoin.SubsidyBTC(height)
			out := struct {
				HashpricePH float64 `json:"hashprice_usd_per_ph_day"`
				HashpriceTH float64 `json:"hashprice_usd_per_th_day"`
				HashrateEH  float64 `json:"network_hashrate_eh"`
				SubsidyBTC  float64 `json:"subsidy_btc"`
				FeesBTC     float64 `json:"fees_btc_per_block"`
				BTCPriceUSD float64 `json:"btc_price_usd"`
				Difficulty  float64 `json:"difficulty"`
				Height      int64   `json:"height"`
			}{
				HashpricePH: bitcoin.HashpriceUSDPerPHDay(difficulty, sub, fees, price),
				HashpriceTH: bitcoin.HashpriceUSDPerTHDay(difficulty, sub, fees, price),
				HashrateEH:  bitcoin.HashrateFromDifficulty(difficulty) / 1e18,
				SubsidyBTC:  sub, FeesBTC: fees, BTCPriceUSD: price, Difficulty: difficulty, Height: height,
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(e.stdout, "hashprice        %10.2f USD per PH/s per day\n", out.HashpricePH)
			fmt.Fprintf(e.stdout, "                 %10.5f USD per TH/s per day\n", out.HashpriceTH)
			fmt.Fprintf(e.stdout, "network hashrate %10.1f EH/s\n", out.HashrateEH)
			fmt.Fprintf(e.stdout, "block reward     %10.4f BTC (subsidy %.4f at height %d + fees %.4f)\n", sub+fees, sub, height, fees)
			return nil
		},
	}
	f := cmd.Flags()
	f.Float64Var(&difficulty, "difficulty", 0, "network difficulty")
	f.Float64Var(&price, "btc-price", 0, "BTC price, USD")
	f.Float64Var(&fees, "fees-btc", 0, "fees per block, BTC")
	f.Int64Var(&height, "height", 928000, "block height (sets the subsidy)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("difficulty")
	_ = cmd.MarkFlagRequired("btc-price")
	return cmd
}

func joinLines(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += "\n"
		}
		out += x
	}
	return out
}
