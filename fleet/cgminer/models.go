package cgminer

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Model is a miner model's nameplate: what it hashes and draws at its
// default setting. Drivers use it where a firmware reports no power (stock
// Antminer) and to map a power target onto Avalon work levels; the
// simulator uses it for its devices.
type Model struct {
	Name       string
	HashrateTH float64 // nominal hashrate, TH/s
	PowerW     float64 // nominal power at the wall, W
	Boards     int
	Fans       int
	// LevelsW are the nominal powers of Avalon work levels 0, 1, 2 ...
	// (ascset worklevel/workmode); nil for other makes.
	LevelsW []float64
}

// EfficiencyJTH is the nominal efficiency: PowerW / HashrateTH, J/TH.
func (m Model) EfficiencyJTH() float64 { return m.PowerW / m.HashrateTH }

// Models are nameplate figures from the makers' published specifications
// (Bitmain, Canaan, MicroBT product pages, 2019–2025), rounded as published.
// Avalon work levels: Canaan's eco/standard/super presets; the Avalon Q's eco
// power (800 W) is its MPO field in a real reply, the others are from its
// product page; the A1246 levels are approximations (Canaan publishes the
// standard figure only).
var Models = []Model{
	{Name: "Antminer S9", HashrateTH: 13.5, PowerW: 1323, Boards: 3, Fans: 2},
	{Name: "Antminer S19 Pro", HashrateTH: 110, PowerW: 3250, Boards: 3, Fans: 4},
	{Name: "Antminer S19j Pro", HashrateTH: 100, PowerW: 3050, Boards: 3, Fans: 4},
	{Name: "Antminer S19k Pro", HashrateTH: 120, PowerW: 2760, Boards: 3, Fans: 4},
	{Name: "Antminer S19 XP", HashrateTH: 140, PowerW: 3010, Boards: 3, Fans: 4},
	{Name: "Antminer S21", HashrateTH: 200, PowerW: 3500, Boards: 3, Fans: 4},
	{Name: "Antminer S21 Pro", HashrateTH: 234, PowerW: 3510, Boards: 3, Fans: 4},
	{Name: "Antminer T21", HashrateTH: 190, PowerW: 3610, Boards: 3, Fans: 4},
	{Name: "Avalon 1246", HashrateTH: 90, PowerW: 3420, Boards: 3, Fans: 4, LevelsW: []float64{2800, 3100, 3420}},
	{Name: "Avalon 1366", HashrateTH: 130, PowerW: 3250, Boards: 3, Fans: 4, LevelsW: []float64{2700, 3000, 3250}},
	{Name: "Avalon Q", HashrateTH: 90, PowerW: 1674, Boards: 1, Fans: 4, LevelsW: []float64{800, 1300, 1674}},
	{Name: "WhatsMiner M30S++", HashrateTH: 112, PowerW: 3472, Boards: 3, Fans: 2},
	{Name: "WhatsMiner M50S", HashrateTH: 126, PowerW: 3276, Boards: 3, Fans: 2},
	{Name: "WhatsMiner M60S", HashrateTH: 186, PowerW: 3441, Boards: 3, Fans: 2},
}

// AntminerLowPowerShare is the power of stock Antminer firmware's low-power
// work mode as a share of nameplate. Bitmain publishes no figure for most
// models; 75 % is an assumption to replace by a measurement of the site's
// own machines (a power target maps to that mode only when it allows this
// much).
const AntminerLowPowerShare = 0.75

// AntminerModeWatts returns the nominal power of a stock Antminer's normal
// and low-power work modes.
func AntminerModeWatts(m Model) (normalW, lowW float64) {
	return m.PowerW, m.PowerW * AntminerLowPowerShare
}

// lookupCache remembers LookupModel's answers by name: a poll of 100,000
// miners asks for the same few names over and over. It stops growing at
// maxLookupCache names (a reply may name anything).
var (
	lookupCache sync.Map // string -> lookupResult
	lookupCount atomic.Int32
)

const maxLookupCache = 1024

type lookupResult struct {
	m  Model
	ok bool
}

// LookupModel finds a model by name, ignoring case, spaces and a trailing
// variant suffix after the known name ("Antminer S19 Pro (88T)").
func LookupModel(name string) (Model, bool) {
	if r, ok := lookupCache.Load(name); ok {
		lr := r.(lookupResult)
		return lr.m, lr.ok
	}
	m, ok := lookupModel(name)
	if lookupCount.Load() < maxLookupCache {
		if _, loaded := lookupCache.LoadOrStore(name, lookupResult{m, ok}); !loaded {
			lookupCount.Add(1)
		}
	}
	return m, ok
}

func lookupModel(name string) (Model, bool) {
	key := normModel(name)
	best, found := Model{}, false
	for _, m := range Models {
		k := normModel(m.Name)
		if key == k {
			return m, true
		}
		if strings.HasPrefix(key, k) && (!found || len(k) > len(normModel(best.Name))) {
			// A longer known prefix is a better match ("s19pro" beats "s19").
			rest := key[len(k):]
			if rest == "" || !isModelLetter(rest[0]) {
				best, found = m, true
			}
		}
	}
	return best, found
}

var modelNormalizer = strings.NewReplacer(" ", "", "_", "", "-", "", "avalonminer", "avalon")

func normModel(s string) string {
	return modelNormalizer.Replace(strings.ToLower(s))
}

// isModelLetter reports whether b continues a model name ("s19" followed by
// "j" is another model; followed by "(" it is a variant).
func isModelLetter(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+'
}
