package cli

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/bitcoin"
	"github.com/hashpivot/hashpivot/site"
)

const dispatchDay = "../../examples/dispatch-day.json"

func TestDispatchJSONContract(t *testing.T) {
	code, out, errs := run(t, "dispatch", "--problem", dispatchDay, "--json")
	if code != 0 {
		t.Fatalf("dispatch --json exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("dispatch --json is not JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"objective_usd", "mining_revenue_usd", "energy_cost_usd", "four_cp_charge_usd",
		"dr_payment_usd", "ppa_settlement_usd", "curtailed_mwh", "curtailed_hours", "gap_usd",
		"net_margin_usd", "always_on", "flexibility_value_usd", "method"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("dispatch --json lacks %q", key)
		}
	}
	// The example by hand: DR events at 18 and 19 pay 30 MW × 8 USD × 2.
	if v := doc["dr_payment_usd"].(float64); v != 480 {
		t.Errorf("dr_payment_usd = %v, want 480", v)
	}
	if v := doc["gap_usd"].(float64); v != 0 {
		t.Errorf("gap_usd = %v, want 0 (merit order is exact)", v)
	}
}

func TestDispatchFiles(t *testing.T) {
	dir := t.TempDir()
	csvPath, html, lp, prob := filepath.Join(dir, "i.csv"), filepath.Join(dir, "d.html"), filepath.Join(dir, "p.lp"), filepath.Join(dir, "p.json")
	code, out, errs := run(t, "dispatch", "--problem", "../../examples/dispatch-ramps.json", "--csv", csvPath, "--out", html, "--write-lp", lp, "--write-problem", prob)
	if code != 0 {
		t.Fatalf("dispatch exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "value of flexibility") {
		t.Errorf("dispatch output lacks the value of flexibility:\n%s", out)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 193 || strings.Join(recs[0], ",") != "interval,time,price_usd_per_mwh,hydro-s21_mw,air-s21_mw,s19j-pro_mw,ai_mw,site_mw,reason" {
		t.Errorf("CSV: %d rows, header %v", len(recs), recs[0])
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<svg"); n != 3 || strings.Contains(string(page), "<script") || strings.Contains(string(page), "http://") && !strings.Contains(string(page), "http://www.w3.org/2000/svg") {
		t.Errorf("page has %d SVG charts (want 3), or scripts or external links", n)
	}
	// The written problem reads back to the same answer.
	code2, out2, _ := run(t, "dispatch", "--problem", prob)
	if code2 != 0 || out2 != strings.Split(out, "intervals written")[0] {
		t.Errorf("--write-problem round trip: exit %d\n%s\nwant\n%s", code2, out2, out)
	}
	if fi, err := os.Stat(lp); err != nil || fi.Size() == 0 {
		t.Errorf("--write-lp: %v", err)
	}
}

func TestDispatchBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `"interval_minutes": 60, "site_cap_mw": 100, "groups": [{"name": "a", "max_mw": 10, "hashvalue_usd_per_mwh": 50}], "prices_usd_per_mwh": [1, 2]`
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"negative cap", []string{"--problem", write("neg.json", `{"interval_minutes": 60, "site_cap_mw": -3, "groups": [{"name": "a", "max_mw": 10, "hashvalue_usd_per_mwh": 50}], "prices_usd_per_mwh": [1]}`)}, "site_cap_mw: must be >= 0, got -3"},
		{"negative group max", []string{"--problem", write("negg.json", `{"interval_minutes": 60, "site_cap_mw": 3, "groups": [{"name": "a", "max_mw": 1, "hashvalue_usd_per_mwh": 5}, {"name": "b", "max_mw": -3, "hashvalue_usd_per_mwh": 50}], "prices_usd_per_mwh": [1]}`)}, "groups[1].max_mw: must be >= 0, got -3"},
		{"unknown key", []string{"--problem", write("unk.json", `{`+good+`, "ppa": {"mw": 1, "strike_usd_per_mwh": 2, "sellback": true}}`)}, "ppa.sellback: unknown key"},
		{"NaN price", []string{"--problem", write("nan.json", `{"interval_minutes": 60, "site_cap_mw": 100, "groups": [{"name": "a", "max_mw": 10, "hashvalue_usd_per_mwh": 50}], "prices_usd_per_mwh": [1, "NaN"]}`)}, "prices_usd_per_mwh[1]: want a number, got a string"},
		{"peak out of range", []string{"--problem", write("peak.json", `{`+good+`, "four_cp": {"peak_intervals": [1, 7], "charge_usd_per_kw": 5}}`)}, "four_cp.peak_intervals[1]: interval 7 is out of range [0, 2)"},
		{"syntax", []string{"--problem", write("syn.json", "{\n  \"interval_minutes\": 60,\n  \"site_cap_mw\": ,\n}")}, "line 3, column 18"},
		{"missing file", []string{"--problem", filepath.Join(dir, "absent.json")}, "no such file"},
		{"no form", nil, "give --problem problem.json, or SITE.yaml"},
		{"both forms", []string{example, "--problem", dispatchDay}, "not both"},
		{"site without prices", []string{example, "--strategy", "hybrid"}, "needs --prices and --strategy"},
		{"unknown strategy", []string{example, "--strategy", "moon", "--prices", write("p.csv", "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n")}, `--strategy "moon": ../../examples/pecos-west.yaml has keep-mining, convert, hybrid`},
		{"price gap", []string{example, "--strategy", "hybrid", "--prices", write("g.csv", "timestamp,price\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 03:00,2\n")}, "g.csv:4: timestamp: gap: 1 missing intervals"},
		{"bad from", []string{example, "--strategy", "hybrid", "--prices", "x.csv", "--from", "yesterday"}, `--from "yesterday"`},
		{"bad tz", []string{example, "--strategy", "hybrid", "--prices", "x.csv", "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, append([]string{"dispatch"}, tc.args...)...)
			if code != ExitBadInput || !strings.Contains(errs, tc.want) {
				t.Errorf("dispatch %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
			}
		})
	}
}

// TestDispatchBacktestJanuary2024 backtests the hybrid strategy of the
// example site on ERCOT's real January 2024 hub prices (HB_HUBAVG, with the
// cold-snap spikes of 14–17 January). Without ramps, DR or 4CP, and with the
// fleet well under the headroom, the optimum has a closed form that does
// not use the solver: each group runs in every hour whose price is below
// its hashvalue, so the objective is Σ_t Σ_g max_mw × max(0, hashvalue − price).
func TestDispatchBacktestJanuary2024(t *testing.T) {
	prices := filepath.Join("..", "..", "..", "shared", "data", "ercot-hub-hourly-january.csv")
	if _, err := os.Stat(prices); err != nil {
		t.Skipf("shared data absent (%v): skipping the January 2024 backtest", err)
	}
	code, out, errs := run(t, "dispatch", example, "--prices", prices, "--strategy", "hybrid", "--settlement-point", "HB_HUBAVG",
		"--from", "2024-01-01", "--to", "2024-02-01", "--hashprice", "78", "--json")
	if code != 0 {
		t.Fatalf("backtest exit %d: %s", code, errs)
	}
	var doc struct {
		Objective float64 `json:"objective_usd"`
		Gap       float64 `json:"gap_usd"`
		Intervals int     `json:"intervals"`
		Groups    []struct {
			Name  string  `json:"name"`
			MaxMW float64 `json:"max_mw"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Intervals != 744 || doc.Gap != 0 {
		t.Fatalf("backtest: %d intervals, gap %v; want 744 and 0", doc.Intervals, doc.Gap)
	}
	s, err := site.Load(example)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(prices)
	if err != nil {
		t.Fatal(err)
	}
	var p []float64
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Split(line, ","); len(f) == 3 && f[1] == "HB_HUBAVG" && strings.HasPrefix(f[0], "2024-01") {
			var v float64
			if err := json.Unmarshal([]byte(f[2]), &v); err != nil {
				t.Fatal(err)
			}
			p = append(p, v)
		}
	}
	want := 0.0
	for i, l := range s.Mining.Fleet {
		spec, err := s.LineSpec(l)
		if err != nil {
			t.Fatal(err)
		}
		hv := bitcoin.HashvalueUSDPerMWh(0.078, spec.W/spec.TH, s.Mining.PoolFee) / s.Mining.PUE
		maxMW := float64(l.Units) * spec.W * 0.5 * s.Mining.Uptime * s.Mining.PUE / 1e6
		if math.Abs(doc.Groups[i].MaxMW-maxMW) > 1e-9 {
			t.Errorf("group %d max_mw = %v, want %v", i, doc.Groups[i].MaxMW, maxMW)
		}
		for _, price := range p {
			want += maxMW * max(0, hv-price)
		}
	}
	if math.Abs(doc.Objective-want) > 1e-6*math.Abs(want) {
		t.Errorf("January 2024 objective = %.2f, closed form %.2f", doc.Objective, want)
	}
	t.Logf("January 2024 HB_HUBAVG, hybrid: objective %.0f USD", doc.Objective)
}
