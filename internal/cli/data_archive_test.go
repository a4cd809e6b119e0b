package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/market"
)

// archiveSample is market's sample NP6-785-ER archive: 2024-11-03 (the
// autumn DST day, 100 intervals) for HB_WEST (HU) and LZ_WEST (LZ, LZEW).
const archiveSample = "../../market/testdata/ercot-np6-785-er-sample.zip"

// fakeMIS serves ERCOT's MIS document list (report 13061) with the sample
// as the 2024 archive.
func fakeMIS(t *testing.T) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile(archiveSample)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/misapp/servlets/IceDocListJsonWS", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ListDocsByRptTypeRes":{"DocumentList":[{"Document":{"DocID":"1065471230","FriendlyName":"RTMLZHBSPP_2024",`+
			`"ConstructedName":"rpt.00013061.0000000000000000.20250102.RTMLZHBSPP_2024.zip","PublishDate":"2025-01-02T06:00:12-06:00","Extension":"zip"}}]}}`)
	})
	mux.HandleFunc("/misdownload/servlets/mirDownload", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("doclookupId") != "1065471230" {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestDataFetchERCOTArchive(t *testing.T) {
	withFakeClock(t)
	srv := fakeMIS(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ercot-rt-HB_WEST.csv")
	code, out, errs := runCLI("data", "fetch", "ercot-archive", "--year", "2024", "--settlement-point", "HB_WEST", "--base-url", srv.URL, "--cache-dir", dir)
	if code != 0 || !strings.Contains(out, "ercot-archive: 100 rows in "+path+" (100 new), 2024-11-03T00:00:00-05:00 .. 2024-11-03T23:45:00-06:00") ||
		!strings.Contains(out, "note: RTMLZHBSPP_2024, published 2025-01-02T06:00:12-06:00: 100 intervals of HB_WEST (type HU)") || errs != "" {
		t.Fatalf("fetch ercot-archive = %d, %q, %q", code, out, errs)
	}
	// What dispatch --prices reads: 100 contiguous 15-minute prices.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := market.LoadPrices(bytes.NewReader(data), path, market.PriceOptions{})
	if err != nil || len(s.PricesUSDPerMWh) != 100 || s.Interval != 15*time.Minute || s.Start.UTC().Format(time.RFC3339) != "2024-11-03T05:00:00Z" {
		t.Fatalf("LoadPrices = %d prices every %v from %v, %v; want 100 every 15m from 2024-11-03T05:00:00Z", len(s.PricesUSDPerMWh), s.Interval, s.Start, err)
	}

	// --json, a load zone with its type chosen.
	code, out, _ = runCLI("data", "fetch", "ercot-archive", "--year", "2024", "--settlement-point", "LZ_WEST", "--settlement-point-type", "LZEW", "--base-url", srv.URL, "--cache-dir", dir, "--json")
	var res struct {
		Dataset string `json:"dataset"`
		Path    string `json:"path"`
		Rows    int    `json:"rows"`
		Source  string `json:"source"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Dataset != "ercot-archive" || res.Rows != 100 || res.Source != "ercot NP6-785-ER" || filepath.Base(res.Path) != "ercot-rt-LZ_WEST.csv" {
		t.Fatalf("fetch ercot-archive --json = %d, %q", code, out)
	}

	// A downloaded archive, read without network.
	dir2 := t.TempDir()
	code, out, errs = runCLI("data", "fetch", "ercot-archive", "--file", archiveSample, "--settlement-point", "HB_WEST", "--cache-dir", dir2)
	if code != 0 || !strings.Contains(out, "ercot-archive: 100 rows in "+filepath.Join(dir2, "ercot-rt-HB_WEST.csv")) {
		t.Fatalf("fetch ercot-archive --file = %d, %q, %q", code, out, errs)
	}
}

func TestDataFetchERCOTArchiveErrors(t *testing.T) {
	withFakeClock(t)
	srv := fakeMIS(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--year", "2024"}, 2, "--settlement-point is required"},
		{[]string{"--settlement-point", "HB_WEST"}, 2, "--year is required"},
		{[]string{"--year", "2009", "--settlement-point", "HB_WEST", "--base-url", srv.URL}, 2, "year 2009: want 2010 to 2025"},
		{[]string{"--year", "2024", "--settlement-point", "HB_WEST", "--base-url", "ftp://x"}, 2, `--base-url "ftp://x"`},
		{[]string{"--year", "2024", "--settlement-point", "LZ_WEST", "--base-url", srv.URL}, 2, "settlement point LZ_WEST has 2 types in the archive: LZ (100 rows), LZEW (100 rows); choose one as the settlement point type"},
		{[]string{"--year", "2024", "--settlement-point", "HB_PAN", "--base-url", srv.URL}, 2, `no settlement point "HB_PAN"; the archive has HB_WEST, LZ_WEST`},
		{[]string{"--year", "2023", "--settlement-point", "HB_WEST", "--base-url", srv.URL}, 1, "no NP6-785-ER archive for 2023"},
		{[]string{"--file", filepath.Join(dir, "absent.zip"), "--settlement-point", "HB_WEST"}, 2, "absent.zip"},
		{[]string{"--file", "data_archive.go", "--settlement-point", "HB_WEST"}, 2, "data_archive.go: not a readable zip archive"},
	} {
		args := append([]string{"data", "fetch", "ercot-archive", "--cache-dir", dir}, tc.args...)
		code, _, errs := runCLI(args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%s = %d, %q; want %d and %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.want)
		}
	}
}
