package cgminer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// BracketFields parses Avalon's packed status string, a run of Key[value]
// pairs separated by spaces: "Ver[1246-83] GHSavg[79656.63] PS[0 1214 3189]".
// A key that repeats keeps its first value. Unbalanced brackets end the
// parse; what was read before stays.
func BracketFields(s string) map[string]string {
	out := make(map[string]string, 64)
	i := 0
	for i < len(s) {
		open := strings.IndexByte(s[i:], '[')
		if open < 0 {
			break
		}
		open += i
		keyStart := open
		for keyStart > i && s[keyStart-1] != ' ' && s[keyStart-1] != '{' && s[keyStart-1] != ',' {
			keyStart--
		}
		key := s[keyStart:open]
		end := strings.IndexByte(s[open+1:], ']')
		if end < 0 {
			break
		}
		end += open + 1
		if _, dup := out[key]; !dup && key != "" {
			out[key] = s[open+1 : end]
		}
		i = end + 1
	}
	return out
}

func bracketFloats(s string) []float64 {
	var out []float64
	for _, f := range strings.Fields(strings.TrimSuffix(strings.TrimSpace(s), "%")) {
		if v, err := strconv.ParseFloat(strings.TrimSuffix(f, "%"), 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

func bracketFloat(m map[string]string, key string) (float64, bool) {
	v, ok := m[key]
	if !ok {
		return 0, false
	}
	f := bracketFloats(v)
	if len(f) == 0 {
		return 0, false
	}
	return f[0], true
}

// avalonModel names the model from the Ver field: "1246-83-21072802_..."
// is an Avalon 1246, "Q-25052801_..." an Avalon Q.
func avalonModel(ver string) string {
	code, _, _ := strings.Cut(ver, "-")
	code = strings.TrimSpace(code)
	if code == "" {
		return "Avalon"
	}
	return "Avalon " + code
}

// parseAvalonStats reads an Avalon stats reply: every "MM ID<n>" (or
// "MM ID<n>:Summary") member is one control board's packed status string.
func parseAvalonStats(reply minerjson.Value, st *fleet.Status) error {
	found := false
	sleeping, working := false, false
	limit := 0.0
	for _, e := range reply.Get("STATS").Elems() {
		for _, m := range e.Members() {
			if !strings.HasPrefix(m.Key, "MM ID") {
				continue
			}
			s, ok := m.Value.Str()
			if !ok {
				continue
			}
			f := BracketFields(s)
			if len(f) == 0 {
				continue
			}
			found = true
			if st.Model == "" {
				if ver, ok := f["Ver"]; ok {
					st.Model = avalonModel(ver)
				}
			}
			if v, ok := bracketFloat(f, "GHSavg"); ok {
				st.HashrateTH += v / 1e3
			}
			if v, ok := bracketFloat(f, "GHSspd"); ok {
				st.Hashrate5sTH += v / 1e3
			}
			// PS[4] is the power supply's output, PS[6] its input: the
			// wall power (an idle Avalon Q reads PS[4]=0, PS[6]=146). MPO
			// is the power the current work mode allows.
			ps := bracketFloats(f["PS"])
			switch {
			case len(ps) > 6:
				st.PowerW += ps[6]
			case len(ps) > 4:
				st.PowerW += ps[4]
			}
			if v, ok := bracketFloat(f, "MPO"); ok {
				limit += v
			}
			if t := bracketFloats(f["MTmax"]); len(t) > 0 {
				st.TempsC = append(st.TempsC, t...)
			} else {
				hottest := 0.0
				for _, k := range []string{"TMax", "HBOTemp", "HBITemp"} {
					if v, ok := bracketFloat(f, k); ok && v > hottest {
						hottest = v
					}
				}
				st.TempsC = append(st.TempsC, hottest)
			}
			for n := 1; n <= 8; n++ {
				if v, ok := bracketFloat(f, "Fan"+strconv.Itoa(n)); ok {
					st.FansRPM = append(st.FansRPM, int(v))
				}
			}
			status := f["SYSTEMSTATU"]
			switch {
			case strings.Contains(status, "In Idle"):
				sleeping = true
			case strings.Contains(status, "In Work"):
				working = true
			}
			if off, ok := bracketFloat(f, "SoftOFF"); ok && off > 0 && !strings.Contains(status, "In Work") {
				sleeping = true
			}
			for _, k := range []string{"ECHU", "ECMM"} {
				for i, code := range bracketFloats(f[k]) {
					if code != 0 {
						st.Errors = append(st.Errors, fmt.Sprintf("%s[%d]=%d", k, i, int64(code)))
					}
				}
			}
		}
	}
	if !found {
		return fmt.Errorf("cgminer: Avalon stats reply has no MM ID field")
	}
	st.PowerLimitW = limit
	switch {
	case working:
		st.Mode = fleet.ModeMining
	case sleeping:
		// GHSavg is the average since boot; a sleeping device hashes nothing.
		st.Mode = fleet.ModeSleeping
		st.HashrateTH, st.Hashrate5sTH = 0, 0
	default:
		st.Mode = fleet.ModeUnknown
	}
	return nil
}

// parseGenericSummary reads the summary and devs replies any cgminer sends.
func parseGenericSummary(summary, devs minerjson.Value, st *fleet.Status) error {
	s := summary.Get("SUMMARY").Index(0)
	if !s.Exists() {
		return fmt.Errorf("cgminer: summary reply has no SUMMARY")
	}
	st.HashrateTH, _ = hashrateTH(s, "av")
	st.Hashrate5sTH, _ = hashrateTH(s, "5s")
	for _, d := range devs.Get("DEVS").Elems() {
		if t, ok := d.Get("Temperature").Float(); ok && t > 0 {
			st.TempsC = append(st.TempsC, t)
		}
	}
	st.Mode = fleet.ModeMining
	return nil
}
