package cgminer

import (
	"fmt"
	"math"
	"sort"
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
	for _, n := range boardNumbers(data) {
		s := strconv.Itoa(n)
		rate, rateOK := data.Get("chain_rate" + s).Float()
		chips, _ := data.Get("chain_acn" + s).Int()
		if !rateOK && chips == 0 {
			continue // slot without a board
		}
		hottest, ok := 0.0, false
		for _, key := range []string{"temp_chip" + s, "temp_pcb" + s, "temp2_" + s, "temp3_" + s} {
			for _, dup := range data.All(key) {
				for _, t := range sensorValues(dup) {
					if t > 0 && (!ok || t > hottest) {
						hottest, ok = t, true
					}
				}
			}
		}
		if !ok {
			if t, tok := data.MaxFloat("temp" + s); tok && t > 0 {
				hottest, ok = t, true
			}
		}
		if ok {
			st.TempsC = append(st.TempsC, hottest)
		}
		if rateOK && rate == 0 && chips == 0 {
			st.Errors = append(st.Errors, fmt.Sprintf("board %d: no chips", n))
		}
	}
	// Fans: the nonzero fanN in order (an S9 has fan_num 2 in slots 3
	// and 6), then zeros up to fan_num for fans that stopped.
	fans, _ := data.Get("fan_num").Int()
	for n := 0; n <= 16; n++ {
		if rpm, ok := data.Get("fan" + strconv.Itoa(n)).Int(); ok && rpm > 0 {
			st.FansRPM = append(st.FansRPM, int(rpm))
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

// boardNumbers lists the N of chain_rateN / chain_acnN keys, in order.
func boardNumbers(v minerjson.Value) []int {
	seen := map[int]bool{}
	for _, m := range v.Members() {
		for _, p := range []string{"chain_rate", "chain_acn"} {
			if rest, ok := strings.CutPrefix(m.Key, p); ok {
				if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n < 64 {
					seen[n] = true
				}
			}
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
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
