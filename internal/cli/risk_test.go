package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/site"
)

const sharedData = "../../../shared/data/"

func TestRiskJSONContract(t *testing.T) {
	code, out, errs := run(t, "risk", example, "--paths", "300", "--seed", "7", "--json")
	if code != 0 {
		t.Fatalf("risk --json exit %d: %s", code, errs)
	}
	var doc struct {
		Paths      int              `json:"paths"`
		Seed       uint64           `json:"seed"`
		Strategies []map[string]any `json:"strategies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("risk --json is not JSON: %v\n%s", err, out)
	}
	if doc.Paths != 300 || doc.Seed != 7 || len(doc.Strategies) != 3 {
		t.Fatalf("risk --json: paths %d seed %d, %d strategies", doc.Paths, doc.Seed, len(doc.Strategies))
	}
	for _, st := range doc.Strategies {
		for _, key := range []string{"name", "npv_usd", "irr", "prob_npv_negative", "cvar5_usd", "ebitda_cv", "min_cash_usd_p5", "dscr_breach_prob"} {
			if _, ok := st[key]; !ok {
				t.Errorf("strategy %v lacks %q", st["name"], key)
			}
		}
		npv, _ := st["npv_usd"].(map[string]any)
		irr, _ := st["irr"].(map[string]any)
		for _, k := range []string{"mean", "std", "p5", "p50", "p95"} {
			if _, ok := npv[k]; !ok {
				t.Errorf("strategy %v: npv_usd lacks %q", st["name"], k)
			}
		}
		for _, k := range []string{"p5", "p50", "p95"} {
			if _, ok := irr[k]; !ok {
				t.Errorf("strategy %v: irr lacks %q", st["name"], k)
			}
		}
	}
	if errs != "" {
		t.Errorf("risk --json wrote to stderr: %q", errs)
	}
}

// TestRiskWorkersSameOutput: the printed result does not depend on
// --workers.
func TestRiskWorkersSameOutput(t *testing.T) {
	var first string
	for _, w := range []string{"1", "2", "8"} {
		code, out, errs := run(t, "risk", example, "--paths", "700", "--workers", w)
		if code != 0 {
			t.Fatalf("risk --workers %s: exit %d: %s", w, code, errs)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("risk --workers %s prints\n%s\nwhile --workers 1 prints\n%s", w, out, first)
		}
	}
	if !strings.Contains(first, "switched off for that month") || !strings.Contains(first, "CVaR 5%") {
		t.Errorf("risk table lacks the switch-off note or CVaR:\n%s", first)
	}
}

func TestRiskReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "risk.html")
	code, stdout, errs := run(t, "risk", example, "--paths", "300", "--out", out)
	if code != 0 {
		t.Fatalf("risk --out: exit %d: %s", code, errs)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(page), "<svg") != 3 || !strings.Contains(stdout, "report written to") {
		t.Errorf("risk --out: %d charts; stdout %q", strings.Count(string(page), "<svg"), stdout)
	}
}

func TestRiskBadInput(t *testing.T) {
	dir := t.TempDir()
	boot := filepath.Join(dir, "boot.yaml")
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(boot, append(data, []byte("risk: {btc: {model: bootstrap}, history_csv: missing.csv}\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"risk", example, "--paths", "0"}, "--paths"},
		{[]string{"risk", example, "--workers", "0"}, "--workers"},
		{[]string{"risk", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{[]string{"risk", boot}, "risk.history_csv"},
		{[]string{"optimize", example, "--paths", "-3"}, "--paths"},
		{[]string{"calibrate"}, "--btc"},
		{[]string{"calibrate", "--btc", filepath.Join(dir, "nope.csv")}, "nope.csv"},
	} {
		code, _, errs := run(t, c.args...)
		if code != ExitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %s", c.args, code, errs, c.want)
		}
	}
}

func TestRiskBootstrapSharedData(t *testing.T) {
	csv, err := filepath.Abs(sharedData + "btc-usd-daily.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(csv); err != nil {
		t.Skipf("shared data not available (%v): skipping the bootstrap run", err)
	}
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "boot.yaml")
	extra := "risk: {btc: {model: bootstrap, block_months: 3}, history_csv: " + csv + "}\n"
	if err := os.WriteFile(f, append(data, []byte(extra)...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "risk", f, "--paths", "300")
	if code != 0 || !strings.Contains(out, "bootstrap") {
		t.Fatalf("risk with the bootstrap: exit %d, %s\n%s", code, errs, out)
	}
}

func TestOptimizeJSON(t *testing.T) {
	code, out, errs := run(t, "optimize", example, "--paths", "200", "--json")
	if code != 0 {
		t.Fatalf("optimize --json: exit %d: %s", code, errs)
	}
	var doc struct {
		Paths      int              `json:"paths"`
		Strategies []map[string]any `json:"strategies"`
		Frontier   []map[string]any `json:"frontier"`
		Best       map[string]any   `json:"best"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("optimize --json is not JSON: %v", err)
	}
	if doc.Paths != 200 || len(doc.Strategies) != 3 || len(doc.Frontier) < 10 {
		t.Fatalf("optimize --json: paths %d, %d strategies, %d candidates", doc.Paths, len(doc.Strategies), len(doc.Frontier))
	}
	for _, key := range []string{"ai_share", "start", "mean_npv_usd", "cvar5_usd", "prob_npv_negative"} {
		if _, ok := doc.Frontier[0][key]; !ok {
			t.Errorf("frontier entry lacks %q", key)
		}
		if doc.Best != nil {
			if _, ok := doc.Best[key]; !ok {
				t.Errorf("best lacks %q", key)
			}
		}
	}
	code, out, errs = run(t, "optimize", example, "--paths", "200")
	if code != 0 || !strings.Contains(out, "best") && !strings.Contains(out, "no candidate") {
		t.Errorf("optimize: exit %d %s\n%s", code, errs, out)
	}
}

// TestCalibrateSharedData runs calibrate on ../shared/data and checks that
// the printed risk: block, pasted into the example site, is a valid site
// file.
func TestCalibrateSharedData(t *testing.T) {
	btc, hash := sharedData+"btc-usd-daily.csv", sharedData+"bitcoin-hashrate-difficulty.json"
	for _, f := range []string{btc, hash} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("shared data not available (%v): skipping calibrate", err)
		}
	}
	code, out, errs := run(t, "calibrate", "--btc", btc, "--hashrate", hash, "--years", "8")
	if code != 0 {
		t.Fatalf("calibrate: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "risk:\n  btc: {model: gbm, drift_per_year:") || !strings.Contains(out, "  hashrate: {growth_per_year:") {
		t.Fatalf("calibrate output:\n%s", out)
	}
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	s, err := site.Parse(append(data, []byte(out)...), "pasted.yaml")
	if err != nil {
		t.Fatalf("the calibrated block does not paste into a site file: %v\n%s", err, out)
	}
	if s.Risk.BTC.VolPerYear < 0.3 || s.Risk.BTC.VolPerYear > 1.5 {
		t.Errorf("calibrated BTC volatility %v is not plausible", s.Risk.BTC.VolPerYear)
	}
	code, out, errs = run(t, "calibrate", "--btc", btc, "--json")
	if code != 0 || !strings.Contains(out, `"drift_per_year"`) {
		t.Errorf("calibrate --json: exit %d %s\n%s", code, errs, out)
	}
}
