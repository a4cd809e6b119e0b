package cgminer

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// ServeSim serves dev on ln as a device of the given kind would: the same
// bytes a real bmminer, Avalon or cgminer sends (compact JSON, the trailing
// NUL, one reply per connection, bmminer's numbered stats keys, an S9's
// "}{" between its two stats objects, Avalon's packed MM ID string), one
// connection at a time as cgminer's API thread answers them. It returns
// when ctx ends.
//
// When dev also has a Version method (a StateVersion), read-only replies
// are kept while the version stays the same and served with fresh time
// stamps: the stats reply is built before the first connection and again
// only when the device's state changes.
func ServeSim(ctx context.Context, ln net.Listener, dev fleet.DeviceState, kind Kind) error {
	s := newSimServer(dev, kind)
	s.warm(statsRequest)
	return ServeConnsSerial(ctx, ln, s.handle)
}

// StateVersion is a fleet.DeviceState that says when what it reports may
// have changed: Version returns the same number while a reply built from
// the state stays true but for its time stamps.
type StateVersion interface {
	Version() uint64
}

func newSimServer(dev fleet.DeviceState, kind Kind) *simServer {
	s := &simServer{dev: dev, kind: kind, start: time.Now()}
	s.versioned, _ = dev.(StateVersion)
	return s
}

type simServer struct {
	dev       fleet.DeviceState
	versioned StateVersion // nil: build every reply
	kind      Kind
	start     time.Time

	mu    sync.Mutex // guards cache and rec
	cache simCache
	rec   *[]simHole // while a cached reply is built: where its time stamps go
}

// simCache is the last read-only reply, with holes for its time stamps.
type simCache struct {
	ok      bool
	req     string
	version uint64
	body    []byte
	holes   []simHole
}

// simHole is where a time stamp goes in a cached reply.
type simHole struct {
	at      int
	elapsed bool // Elapsed (seconds since start) rather than When (Unix time)
}

// SimReadTimeout bounds how long a simulated device waits for a request.
const SimReadTimeout = 5 * time.Second

var simBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// ServeSimWeb is ServeSim for a device that also answers HTTP on the same
// port: a simulator's stand-in for the web UI a real Antminer serves on
// port 80 (the fleet commands reach it with --antminer-web-port rpc). A
// connection whose first bytes are an HTTP request line is served by web
// (with keep-alive, beside the RPC connections); any other is a cgminer
// request. It returns when ctx ends.
func ServeSimWeb(ctx context.Context, ln net.Listener, dev fleet.DeviceState, kind Kind, web http.Handler) error {
	s := newSimServer(dev, kind)
	s.warm(statsRequest)
	// The HTTP server starts with the first HTTP connection: most devices
	// of a simulated site are only ever polled.
	var (
		hl   *connListener
		srv  *http.Server
		done chan struct{}
	)
	defer func() {
		if srv != nil {
			srv.Close()
			<-done
		}
	}()
	return serveSerial(ctx, ln, func(c net.Conn) bool {
		_ = c.SetDeadline(time.Now().Add(SimReadTimeout))
		var in [4096]byte
		n, _ := c.Read(in[:])
		if n == 0 {
			return false
		}
		if !isHTTPRequest(in[:n]) {
			s.answer(c, in[:n])
			return false
		}
		if srv == nil {
			hl = newConnListener(ln.Addr())
			srv = &http.Server{Handler: web, ReadHeaderTimeout: SimReadTimeout, IdleTimeout: 30 * time.Second}
			done = make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.Serve(hl)
			}()
		}
		_ = c.SetDeadline(time.Time{}) // the HTTP server sets its own
		return hl.push(&prefixConn{Conn: c, prefix: append([]byte(nil), in[:n]...)})
	})
}

func (s *simServer) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(SimReadTimeout))
	var in [4096]byte
	n, _ := c.Read(in[:])
	if n == 0 {
		return
	}
	s.answer(c, in[:n])
}

// answer writes the reply to one request.
func (s *simServer) answer(c net.Conn, req []byte) {
	bp := simBufPool.Get().(*[]byte)
	out := s.appendReply((*bp)[:0], req)
	_, _ = c.Write(out)
	*bp = out[:0]
	simBufPool.Put(bp)
}

// Reply is the complete reply (NUL included) to one request, exported for
// tests and for the wire captures under testdata.
func (s *simServer) Reply(req []byte) []byte {
	return s.appendReply(nil, req)
}

// warm builds the cached reply to req ahead of the first request.
func (s *simServer) warm(req []byte) {
	if s.versioned != nil {
		_ = s.appendReply(nil, req)
	}
}

// readOnly reports whether a command only reads (its reply may be cached).
func readOnly(cmd string) bool {
	for c := range strings.SplitSeq(cmd, "+") {
		switch c {
		case "version", "summary", "stats", "estats", "pools", "devs":
		default:
			return false
		}
	}
	return true
}

// appendReply appends the reply to req, from the cache when the device's
// state has not changed since it was built.
func (s *simServer) appendReply(dst, req []byte) []byte {
	cmd, param := parseRequest(req)
	now := time.Now()
	if s.versioned == nil || param != "" || !readOnly(cmd) {
		return s.build(dst, cmd, param, now)
	}
	v := s.versioned.Version()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.cache
	if !c.ok || c.version != v || c.req != cmd {
		c.holes = c.holes[:0]
		s.rec = &c.holes
		c.body = s.build(c.body[:0], cmd, param, now)
		s.rec = nil
		c.ok, c.version, c.req = true, v, cmd
	}
	at := 0
	for _, h := range c.holes {
		dst = append(dst, c.body[at:h.at]...)
		if h.elapsed {
			dst = strconv.AppendInt(dst, s.elapsed(now), 10)
		} else {
			dst = strconv.AppendInt(dst, now.Unix(), 10)
		}
		at = h.at
	}
	return append(dst, c.body[at:]...)
}

// build appends the complete reply (NUL included) to cmd.
func (s *simServer) build(b []byte, cmd, param string, now time.Time) []byte {
	if strings.Contains(cmd, "+") {
		cmds := strings.Split(cmd, "+")
		b = append(b, '{')
		for i, c := range cmds {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, c)
			b = append(b, ":["...)
			b = s.reply(b, c, "", now)
			b = append(b, ']')
		}
		b = append(b, `,"id":1}`...)
	} else {
		b = s.reply(b, cmd, param, now)
	}
	return append(b, 0)
}

// appendWhen appends the Unix time (a hole, in a reply being cached).
func (s *simServer) appendWhen(b []byte, now time.Time) []byte {
	if s.rec != nil {
		*s.rec = append(*s.rec, simHole{at: len(b)})
		return b
	}
	return strconv.AppendInt(b, now.Unix(), 10)
}

// appendElapsed appends the seconds since start (a hole, in a reply being
// cached).
func (s *simServer) appendElapsed(b []byte, now time.Time) []byte {
	if s.rec != nil {
		*s.rec = append(*s.rec, simHole{at: len(b), elapsed: true})
		return b
	}
	return strconv.AppendInt(b, s.elapsed(now), 10)
}

// parseRequest reads {"command":..,"parameter":..} or "cmd|param".
func parseRequest(req []byte) (cmd, param string) {
	t := bytes.TrimRight(req, "\x00\r\n ")
	if len(t) > 0 && t[0] == '{' {
		// The fast path for the usual request; Parse for anything else.
		var rd minerjson.Reader
		rd.Reset(t)
		var c, p []byte
		rd.Object(func(k []byte) {
			switch string(k) {
			case "command":
				if v := rd.Value(); v.Kind == minerjson.String {
					c = v.Text
				}
			case "parameter":
				if v := rd.Value(); v.Kind == minerjson.String {
					p = v.Text
				}
			}
		})
		if rd.Err() == nil && c != nil {
			return internCommand(c), string(p)
		}
		v, _, err := minerjson.Parse(t)
		if err != nil {
			return "", ""
		}
		cmd, _ = v.Get("command").Str()
		param, _ = v.Get("parameter").Str()
		return cmd, param
	}
	cmd, param, _ = strings.Cut(string(t), "|")
	return cmd, param
}

// internCommand returns the usual read commands without allocating.
func internCommand(c []byte) string {
	switch string(c) {
	case "stats":
		return "stats"
	case "stats+pools":
		return "stats+pools"
	case "summary":
		return "summary"
	case "version":
		return "version"
	}
	return string(c)
}

func (s *simServer) description() string {
	switch s.kind {
	case Antminer:
		return "cgminer 1.0.0"
	default:
		return "cgminer 4.11.1"
	}
}

func (s *simServer) status(b []byte, st string, code int, msg string, now time.Time) []byte {
	b = append(b, `{"STATUS":[{"STATUS":"`...)
	b = append(b, st...)
	b = append(b, `","When":`...)
	b = s.appendWhen(b, now)
	b = append(b, `,"Code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"Msg":`...)
	b = strconv.AppendQuote(b, msg)
	b = append(b, `,"Description":"`...)
	b = append(b, s.description()...)
	b = append(b, `"}]`...)
	return b
}

func (s *simServer) invalid(b []byte, now time.Time) []byte {
	b = s.status(b, "E", 14, "Invalid command", now)
	return append(b, `,"id":1}`...)
}

// reply appends one command's reply object (no NUL).
func (s *simServer) reply(b []byte, cmd, param string, now time.Time) []byte {
	switch cmd {
	case "version":
		return s.version(b, now)
	case "summary":
		return s.summary(b, now)
	case "stats", "estats":
		if s.kind == Avalon {
			return s.avalonStats(b, now)
		}
		if s.kind == Antminer {
			return s.antminerStats(b, now)
		}
		b = s.status(b, "S", 70, "CGMiner stats", now)
		return append(b, `,"STATS":[],"id":1}`...)
	case "pools":
		return s.pools(b, now)
	case "devs":
		return s.devs(b, now)
	case "ascset":
		if s.kind == Avalon {
			return s.ascset(b, param, now)
		}
	case "restart":
		s.dev.Reboot()
		return append(b, `{"STATUS":"RESTART"}`...)
	}
	return s.invalid(b, now)
}

func (s *simServer) version(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	b = s.status(b, "S", 22, "CGMiner versions", now)
	switch s.kind {
	case Antminer:
		b = append(b, `,"VERSION":[{"BMMiner":"1.0.0","API":"3.1","Miner":"49.0.1.3","CompileTime":"Tue Dec  6 16:12:30 CST 2022","Type":`...)
		b = strconv.AppendQuote(b, st.Model)
		b = append(b, `}]`...)
	case Avalon:
		code := strings.TrimPrefix(st.Model, "Avalon ")
		b = append(b, `,"VERSION":[{"CGMiner":"4.11.1","API":"3.7","PROD":`...)
		b = strconv.AppendQuote(b, st.Model)
		b = append(b, `,"MODEL":`...)
		b = strconv.AppendQuote(b, code)
		b = append(b, `,"HWTYPE":"MM4v2_X3","SWTYPE":"MM314","LVERSION":"21072802_4ec6bb0","BVERSION":"21072802_4ec6bb0","CGVERSION":"21072802_4ec6bb0"}]`...)
	default:
		b = append(b, `,"VERSION":[{"CGMiner":"4.11.1","API":"3.7"}]`...)
	}
	return append(b, `,"id":1}`...)
}

func appendFloat(b []byte, f float64, prec int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	return strconv.AppendFloat(b, f, 'f', prec, 64)
}

func (s *simServer) elapsed(now time.Time) int64 { return int64(now.Sub(s.start).Seconds()) + 1 }

func (s *simServer) summary(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	b = s.status(b, "S", 11, "Summary", now)
	b = append(b, `,"SUMMARY":[{"Elapsed":`...)
	b = s.appendElapsed(b, now)
	if s.kind == Antminer {
		b = append(b, `,"GHS 5s":`...)
		b = appendFloat(b, st.Hashrate5sTH*1e3, 2)
		b = append(b, `,"GHS av":`...)
		b = appendFloat(b, st.HashrateTH*1e3, 2)
	} else {
		b = append(b, `,"MHS av":`...)
		b = appendFloat(b, st.HashrateTH*1e6, 2)
		b = append(b, `,"MHS 5s":`...)
		b = appendFloat(b, st.Hashrate5sTH*1e6, 2)
	}
	b = append(b, `,"Found Blocks":0,"Getworks":675,"Accepted":890,"Rejected":2,"Hardware Errors":0,"Utility":1.42,"Discarded":0,"Stale":0,"Get Failures":0,"Local Work":191427,"Remote Failures":0,"Network Blocks":68,"Total MH":1679772288024.0000,"Work Utility":623462.20,"Difficulty Accepted":368550176.00000000,"Difficulty Rejected":786432.00000000,"Difficulty Stale":0.00000000,"Best Share":354914572,"Device Hardware%":0.0000,"Device Rejected%":0.2007,"Pool Rejected%":0.2129,"Pool Stale%":0.0000,"Last getwork":0}],"id":1}`...)
	return b
}

func (s *simServer) devs(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	b = s.status(b, "S", 9, strconv.Itoa(max(len(st.TempsC), 1))+" ASC(s)", now)
	b = append(b, `,"DEVS":[`...)
	n := max(len(st.TempsC), 1)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		t := 0.0
		if i < len(st.TempsC) {
			t = st.TempsC[i]
		}
		b = append(b, `{"ASC":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Name":"BTM","ID":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Enabled":"Y","Status":"Alive","Temperature":`...)
		b = appendFloat(b, t, 2)
		b = append(b, `,"MHS av":`...)
		b = appendFloat(b, st.HashrateTH*1e6/float64(n), 2)
		b = append(b, `,"MHS 5s":`...)
		b = appendFloat(b, st.Hashrate5sTH*1e6/float64(n), 2)
		b = append(b, `,"Accepted":890,"Rejected":2,"Hardware Errors":0}`...)
	}
	return append(b, `],"id":1}`...)
}

func (s *simServer) pools(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	b = s.status(b, "S", 7, strconv.Itoa(len(st.Pools))+" Pool(s)", now)
	b = append(b, `,"POOLS":[`...)
	for i, p := range st.Pools {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"POOL":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"URL":`...)
		b = strconv.AppendQuote(b, p.URL)
		b = append(b, `,"Status":`...)
		b = strconv.AppendQuote(b, p.Status)
		b = append(b, `,"Priority":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Quota":1,"Long Poll":"N","Getworks":3951,"Accepted":`...)
		b = strconv.AppendInt(b, p.Accepted, 10)
		b = append(b, `,"Rejected":`...)
		b = strconv.AppendInt(b, p.Rejected, 10)
		b = append(b, `,"Discarded":0,"Stale":1,"Get Failures":1,"Remote Failures":0,"User":`...)
		b = strconv.AppendQuote(b, p.User)
		b = append(b, `,"Last Share Time":"0:00:03","Diff":"524K","Diff1 Shares":0,"Proxy Type":"","Proxy":"","Difficulty Accepted":1305083904.00000000,"Difficulty Rejected":2490368.00000000,"Difficulty Stale":0.00000000,"Last Share Difficulty":524288.00000000,"Has Stratum":true,"Stratum Active":`...)
		b = strconv.AppendBool(b, i == 0)
		b = append(b, `,"Stratum URL":"","Has GBT":false,"Best Share":12904207043,"Pool Rejected%":0.0000,"Pool Stale%%":0.0000}`...)
	}
	return append(b, `],"id":1}`...)
}

// boardShares splits a device's hashrate over its boards unevenly, as real
// boards differ.
var boardShares = [...]float64{0.3402, 0.3214, 0.3384, 0.25}

func dashed(b []byte, vals ...float64) []byte {
	b = append(b, '"')
	for i, v := range vals {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendInt(b, int64(math.Round(v)), 10)
	}
	return append(b, '"')
}

// antminerStats follows the layout of a real S19 reply (firmware 2022):
// STATS[0] names the miner, STATS[1] holds numbered keys per chain. Legacy
// S9 firmware writes "}{" between the two objects.
func (s *simServer) antminerStats(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	legacy := strings.Contains(st.Model, "S9")
	b = s.status(b, "S", 70, "CGMiner stats", now)
	b = append(b, `,"STATS":[{"BMMiner":"1.0.0","Miner":"49.0.1.3","CompileTime":"Tue Dec  6 16:12:30 CST 2022","Type":`...)
	b = strconv.AppendQuote(b, st.Model)
	if legacy {
		b = append(b, "}{"...)
	} else {
		b = append(b, "},{"...)
	}
	b = append(b, `"STATS":0,"ID":"BTM_SOC0","Elapsed":`...)
	b = s.appendElapsed(b, now)
	b = append(b, `,"Calls":0,"Wait":0.000000,"Max":0.000000,"Min":99999999.000000,"GHS 5s":`...)
	b = appendFloat(b, st.Hashrate5sTH*1e3, 2)
	b = append(b, `,"GHS av":`...)
	b = appendFloat(b, st.HashrateTH*1e3, 2)
	b = append(b, `,"rate_30m":`...)
	b = appendFloat(b, st.HashrateTH*1e3, 2)
	b = append(b, `,"Mode":2,"miner_count":`...)
	b = strconv.AppendInt(b, int64(len(st.TempsC)), 10)
	b = append(b, `,"frequency":525,"fan_num":`...)
	b = strconv.AppendInt(b, int64(len(st.FansRPM)), 10)
	for i, f := range st.FansRPM {
		b = append(b, `,"fan`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, int64(f), 10)
	}
	b = append(b, `,"temp_num":`...)
	b = strconv.AppendInt(b, int64(len(st.TempsC)), 10)
	for i, t := range st.TempsC {
		n := strconv.Itoa(i + 1)
		pcb := t - 5
		b = append(b, `,"temp`+n+`":`...)
		b = strconv.AppendInt(b, int64(math.Round(pcb)), 10)
		b = append(b, `,"temp2_`+n+`":`...)
		b = strconv.AppendInt(b, int64(math.Round(t)), 10)
		b = append(b, `,"temp_pcb`+n+`":`...)
		b = dashed(b, pcb, pcb-28, pcb-9, pcb-8)
		b = append(b, `,"temp_chip`+n+`":`...)
		b = dashed(b, t, t-28, t-9, t-8)
		b = append(b, `,"temp_pic`+n+`":`...)
		b = dashed(b, pcb-10, pcb-38, pcb-19, pcb-18)
	}
	for i := range len(st.TempsC) {
		n := strconv.Itoa(i + 1)
		share := boardShares[i%len(boardShares)]
		b = append(b, `,"chain_acn`+n+`":114,"chain_acs`+n+`":" ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo ooo","chain_hw`+n+`":183,"chain_rate`+n+`":"`...)
		b = appendFloat(b, st.Hashrate5sTH*1e3*share, 2)
		b = append(b, `","freq`+n+`":525`...)
	}
	b = append(b, `,"total_acn":342,"total_freqavg":525,"total_rateideal":`...)
	if m, ok := LookupModel(st.Model); ok {
		b = appendFloat(b, m.HashrateTH*1e3, 2)
	} else {
		b = appendFloat(b, st.HashrateTH*1e3, 2)
	}
	b = append(b, `,"total rate":`...)
	b = appendFloat(b, st.HashrateTH*1e3, 2)
	b = append(b, `,"rate_unit":"GH","no_matching_work":562,"miner_version":"49.0.1.3","miner_id":"8144d5ca79104814"}],"id":1}`...)
	return b
}

// avalonStats follows a real Avalon 1246 reply: every value is packed into
// the "MM ID0" string.
func (s *simServer) avalonStats(b []byte, now time.Time) []byte {
	st := s.dev.Snapshot()
	code := strings.TrimPrefix(st.Model, "Avalon ")
	b = s.status(b, "S", 70, "CGMiner stats", now)
	b = append(b, `,"STATS":[{"STATS":0,"ID":"AVA100","Elapsed":`...)
	b = s.appendElapsed(b, now)
	b = append(b, `,"Calls":0,"Wait":0.000000,"Max":0.000000,"Min":99999999.000000,"MM ID0":"Ver[`...)
	b = append(b, code...)
	b = append(b, `-83-21072802_4ec6bb0_211fc46] DNA[02010000cbd2fd6d] MEMFREE[1201472.0] NETFAIL[0 0 0 0 0 0 0 0] SYSTEMSTATU[Work: `...)
	if st.Mode == fleet.ModeSleeping {
		b = append(b, "In Idle"...)
	} else {
		b = append(b, "In Work"...)
	}
	b = append(b, `, Hash Board: `...)
	b = strconv.AppendInt(b, int64(len(st.TempsC)), 10)
	b = append(b, ` ] Elapsed[`...)
	b = s.appendElapsed(b, now)
	b = append(b, `] BOOTBY[0x08.00000000] LW[24558724] HW[2735] DH[2.732%] Temp[30] TMax[`...)
	hottest, sum := 0.0, 0.0
	for _, t := range st.TempsC {
		hottest = max(hottest, t)
		sum += t
	}
	b = strconv.AppendInt(b, int64(math.Round(hottest)), 10)
	b = append(b, `] TAvg[`...)
	b = strconv.AppendInt(b, int64(math.Round(sum/float64(max(len(st.TempsC), 1))-10)), 10)
	b = append(b, ']')
	for i, f := range st.FansRPM {
		b = append(b, ` Fan`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f), 10)
		b = append(b, ']')
	}
	b = append(b, ` FanR[72%] Vo[329] PS[0 1214 1316 242 `...)
	b = strconv.AppendInt(b, int64(math.Round(st.PowerW*0.93)), 10) // supply output
	b = append(b, ` 1320 `...)
	b = strconv.AppendInt(b, int64(math.Round(st.PowerW)), 10) // supply input: the wall
	b = append(b, `] MPO[`...)
	b = strconv.AppendInt(b, int64(math.Round(st.PowerLimitW)), 10)
	b = append(b, `] GHSspd[`...)
	b = appendFloat(b, st.Hashrate5sTH*1e3, 2)
	b = append(b, `] DHspd[2.732%] GHSmm[83923.04] GHSavg[`...)
	b = appendFloat(b, st.HashrateTH*1e3, 2)
	b = append(b, `] WU[1112790.28] Freq[502.41] Led[0] MGHS[`...)
	for i := range st.TempsC {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendFloat(b, st.HashrateTH*1e3*boardShares[i%len(boardShares)], 2)
	}
	b = append(b, `] MTmax[`...)
	for i, t := range st.TempsC {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(math.Round(t)), 10)
	}
	b = append(b, `] MTavg[`...)
	for i, t := range st.TempsC {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(math.Round(t-11)), 10)
	}
	b = append(b, `] TA[360] Core[A3201] PING[443] POWS[0] HASHS[0 0 0] POOLS[0] SoftOFF[`...)
	if st.Mode == fleet.ModeSleeping {
		b = append(b, '4')
	} else {
		b = append(b, '0')
	}
	b = append(b, `] ECHU[0 0 0] ECMM[0] WORKLEVEL[`...)
	level := 0
	if m, ok := LookupModel(st.Model); ok {
		level = LevelFor(m, st.PowerLimitW)
	}
	b = strconv.AppendInt(b, int64(level), 10)
	b = append(b, `]","MM Count":1,"Smart Speed":1,"Voltage Level Offset":0,"Nonce Mask":25}],"id":1}`...)
	return b
}

// ascset handles Avalon's control commands.
func (s *simServer) ascset(b []byte, param string, now time.Time) []byte {
	parts := strings.Split(param, ",")
	if len(parts) < 2 || parts[0] != "0" {
		b = s.status(b, "E", 114, "Missing ASC id", now)
		return append(b, `,"id":1}`...)
	}
	ok := func(msg string) []byte {
		b = s.status(b, "I", 118, "ASC 0 set info: "+msg, now)
		return append(b, `,"id":1}`...)
	}
	setOK := func() []byte {
		b = s.status(b, "S", 119, "ASC 0 set OK", now)
		return append(b, `,"id":1}`...)
	}
	failed := func(msg string) []byte {
		b = s.status(b, "I", 118, "ASC 0 set failed: "+msg, now)
		return append(b, `,"id":1}`...)
	}
	switch parts[1] {
	case "help":
		return ok("help|voltage|fan-spd|lcd|hash-sn-read|hash-sn-write|volt-tuning|workmode|worklevel|work_mode_lvl|reboot|softon|softoff|filter-clean|facopts|faclock|activate|solo-allowed|frequency|loop|password|qr_auth|time|")
	case "softoff", "softon":
		// "1:<unix time>": when to switch.
		if len(parts) < 3 || !strings.HasPrefix(parts[2], "1:") {
			return failed("Invalid parameter: " + parts[1])
		}
		ts := strings.TrimPrefix(parts[2], "1:")
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
			return failed("Invalid time: " + ts)
		}
		if parts[1] == "softoff" {
			s.dev.Sleep()
		} else {
			s.dev.Wake()
		}
		return ok("success " + parts[1] + ":" + ts)
	case "worklevel", "workmode":
		if len(parts) < 4 || parts[2] != "set" {
			return failed("Invalid parameter: " + parts[1])
		}
		level, err := strconv.Atoi(parts[3])
		m, known := LookupModel(s.dev.Snapshot().Model)
		if err != nil || !known || level < 0 || level >= len(m.LevelsW) {
			return failed("Invalid " + parts[1] + ": " + parts[3])
		}
		if err := s.dev.SetPowerTarget(m.LevelsW[level]); err != nil {
			return failed(err.Error())
		}
		return setOK()
	case "reboot":
		s.dev.Reboot()
		return setOK()
	}
	return failed("Unknown option: " + parts[1])
}
