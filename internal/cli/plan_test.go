package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run calls Main and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const example = "../../examples/pecos-west.yaml"

func TestPlanJSONContract(t *testing.T) {
	code, out, errs := run(t, "plan", example, "--json")
	if code != 0 {
		t.Fatalf("plan --json exit %d: %s", code, errs)
	}
	var doc struct {
		Site       map[string]any   `json:"site"`
		Strategies []map[string]any `json:"strategies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("plan --json is not JSON: %v", err)
	}
	if doc.Site == nil || len(doc.Strategies) != 3 {
		t.Fatalf("plan --json: site %v, %d strategies", doc.Site, len(doc.Strategies))
	}
	for _, key := range []string{"name", "ai_share", "capex_usd", "npv_usd", "irr", "payback_months", "it_mw",
		"revenue_usd_by_year", "ebitda_usd_by_year", "mining_revenue_usd_by_year", "ai_revenue_usd_by_year",
		"contracted_revenue_share", "ev_usd"} {
		for _, s := range doc.Strategies {
			if _, ok := s[key]; !ok {
				t.Errorf("strategy %v lacks key %q", s["name"], key)
			}
		}
	}
	// keep-mining invests nothing: IRR and payback are null.
	if doc.Strategies[0]["irr"] != nil || doc.Strategies[0]["payback_months"] != nil {
		t.Errorf("keep-mining irr/payback = %v/%v, want null", doc.Strategies[0]["irr"], doc.Strategies[0]["payback_months"])
	}
	// Revenue by year is mining + AI by year.
	for _, s := range doc.Strategies {
		rev, mine, ai := s["revenue_usd_by_year"].([]any), s["mining_revenue_usd_by_year"].([]any), s["ai_revenue_usd_by_year"].([]any)
		for y := range rev {
			if math.Abs(rev[y].(float64)-mine[y].(float64)-ai[y].(float64)) > 1e-3 {
				t.Errorf("%v year %d: revenue %v != %v + %v", s["name"], y, rev[y], mine[y], ai[y])
			}
		}
	}
}

func TestPlanCSVSumsToJSON(t *testing.T) {
	_, jsonOut, _ := run(t, "plan", example, "--json")
	code, csvOut, errs := run(t, "plan", example, "--csv")
	if code != 0 {
		t.Fatalf("plan --csv exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+3*120 {
		t.Fatalf("plan --csv: %d rows, want %d", len(rows), 1+3*120)
	}
	var doc struct {
		Strategies []struct {
			Name   string    `json:"name"`
			EBITDA []float64 `json:"ebitda_usd_by_year"`
		} `json:"strategies"`
	}
	_ = json.Unmarshal([]byte(jsonOut), &doc)
	col := -1
	for i, h := range rows[0] {
		if h == "ebitda_usd" {
			col = i
		}
	}
	sum := map[string]float64{}
	for _, r := range rows[1:] {
		var v float64
		_ = json.Unmarshal([]byte(r[col]), &v)
		sum[r[0]] += v
	}
	for _, s := range doc.Strategies {
		total := 0.0
		for _, e := range s.EBITDA {
			total += e
		}
		if math.Abs(total-sum[s.Name]) > 0.01*120 {
			t.Errorf("%s: CSV EBITDA sums to %.2f, JSON to %.2f", s.Name, sum[s.Name], total)
		}
	}
}

func TestPlanTableAndReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, errs := run(t, "plan", example, "--out", out)
	if code != 0 {
		t.Fatalf("plan exit %d: %s", code, errs)
	}
	for _, want := range []string{"keep-mining", "convert", "hybrid", "NPV, $M", "IRR of conversion", "year 10 (2035)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan table lacks %q:\n%s", want, stdout)
		}
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "<svg"); n != 3 || !strings.Contains(string(html), "</html>") {
		t.Fatalf("report has %d charts, want 3", n)
	}
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("version: 1\nname: x\nstart: 2026-01\ngrid: {interconnect_mw: -4}\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"valid", []string{"validate", example}, 0, ""},
		{"invalid", []string{"validate", bad}, 2, "grid.interconnect_mw: must be > 0, got -4"},
		{"missing file", []string{"plan", "nope.yaml"}, 2, "nope.yaml"},
		{"no args", []string{"plan"}, 2, "accepts 1 arg"},
		{"unknown flag", []string{"plan", example, "--bogus"}, 2, "unknown flag"},
		{"json and csv", []string{"plan", example, "--json", "--csv"}, 2, "choose one"},
		{"bad market", []string{"plan", example, "--market", "moon"}, 2, "--market"},
		{"hashprice bad", []string{"hashprice", "--difficulty", "0", "--btc-price", "1"}, 2, "--difficulty: must be > 0"},
		{"hashprice missing", []string{"hashprice"}, 2, "required flag"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Fatalf("hashpivot %v: exit %d stderr %q, want exit %d containing %q", tc.args, code, errs, tc.code, tc.msg)
			}
		})
	}
}

func TestHashpriceJSON(t *testing.T) {
	code, out, errs := run(t, "hashprice", "--difficulty", "88.10e12", "--btc-price", "63000", "--height", "840672", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v map[string]float64
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	// The real point: about $44.9 per PH/s per day.
	if math.Abs(v["hashprice_usd_per_ph_day"]-44.9) > 0.1 || math.Abs(v["hashprice_usd_per_th_day"]*1000-v["hashprice_usd_per_ph_day"]) > 1e-9 {
		t.Fatalf("hashprice = %v", v)
	}
}
