package site_test

import (
	"fmt"

	"github.com/hashpivot/hashpivot/site"
)

func ExampleParse() {
	_, err := site.Parse([]byte(`version: 1
name: Bad
start: 2026-01
grid: {interconnect_mw: 5}
market: {btc_price_usd: 90000, difficulty: 1.5e14, block_height: 928000}
mining:
  fleet:
    - {model: antminer-s21, units: -5}
`), "bad.yaml")
	fmt.Println(err)
	// Output: bad.yaml:8: mining.fleet[0].units: must be > 0, got -5
}
