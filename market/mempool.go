package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// mempoolPeriod is a lookback window mempool.space's mining endpoints take.
type mempoolPeriod struct {
	Name string
	Span time.Duration
}

const day = 24 * time.Hour

// The windows of /api/v1/mining/hashrate/:interval and
// /api/v1/mining/blocks/fees/:interval, shortest first; "all" is the last.
var (
	hashratePeriods = []mempoolPeriod{{"1m", 30 * day}, {"3m", 90 * day}, {"6m", 182 * day}, {"1y", 365 * day}, {"2y", 730 * day}, {"3y", 1095 * day}, {"all", 0}}
	feesPeriods     = []mempoolPeriod{{"24h", day}, {"3d", 3 * day}, {"1w", 7 * day}, {"1m", 30 * day}, {"3m", 90 * day}, {"6m", 182 * day}, {"1y", 365 * day}, {"2y", 730 * day}, {"3y", 1095 * day}, {"all", 0}}
)

// periodFor returns the shortest window covering span ("all" if none).
func periodFor(span time.Duration, periods []mempoolPeriod) string {
	for _, p := range periods {
		if p.Span > 0 && p.Span >= span {
			return p.Name
		}
	}
	return "all"
}

// parseTipHeight reads /api/blocks/tip/height: a decimal height as text.
func parseTipHeight(data []byte, name string) (int64, error) {
	s := strings.TrimSpace(string(data))
	h, err := strconv.ParseInt(s, 10, 64)
	if err != nil || h < 0 {
		return 0, &ParseError{File: name, Line: 1, Err: fmt.Errorf("want a block height, got %q", truncateForError([]byte(s)))}
	}
	return h, nil
}

// RewardStats is mempool.space's /api/v1/mining/reward-stats/:blockCount:
// totals over the blocks StartBlock..EndBlock, in satoshis.
type RewardStats struct {
	StartBlock, EndBlock int64
	TotalRewardSat       int64
	TotalFeeSat          int64
	TotalTx              int64
}

// FeesBTCPerBlock is the mean fees per block of the span, in BTC.
func (s RewardStats) FeesBTCPerBlock() float64 {
	n := s.EndBlock - s.StartBlock + 1
	if n <= 0 {
		return 0
	}
	return float64(s.TotalFeeSat) / float64(n) / satPerBTC
}

// parseRewardStats reads {"startBlock": 1, "endBlock": 144, "totalReward":
// "…", "totalFee": "…", "totalTx": "…"} (totals as numbers or strings).
func parseRewardStats(data []byte, name string) (RewardStats, error) {
	d := newJSONDoc(data, name)
	var raw struct {
		StartBlock  flexNumber `json:"startBlock"`
		EndBlock    flexNumber `json:"endBlock"`
		TotalReward flexNumber `json:"totalReward"`
		TotalFee    flexNumber `json:"totalFee"`
		TotalTx     flexNumber `json:"totalTx"`
	}
	if err := d.decode("", &raw); err != nil {
		return RewardStats{}, err
	}
	if err := d.end(); err != nil {
		return RewardStats{}, err
	}
	var s RewardStats
	for _, f := range []struct {
		key string
		n   flexNumber
		dst *int64
	}{{"startBlock", raw.StartBlock, &s.StartBlock}, {"endBlock", raw.EndBlock, &s.EndBlock}, {"totalReward", raw.TotalReward, &s.TotalRewardSat}, {"totalFee", raw.TotalFee, &s.TotalFeeSat}, {"totalTx", raw.TotalTx, &s.TotalTx}} {
		v, err := f.n.int()
		if err == nil && v < 0 {
			err = fmt.Errorf("must be >= 0 (got %d)", v)
		}
		if err != nil {
			return RewardStats{}, &ParseError{File: name, Field: f.key, Err: err}
		}
		*f.dst = v
	}
	if s.EndBlock < s.StartBlock {
		return RewardStats{}, &ParseError{File: name, Field: "endBlock", Err: fmt.Errorf("%d is before startBlock %d", s.EndBlock, s.StartBlock)}
	}
	return s, nil
}

// parseMempoolPrice reads /api/v1/prices: {"time": 1703252411, "USD": 43753, …}.
func parseMempoolPrice(data []byte, name string) (float64, time.Time, error) {
	d := newJSONDoc(data, name)
	var raw struct {
		Time flexNumber `json:"time"`
		USD  flexNumber `json:"USD"`
	}
	if err := d.decode("", &raw); err != nil {
		return 0, time.Time{}, err
	}
	if err := d.end(); err != nil {
		return 0, time.Time{}, err
	}
	v, err := raw.USD.float()
	if err == nil && !(v > 0) {
		err = fmt.Errorf("must be > 0 (got %v)", v)
	}
	if err != nil {
		return 0, time.Time{}, &ParseError{File: name, Field: "USD", Err: err}
	}
	var at time.Time
	if s, err := raw.Time.int(); err == nil {
		at, _ = unixTime(s)
	}
	return v, at, nil
}

// MempoolTipHeight fetches the height of the chain tip: GET
// base/api/blocks/tip/height.
func (c *Client) MempoolTipHeight(ctx context.Context, base string) (int64, error) {
	u, err := joinURL(base, "/api/blocks/tip/height", nil)
	if err != nil {
		return 0, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return 0, err
	}
	return parseTipHeight(body, u)
}

// MempoolMiningHistory fetches GET base/api/v1/mining/hashrate/:interval
// (1m, 3m, 6m, 1y, 2y, 3y or all).
func (c *Client) MempoolMiningHistory(ctx context.Context, base, interval string) (MiningHistory, error) {
	u, err := joinURL(base, "/api/v1/mining/hashrate/"+interval, nil)
	if err != nil {
		return MiningHistory{}, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return MiningHistory{}, err
	}
	return parseMiningHistory(body, u)
}

// MempoolFees fetches GET base/api/v1/mining/blocks/fees/:interval (24h,
// 3d, 1w, 1m, 3m, 6m, 1y, 2y, 3y or all).
func (c *Client) MempoolFees(ctx context.Context, base, interval string) ([]BlockFees, error) {
	u, err := joinURL(base, "/api/v1/mining/blocks/fees/"+interval, nil)
	if err != nil {
		return nil, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	return parseMempoolFees(body, u)
}

// MempoolRewardStats fetches GET base/api/v1/mining/reward-stats/:blocks.
func (c *Client) MempoolRewardStats(ctx context.Context, base string, blocks int) (RewardStats, error) {
	u, err := joinURL(base, "/api/v1/mining/reward-stats/"+strconv.Itoa(blocks), nil)
	if err != nil {
		return RewardStats{}, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return RewardStats{}, err
	}
	return parseRewardStats(body, u)
}

// MempoolPrice fetches mempool.space's BTC/USD price: GET base/api/v1/prices.
func (c *Client) MempoolPrice(ctx context.Context, base string) (float64, time.Time, error) {
	u, err := joinURL(base, "/api/v1/prices", nil)
	if err != nil {
		return 0, time.Time{}, err
	}
	body, err := c.get(ctx, u)
	if err != nil {
		return 0, time.Time{}, err
	}
	return parseMempoolPrice(body, u)
}

// SyncDifficulty brings dir/MiningHistoryFile (mempool.space's JSON format,
// daily hashrates and every retarget) and dir/DifficultyFile (the retargets
// as CSV) up to date from mempool.space at base ("" = default). With a
// cache it asks only for the shortest window covering the time since its
// last sample; without one, for "all".
func (c *Client) SyncDifficulty(ctx context.Context, dir, base string) (SyncResult, error) {
	base = orDefault(base, DefaultMempoolURL)
	path := filepath.Join(dir, MiningHistoryFile)
	cached, err := loadCachedWith(path, LoadMiningHistory)
	if err != nil && !errors.Is(err, ErrNoCache) {
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	interval := "all"
	if err == nil {
		var last time.Time
		if n := len(cached.Hashrates); n > 0 {
			last = cached.Hashrates[n-1].Time
		}
		if n := len(cached.Retargets); n > 0 && cached.Retargets[n-1].Time.After(last) {
			last = cached.Retargets[n-1].Time
		}
		if !last.IsZero() {
			// The window must reach back past the last retarget too, so
			// that the next one is included: pad by two days.
			interval = periodFor(c.now().Sub(last)+2*day, hashratePeriods)
		}
	}
	bar := c.progress("difficulty", 1)
	fresh, err := c.MempoolMiningHistory(ctx, base, interval)
	bar.Add(1)
	bar.Finish()
	if err != nil {
		return SyncResult{}, err
	}
	merged := mergeMiningHistory(cached, fresh)
	if len(merged.Retargets) == 0 {
		return SyncResult{}, fmt.Errorf("%w: difficulty: %s returned no retargets", ErrNoData, base)
	}
	res := SyncResult{Path: filepath.Join(dir, DifficultyFile), Source: "mempool.space", URL: base, FetchedAt: c.now()}
	res.Rows = len(merged.Retargets)
	res.Added = max(0, len(merged.Retargets)-len(cached.Retargets))
	first, last := merged.Retargets[0], merged.Retargets[len(merged.Retargets)-1]
	res.First = fmt.Sprintf("%d@%s", first.Height, first.Time.Format(time.RFC3339))
	res.Last = fmt.Sprintf("%d@%s", last.Height, last.Time.Format(time.RFC3339))
	res.Notes = append(res.Notes, fmt.Sprintf("asked for window %q; %d daily hashrate samples in %s", interval, len(merged.Hashrates), MiningHistoryFile))
	meta := Meta{Source: res.Source, URL: base + "/api/v1/mining/hashrate/" + interval, FetchedAt: res.FetchedAt, First: res.First, Last: res.Last}
	jm := meta
	jm.Rows, jm.Format = len(merged.Hashrates), "mempool.space /api/v1/mining/hashrate JSON"
	if err := writeCacheFile(path, func(w io.Writer) error { return WriteMiningHistory(w, merged) }, jm); err != nil {
		return SyncResult{}, err
	}
	cm := meta
	cm.Rows, cm.Format = res.Rows, RetargetHeader
	if err := writeCacheFile(res.Path, func(w io.Writer) error { return WriteRetargets(w, merged.Retargets) }, cm); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}

// SyncFees brings dir/FeesFile (average fees per block, FeesHeader) up to
// date for the last days days from mempool.space at base ("" = default).
// It asks for the shortest window covering what the cache lacks; rows
// older than the window asked are kept from the cache. mempool.space
// averages over groups of blocks whose size grows with the window.
func (c *Client) SyncFees(ctx context.Context, dir, base string, days int) (SyncResult, error) {
	if days <= 0 {
		return SyncResult{}, fmt.Errorf("%w: fees: days must be > 0 (got %d)", ErrBadRequest, days)
	}
	base = orDefault(base, DefaultMempoolURL)
	path := filepath.Join(dir, FeesFile)
	cached, err := loadCachedWith(path, LoadFees)
	if err != nil && !errors.Is(err, ErrNoCache) {
		return SyncResult{}, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	now := c.now()
	want := time.Duration(days) * day
	start := now.Add(-want)
	need := want
	if len(cached) > 0 && !cached[0].Time.After(start.Add(day)) {
		need = min(want, now.Sub(cached[len(cached)-1].Time)+day)
	}
	interval := periodFor(need, feesPeriods)
	bar := c.progress("fees", 1)
	fresh, err := c.MempoolFees(ctx, base, interval)
	bar.Add(1)
	bar.Finish()
	if err != nil {
		return SyncResult{}, err
	}
	var kept []BlockFees
	for _, f := range fresh {
		if !f.Time.Before(start) {
			kept = append(kept, f)
		}
	}
	merged := mergeFees(cached, kept)
	if len(merged) == 0 {
		return SyncResult{}, fmt.Errorf("%w: fees: %s returned no rows for the last %d days", ErrNoData, base, days)
	}
	res := SyncResult{Path: path, Source: "mempool.space", URL: base, FetchedAt: c.now(), Rows: len(merged), Added: len(kept)}
	res.First = merged[0].Time.Format(time.RFC3339)
	res.Last = merged[len(merged)-1].Time.Format(time.RFC3339)
	res.Notes = append(res.Notes, fmt.Sprintf("asked for window %q", interval))
	meta := Meta{Source: res.Source, URL: base + "/api/v1/mining/blocks/fees/" + interval, FetchedAt: res.FetchedAt, Rows: res.Rows,
		First: res.First, Last: res.Last, Format: FeesHeader, Note: "fees_btc is mempool.space's average of total fees per block over a group of blocks centred on avg_height"}
	if err := writeCacheFile(path, func(w io.Writer) error { return WriteFees(w, merged) }, meta); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}
