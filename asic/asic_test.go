package asic

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestLookup(t *testing.T) {
	m, err := Lookup("Antminer-S21")
	if err != nil {
		t.Fatal(err)
	}
	// Bitmain's sheet: 200 TH/s, 17.5 J/TH.
	if m.TH != 200 || math.Abs(m.JPerTH()-17.5) > 1e-9 {
		t.Fatalf("Lookup(antminer-s21) = %+v (J/TH %v), want 200 TH/s at 17.5 J/TH", m, m.JPerTH())
	}
	if _, err := Lookup("antminer-s9000"); !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("Lookup(unknown) error = %v, want ErrUnknownModel", err)
	}
}

func TestCatalogSane(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range catalog {
		if seen[m.Name] {
			t.Errorf("duplicate model %s", m.Name)
		}
		seen[m.Name] = true
		if j := m.JPerTH(); j < 10 || j > 40 {
			t.Errorf("%s: efficiency %v J/TH outside any real machine's range", m.Name, j)
		}
	}
}

func ExampleLookup() {
	m, _ := Lookup("antminer-s21-xp")
	fmt.Printf("%s: %.0f TH/s, %.1f J/TH\n", m.Name, m.TH, m.JPerTH())
	// Output: antminer-s21-xp: 270 TH/s, 13.5 J/TH
}
