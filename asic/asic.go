// Package asic describes Bitcoin mining machines: their hashrate, power and
// efficiency, from a sourced catalogue that a site file may override, and
// fleets made of them. Lookup returns ErrUnknownModel for a model the
// catalogue lacks.
package asic

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownModel is returned by Lookup for a model not in the catalogue.
var ErrUnknownModel = errors.New("asic: unknown model")

// Model is one machine type at its stock setting.
type Model struct {
	Name     string  // catalogue key, lower-case with dashes
	TH       float64 // hashrate, TH/s
	W        float64 // wall power, W
	Cooling  string  // air | hydro | immersion
	Released string  // year-month of release
}

// JPerTH returns the efficiency in J/TH (W per TH/s).
func (m Model) JPerTH() float64 {
	if m.TH <= 0 {
		return 0
	}
	return m.W / m.TH
}

// Lookup returns the catalogue entry for name (case-insensitive).
func Lookup(name string) (Model, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	for _, m := range catalog {
		if m.Name == key {
			return m, nil
		}
	}
	return Model{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(Names(), ", "))
}

// Names lists the catalogue's model names, sorted.
func Names() []string {
	out := make([]string, 0, len(catalog))
	for _, m := range catalog {
		out = append(out, m.Name)
	}
	slices.Sort(out)
	return out
}
