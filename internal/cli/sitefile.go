package cli

import (
	"context"
	"fmt"

	"github.com/hashpivot/hashpivot/site"
)

// loadSite loads and validates a site file; any problem is bad input.
func loadSite(path string) (*site.Site, error) {
	s, err := site.Load(path)
	if err != nil {
		return nil, badInput(err)
	}
	return s, nil
}

// loadSiteWithMarket loads a site and, for --market live|cache, replaces
// the state of its market section (price, difficulty, height, fees) by
// today's, fetched or cached; the file's growth assumptions stay. It
// returns a line describing the market used ("" for the file's own).
func loadSiteWithMarket(ctx context.Context, e *env, path, src, cacheDir string, quiet bool) (*site.Site, string, error) {
	switch src {
	case "", "file":
		s, err := loadSite(path)
		return s, "", err
	case "live", "cache":
	default:
		return nil, "", badInputf("--market: must be file, live or cache, got %q", src)
	}
	st, _, _, err := marketState(ctx, e, cacheDir, src, marketSources{}, quiet)
	if err != nil {
		return nil, "", err
	}
	s, err := site.LoadWith(path, func(s *site.Site) {
		s.Market.BTCPriceUSD = st.BTCPriceUSD
		s.Market.Difficulty = st.Difficulty
		s.Market.BlockHeight = st.BlockHeight
		s.Market.FeesBTCPerBlock = st.FeesBTCPerBlock
	})
	if err != nil {
		return nil, "", badInput(err)
	}
	note := fmt.Sprintf("market (%s, as of %s from %s): BTC %.0f USD, difficulty %.4g, height %d, fees %.4f BTC/block",
		src, st.AsOf.Format("2006-01-02 15:04 MST"), st.Source, st.BTCPriceUSD, st.Difficulty, st.BlockHeight, st.FeesBTCPerBlock)
	return s, note, nil
}
