package cgminer

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

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

// valueReader is what the bmminer parse asks of a value. treeValue (a
// minerjson.Value: the tolerant slow path) and rawValue (a minerjson.Raw:
// the strict fast path) answer alike for the same bytes, so both paths
// share one set of rules.
type valueReader interface {
	Float() (float64, bool)
	Int() (int64, bool)
	Str() (string, bool)
	// text is a string value's characters (nil, false for other kinds),
	// for reading them without a copy.
	text() ([]byte, bool)
}

type treeValue struct{ minerjson.Value }

func (v treeValue) text() ([]byte, bool) {
	if v.Kind() != minerjson.String {
		return nil, false
	}
	s, _ := v.Str()
	return []byte(s), true
}

type rawValue struct{ minerjson.Raw }

func (v rawValue) text() ([]byte, bool) { return v.Text, v.Kind == minerjson.String }

// maxBoard bounds the hash-board numbers read from numbered keys.
const maxBoard = 64

// rateDiv divides the units of the hashrate keys into TH/s, in the order
// hashrateTH tries them: "GHS", "MHS", "THS", "KHS" (then the same for
// "5s").
var rateDiv = [...]float64{1e3, 1e6, 1, 1e9}

// bmBoard is one hash board's numbered keys.
type bmBoard struct {
	present, rateOK bool
	rate            float64
	chips           int64
	hot, pcb        float64
	hotOK, pcbOK    bool
}

// bmElem gathers the members of one element of a bmminer STATS array with
// the rules of minerjson.Value.Get (the last of a duplicated key counts)
// except for temperatures, where every duplicate counts and the hottest
// wins.
type bmElem struct {
	typ       string // Type, the model
	typOK     bool
	rate      [8]float64 // last value of each rate key: GHS, MHS, THS, KHS av, then 5s
	rateOK    [8]bool
	unitMH    bool // rate_unit is "MH"
	chainRate bool // chain_rate1 is present
	boards    [maxBoard]bmBoard
	fanRPM    [17]int64
	fanOK     [17]bool
	fans      int64 // fan_num
}

// addMember takes one member of a STATS element, in reply order.
func addMember[V valueReader](e *bmElem, k string, v V) {
	numbered := false
	prefix, n := "", 0
	if len(k) > 0 && (k[0] == 'c' || k[0] == 't' || k[0] == 'f') {
		prefix, n, numbered = splitNumbered(k)
	}
	if !numbered {
		rate := -1
		switch k {
		case "Type":
			e.typ, e.typOK = v.Str()
		case "fan_num":
			e.fans, _ = v.Int()
		case "rate_unit":
			u, _ := v.text()
			e.unitMH = bytes.EqualFold(u, []byte("MH"))
		case "GHS av":
			rate = 0
		case "MHS av":
			rate = 1
		case "THS av":
			rate = 2
		case "KHS av":
			rate = 3
		case "GHS 5s":
			rate = 4
		case "MHS 5s":
			rate = 5
		case "THS 5s":
			rate = 6
		case "KHS 5s":
			rate = 7
		}
		if rate >= 0 {
			e.rate[rate], e.rateOK[rate] = v.Float()
		}
		return
	}
	if k == "chain_rate1" {
		e.chainRate = true
	}
	if prefix == "fan" {
		if n < len(e.fanRPM) {
			if rpm, ok := v.Int(); ok {
				e.fanRPM[n], e.fanOK[n] = rpm, true
			}
		}
		return
	}
	if n >= maxBoard {
		return
	}
	b := &e.boards[n]
	switch prefix {
	case "chain_rate":
		b.present = true
		b.rate, b.rateOK = v.Float()
	case "chain_acn":
		b.present = true
		b.chips, _ = v.Int()
	case "temp_chip", "temp_pcb", "temp2_", "temp3_":
		if t, ok := v.Float(); ok {
			b.addHot(t)
			break
		}
		if s, ok := v.text(); ok {
			eachSensor(s, b.addHot)
		}
	case "temp":
		if t, ok := v.Float(); ok && t > 0 && (!b.pcbOK || t > b.pcb) {
			b.pcb, b.pcbOK = t, true
		}
	}
}

func (b *bmBoard) addHot(t float64) {
	if t > 0 && (!b.hotOK || t > b.hot) {
		b.hot, b.hotOK = t, true
	}
}

// hashrate reads the "av" (i = 0) or "5s" (i = 4) rate in TH/s: the first
// unit whose key holds a number.
func (e *bmElem) hashrate(i int) (float64, bool) {
	for u := range rateDiv {
		if e.rateOK[i+u] {
			return e.rate[i+u] / rateDiv[u], true
		}
	}
	return 0, false
}

// holdsData reports whether the element is the one with the numbers (an
// average hashrate or chain rates), as opposed to STATS[0]'s version info.
func (e *bmElem) holdsData() bool {
	_, ok := e.hashrate(0)
	return ok || e.chainRate
}

// bmStats reads a whole STATS array, one element at a time: the model is
// the first element's Type, the numbers are the last element that holds
// data.
type bmStats struct {
	cur, data *bmElem
	model     string
	buf       [2]bmElem
}

var bmStatsPool = sync.Pool{New: func() any { return new(bmStats) }}

func (p *bmStats) reset() {
	p.cur, p.data, p.model = &p.buf[0], nil, ""
}

// begin starts an element.
func (p *bmStats) begin() {
	*p.cur = bmElem{}
}

// end closes an element.
func (p *bmStats) end() {
	e := p.cur
	if e.typOK && p.model == "" {
		p.model = strings.TrimSpace(e.typ)
	}
	if e.holdsData() {
		// Keep it; gather the next element in the other buffer.
		p.data = e
		if e == &p.buf[0] {
			p.cur = &p.buf[1]
		} else {
			p.cur = &p.buf[0]
		}
	}
}

// fill writes what was read into st.
func (p *bmStats) fill(st *fleet.Status) error {
	if p.model != "" {
		st.Model = p.model
	}
	if p.data == nil {
		return fmt.Errorf("cgminer: stats reply has no hashrate")
	}
	e := p.data
	st.HashrateTH, _ = e.hashrate(0)
	st.Hashrate5sTH, _ = e.hashrate(4)
	if e.unitMH {
		// A few builds keep the GHS key names but report MH/s.
		st.HashrateTH /= 1e3
		st.Hashrate5sTH /= 1e3
	}
	temps := 0
	for n := range e.boards {
		if b := &e.boards[n]; b.present && (b.rateOK || b.chips != 0) && (b.hotOK || b.pcbOK) {
			temps++
		}
	}
	if temps > 0 {
		st.TempsC = make([]float64, 0, temps)
	}
	for n := range e.boards {
		b := &e.boards[n]
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
	fans := 0
	for n := range e.fanRPM {
		if e.fanOK[n] && e.fanRPM[n] > 0 {
			fans++
		}
	}
	if want := max(int64(fans), min(e.fans, 16)); want > 0 {
		st.FansRPM = make([]int, 0, want)
	}
	for n := range e.fanRPM {
		if e.fanOK[n] && e.fanRPM[n] > 0 {
			st.FansRPM = append(st.FansRPM, int(e.fanRPM[n]))
		}
	}
	for int64(len(st.FansRPM)) < min(e.fans, 16) {
		st.FansRPM = append(st.FansRPM, 0)
	}
	st.Mode = fleet.ModeMining
	return nil
}

// parseAntminerStats reads a bmminer stats reply: STATS[0] names the model,
// STATS[1] holds the numbers, one set of numbered keys per hash board
// (chain_rateN, chain_acnN, temp_chipN "a-b-c-d", temp_pcbN, temp2_N,
// temp3_N, tempN) and the fans (fanN, fan_num). Duplicated temperature
// keys all count: the hottest wins.
func parseAntminerStats(reply minerjson.Value, st *fleet.Status) error {
	stats := reply.Get("STATS")
	if stats.Len() == 0 {
		return fmt.Errorf("cgminer: stats reply has no STATS")
	}
	p := bmStatsPool.Get().(*bmStats)
	defer bmStatsPool.Put(p)
	p.reset()
	for _, e := range stats.Elems() {
		p.begin()
		for _, m := range e.Members() {
			addMember(p.cur, m.Key, treeValue{m.Value})
		}
		p.end()
	}
	return p.fill(st)
}

// parseAntminerStatsFast is parseAntminerStats on the raw bytes of a
// stats reply, without building a minerjson.Value: a single pass of
// minerjson.Reader. It reports false, leaving st as it was, for anything
// but a strict reply whose STATUS is a plain success and that holds data
// (the S9's "}{" is fine); the caller then reads the reply with Parse,
// which repairs quirks and reports errors. Both give the same Status for
// any reply the fast path accepts (FuzzAntminerFastPath).
func parseAntminerStatsFast(reply []byte, st *fleet.Status) bool {
	p := bmStatsPool.Get().(*bmStats)
	defer bmStatsPool.Put(p)
	p.reset()
	var (
		rd                      minerjson.Reader
		statusOK, sawStatus     bool
		sawStats, isArray, dups bool
	)
	rd.Reset(reply)
	rd.Object(func(key []byte) {
		switch string(key) {
		case "STATUS":
			dups = dups || sawStatus
			sawStatus = true
			first := true
			rd.Array(func() {
				if !first {
					return
				}
				first = false
				rd.Object(func(k []byte) {
					if string(k) == "STATUS" {
						statusOK = plainSuccess(rd.Value())
					}
				})
			})
		case "STATS":
			dups = dups || sawStats
			sawStats = true
			isArray = rd.Array(func() {
				p.begin()
				rd.Object(func(k []byte) { addMember(p.cur, string(k), rawValue{rd.Value()}) })
				p.end()
			})
		}
	})
	if rd.Err() != nil || dups || !statusOK || !isArray || p.data == nil {
		return false
	}
	return p.fill(st) == nil
}

// plainSuccess reports whether a STATUS value is one of the success codes
// every firmware writes in capitals (CheckStatus judges anything else).
func plainSuccess(v minerjson.Raw) bool {
	if v.Kind != minerjson.String {
		return false
	}
	switch string(v.Text) {
	case "S", "I", "W", "RESTART":
		return true
	}
	return false
}

// eachSensor calls fn for each sensor of a temperature list such as
// "78-50-69-70" (temp_chipN, temp_pcbN; '-', ' ' or ',' between them),
// skipping what is not a finite number.
func eachSensor(s []byte, fn func(float64)) {
	for len(s) > 0 {
		i := bytes.IndexAny(s, "- ,")
		part := s
		if i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			s = nil
		}
		if len(part) == 0 {
			continue
		}
		if f, err := strconv.ParseFloat(string(part), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			fn(f)
		}
	}
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
