package cli

import (
	"context"

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
// its market state by the fetched one.
func loadSiteWithMarket(ctx context.Context, e *env, path, src string) (*site.Site, error) {
	switch src {
	case "", "file":
		return loadSite(path)
	case "live", "cache":
		return nil, badInputf("--market %s: market data fetching is not available in this build", src)
	}
	return nil, badInputf("--market: must be file, live or cache, got %q", src)
}
