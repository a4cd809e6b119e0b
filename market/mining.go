package market

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// HashrateSample is the network's average hashrate over one day, in H/s,
// as mempool.space estimates it.
type HashrateSample struct {
	Time       time.Time
	HashrateHs float64
}

// Retarget is one difficulty adjustment: the difficulty that applies from
// Height, first mined at Time; Adjustment is the ratio to the previous
// difficulty (0 for the genesis block).
type Retarget struct {
	Height     int64
	Time       time.Time
	Difficulty float64
	Adjustment float64
}

// MiningHistory is the network's hashrate and difficulty history in the
// format of mempool.space's /api/v1/mining/hashrate/:interval (and of
// ../shared/data/bitcoin-hashrate-difficulty.json): daily hashrates, every
// retarget, and the current hashrate (H/s) and difficulty.
type MiningHistory struct {
	Hashrates         []HashrateSample
	Retargets         []Retarget
	CurrentHashrateHs float64
	CurrentDifficulty float64
}

// LoadMiningHistory reads mempool.space's hashrate/difficulty JSON:
//
//	{"hashrates": [{"timestamp": 1231006505, "avgHashrate": 9273.3}, ...],
//	 "difficulty": [{"time": 1231006505, "height": 0, "difficulty": 1, "adjustment": 0}, ...],
//	 "currentHashrate": 8.1e20, "currentDifficulty": 1.12e14}
//
// Timestamps are Unix seconds; hashrates H/s. Hashrate times and retarget
// heights must be strictly increasing; hashrates >= 0; difficulties > 0;
// adjustments >= 0. Unknown keys are ignored. Errors carry the line and
// column of the offending element and its JSON path.
func LoadMiningHistory(r io.Reader, name string) (MiningHistory, error) {
	data, err := readBounded(r, fileLimit, name)
	if err != nil {
		return MiningHistory{}, err
	}
	return parseMiningHistory(data, name)
}

func parseMiningHistory(data []byte, name string) (MiningHistory, error) {
	d := newJSONDoc(data, name)
	var h MiningHistory
	var haveHashrates, haveDifficulty bool
	err := d.object("", func(key string) error {
		switch key {
		case "hashrates":
			haveHashrates = true
			return d.array("hashrates", func(i int) error {
				path := fmt.Sprintf("hashrates[%d]", i)
				l, c := d.pos()
				var raw struct {
					Timestamp   flexNumber `json:"timestamp"`
					AvgHashrate flexNumber `json:"avgHashrate"`
				}
				if err := d.decode(path, &raw); err != nil {
					return err
				}
				at := func(f string, err error) error {
					return &ParseError{File: name, Line: l, Col: c, Field: path + "." + f, Err: err}
				}
				ts, err := raw.Timestamp.int()
				if err != nil {
					return at("timestamp", err)
				}
				t, err := unixTime(ts)
				if err != nil {
					return at("timestamp", err)
				}
				v, err := raw.AvgHashrate.float()
				if err != nil {
					return at("avgHashrate", err)
				}
				if v < 0 {
					return at("avgHashrate", fmt.Errorf("must be >= 0 (got %v)", v))
				}
				if n := len(h.Hashrates); n > 0 && !t.After(h.Hashrates[n-1].Time) {
					return at("timestamp", fmt.Errorf("%d is not after the previous sample's %d", ts, h.Hashrates[n-1].Time.Unix()))
				}
				h.Hashrates = append(h.Hashrates, HashrateSample{Time: t, HashrateHs: v})
				return nil
			})
		case "difficulty":
			haveDifficulty = true
			return d.array("difficulty", func(i int) error {
				path := fmt.Sprintf("difficulty[%d]", i)
				l, c := d.pos()
				var raw struct {
					Time       flexNumber `json:"time"`
					Height     flexNumber `json:"height"`
					Difficulty flexNumber `json:"difficulty"`
					Adjustment flexNumber `json:"adjustment"`
				}
				if err := d.decode(path, &raw); err != nil {
					return err
				}
				rt, field, err := retargetFrom(raw.Height, raw.Time, raw.Difficulty, raw.Adjustment)
				if err != nil {
					return &ParseError{File: name, Line: l, Col: c, Field: path + "." + field, Err: err}
				}
				if n := len(h.Retargets); n > 0 && rt.Height <= h.Retargets[n-1].Height {
					return &ParseError{File: name, Line: l, Col: c, Field: path + ".height", Err: fmt.Errorf("%d is not after the previous retarget's %d", rt.Height, h.Retargets[n-1].Height)}
				}
				h.Retargets = append(h.Retargets, rt)
				return nil
			})
		case "currentHashrate", "currentDifficulty":
			var n flexNumber
			if err := d.decode(key, &n); err != nil {
				return err
			}
			v, err := n.float()
			if err == nil && v < 0 {
				err = fmt.Errorf("must be >= 0 (got %v)", v)
			}
			if err != nil && n.set {
				return d.errHere(key, err)
			}
			if key == "currentHashrate" {
				h.CurrentHashrateHs = v
			} else {
				h.CurrentDifficulty = v
			}
			return nil
		default:
			return d.skip()
		}
	})
	if err != nil {
		return MiningHistory{}, err
	}
	if err := d.end(); err != nil {
		return MiningHistory{}, err
	}
	if !haveHashrates && !haveDifficulty {
		return MiningHistory{}, &ParseError{File: name, Err: fmt.Errorf("%w: neither \"hashrates\" nor \"difficulty\"", ErrNoData)}
	}
	return h, nil
}

// retargetFrom validates one retarget; on error it names the bad field.
func retargetFrom(height, tm, diff, adj flexNumber) (Retarget, string, error) {
	ht, err := height.int()
	if err != nil {
		return Retarget{}, "height", err
	}
	if ht < 0 {
		return Retarget{}, "height", fmt.Errorf("must be >= 0 (got %d)", ht)
	}
	ts, err := tm.int()
	if err != nil {
		return Retarget{}, "time", err
	}
	t, err := unixTime(ts)
	if err != nil {
		return Retarget{}, "time", err
	}
	dv, err := diff.float()
	if err != nil {
		return Retarget{}, "difficulty", err
	}
	if !(dv > 0) {
		return Retarget{}, "difficulty", fmt.Errorf("must be > 0 (got %v)", dv)
	}
	av := 0.0
	if adj.set {
		if av, err = adj.float(); err != nil {
			return Retarget{}, "adjustment", err
		}
		if av < 0 {
			return Retarget{}, "adjustment", fmt.Errorf("must be >= 0 (got %v)", av)
		}
	}
	return Retarget{Height: ht, Time: t, Difficulty: dv, Adjustment: av}, "", nil
}

// WriteMiningHistory writes h in mempool.space's JSON format, which
// LoadMiningHistory (and `hashpivot calibrate --hashrate`) reads.
func WriteMiningHistory(w io.Writer, h MiningHistory) error {
	type hr struct {
		Timestamp   int64   `json:"timestamp"`
		AvgHashrate float64 `json:"avgHashrate"`
	}
	type df struct {
		Time       int64   `json:"time"`
		Height     int64   `json:"height"`
		Difficulty float64 `json:"difficulty"`
		Adjustment float64 `json:"adjustment"`
	}
	out := struct {
		Hashrates         []hr    `json:"hashrates"`
		Difficulty        []df    `json:"difficulty"`
		CurrentHashrate   float64 `json:"currentHashrate"`
		CurrentDifficulty float64 `json:"currentDifficulty"`
	}{Hashrates: []hr{}, Difficulty: []df{}, CurrentHashrate: h.CurrentHashrateHs, CurrentDifficulty: h.CurrentDifficulty}
	for _, s := range h.Hashrates {
		out.Hashrates = append(out.Hashrates, hr{s.Time.Unix(), s.HashrateHs})
	}
	for _, r := range h.Retargets {
		out.Difficulty = append(out.Difficulty, df{r.Time.Unix(), r.Height, r.Difficulty, r.Adjustment})
	}
	return json.NewEncoder(w).Encode(out)
}

// RetargetHeader is the header of the difficulty CSV.
const RetargetHeader = "height,time,difficulty,adjustment"

// LoadRetargets reads the difficulty CSV that `hashpivot data fetch
// difficulty` writes (RetargetHeader; time RFC 3339 or Unix seconds).
// Heights must be strictly increasing and difficulties > 0.
func LoadRetargets(r io.Reader, name string) ([]Retarget, error) {
	t, err := openCSV(r, name, fileLimit)
	if err != nil {
		return nil, err
	}
	hi, ti, di, ai := t.col("height"), t.col("time", "timestamp"), t.col("difficulty"), t.col("adjustment")
	if hi < 0 || ti < 0 || di < 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("header %q: want %s", strings.Join(t.header, ","), RetargetHeader)}
	}
	var out []Retarget
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var vals [4]flexNumber
		for k, i := range []int{hi, ti, di, ai} {
			if i < 0 {
				continue
			}
			s, ok := field(rec, i)
			if !ok {
				return nil, t.errAt(i, "row has %d fields, want %d", len(rec), len(t.header))
			}
			if k == 1 && strings.ContainsAny(s, "-T") { // an RFC 3339 time
				tm, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return nil, t.errAt(i, "time %q: want RFC 3339 or Unix seconds", s)
				}
				s = strconv.FormatInt(tm.Unix(), 10)
			}
			if s != "" {
				vals[k] = flexNumber{s: s, set: true}
			}
		}
		rt, f, err := retargetFrom(vals[0], vals[1], vals[2], vals[3])
		if err != nil {
			return nil, t.errAt(t.col(f), "%v", err)
		}
		if n := len(out); n > 0 && rt.Height <= out[n-1].Height {
			return nil, t.errAt(hi, "%d is not after the previous row's %d", rt.Height, out[n-1].Height)
		}
		out = append(out, rt)
	}
	if len(out) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: no retarget rows", ErrNoData)}
	}
	return out, nil
}

// WriteRetargets writes rs in the difficulty CSV format (RetargetHeader).
func WriteRetargets(w io.Writer, rs []Retarget) error {
	var b strings.Builder
	b.WriteString(RetargetHeader + "\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", r.Height, r.Time.UTC().Format(time.RFC3339),
			strconv.FormatFloat(r.Difficulty, 'g', -1, 64), strconv.FormatFloat(r.Adjustment, 'g', -1, 64))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mergeMiningHistory appends newer to older: older's samples and retargets
// at or after newer's first ones are replaced by newer's; the current values
// come from newer.
func mergeMiningHistory(older, newer MiningHistory) MiningHistory {
	out := MiningHistory{CurrentHashrateHs: newer.CurrentHashrateHs, CurrentDifficulty: newer.CurrentDifficulty}
	if len(newer.Hashrates) > 0 {
		first := newer.Hashrates[0].Time
		for _, s := range older.Hashrates {
			if s.Time.Before(first) {
				out.Hashrates = append(out.Hashrates, s)
			}
		}
	} else {
		out.Hashrates = append(out.Hashrates, older.Hashrates...)
	}
	out.Hashrates = append(out.Hashrates, newer.Hashrates...)
	if len(newer.Retargets) > 0 {
		first := newer.Retargets[0].Height
		for _, r := range older.Retargets {
			if r.Height < first {
				out.Retargets = append(out.Retargets, r)
			}
		}
	} else {
		out.Retargets = append(out.Retargets, older.Retargets...)
	}
	out.Retargets = append(out.Retargets, newer.Retargets...)
	if out.CurrentDifficulty == 0 {
		out.CurrentDifficulty = older.CurrentDifficulty
	}
	if out.CurrentHashrateHs == 0 {
		out.CurrentHashrateHs = older.CurrentHashrateHs
	}
	return out
}

// latestDifficulty returns the difficulty in force: CurrentDifficulty, or
// the last retarget's.
func (h MiningHistory) latestDifficulty() (float64, error) {
	if h.CurrentDifficulty > 0 && !math.IsInf(h.CurrentDifficulty, 0) {
		return h.CurrentDifficulty, nil
	}
	if n := len(h.Retargets); n > 0 {
		return h.Retargets[n-1].Difficulty, nil
	}
	return 0, errors.New("market: no difficulty in the mining history")
}
