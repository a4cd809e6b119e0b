package site

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadFiles checks that every file under testdata/bad fails with each
// message its "# want:" lines name, and that every error is an ErrInvalid.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var wants []string
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				if w, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
					wants = append(wants, w)
				}
			}
			if len(wants) == 0 {
				t.Fatal("file names no # want: line")
			}
			_, err = Parse(data, "test.yaml")
			if err == nil {
				t.Fatalf("Parse(%s) succeeded, want errors %q", f, wants)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%s) error %v does not wrap ErrInvalid", f, err)
			}
			for _, w := range wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse(%s) error\n%v\nlacks %q", f, err, w)
				}
			}
		})
	}
}

func TestExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 3 {
		t.Fatalf("want >= 3 examples, got %d", len(files))
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("Load(%s): %v", f, err)
		}
	}
}

func TestDefaultsApply(t *testing.T) {
	s, err := Parse([]byte("version: 1\nname: x\nstart: 2026-03\ngrid: {interconnect_mw: 10}\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if s.Mining.PUE != d.Mining.PUE || s.Finance.TaxRate != 0.21 || s.AI.Colocation.RateUSDPerKWMonth != d.AI.Colocation.RateUSDPerKWMonth {
		t.Fatalf("defaults not applied: %+v", s.Mining)
	}
	if len(s.Strategies) != 3 || s.Strategies[1].Start.String() != "2026-06" {
		t.Fatalf("default strategies = %+v", s.Strategies)
	}
	// An explicit 0 overrides a non-zero default.
	s, err = Parse([]byte("version: 1\nname: x\nstart: 2026-03\ngrid: {interconnect_mw: 10}\nfinance: {tax_rate: 0}\nrisk: {btc: {vol_per_year: 0}}\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Finance.TaxRate != 0 || s.Risk.BTC.VolPerYear != 0 || !s.Has("risk.btc.vol_per_year") {
		t.Fatalf("explicit zeros lost: tax %v vol %v", s.Finance.TaxRate, s.Risk.BTC.VolPerYear)
	}
}

func TestRiskDefaultsFollowMarket(t *testing.T) {
	s, err := Load("../examples/pecos-west.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Risk.Hashrate.GrowthPerYear != s.Market.HashrateGrowthPerYear || s.Risk.Power.MeanUSDPerMWh != s.Power.PriceUSDPerMWh ||
		s.Risk.Fees.MeanBTCPerBlock != s.Market.FeesBTCPerBlock || s.Risk.BTC.DriftPerYear != s.Market.BTCPriceGrowthPerYear {
		t.Fatalf("risk defaults do not follow the market section: %+v", s.Risk)
	}
}

func TestHugeAndBinaryFiles(t *testing.T) {
	if _, err := Parse(make([]byte, MaxFileBytes+1), "big.yaml"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized file: %v", err)
	}
	if _, err := Parse([]byte("version: 1\x00"), "nul.yaml"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NUL byte: %v", err)
	}
}

// FuzzParse: no input panics; the result is a site xor an ErrInvalid error.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../examples/*.yaml", "testdata/bad/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("version: 1\nname: a\nstart: 2026-01\ngrid: {interconnect_mw: 1}\nstrategies: [{name: x, ai_share: .nan}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz.yaml")
		if (s == nil) == (err == nil) {
			t.Fatalf("Parse returned site %v and error %v", s != nil, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
	})
}
