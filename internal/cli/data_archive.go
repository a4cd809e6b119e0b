package cli

import (
	"strconv"

	"github.com/hashpivot/hashpivot/market"
	"github.com/spf13/cobra"
)

// envERCOTMISURL overrides the host of ERCOT's Market Information System.
const envERCOTMISURL = "HASHPIVOT_ERCOT_MIS_URL"

// newFetchERCOTArchiveCmd is `hashpivot data fetch ercot-archive`: a year of
// real-time prices of one hub or load zone from ERCOT's yearly archive
// (NP6-785-ER), into the cache file `fetch ercot-prices` keeps.
func newFetchERCOTArchiveCmd(e *env, o *dataOpts) *cobra.Command {
	var point, pointType, baseURL, file string
	var year int
	cmd := &cobra.Command{
		Use:   "ercot-archive",
		Short: "A year of ERCOT real-time hub and load zone prices from the yearly archive (NP6-785-ER) for dispatch --prices",
		Long: `Download ERCOT's yearly archive of real-time settlement point prices of hubs and
load zones (report NP6-785-ER, "Historical RTM Load Zone and Hub Prices": a zip
holding an .xlsx workbook with a sheet a month, 15-minute intervals) from ERCOT's
Market Information System, and add the year of one settlement point to the cache
file that ` + "`data fetch ercot-prices`" + ` keeps (ercot-rt-POINT.csv, timestamp,price), which
dispatch --prices reads. Every interval keeps its exact instant: the repeated hour
of the autumn DST day (Repeated Hour Flag Y) comes twice, an hour apart.

Load zones are published twice, as type LZ (the settlement point price) and LZEW
(energy weighted): choose one with --settlement-point-type. With --file, an
archive already downloaded (the zip or the .xlsx in it) is read instead, without
network. See docs/data.md.`,
		Example: "  hashpivot data fetch ercot-archive --year 2024 --settlement-point HB_WEST\n" +
			"  hashpivot data fetch ercot-archive --year 2023 --settlement-point LZ_WEST --settlement-point-type LZ\n" +
			"  hashpivot data fetch ercot-archive --file RTMLZHBSPP_2024.zip --settlement-point HB_WEST",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if point == "" {
				return badInputf("--settlement-point is required (such as HB_WEST or LZ_WEST)")
			}
			if year == 0 && file == "" {
				return badInputf("--year is required (the archive's year, such as 2024)")
			}
			base := urlFlag(baseURL, envERCOTMISURL, market.DefaultERCOTMISURL)
			if file == "" {
				if err := checkBaseURL("base-url", base); err != nil {
					return err
				}
			}
			dir, err := resolveCacheDir(o.cacheDir)
			if err != nil {
				return err
			}
			req := market.ERCOTArchiveRequest{Year: year, SettlementPoint: point, SettlementPointType: pointType, BaseURL: base}
			c := newMarketClient(e, o.asJSON)
			var r market.SyncResult
			if file != "" {
				r, err = c.ImportERCOTArchive(dir, file, req)
			} else {
				ctx, cancel := runCtx(cmd, o)
				defer cancel()
				r, err = c.SyncERCOTArchive(ctx, dir, req)
			}
			if err != nil {
				what := "ercot-archive"
				if year != 0 {
					what += " " + strconv.Itoa(year)
				}
				return fetchError(what, err)
			}
			return printSync(e.stdout, "ercot-archive", r, o.asJSON)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&year, "year", 0, "the archive's year (2010 on; the current year's archive is partial)")
	fl.StringVar(&point, "settlement-point", "", "hub or load zone, such as HB_WEST, HB_HUBAVG or LZ_WEST")
	fl.StringVar(&pointType, "settlement-point-type", "", "type of the point when it has several: LZ or LZEW for a load zone")
	fl.StringVar(&baseURL, "base-url", "", "ERCOT MIS base URL (default $"+envERCOTMISURL+" or "+market.DefaultERCOTMISURL+")")
	fl.StringVar(&file, "file", "", "read this downloaded archive (.zip or .xlsx) instead of fetching it")
	return cmd
}
