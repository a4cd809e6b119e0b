package cgminer

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// hashrateTH reads a cgminer hashrate field ("GHS av", "MHS 5s", "THS av",
// "KHS av") in TH/s. suffix is "av" or "5s".
func hashrateTH(v minerjson.Value, suffix string) (float64, bool) {
	for _, u := range []struct {
		prefix string
		div    float64
	}{{"GHS ", 1e3}, {"MHS ", 1e6}, {"THS ", 1}, {"KHS ", 1e9}} {
		if f, ok := v.Get(u.prefix + suffix).Float(); ok {
			return f / u.div, true
		}
	}
	return 0, false
}

// parseAntminerStats reads a bmminer stats reply: STATS[0] names the model,
// STATS[1] holds the numbers, one set of numbered keys per hash board.
func parseAntminerStats(reply minerjson.Value, st *fleet.Status) error {
	stats := reply.Get("STATS")
	if stats.Len() == 0 {
		return fmt.Errorf("cgminer: stats reply has no STATS")
	}
	var data minerjson.Value
	for _, e := range stats.Elems() {
		if model, ok := e.Get("Type").Str(); ok && st.Model == "" {
			st.Model = strings.TrimSpace(model)
		}
		if _, ok := hashrateTH(e, "av"); ok || e.Get("chain_rate1").Exists() {
			data = e
		}
	}
	if !data.Exists() {
		return fmt.Errorf("cgminer: stats reply has no hashrate")
	}
	st.HashrateTH, _ = hashrateTH(data, "av")
	st.Hashrate5sTH, _ = hashrateTH(data, "5s")
	if unit, _ := data.Get("rate_unit").Str(); strings.EqualFold(unit, "MH") {
		// A few builds keep the GHS key names but report MH/s.
		st.HashrateTH /= 1e3
		st.Hashrate5sTH /= 1e3
	}
	// One pass over the members: numbered keys by board (chain_rateN,
	// chain_acnN, temp_chipN "a-b-c-d", temp_pcbN, temp2_N, temp3_N, tempN)
	// and fans (fanN). Duplicated keys all count: the hottest wins.
	const maxBoard = 64
	type board struct {
		present, rateOK bool
		rate            float64
		chips           int64
		hot, pcb        float64
		hotOK, pcbOK    bool
	}
	var boards [maxBoard]board
	var fanRPM [17]int64
	var fanOK [17]bool
	fans := int64(0)
	for _, m := range data.Members() {
		k := m.Key
		prefix, n, ok := splitNumbered(k)
		if !ok {
			if k == "fan_num" {
				fans, _ = m.Value.Int()
			}
			continue
		}
		if prefix == "fan" {
			if n < len(fanRPM) {
				if rpm, ok := m.Value.Int(); ok {
					fanRPM[n], fanOK[n] = rpm, true
				}
			}
			continue
		}
		if n >= maxBoard {
			continue
		}
		b := &boards[n]
		switch prefix {
		case "chain_rate":
			b.present = true
			b.rate, b.rateOK = m.Value.Float()
		case "chain_acn":
			b.present = true
			b.chips, _ = m.Value.Int()
		case "temp_chip", "temp_pcb", "temp2_", "temp3_":
			for _, t := range sensorValues(m.Value) {
				if t > 0 && (!b.hotOK || t > b.hot) {
					b.hot, b.hotOK = t, true
				}
			}
		case "temp":
			if t, ok := m.Value.Float(); ok && t > 0 && (!b.pcbOK || t > b.pcb) {
				b.pcb, b.pcbOK = t, true
			}
		}
	}
	for n := range boards {
		b := &boards[n]
		if !b.present || (!b.rateOK && b.chips == 0) {
			continue // slot without a board
		}
		switch {
		case b.hotOK:
			st.TempsC = append(st.TempsC, b.hot)
		case b.pcbOK:
			st.TempsC = append(st.TempsC, b.pcb)
		}
		if b.rateOK && b.rate == 0 && b.chips == 0 {
			st.Errors = append(st.Errors, fmt.Sprintf("board %d: no chips", n))
		}
	}
	// Fans: the nonzero fanN in order (an S9 has fan_num 2 in slots 3
	// and 6), then zeros up to fan_num for fans that stopped.
	for n := range fanRPM {
		if fanOK[n] && fanRPM[n] > 0 {
			st.FansRPM = append(st.FansRPM, int(fanRPM[n]))
		}
	}
	for int64(len(st.FansRPM)) < min(fans, 16) {
		st.FansRPM = append(st.FansRPM, 0)
	}
	st.Mode = fleet.ModeMining
	return nil
}

// sensorValues reads one temperature field: a number, or a string of
// sensors "78-50-69-70" (temp_chipN, temp_pcbN).
func sensorValues(v minerjson.Value) []float64 {
	if f, ok := v.Float(); ok {
		return []float64{f}
	}
	s, ok := v.Str()
	if !ok {
		return nil
	}
	var out []float64
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ' ' || r == ',' }) {
		if f, err := strconv.ParseFloat(part, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, f)
		}
	}
	return out
}

// numberedPrefixes are the bmminer keys that end in a board or fan number,
// longest first so that "temp_chip1" is not read as "temp" + "_chip1".
var numberedPrefixes = []string{"chain_rate", "chain_acn", "temp_chip", "temp_pcb", "temp2_", "temp3_", "temp", "fan"}

// splitNumbered splits "chain_rate12" into "chain_rate", 12.
func splitNumbered(k string) (string, int, bool) {
	for _, p := range numberedPrefixes {
		rest, ok := strings.CutPrefix(k, p)
		if !ok || rest == "" || len(rest) > 3 {
			continue
		}
		n := 0
		for _, c := range []byte(rest) {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 0 {
			return p, n, true
		}
	}
	return "", 0, false
}

// parsePools reads a pools reply.
func parsePools(reply minerjson.Value) []fleet.Pool {
	var out []fleet.Pool
	for _, p := range reply.Get("POOLS").Elems() {
		url, _ := p.Get("URL").Str()
		user, _ := p.Get("User").Str()
		status, _ := p.Get("Status").Str()
		acc, _ := p.Get("Accepted").Int()
		rej, _ := p.Get("Rejected").Int()
		out = append(out, fleet.Pool{URL: url, User: user, Status: status, Accepted: acc, Rejected: rej})
	}
	return out
}

// estimatePower fills PowerW from the model's nominal efficiency when the
// firmware reported none.
func estimatePower(st *fleet.Status) {
	if st.PowerW > 0 {
		return
	}
	m, ok := LookupModel(st.Model)
	if !ok {
		return
	}
	st.PowerW = m.EfficiencyJTH() * st.HashrateTH
	st.PowerLimitW = m.PowerW
	st.PowerEstimated = true
}
