package whatsminer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// SimCredentials are the v2 admin login of a simulated device (the
// factory default); SimCredentialsV3 the v3 account.
var (
	SimCredentials   = fleet.Credentials{User: "admin", Password: "admin"}
	SimCredentialsV3 = fleet.Credentials{User: "super", Password: "super"}
)

// simMaxTokens is how many v2 tokens a simulated device honours at once;
// older ones are forgotten.
const simMaxTokens = 32

// simMaxFrame bounds a v3 request frame the simulator reads.
const simMaxFrame = 64 << 10

// saltFor gives a device a stable 8-character salt from its address.
func saltFor(addr string) string {
	sum := sha256.Sum256([]byte(addr))
	b := make([]byte, 8)
	for i := range b {
		b[i] = itoa64[2+int(sum[i])%(len(itoa64)-2)] // no '.' or '/'
	}
	return string(b)
}

type simV2 struct {
	dev  fleet.DeviceState
	cred fleet.Credentials
	salt string

	mu     sync.Mutex
	aesKey *[32]byte
	key    string
	tokens []simToken
}

type simToken struct {
	time, newSalt string
	sign          string // computed on first use
}

// ServeSimV2 serves dev on ln as a WhatsMiner on API v2 with
// SimCredentials, until ctx ends.
func ServeSimV2(ctx context.Context, ln net.Listener, dev fleet.DeviceState) error {
	return ServeSimV2WithCredentials(ctx, ln, dev, SimCredentials)
}

// ServeSimV2WithCredentials is ServeSimV2 with another admin password.
func ServeSimV2WithCredentials(ctx context.Context, ln net.Listener, dev fleet.DeviceState, cred fleet.Credentials) error {
	s := &simV2{dev: dev, cred: cred, salt: saltFor(ln.Addr().String())}
	return cgminer.ServeConns(ctx, ln, s.handle)
}

func (s *simV2) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(cgminer.SimReadTimeout))
	var in [8192]byte
	n, _ := c.Read(in[:])
	if n == 0 {
		return
	}
	_, _ = c.Write(s.reply(in[:n], time.Now()))
}

// keys returns the device's v2 key string and AES key (md5-crypt is slow:
// computed once, on the first write).
func (s *simV2) keys() (string, [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aesKey == nil {
		s.key = cryptHash(s.cred.Password, s.salt)
		k := sha256.Sum256([]byte(s.key))
		s.aesKey = &k
	}
	return s.key, *s.aesKey
}

func btStatus(b []byte, st string, code int, msg any, now time.Time) []byte {
	m, _ := json.Marshal(msg)
	b = append(b, `{"STATUS":"`...)
	b = append(b, st...)
	b = append(b, `","When":`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, `,"Code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"Msg":`...)
	b = append(b, m...)
	b = append(b, `,"Description":""}`...)
	return b
}

func (s *simV2) reply(req []byte, now time.Time) []byte {
	v, _, err := minerjson.Parse(req)
	if err != nil {
		return btStatus(nil, "E", 23, "invalid JSON", now)
	}
	if data, ok := v.Get("data").Str(); ok && v.Get("enc").Exists() {
		_, aesKey := s.keys()
		plain, err := decryptECB(aesKey, data)
		if err != nil {
			return btStatus(nil, "E", 23, "invalid JSON", now)
		}
		inner, _, err := minerjson.Parse(plain)
		if err != nil {
			return btStatus(nil, "E", 23, "invalid JSON", now)
		}
		out := s.write(inner, now)
		enc, _ := json.Marshal(map[string]string{"enc": encryptECB(aesKey, out)})
		return enc
	}
	cmd, _ := v.Get("cmd").Str()
	if cmd == "" {
		cmd, _ = v.Get("command").Str()
	}
	return s.read(cmd, now)
}

func (s *simV2) read(cmd string, now time.Time) []byte {
	st := s.dev.Snapshot()
	switch cmd {
	case "summary":
		return append(v2Summary(nil, st, now), 0)
	case "devs":
		return append(v2Devs(nil, st, now), 0)
	case "pools":
		return append(v2Pools(nil, st, now), 0)
	case "devdetails":
		return append(v2Details(nil, st, now), 0)
	case "status":
		off := "false"
		if st.Mode == fleet.ModeSleeping {
			off = "true"
		}
		return btStatus(nil, "S", 131, map[string]string{
			"mineroff": off, "mineroff_reason": "", "mineroff_time": "", "FirmwareVersion": "'20230803.11.REL'",
			"power_limit_set": strconv.Itoa(int(math.Round(st.PowerLimitW))), "hash_percent": "100",
		}, now)
	case "get_version":
		return btStatus(nil, "S", 131, map[string]string{"api_ver": "2.0.5", "fw_ver": "20230803.11.REL", "platform": "H616"}, now)
	case "get_error_code":
		codes := make([]map[string]string, 0, len(st.Errors))
		for _, e := range st.Errors {
			codes = append(codes, map[string]string{e: now.Add(-time.Hour).UTC().Format("2006-01-02 15:04:05")})
		}
		return btStatus(nil, "S", 131, map[string]any{"error_code": codes}, now)
	case "get_psu":
		return btStatus(nil, "S", 131, map[string]string{"name": "P222B", "model": "P222B", "hw_version": "", "sw_version": "230208.220429", "fan_speed": "6000"}, now)
	case "get_token":
		newSalt := make([]byte, 8)
		for i := range newSalt {
			newSalt[i] = itoa64[2+rand.IntN(len(itoa64)-2)]
		}
		t := simToken{time: strconv.FormatInt(now.Unix()%10000, 10), newSalt: string(newSalt)}
		s.mu.Lock()
		s.tokens = append(s.tokens, t)
		if len(s.tokens) > simMaxTokens {
			s.tokens = s.tokens[len(s.tokens)-simMaxTokens:]
		}
		s.mu.Unlock()
		return btStatus(nil, "S", 134, map[string]string{"time": t.time, "salt": s.salt, "newsalt": t.newSalt}, now)
	}
	return btStatus(nil, "E", 14, "invalid cmd", now)
}

// validToken reports whether sign is the sign of a token the device issued.
func (s *simV2) validToken(sign string) bool {
	key, _ := s.keys()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.tokens) - 1; i >= 0; i-- {
		t := &s.tokens[i]
		if t.sign == "" {
			t.sign = cryptHash(key+t.time, t.newSalt)
		}
		if t.sign == sign {
			return true
		}
	}
	return false
}

func (s *simV2) write(inner minerjson.Value, now time.Time) []byte {
	cmd, _ := inner.Get("cmd").Str()
	if cmd == "" {
		cmd, _ = inner.Get("command").Str()
	}
	tok, _ := inner.Get("token").Str()
	if !s.validToken(tok) {
		return btStatus(nil, "E", 135, "check token err", now)
	}
	ok := func() []byte { return btStatus(nil, "S", 131, "API command OK", now) }
	switch cmd {
	case "power_off":
		s.dev.Sleep()
		return ok()
	case "power_on":
		s.dev.Wake()
		return ok()
	case "reboot":
		s.dev.Reboot()
		return ok()
	case "adjust_power_limit":
		ws, _ := inner.Get("power_limit").Str()
		w, err := strconv.ParseFloat(ws, 64)
		if err != nil || w <= 0 {
			return btStatus(nil, "E", 132, "invalid power_limit", now)
		}
		if err := s.dev.SetPowerTarget(w); err != nil {
			return btStatus(nil, "E", 132, err.Error(), now)
		}
		return ok()
	}
	return btStatus(nil, "E", 14, "invalid cmd", now)
}

func cgStatus(b []byte, code int, msg string, now time.Time) []byte {
	b = append(b, `{"STATUS":[{"STATUS":"S","When":`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, `,"Code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"Msg":`...)
	b = strconv.AppendQuote(b, msg)
	return append(b, `,"Description":"cgminer 4.9.2"}]`...)
}

func appendF(b []byte, f float64, prec int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	return strconv.AppendFloat(b, f, 'f', prec, 64)
}

// v2Summary follows a real M50-series reply (firmware 2023).
func v2Summary(b []byte, st fleet.Status, now time.Time) []byte {
	b = cgStatus(b, 11, "Summary", now)
	b = append(b, `,"SUMMARY":[{"Elapsed":25000,"MHS av":`...)
	b = appendF(b, st.HashrateTH*1e6, 2)
	b = append(b, `,"MHS 5s":`...)
	b = appendF(b, st.Hashrate5sTH*1e6, 2)
	b = append(b, `,"HS RT":`...)
	b = appendF(b, st.Hashrate5sTH*1e6, 2)
	b = append(b, `,"Accepted":5412,"Rejected":0,"Temperature":`...)
	hot := 0.0
	for _, t := range st.TempsC {
		hot = max(hot, t)
	}
	b = appendF(b, hot-8, 2)
	b = append(b, `,"freq_avg":600,"Fan Speed In":`...)
	fanIn, fanOut := 0, 0
	if len(st.FansRPM) > 0 {
		fanIn = st.FansRPM[0]
	}
	if len(st.FansRPM) > 1 {
		fanOut = st.FansRPM[1]
	}
	b = strconv.AppendInt(b, int64(fanIn), 10)
	b = append(b, `,"Fan Speed Out":`...)
	b = strconv.AppendInt(b, int64(fanOut), 10)
	b = append(b, `,"Power":`...)
	b = strconv.AppendInt(b, int64(math.Round(st.PowerW)), 10)
	b = append(b, `,"Power Rate":17.60,"Pool Rejected%":0.0000,"Pool Stale%":0.0000,"Uptime":25500,"Hash Stable":true,"Hash Stable Cost Seconds":1538,"Hash Deviation%":0.1061,"Target Freq":600,"Target MHS":`...)
	b = appendF(b, st.HashrateTH*1e6, 0)
	b = append(b, `,"Env Temp":28.50,"Power Mode":"Normal","Factory GHS":126000,"Power Limit":`...)
	b = strconv.AppendInt(b, int64(math.Round(st.PowerLimitW)), 10)
	b = append(b, `,"Chip Temp Min":62.00,"Chip Temp Max":`...)
	b = appendF(b, hot, 2)
	b = append(b, `,"Chip Temp Avg":72.50,"Debug":"","Btminer Fast Boot":"disable","Firmware Version":"'20230803.11.REL'","MAC":"D4:01:02:03:04:05"}],"id":1}`...)
	return b
}

func v2Devs(b []byte, st fleet.Status, now time.Time) []byte {
	b = cgStatus(b, 9, strconv.Itoa(len(st.TempsC))+" ASC(s)", now)
	b = append(b, `,"DEVS":[`...)
	for i, t := range st.TempsC {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ASC":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Name":"SM","ID":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Slot":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Enabled":"Y","Status":"Alive","Temperature":`...)
		b = appendF(b, t-9, 2)
		b = append(b, `,"Chip Frequency":600,"Fan Speed In":5400,"Fan Speed Out":5280,"MHS av":`...)
		b = appendF(b, st.HashrateTH*1e6/float64(len(st.TempsC)), 2)
		b = append(b, `,"Accepted":1804,"Rejected":0,"Factory GHS":42000,"Chip Temp Min":62.00,"Chip Temp Max":`...)
		b = appendF(b, t, 2)
		b = append(b, `,"Chip Temp Avg":71.50,"Effective Chips":135,"PCB SN":"BHM5CSD1302803K3000`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `"}`...)
	}
	return append(b, `],"id":1}`...)
}

func v2Pools(b []byte, st fleet.Status, now time.Time) []byte {
	b = cgStatus(b, 7, strconv.Itoa(len(st.Pools))+" Pool(s)", now)
	b = append(b, `,"POOLS":[`...)
	for i, p := range st.Pools {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"POOL":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"URL":`...)
		b = strconv.AppendQuote(b, p.URL)
		b = append(b, `,"Status":`...)
		b = strconv.AppendQuote(b, p.Status)
		b = append(b, `,"Priority":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Accepted":`...)
		b = strconv.AppendInt(b, p.Accepted, 10)
		b = append(b, `,"Rejected":`...)
		b = strconv.AppendInt(b, p.Rejected, 10)
		b = append(b, `,"User":`...)
		b = strconv.AppendQuote(b, p.User)
		b = append(b, `,"Stratum Active":`...)
		b = strconv.AppendBool(b, i == 0)
		b = append(b, '}')
	}
	return append(b, `],"id":1}`...)
}

func modelCode(model string) string {
	return strings.TrimSpace(strings.TrimPrefix(model, "WhatsMiner "))
}

func v2Details(b []byte, st fleet.Status, now time.Time) []byte {
	b = cgStatus(b, 69, "Device Details", now)
	b = append(b, `,"DEVDETAILS":[`...)
	for i := range max(len(st.TempsC), 1) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"DEVDETAILS":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Name":"SM","ID":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"Driver":"bitmicro","Kernel":"","Model":`...)
		b = strconv.AppendQuote(b, modelCode(st.Model)+".VH20")
		b = append(b, '}')
	}
	return append(b, `],"id":1}`...)
}

type simV3 struct {
	dev  fleet.DeviceState
	cred fleet.Credentials
	salt string
}

// ServeSimV3 serves dev on ln as a WhatsMiner on API v3 with
// SimCredentialsV3, until ctx ends. One connection may carry several
// framed requests.
func ServeSimV3(ctx context.Context, ln net.Listener, dev fleet.DeviceState) error {
	return ServeSimV3WithCredentials(ctx, ln, dev, SimCredentialsV3)
}

// ServeSimV3WithCredentials is ServeSimV3 with another account.
func ServeSimV3WithCredentials(ctx context.Context, ln net.Listener, dev fleet.DeviceState, cred fleet.Credentials) error {
	s := &simV3{dev: dev, cred: cred, salt: saltFor(ln.Addr().String())}
	return cgminer.ServeConns(ctx, ln, s.handle)
}

func (s *simV3) handle(c net.Conn) {
	for range 16 {
		_ = c.SetDeadline(time.Now().Add(cgminer.SimReadTimeout))
		req, err := ReadFrame(c, simMaxFrame)
		if err != nil {
			return
		}
		if err := WriteFrame(c, s.reply(req, time.Now())); err != nil {
			return
		}
	}
}

func v3Reply(code int, desc string, msg any, now time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"code": code, "when": now.Unix(), "msg": msg, "desc": desc})
	return b
}

func (s *simV3) reply(req []byte, now time.Time) []byte {
	v, _, err := minerjson.Parse(req)
	if err != nil {
		return v3Reply(CodeUnknownCmd, "", "invalid json", now)
	}
	cmd, _ := v.Get("cmd").Str()
	param := v.Get("param")
	st := s.dev.Snapshot()
	switch cmd {
	case "get.device.info":
		if p, _ := param.Str(); p == "salt" {
			return v3Reply(CodeOK, cmd, map[string]string{"salt": s.salt}, now)
		}
		return v3Reply(CodeOK, cmd, s.deviceInfo(st), now)
	case "get.miner.status":
		p, _ := param.Str()
		switch p {
		case "summary":
			return v3Reply(CodeOK, cmd, map[string]any{"summary": v3Summary(st)}, now)
		case "edevs":
			return v3Reply(CodeOK, cmd, map[string]any{"edevs": v3Edevs(st)}, now)
		case "pools":
			return v3Reply(CodeOK, cmd, map[string]any{"pools": v3Pools(st)}, now)
		}
		return v3Reply(CodeUnknownCmd, cmd, "invalid param", now)
	case "set.miner.service", "set.miner.power_limit", "set.system.reboot":
		if code, msg := s.check(v, cmd, now); code != CodeOK {
			return v3Reply(code, cmd, msg, now)
		}
		switch cmd {
		case "set.miner.service":
			switch p, _ := param.Str(); p {
			case "stop":
				s.dev.Sleep()
			case "start":
				s.dev.Wake()
			case "restart":
				s.dev.Reboot()
			default:
				return v3Reply(CodeUnknownCmd, cmd, "invalid param", now)
			}
		case "set.miner.power_limit":
			w, ok := param.Float()
			if !ok || w <= 0 {
				return v3Reply(CodeUnknownCmd, cmd, "invalid param", now)
			}
			if err := s.dev.SetPowerTarget(w); err != nil {
				return v3Reply(CodeUnknownCmd, cmd, err.Error(), now)
			}
		case "set.system.reboot":
			s.dev.Reboot()
		}
		return v3Reply(CodeOK, cmd, "ok", now)
	}
	return v3Reply(CodeUnknownCmd, cmd, "unknown command", now)
}

// check verifies a write's account, time and token.
func (s *simV3) check(v minerjson.Value, cmd string, now time.Time) (int, string) {
	account, _ := v.Get("account").Str()
	if account != s.cred.User {
		return CodeNoPermission, "permission denied"
	}
	ts, ok := v.Get("ts").Int()
	if !ok || ts < now.Unix()-300 || ts > now.Unix()+300 {
		return CodeStaleTime, "ts out of range"
	}
	tok, _ := v.Get("token").Str()
	if tok != tokenV3(cmd, s.cred.Password, s.salt, ts) {
		return CodeBadToken, "token check failed"
	}
	return CodeOK, ""
}

func (s *simV3) deviceInfo(st fleet.Status) map[string]any {
	working := "true"
	if st.Mode == fleet.ModeSleeping {
		working = "false"
	}
	codes := make([]map[string]string, 0, len(st.Errors))
	for _, e := range st.Errors {
		codes = append(codes, map[string]string{e: "2026-05-23 09:19:10", "reason": "simulated fault"})
	}
	return map[string]any{
		"miner": map[string]any{
			"type": modelCode(st.Model) + "_VK40", "working": working, "board-num": strconv.Itoa(len(st.TempsC)),
			"hash-board": "K40", "pool-strategy": "FAILOVER", "fast-boot": "disable",
		},
		"system":     map[string]string{"api": "3.0.2", "fwversion": "20251209.16.Rel2", "platform": "H616", "ledstatus": "auto"},
		"power":      map[string]any{"model": "P221B", "fanspeed": 6344},
		"salt":       s.salt,
		"error-code": codes,
	}
}

func round(f float64, prec int) float64 {
	p := math.Pow(10, float64(prec))
	return math.Round(f*p) / p
}

func v3Summary(st fleet.Status) map[string]any {
	boards := make([]float64, len(st.TempsC))
	hot := 0.0
	for i, t := range st.TempsC {
		boards[i] = round(t-30, 1)
		hot = max(hot, t)
	}
	fanIn, fanOut := 0, 0
	if len(st.FansRPM) > 0 {
		fanIn = st.FansRPM[0]
	}
	if len(st.FansRPM) > 1 {
		fanOut = st.FansRPM[1]
	}
	return map[string]any{
		"elapsed": 50000, "bootup-time": 1323, "freq-avg": 625, "up-freq-finish": 1,
		"hash-average": round(st.HashrateTH, 3), "hash-realtime": round(st.Hashrate5sTH, 3),
		"hash-1min": round(st.HashrateTH, 3), "hash-15min": round(st.HashrateTH, 3),
		"factory-hash": 181.051, "power-realtime": math.Round(st.PowerW), "power-5min": math.Round(st.PowerW),
		"power-limit": math.Round(st.PowerLimitW), "fan-speed-in": fanIn, "fan-speed-out": fanOut,
		"board-temperature": boards, "chip-temp-max": hot, "chip-temp-min": round(hot-14, 1), "chip-temp-avg": round(hot-6.5, 1),
		"environment-temperature": 28.5, "Debug": "",
	}
}

func v3Edevs(st fleet.Status) []map[string]any {
	out := make([]map[string]any, len(st.TempsC))
	n := float64(max(len(st.TempsC), 1))
	for i, t := range st.TempsC {
		out[i] = map[string]any{
			"id": i, "status": "alive", "freq": 625.0, "effective-chips": 75, "factory-hash": 60.35,
			"hash-average": round(st.HashrateTH/n, 2), "hash-realtime": round(st.Hashrate5sTH/n, 2),
			"chip-temp-max": round(t, 1), "chip-temp-min": round(t-12, 1), "chip-temp-avg": round(t-6, 1),
		}
	}
	return out
}

func v3Pools(st fleet.Status) []map[string]any {
	out := make([]map[string]any, len(st.Pools))
	for i, p := range st.Pools {
		out[i] = map[string]any{"url": p.URL, "account": p.User, "status": strings.ToLower(p.Status), "pool-priority": i, "stratum-active": i == 0}
	}
	return out
}
