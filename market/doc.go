// Package market holds hashpivot's time-series loaders and fetchers of public
// market data: the BTC/USD daily price, the network's difficulty and hashrate
// history, fees per block, ERCOT settlement point prices, and today's market
// State that `hashpivot plan --market live|cache` starts from.
//
// The loaders (LoadBTCPrices, LoadMiningHistory, LoadRetargets,
// LoadMempoolFees, LoadFees, LoadCachedState) are pure: they read an
// io.Reader, bound what they read, never panic, and report bad input as a
// *ParseError naming the file, the line (and column for JSON) and the field.
//
// The fetchers are methods of Client, an HTTP client with timeouts, retries
// with jittered backoff that respect the context, 429 Retry-After handling,
// bounded bodies and an optional progress bar. They speak to the
// mempool.space REST API, a CoinGecko-style market chart API with the Coin
// Metrics community API as fallback, and ERCOT's public reports API; every
// base URL can be pointed elsewhere. The Sync* methods keep a cache
// directory (see CacheDir) of CSV files up to date, asking only for what is
// missing and writing each file atomically (temporary file, then rename)
// with a sidecar NAME.meta.json recording its source and fetch time.
//
// Errors: *ParseError for bad bytes (match ErrTooLarge and ErrMissingValue
// with errors.Is), *HTTPError for a non-success HTTP status, ErrNoData when a
// source answered with nothing usable, ErrNoCache when a cached file is
// absent, ErrBadRequest for an invalid request. Every message starts with "market: ".
package market
