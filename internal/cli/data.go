package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashpivot/hashpivot/internal/progress"
	"github.com/hashpivot/hashpivot/market"
	"github.com/spf13/cobra"
)

// Environment variables of `hashpivot data` (and of plan --market live).
const (
	envCacheDir          = "HASHPIVOT_CACHE_DIR"
	envMempoolURL        = "HASHPIVOT_MEMPOOL_URL"
	envCoinGeckoURL      = "HASHPIVOT_COINGECKO_URL"
	envCoinMetricsURL    = "HASHPIVOT_COINMETRICS_URL"
	envERCOTURL          = "HASHPIVOT_ERCOT_URL"
	envCoinGeckoKey      = "HASHPIVOT_COINGECKO_API_KEY"
	envERCOTSubscription = "HASHPIVOT_ERCOT_SUBSCRIPTION_KEY"
	envERCOTToken        = "HASHPIVOT_ERCOT_TOKEN"
)

// dataOpts are the flags shared by the data subcommands.
type dataOpts struct {
	cacheDir string
	asJSON   bool
	timeout  time.Duration
}

func newDataCmd(e *env) *cobra.Command {
	o := &dataOpts{}
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Fetch market data from public sources into the cache, and show today's market",
		Long: `Fetch BTC prices, difficulty, fees and ERCOT prices from public APIs into a
cache directory ($HASHPIVOT_CACHE_DIR, else $XDG_CACHE_HOME/hashpivot, else
~/.cache/hashpivot), asking only for what the cache lacks. See docs/data.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return badInputf("data %q: unknown command; want fetch or market", args[0])
			}
			return cmd.Help()
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.cacheDir, "cache-dir", "", "cache directory (default $"+envCacheDir+", $XDG_CACHE_HOME/hashpivot or ~/.cache/hashpivot)")
	pf.BoolVar(&o.asJSON, "json", false, "print JSON")
	pf.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	fetch := &cobra.Command{
		Use:   "fetch",
		Short: "Fetch a data set into the cache: btc-price, difficulty, fees, ercot-prices, ercot-archive",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return badInputf("data fetch %q: unknown data set; want btc-price, difficulty, fees, ercot-prices or ercot-archive", args[0])
			}
			return cmd.Help()
		},
	}
	fetch.AddCommand(newFetchBTCPriceCmd(e, o), newFetchDifficultyCmd(e, o), newFetchFeesCmd(e, o), newFetchERCOTCmd(e, o))
	fetch.AddCommand(newFetchERCOTArchiveCmd(e, o))
	cmd.AddCommand(fetch, newDataMarketCmd(e, o))
	return cmd
}

// fetchTarget resolves a fetcher's base URL (--base-url, then the
// environment variable env, then def) and the cache directory.
func fetchTarget(baseURL, env, def, cacheDirFlag string) (base, dir string, err error) {
	base = urlFlag(baseURL, env, def)
	if err := checkBaseURL("base-url", base); err != nil {
		return "", "", err
	}
	dir, err = resolveCacheDir(cacheDirFlag)
	return base, dir, err
}

// resolveCacheDir applies --cache-dir, then the environment.
func resolveCacheDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	d, err := market.CacheDir(os.Getenv)
	if err != nil {
		return "", badInput(err)
	}
	return d, nil
}

// newMarketClient builds the HTTP client with a progress bar on stderr
// (silent under --json or when stderr is not a terminal) and the API keys
// of the environment.
func newMarketClient(e *env, asJSON bool) *market.Client {
	c := market.NewClient()
	show := !asJSON && e.stderrIsTerminal()
	c.NewProgress = func(label string, total int64) market.Progress {
		return progress.New(e.stderr, label, total, show)
	}
	if show {
		c.Log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if marketClientHook != nil {
		marketClientHook(c)
	}
	return c
}

// marketClientHook, when set (by tests), adjusts every market client: an
// injected clock and sleep, so that retries do not wait.
var marketClientHook func(*market.Client)

// addSourceKeys sends the API keys found in the environment to their hosts.
func addSourceKeys(c *market.Client, coinGeckoURL, ercotURL string) {
	if k := os.Getenv(envCoinGeckoKey); k != "" && coinGeckoURL != "" {
		_ = c.SetSourceHeader(coinGeckoURL, "x-cg-demo-api-key", k)
	}
	if k := os.Getenv(envERCOTSubscription); k != "" && ercotURL != "" {
		_ = c.SetSourceHeader(ercotURL, "Ocp-Apim-Subscription-Key", k)
	}
	if k := os.Getenv(envERCOTToken); k != "" && ercotURL != "" {
		_ = c.SetSourceHeader(ercotURL, "Authorization", "Bearer "+k)
	}
}

// checkBaseURL validates a --*-url flag (bad input, exit 2).
func checkBaseURL(flag, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badInputf("--%s %q: want http(s)://host[:port][/path]", flag, v)
	}
	return nil
}

// urlFlag returns the flag's value, else the environment's, else def.
func urlFlag(v, envName, def string) string {
	if v != "" {
		return v
	}
	if s := os.Getenv(envName); s != "" {
		return s
	}
	return def
}

// parseDay parses a --from/--to date (bad input, exit 2).
func parseDay(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, badInputf("--%s %q: want a date like 2024-06-01", flag, v)
	}
	return t, nil
}

// runCtx is the command's context with --timeout and Ctrl-C.
func runCtx(cmd *cobra.Command, o *dataOpts) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	if o.timeout <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	return ctx, func() { cancel(); stop() }
}

// fetchError classifies a fetch failure: a bad cache file or bad input is
// exit 2; the network and the sources are runtime failures (exit 1).
func fetchError(what string, err error) error {
	var pe *market.ParseError
	err = &trimmedError{prefix: "data fetch " + what + ": ", err: err}
	if errors.Is(err, market.ErrBadRequest) || errors.As(err, &pe) && !strings.Contains(pe.File, "://") {
		return badInput(err)
	}
	return err
}

// trimmedError is prefix + err's message without its "market: " prefix.
type trimmedError struct {
	prefix string
	err    error
}

func (e *trimmedError) Error() string {
	return e.prefix + strings.TrimPrefix(e.err.Error(), "market: ")
}

func (e *trimmedError) Unwrap() error { return e.err }

// printSync prints a SyncResult as text or JSON.
func printSync(w io.Writer, what string, r market.SyncResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Dataset string `json:"dataset"`
			market.SyncResult
		}{what, r})
	}
	if r.UpToDate {
		fmt.Fprintf(w, "%s: up to date, %d rows in %s (%s .. %s)\n", what, r.Rows, r.Path, r.First, r.Last)
	} else {
		fmt.Fprintf(w, "%s: %d rows in %s (%d new), %s .. %s, from %s (%s)\n", what, r.Rows, r.Path, r.Added, r.First, r.Last, r.Source, r.URL)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	return nil
}

func newFetchBTCPriceCmd(e *env, o *dataOpts) *cobra.Command {
	var from, to, source, baseURL, fallbackURL string
	cmd := &cobra.Command{
		Use:     "btc-price",
		Short:   "Daily BTC/USD closes (CoinGecko, Coin Metrics as fallback) into btc-price-usd-daily.csv",
		Example: "  hashpivot data fetch btc-price --from 2020-01-01",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseDay("from", from)
			if err != nil {
				return err
			}
			t, err := parseDay("to", to)
			if err != nil {
				return err
			}
			src := market.BTCPriceSource(source)
			switch src {
			case market.SourceAuto, market.SourceCoinGecko, market.SourceCoinMetrics:
			default:
				return badInputf("--source %q: want auto, coingecko or coinmetrics", source)
			}
			cg := urlFlag(baseURL, envCoinGeckoURL, market.DefaultCoinGeckoURL)
			cm := urlFlag(fallbackURL, envCoinMetricsURL, market.DefaultCoinMetricsURL)
			if err := checkBaseURL("base-url", cg); err != nil {
				return err
			}
			if err := checkBaseURL("fallback-url", cm); err != nil {
				return err
			}
			dir, err := resolveCacheDir(o.cacheDir)
			if err != nil {
				return err
			}
			ctx, cancel := runCtx(cmd, o)
			defer cancel()
			c := newMarketClient(e, o.asJSON)
			addSourceKeys(c, cg, "")
			r, err := c.SyncBTCPrices(ctx, dir, market.BTCPriceRequest{From: f, To: t, Source: src, CoinGeckoURL: cg, CoinMetricsURL: cm})
			if err != nil {
				return fetchError("btc-price", err)
			}
			return printSync(e.stdout, "btc-price", r, o.asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day (YYYY-MM-DD; default the cache's first day, or a year ago)")
	fl.StringVar(&to, "to", "", "last day (YYYY-MM-DD; default today, UTC)")
	fl.StringVar(&source, "source", "auto", "auto (CoinGecko, then Coin Metrics), coingecko or coinmetrics")
	fl.StringVar(&baseURL, "base-url", "", "CoinGecko-style API base URL (default $"+envCoinGeckoURL+" or "+market.DefaultCoinGeckoURL+")")
	fl.StringVar(&fallbackURL, "fallback-url", "", "Coin Metrics API base URL (default $"+envCoinMetricsURL+" or "+market.DefaultCoinMetricsURL+")")
	return cmd
}

func newFetchDifficultyCmd(e *env, o *dataOpts) *cobra.Command {
	var baseURL string
	cmd := &cobra.Command{
		Use:     "difficulty",
		Short:   "Every retarget (height, time, difficulty) and daily hashrate from mempool.space",
		Example: "  hashpivot data fetch difficulty",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			mp, dir, err := fetchTarget(baseURL, envMempoolURL, market.DefaultMempoolURL, o.cacheDir)
			if err != nil {
				return err
			}
			ctx, cancel := runCtx(cmd, o)
			defer cancel()
			r, err := newMarketClient(e, o.asJSON).SyncDifficulty(ctx, dir, mp)
			if err != nil {
				return fetchError("difficulty", err)
			}
			return printSync(e.stdout, "difficulty", r, o.asJSON)
		},
	}
	cmd.Flags().StringVar(&baseURL, "base-url", "", "mempool.space API base URL (default $"+envMempoolURL+" or "+market.DefaultMempoolURL+")")
	return cmd
}

func newFetchFeesCmd(e *env, o *dataOpts) *cobra.Command {
	var baseURL string
	var days int
	cmd := &cobra.Command{
		Use:     "fees",
		Short:   "Average fees per block over the last days from mempool.space",
		Example: "  hashpivot data fetch fees --days 90",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if days <= 0 {
				return badInputf("--days: must be > 0 (got %d)", days)
			}
			mp, dir, err := fetchTarget(baseURL, envMempoolURL, market.DefaultMempoolURL, o.cacheDir)
			if err != nil {
				return err
			}
			ctx, cancel := runCtx(cmd, o)
			defer cancel()
			r, err := newMarketClient(e, o.asJSON).SyncFees(ctx, dir, mp, days)
			if err != nil {
				return fetchError("fees", err)
			}
			return printSync(e.stdout, "fees", r, o.asJSON)
		},
	}
	cmd.Flags().IntVar(&days, "days", 90, "days of history")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "mempool.space API base URL (default $"+envMempoolURL+" or "+market.DefaultMempoolURL+")")
	return cmd
}

func newFetchERCOTCmd(e *env, o *dataOpts) *cobra.Command {
	var point, from, to, mkt, baseURL string
	cmd := &cobra.Command{
		Use:   "ercot-prices",
		Short: "ERCOT settlement point prices (real-time NP6-905-CD or day-ahead NP4-190-CD) for dispatch --prices",
		Example: "  hashpivot data fetch ercot-prices --settlement-point HB_WEST --from 2024-06-01 --to 2024-09-30\n" +
			"  hashpivot data fetch ercot-prices --settlement-point HB_WEST --market dam --from 2024-06-01",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if point == "" {
				return badInputf("--settlement-point is required (such as HB_WEST)")
			}
			f, err := parseDay("from", from)
			if err != nil {
				return err
			}
			if f.IsZero() {
				return badInputf("--from is required (the first delivery date, YYYY-MM-DD)")
			}
			t, err := parseDay("to", to)
			if err != nil {
				return err
			}
			if !t.IsZero() && t.Before(f) {
				return badInputf("--to %s is before --from %s", to, from)
			}
			m := market.ERCOTMarket(mkt)
			if m != market.ERCOTRealTime && m != market.ERCOTDayAhead {
				return badInputf("--market %q: want rt (real-time, 15 min) or dam (day-ahead, hourly)", mkt)
			}
			base, dir, err := fetchTarget(baseURL, envERCOTURL, market.DefaultERCOTURL, o.cacheDir)
			if err != nil {
				return err
			}
			ctx, cancel := runCtx(cmd, o)
			defer cancel()
			c := newMarketClient(e, o.asJSON)
			addSourceKeys(c, "", base)
			r, err := c.SyncERCOTPrices(ctx, dir, market.ERCOTRequest{Market: m, SettlementPoint: point, From: f, To: t, BaseURL: base})
			if err != nil {
				return fetchError("ercot-prices", err)
			}
			return printSync(e.stdout, "ercot-prices", r, o.asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&point, "settlement-point", "", "settlement point: hub, load zone or node (such as HB_WEST)")
	fl.StringVar(&from, "from", "", "first delivery date (YYYY-MM-DD)")
	fl.StringVar(&to, "to", "", "last delivery date (YYYY-MM-DD; default today, or tomorrow for dam)")
	fl.StringVar(&mkt, "market", "rt", "rt (real-time SPP, 15-minute, NP6-905-CD) or dam (day-ahead SPP, hourly, NP4-190-CD)")
	fl.StringVar(&baseURL, "base-url", "", "ERCOT public reports API base URL (default $"+envERCOTURL+" or "+market.DefaultERCOTURL+")")
	return cmd
}

// marketJSON is the contract of `data market --json`.
type marketJSON struct {
	market.State
	SubsidyBTC           float64 `json:"subsidy_btc"`
	HashrateEH           float64 `json:"hashrate_eh"`
	HashpriceUSDPerPHDay float64 `json:"hashprice_usd_per_ph_day"`
	Live                 bool    `json:"live"`
	FallbackReason       string  `json:"fallback_reason,omitempty"`
}

// marketSources are the base URLs of today's market.
type marketSources struct{ mempool, coinGecko, coinMetrics string }

// marketState returns today's market: live (falling back to the cache with
// a warning on stderr when the sources cannot be reached), or only the
// cache when src is "cache". The live state is written to the cache. It
// is what `data market` prints and what `plan --market live|cache` uses.
func marketState(ctx context.Context, e *env, cacheDirFlag, src string, urls marketSources, asJSON bool) (st market.State, live bool, fallback error, err error) {
	dir, err := resolveCacheDir(cacheDirFlag)
	if err != nil {
		return market.State{}, false, nil, err
	}
	if src == "cache" {
		st, err := market.LoadCachedState(dir)
		if err != nil {
			if errors.Is(err, market.ErrNoCache) {
				return market.State{}, false, nil, badInputf("no cached market state in %s: run `hashpivot data market` (or `plan --market live`) with network access first", dir)
			}
			return market.State{}, false, nil, badInput(err)
		}
		return st, false, nil, nil
	}
	mp := urlFlag(urls.mempool, envMempoolURL, market.DefaultMempoolURL)
	cg := urlFlag(urls.coinGecko, envCoinGeckoURL, market.DefaultCoinGeckoURL)
	cm := urlFlag(urls.coinMetrics, envCoinMetricsURL, market.DefaultCoinMetricsURL)
	for _, u := range []struct{ flag, v string }{{"mempool-url", mp}, {"coingecko-url", cg}, {"coinmetrics-url", cm}} {
		if err := checkBaseURL(u.flag, u.v); err != nil {
			return market.State{}, false, nil, err
		}
	}
	c := newMarketClient(e, asJSON)
	c.MaxAttempts = 3
	addSourceKeys(c, cg, "")
	st, fallback, err = market.FetchStateOrCached(ctx, market.StateOptions{Client: c, MempoolURL: mp, CoinGeckoURL: cg, CoinMetricsURL: cm, CacheDir: dir})
	if err != nil {
		return market.State{}, false, nil, err
	}
	if fallback != nil {
		fmt.Fprintf(e.stderr, "hashpivot: warning: live market data unavailable (%v); using the state cached at %s\n", fallback, st.AsOf.Format(time.RFC3339))
	}
	return st, fallback == nil, fallback, nil
}

func newDataMarketCmd(e *env, o *dataOpts) *cobra.Command {
	var cached bool
	var urls marketSources
	cmd := &cobra.Command{
		Use:   "market",
		Short: "Today's BTC price, difficulty, height, fees per block and hashprice",
		Example: "  hashpivot data market\n" +
			"  hashpivot data market --json\n" +
			"  hashpivot data market --cached",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := runCtx(cmd, o)
			defer cancel()
			src := "live"
			if cached {
				src = "cache"
			}
			st, live, fallback, err := marketState(ctx, e, o.cacheDir, src, urls, o.asJSON)
			if err != nil {
				return err
			}
			out := marketJSON{State: st, SubsidyBTC: st.SubsidyBTC(), HashrateEH: st.HashrateEH(), HashpriceUSDPerPHDay: st.HashpriceUSDPerPHDay(), Live: live}
			if fallback != nil {
				out.FallbackReason = fallback.Error()
			}
			if o.asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "BTC price\t$%s\n", groupThousands(st.BTCPriceUSD, 2))
			fmt.Fprintf(tw, "Difficulty\t%.2f T\n", st.Difficulty/1e12)
			fmt.Fprintf(tw, "Network hashrate\t%.1f EH/s\n", out.HashrateEH)
			fmt.Fprintf(tw, "Block height\t%s (subsidy %g BTC)\n", groupThousands(float64(st.BlockHeight), 0), out.SubsidyBTC)
			fmt.Fprintf(tw, "Fees per block\t%.4f BTC\n", st.FeesBTCPerBlock)
			fmt.Fprintf(tw, "Hashprice\t$%.2f /PH/s/day\n", out.HashpriceUSDPerPHDay)
			state := "live"
			if !live {
				state = "cached"
			}
			fmt.Fprintf(tw, "As of\t%s (%s)\n", st.AsOf.Format(time.RFC3339), state)
			fmt.Fprintf(tw, "Source\t%s\n", st.Source)
			return tw.Flush()
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&cached, "cached", false, "show the last fetched state, without network")
	fl.StringVar(&urls.mempool, "mempool-url", "", "mempool.space API base URL (default $"+envMempoolURL+" or "+market.DefaultMempoolURL+")")
	fl.StringVar(&urls.coinGecko, "coingecko-url", "", "CoinGecko-style API base URL (default $"+envCoinGeckoURL+" or "+market.DefaultCoinGeckoURL+")")
	fl.StringVar(&urls.coinMetrics, "coinmetrics-url", "", "Coin Metrics API base URL (default $"+envCoinMetricsURL+" or "+market.DefaultCoinMetricsURL+")")
	return cmd
}

// groupThousands formats v with prec decimals and commas between thousands.
func groupThousands(v float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, v)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
