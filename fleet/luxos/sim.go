package luxos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// Simulator constants: what the simulated LUXminer reports about itself
// and how it bounds a client.
const (
	simVersion         = "2025.4.8.220305-57b389c7"
	simDescription     = "LUXminer " + simVersion
	simMaxRequestBytes = 64 << 10
	simConnTimeout     = 10 * time.Second
	simSessionTTL      = time.Minute
)

// ServeSim serves the LuxOS API for one simulated device on ln until ctx
// ends, then closes ln, waits for the connections it serves and returns
// nil; it returns the listener's error if accepting fails otherwise. Each
// connection gets one reply, JSON ended by a NUL byte, as LUXminer sends.
//
// The simulated miner's profiles run from half to 1.2 times the power
// limit the device reports when ServeSim starts, in 5 % steps, each named
// by its frequency as LuxOS names them ("500MHz" at 100 %).
func ServeSim(ctx context.Context, ln net.Listener, dev fleet.DeviceState) error {
	s := newSimMiner(dev)
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Go(func() {
			defer conn.Close()
			closeOnCancel := context.AfterFunc(ctx, func() { _ = conn.Close() })
			defer closeOnCancel()
			s.serve(conn)
		})
	}
}

type simProfile struct {
	Name     string
	FreqMHz  int
	Watts    float64
	Ratio    float64
	Hashrate float64 // TH/s at the nominal hashrate
}

type simMiner struct {
	dev          fleet.DeviceState
	profiles     []simProfile
	profilesJSON json.RawMessage // the PROFILES array, which never changes
	started      time.Time

	mu         sync.Mutex
	sessionID  string
	sessionUse time.Time
}

func newSimMiner(dev fleet.DeviceState) *simMiner {
	st := dev.Snapshot()
	nominal := st.PowerLimitW
	if nominal <= 0 {
		nominal = st.PowerW
	}
	if nominal <= 0 {
		nominal = 3000
	}
	th := st.HashrateTH
	s := &simMiner{dev: dev, started: time.Now()}
	for i := 0; i <= 14; i++ {
		r := 0.5 + 0.05*float64(i)
		f := int(math.Round(500 * r))
		s.profiles = append(s.profiles, simProfile{
			Name: strconv.Itoa(f) + "MHz", FreqMHz: f, Ratio: r,
			Watts: math.Round(nominal * r), Hashrate: math.Round(th*r*10) / 10,
		})
	}
	var ps []map[string]any
	for i, p := range s.profiles {
		ps = append(ps, map[string]any{
			"CanRestore": true, "Frequency": p.FreqMHz, "HasOverrides": false, "Hashrate": p.Hashrate,
			"IsDynamic": true, "IsTuned": false, "Profile Name": p.Name, "Step": strconv.Itoa(i - 10),
			"Voltage": math.Round((11.9+0.1*math.Max(0, p.Ratio-0.8)/0.05)*100) / 100, "Watts": p.Watts,
		})
	}
	s.profilesJSON, _ = json.Marshal(ps)
	return s
}

// currentProfile is the profile nearest the device's power limit.
func (s *simMiner) currentProfile(st fleet.Status) simProfile {
	best := s.profiles[0]
	for _, p := range s.profiles[1:] {
		if math.Abs(p.Watts-st.PowerLimitW) < math.Abs(best.Watts-st.PowerLimitW) {
			best = p
		}
	}
	return best
}

func (s *simMiner) serve(conn net.Conn) {
	_ = conn.SetDeadline(time.Now().Add(simConnTimeout))
	command, param, err := readSimRequest(conn)
	var reply []byte
	if err != nil {
		reply = s.status("E", 14, "Invalid JSON", nil)
	} else {
		reply = s.reply(command, param)
	}
	_, _ = conn.Write(append(reply, 0))
}

// readSimRequest reads one request: a JSON object, or cgminer's plain
// "command|parameter" text.
func readSimRequest(conn io.Reader) (command, param string, err error) {
	br := bufio.NewReader(io.LimitReader(conn, simMaxRequestBytes))
	first, err := br.Peek(1)
	if err != nil {
		return "", "", err
	}
	if first[0] == '{' {
		var req struct {
			Command   string `json:"command"`
			Parameter any    `json:"parameter"`
		}
		if err := json.NewDecoder(br).Decode(&req); err != nil {
			return "", "", err
		}
		switch p := req.Parameter.(type) {
		case string:
			param = p
		case float64:
			param = strconv.FormatFloat(p, 'f', -1, 64)
		}
		return req.Command, param, nil
	}
	// Text mode: like cgminer, take what the first read brought, up to a
	// newline or NUL.
	line, _ := br.Peek(br.Buffered())
	if i := bytes.IndexAny(line, "\n\x00"); i >= 0 {
		line = line[:i]
	}
	command, param, _ = strings.Cut(strings.TrimRight(string(line), "\r"), "|")
	return command, param, nil
}

// status is a whole reply holding only a STATUS.
func (s *simMiner) status(st string, code int, msg string, extra map[string]any) []byte {
	m := s.envelope(st, code, msg)
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// Reply parts the simulator writes most often, as structs (faster to encode
// than maps); fields in the alphabetical order LUXminer writes them.
type (
	simStatusEntry struct {
		Code        int    `json:"Code"`
		Description string `json:"Description"`
		Msg         string `json:"Msg"`
		STATUS      string `json:"STATUS"`
		When        int64  `json:"When"`
	}
	simSummary struct {
		Accepted       int64   `json:"Accepted"`
		Elapsed        int     `json:"Elapsed"`
		FoundBlocks    int     `json:"Found Blocks"`
		GHS1m          float64 `json:"GHS 1m"`
		GHS5m          float64 `json:"GHS 5m"`
		GHS5s          float64 `json:"GHS 5s"`
		GHSav          float64 `json:"GHS av"`
		HardwareErrors int     `json:"Hardware Errors"`
		Rejected       int64   `json:"Rejected"`
		Stale          int     `json:"Stale"`
		Utility        float64 `json:"Utility"`
	}
	simPower struct {
		PSU   bool  `json:"PSU"`
		Watts int64 `json:"Watts"`
	}
	simConfig struct {
		ASCCount         int    `json:"ASC Count"`
		ControlBoardType string `json:"ControlBoardType"`
		Cooling          string `json:"Cooling"`
		CurtailMode      string `json:"CurtailMode"`
		Hostname         string `json:"Hostname"`
		IsTuning         bool   `json:"IsTuning"`
		Model            string `json:"Model"`
		OS               string `json:"OS"`
		PoolCount        int    `json:"Pool Count"`
		Profile          string `json:"Profile"`
		SystemStatus     string `json:"SystemStatus"`
	}
)

func (s *simMiner) envelope(st string, code int, msg string) map[string]any {
	return map[string]any{
		"STATUS": []simStatusEntry{{Code: code, Description: simDescription, Msg: msg, STATUS: st, When: time.Now().Unix()}},
		"id":     1,
	}
}

// reply answers one request, a multi-command one included.
func (s *simMiner) reply(command, param string) []byte {
	if strings.Contains(command, "+") {
		if param != "" {
			return s.status("E", 45, "Multiple commands cannot take parameters", nil)
		}
		out := map[string]any{"id": 1}
		for _, c := range strings.Split(command, "+") {
			if _, dup := out[c]; dup || c == "" || c == "id" {
				continue
			}
			out[c] = []map[string]any{s.one(c, "")}
		}
		b, _ := json.Marshal(out)
		return b
	}
	b, _ := json.Marshal(s.one(command, param))
	return b
}

// one answers a single command with its whole reply object.
func (s *simMiner) one(command, param string) map[string]any {
	st := s.dev.Snapshot()
	ok := func(code int, msg, key string, body any) map[string]any {
		m := s.envelope("S", code, msg)
		if key != "" {
			m[key] = body
		}
		return m
	}
	fail := func(code int, msg string) map[string]any { return s.envelope("E", code, msg) }
	args := strings.Split(param, ",")

	switch command {
	case "version":
		return ok(22, "LUXminer versions", "VERSION", []map[string]any{{
			"API": "3.7", "CompileTime": "Tue Apr  8 22:05:35 UTC 2025", "LUXminer": simVersion,
			"Miner": strings.SplitN(simVersion, "-", 2)[0], "Type": st.Model,
		}})
	case "summary":
		elapsed := int(time.Since(s.started).Seconds())
		return ok(11, "Summary", "SUMMARY", []simSummary{{
			Accepted: sumAccepted(st), Rejected: sumRejected(st), Elapsed: elapsed,
			GHS5s: round2(st.Hashrate5sTH * 1000), GHSav: round2(st.HashrateTH * 1000),
			GHS1m: round2(st.Hashrate5sTH * 1000), GHS5m: round2(st.HashrateTH * 1000),
		}})
	case "power":
		return ok(311, "Power usage", "POWER", []simPower{{Watts: int64(math.Round(st.PowerW))}})
	case "config":
		curtail := "None"
		if st.Mode == fleet.ModeSleeping {
			curtail = "Sleep"
		}
		return ok(33, "LUXminer config", "CONFIG", []simConfig{{
			ASCCount: len(st.TempsC), ControlBoardType: "cvitek", Cooling: "Air", CurtailMode: curtail,
			Hostname: "luxos-sim", Model: st.Model, OS: "LuxOS",
			PoolCount: len(st.Pools), Profile: s.currentProfile(st).Name, SystemStatus: "Normal",
		}})
	case "profiles":
		return ok(320, "Profiles", "PROFILES", s.profilesJSON)
	case "temps":
		var ts []map[string]any
		for i, t := range st.TempsC {
			ts = append(ts, map[string]any{"ID": i, "TEMP": i, "TopLeft": t, "BottomLeft": t, "TopRight": t - 13, "BottomRight": t - 13})
		}
		return ok(201, fmt.Sprintf("%d Temp(s)", len(ts)), "TEMPS", ts)
	case "fans":
		var fs []map[string]any
		for i, rpm := range st.FansRPM {
			speed := 0
			if st.Mode == fleet.ModeMining {
				speed = min(100, rpm/60)
			}
			fs = append(fs, map[string]any{"FAN": fmt.Sprintf("FAN%d", i+1), "ID": i, "RPM": rpm, "Speed": speed})
		}
		return ok(202, fmt.Sprintf("%d Fan(s)", len(fs)), "FANS", fs)
	case "pools":
		var ps []map[string]any
		for i, p := range st.Pools {
			ps = append(ps, map[string]any{
				"POOL": i, "URL": p.URL, "User": p.User, "Status": p.Status, "Accepted": p.Accepted, "Rejected": p.Rejected,
				"Priority": i, "Quota": 1, "Stratum Active": i == 0, "GROUP": 0,
			})
		}
		return ok(7, fmt.Sprintf("%d Pool(s)", len(ps)), "POOLS", ps)
	case "events":
		var es []map[string]any
		for _, e := range st.Errors {
			code, desc, _ := strings.Cut(e, ": ")
			es = append(es, map[string]any{"Code": code, "Description": desc, "Target": "MINER", "CreatedAt": s.started.UTC().Format(time.RFC3339)})
		}
		return ok(357, "Miner Events", "EVENTS", es)
	case "devs":
		var ds []map[string]any
		per := 0.0
		if len(st.TempsC) > 0 {
			per = st.Hashrate5sTH * 1e6 / float64(len(st.TempsC))
		}
		for i, t := range st.TempsC {
			ds = append(ds, map[string]any{"ASC": i, "ID": i, "Enabled": "Y", "Status": "Alive", "Temperature": t, "MHS 5s": per, "MHS av": per})
		}
		return ok(9, fmt.Sprintf("%d ASC(s)", len(ds)), "DEVS", ds)
	case "session":
		return ok(319, "Session information", "SESSION", []map[string]any{{"SessionID": s.activeSession()}})
	case "logon":
		id, okay := s.logon()
		if !okay {
			return fail(317, "Another session is active")
		}
		return ok(316, "Session created", "SESSION", []map[string]any{{"SessionID": id}})
	case "logoff":
		if !s.useSession(args[0]) {
			return fail(318, "Invalid session id")
		}
		s.mu.Lock()
		s.sessionID = ""
		s.mu.Unlock()
		return ok(318, "Session ended", "", nil)
	case "curtail":
		if !s.useSession(args[0]) {
			return fail(318, "Invalid session id")
		}
		if len(args) < 2 {
			return fail(336, "Missing curtail action")
		}
		switch args[1] {
		case "sleep":
			s.dev.Sleep()
			return ok(335, "Curtailment command sent", "CURTAIL", []map[string]any{{"Action": "sleep mode"}})
		case "wakeup":
			s.dev.Wake()
			return ok(335, "Curtailment command sent", "CURTAIL", []map[string]any{{"Action": "wake up"}})
		}
		return fail(336, "Invalid curtail action: "+args[1])
	case "profileset":
		if !s.useSession(args[0]) {
			return fail(318, "Invalid session id")
		}
		if len(args) < 2 {
			return fail(322, "Missing profile name")
		}
		name := args[len(args)-1] // "ID,profile", or the legacy "ID,board,profile"
		p, found := s.findProfile(name)
		if !found {
			return fail(322, "Invalid profile: "+name)
		}
		if err := s.dev.SetPowerTarget(p.Watts); err != nil {
			return fail(322, "Profile not applied: "+err.Error())
		}
		return ok(321, "Profile Set", "PROFILE", []map[string]any{{"Board": 0, "FrequencyStep": 5, "Profile": p.Name, "VoltageStep": 0.05}})
	case "rebootdevice":
		if !s.useSession(args[0]) {
			return fail(318, "Invalid session id")
		}
		s.dev.Reboot()
		return ok(326, "Device reboot scheduled", "", nil)
	}
	return fail(14, "Invalid command")
}

// findProfile finds a profile by name or by LuxOS's power selector
// ("3500W": the highest profile at or below 3500 W).
func (s *simMiner) findProfile(name string) (simProfile, bool) {
	for _, p := range s.profiles {
		if p.Name == name {
			return p, true
		}
	}
	if w, err := strconv.ParseFloat(strings.TrimSuffix(name, "W"), 64); err == nil && strings.HasSuffix(name, "W") {
		var best simProfile
		found := false
		for _, p := range s.profiles {
			if p.Watts <= w && (!found || p.Watts > best.Watts) {
				best, found = p, true
			}
		}
		return best, found
	}
	return simProfile{}, false
}

func (s *simMiner) activeSession() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionID != "" && time.Since(s.sessionUse) > simSessionTTL {
		s.sessionID = ""
	}
	return s.sessionID
}

func (s *simMiner) logon() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionID != "" && time.Since(s.sessionUse) <= simSessionTTL {
		return "", false
	}
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	for i := range raw {
		raw[i] = letters[int(raw[i])%len(letters)]
	}
	s.sessionID, s.sessionUse = string(raw[:]), time.Now()
	return s.sessionID, true
}

// useSession checks a session ID and refreshes its expiry.
func (s *simMiner) useSession(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionID == "" || time.Since(s.sessionUse) > simSessionTTL || id != s.sessionID {
		return false
	}
	s.sessionUse = time.Now()
	return true
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func sumAccepted(st fleet.Status) int64 {
	var n int64
	for _, p := range st.Pools {
		n += p.Accepted
	}
	return n
}

func sumRejected(st fleet.Status) int64 {
	var n int64
	for _, p := range st.Pools {
		n += p.Rejected
	}
	return n
}
