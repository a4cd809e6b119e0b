// Package bitcoin holds the network economics a miner's revenue depends on:
// the block subsidy schedule, the conversion between difficulty and network
// hashrate, and hashprice (the expected revenue of one unit of hashrate per
// day). All functions are pure; amounts in BTC are float64 named with _btc
// units except Subsidy, which returns exact satoshis.
//
// The package returns no errors: its inputs are validated by the site file
// loader, and a zero or negative difficulty yields a zero hashprice.
package bitcoin
