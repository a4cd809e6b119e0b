package market

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashpivot/hashpivot/bitcoin"
)

// State is the market a plan starts from: what `hashpivot plan --market
// live|cache` puts in the site file's market: block.
type State struct {
	// BTCPriceUSD is the BTC/USD price.
	BTCPriceUSD float64 `json:"btc_price_usd"`
	// Difficulty is the network difficulty in force.
	Difficulty float64 `json:"difficulty"`
	// BlockHeight is the height of the chain tip.
	BlockHeight int64 `json:"block_height"`
	// FeesBTCPerBlock is the mean transaction fees per block over the last
	// day (144 blocks), in BTC.
	FeesBTCPerBlock float64 `json:"fees_btc_per_block"`
	// AsOf is when the state was fetched.
	AsOf time.Time `json:"as_of"`
	// Source says where each value came from.
	Source string `json:"source"`
}

// Validate reports every field out of range at once, with its JSON name.
func (s State) Validate() error {
	var errs []error
	if !(s.BTCPriceUSD > 0) || math.IsInf(s.BTCPriceUSD, 0) {
		errs = append(errs, fmt.Errorf("btc_price_usd: must be > 0 (got %v)", s.BTCPriceUSD))
	}
	if !(s.Difficulty > 0) || math.IsInf(s.Difficulty, 0) {
		errs = append(errs, fmt.Errorf("difficulty: must be > 0 (got %v)", s.Difficulty))
	}
	if s.BlockHeight <= 0 {
		errs = append(errs, fmt.Errorf("block_height: must be > 0 (got %d)", s.BlockHeight))
	}
	if !(s.FeesBTCPerBlock >= 0) || math.IsInf(s.FeesBTCPerBlock, 0) {
		errs = append(errs, fmt.Errorf("fees_btc_per_block: must be >= 0 (got %v)", s.FeesBTCPerBlock))
	}
	if s.AsOf.IsZero() {
		errs = append(errs, errors.New("as_of: missing"))
	}
	return errors.Join(errs...)
}

// SubsidyBTC is the block subsidy at the state's height:
// 50 BTC >> floor(height / 210000).
func (s State) SubsidyBTC() float64 { return bitcoin.SubsidyBTC(s.BlockHeight) }

// HashrateEH is the network hashrate implied by the difficulty, in EH/s:
// D * 2^32 / 600 / 1e18.
func (s State) HashrateEH() float64 { return bitcoin.HashrateFromDifficulty(s.Difficulty) / 1e18 }

// HashpriceUSDPerPHDay is the state's hashprice in USD per PH/s per day:
// 1000 * 144 * (subsidy + fees) * price / (D * 2^32 / 600 / 1e12), from
// package bitcoin.
func (s State) HashpriceUSDPerPHDay() float64 {
	return bitcoin.HashpriceUSDPerPHDay(s.Difficulty, s.SubsidyBTC(), s.FeesBTCPerBlock, s.BTCPriceUSD)
}

// StateOptions says where FetchState asks and what it does with the answer.
type StateOptions struct {
	// Client does the requests (nil = NewClient()).
	Client *Client
	// MempoolURL, CoinGeckoURL and CoinMetricsURL are the sources' base URLs
	// ("" = defaults).
	MempoolURL, CoinGeckoURL, CoinMetricsURL string
	// CacheDir, when not empty, receives the state as StateFile.
	CacheDir string
}

// feeBlocks is the span over which FetchState averages fees: one day.
const feeBlocks = 144

// FetchState asks the live sources for today's market: the tip height, the
// current difficulty and the mean fees of the last 144 blocks from
// mempool.space; the BTC/USD price from CoinGecko, falling back to Coin
// Metrics and then to mempool.space's own price. It writes the state to
// opts.CacheDir/StateFile when CacheDir is set. Any missing value fails the
// call; callers that can live with yesterday's market use LoadCachedState
// (see FetchStateOrCached).
func FetchState(ctx context.Context, opts StateOptions) (State, error) {
	c := opts.Client
	if c == nil {
		c = NewClient()
	}
	mp := orDefault(opts.MempoolURL, DefaultMempoolURL)
	cg := orDefault(opts.CoinGeckoURL, DefaultCoinGeckoURL)
	cm := orDefault(opts.CoinMetricsURL, DefaultCoinMetricsURL)
	bar := c.progress("market", 4)
	defer bar.Finish()
	var st State
	var err error
	if st.BlockHeight, err = c.MempoolTipHeight(ctx, mp); err != nil {
		return State{}, withContext("block height", err)
	}
	bar.Add(1)
	h, err := c.MempoolMiningHistory(ctx, mp, "1m")
	if err != nil {
		return State{}, withContext("difficulty", err)
	}
	if st.Difficulty, err = h.latestDifficulty(); err != nil {
		return State{}, err
	}
	bar.Add(1)
	rs, err := c.MempoolRewardStats(ctx, mp, feeBlocks)
	if err != nil {
		return State{}, withContext("fees", err)
	}
	st.FeesBTCPerBlock = rs.FeesBTCPerBlock()
	bar.Add(1)
	var priceSrc string
	var perr []string
	if p, _, err := c.CoinGeckoPrice(ctx, cg); err == nil {
		st.BTCPriceUSD, priceSrc = p, "coingecko "+cg
	} else if perr = append(perr, "coingecko: "+err.Error()); ctx.Err() == nil {
		if p, _, err := c.CoinMetricsLatestPrice(ctx, cm); err == nil {
			st.BTCPriceUSD, priceSrc = p, "coinmetrics "+cm+" (daily close)"
		} else if perr = append(perr, "coinmetrics: "+err.Error()); ctx.Err() == nil {
			if p, _, err := c.MempoolPrice(ctx, mp); err == nil {
				st.BTCPriceUSD, priceSrc = p, "mempool.space "+mp
			} else {
				perr = append(perr, "mempool.space: "+err.Error())
			}
		}
	}
	if priceSrc == "" {
		return State{}, fmt.Errorf("market: BTC price: every source failed: %s", strings.Join(perr, "; "))
	}
	bar.Add(1)
	st.AsOf = c.now().UTC()
	st.Source = fmt.Sprintf("height, difficulty, fees (mean of %d blocks): mempool.space %s; price: %s", rs.EndBlock-rs.StartBlock+1, mp, priceSrc)
	if err := st.Validate(); err != nil {
		return State{}, fmt.Errorf("market: fetched state is not usable: %w", err)
	}
	if opts.CacheDir != "" {
		if err := SaveState(opts.CacheDir, st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// SaveState writes st to dir/StateFile atomically.
func SaveState(dir string, st State) error {
	return writeFileAtomic(filepath.Join(dir, StateFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	})
}

// LoadCachedState reads the state the last fetch wrote to dir/StateFile;
// ErrNoCache when there is none.
func LoadCachedState(dir string) (State, error) {
	path := filepath.Join(dir, StateFile)
	data, err := readCached(path)
	if err != nil {
		return State{}, err
	}
	return ParseState(bytes.NewReader(data), path)
}

// ParseState reads a state JSON (the StateFile format: the json names of
// State's fields). Unknown keys are an error; every field is validated.
func ParseState(r io.Reader, name string) (State, error) {
	data, err := readBounded(r, maxMetaBytes, name)
	if err != nil {
		return State{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return State{}, jsonError(name, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return State{}, &ParseError{File: name, Err: errors.New("data after the end of the JSON document")}
	}
	if err := st.Validate(); err != nil {
		return State{}, &ParseError{File: name, Err: err}
	}
	return st, nil
}

// FetchStateOrCached is FetchState, falling back to LoadCachedState(opts.
// CacheDir) when the live fetch fails (network unreachable, a source
// down). fallback is nil when the state is live, else the live error the
// caller should show ("using the state cached at AsOf because: …"). err is
// set only when neither worked.
func FetchStateOrCached(ctx context.Context, opts StateOptions) (st State, fallback error, err error) {
	st, liveErr := FetchState(ctx, opts)
	if liveErr == nil {
		return st, nil, nil
	}
	if opts.CacheDir == "" {
		return State{}, nil, liveErr
	}
	cached, cacheErr := LoadCachedState(opts.CacheDir)
	if cacheErr != nil {
		return State{}, nil, fmt.Errorf("%w; and no cached state to fall back on: %w", liveErr, noPrefix{cacheErr})
	}
	return cached, liveErr, nil
}
