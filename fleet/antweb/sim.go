package antweb

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// SimConfig describes the firmware a simulated web UI stands for.
type SimConfig struct {
	// ModeKey is the configuration's work-mode key: KeyMinerMode (a
	// number), KeyWorkMode (a string, newer firmware) or "" (firmware
	// without work modes: set_miner_conf changes nothing).
	ModeKey string
	// NormalW and LowW are the power targets of the normal and low-power
	// modes (LowW 0: no low-power mode).
	NormalW, LowW float64
	// Credentials is the only login accepted; FactoryCredentials when
	// empty.
	Credentials fleet.Credentials
}

// simMaxNonces bounds the nonces a simulated web UI remembers; the oldest
// is forgotten first.
const simMaxNonces = 64

// simMaxRequestBytes bounds a request body the simulator reads.
const simMaxRequestBytes = 16 << 10

// NewSimHandler serves the web CGI API of stock Antminer firmware for one
// simulated device: digest authentication (realm "antMiner
// Configuration", qop auth, MD5, nonces that expire from memory),
// get_miner_conf.cgi, set_miner_conf.cgi (work mode 0, 1 or 3),
// reboot.cgi and get_system_info.cgi.
func NewSimHandler(dev fleet.DeviceState, cfg SimConfig) http.Handler {
	if cfg.Credentials == (fleet.Credentials{}) {
		cfg.Credentials = FactoryCredentials
	}
	s := &simWeb{dev: dev, cfg: cfg, nc: map[string]uint32{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/get_miner_conf.cgi", s.authed(s.getConf))
	mux.HandleFunc("POST /cgi-bin/set_miner_conf.cgi", s.authed(s.setConf))
	mux.HandleFunc("GET /cgi-bin/reboot.cgi", s.authed(func(w http.ResponseWriter, _ *http.Request) {
		s.dev.Reboot()
		w.WriteHeader(http.StatusOK)
	}))
	mux.HandleFunc("GET /cgi-bin/get_system_info.cgi", s.authed(s.systemInfo))
	mux.HandleFunc("/", s.authed(http.NotFound))
	return mux
}

type simWeb struct {
	dev fleet.DeviceState
	cfg SimConfig

	mu     sync.Mutex
	nonces []string          // issued, oldest first
	nc     map[string]uint32 // the last nc seen per nonce
}

// authed checks the request's digest answer and calls h, or challenges.
func (s *simWeb) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.verify(r) {
			h(w, r)
			return
		}
		var raw [16]byte
		_, _ = rand.Read(raw[:])
		nonce := hex.EncodeToString(raw[:])
		s.mu.Lock()
		s.nonces = append(s.nonces, nonce)
		if len(s.nonces) > simMaxNonces {
			delete(s.nc, s.nonces[0])
			s.nonces = s.nonces[1:]
		}
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Digest realm="`+Realm+`", charset="UTF-8", nonce="`+nonce+`", qop="auth", algorithm="MD5"`)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>\n")
	}
}

// verify checks an Authorization header against the login, a nonce this
// device issued, the request's URI and a growing nc.
func (s *simWeb) verify(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false
	}
	p, err := credentialsOf(h)
	if err != nil || p["username"] != s.cfg.Credentials.User || p["realm"] != Realm || p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" {
		return false
	}
	nc, ok := parseNC(p["nc"])
	if !ok {
		return false
	}
	nonce := p["nonce"]
	s.mu.Lock()
	defer s.mu.Unlock()
	last, issued := s.nc[nonce]
	if !issued {
		known := false
		for _, n := range s.nonces {
			known = known || n == nonce
		}
		if !known {
			return false
		}
	}
	if nc <= last {
		return false // a replayed answer
	}
	ch := challenge{realm: Realm, nonce: nonce, qop: true, qopAuth: true, algorithm: p["algorithm"]}
	want, err := ch.response(r.Method, p["uri"], s.cfg.Credentials.User, s.cfg.Credentials.Password, p["cnonce"], p["nc"])
	if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(p["response"])) != 1 {
		return false
	}
	s.nc[nonce] = nc
	return true
}

// mode is the work mode the device is in now.
func (s *simWeb) mode(st fleet.Status) Mode {
	switch {
	case st.Mode == fleet.ModeSleeping:
		return ModeSleep
	case s.cfg.LowW > 0 && st.PowerLimitW > 0 && st.PowerLimitW <= s.cfg.LowW+0.5:
		return ModeLow
	}
	return ModeNormal
}

func writeSimJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v) // maps of strings, numbers and bools always encode
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *simWeb) getConf(w http.ResponseWriter, _ *http.Request) {
	st := s.dev.Snapshot()
	pools := []map[string]string{}
	for _, p := range st.Pools {
		pools = append(pools, map[string]string{"url": p.URL, "user": p.User, "pass": "x"})
	}
	for len(pools) < 3 {
		pools = append(pools, map[string]string{"url": "", "user": "", "pass": ""})
	}
	conf := map[string]any{
		"pools": pools, "api-listen": true, "api-network": true, "api-groups": "A:stats:pools:devs:summary:version",
		"api-allow": "A:0/0,W:*", "bitmain-fan-ctrl": false, "bitmain-fan-pwm": "100", "bitmain-use-vil": true,
		"bitmain-freq": "675", "bitmain-voltage": "1400", "bitmain-ccdelay": "0", "bitmain-pwth": "0",
		"bitmain-freq-level": "100",
	}
	m := s.mode(st)
	switch s.cfg.ModeKey {
	case KeyMinerMode:
		conf[KeyMinerMode] = int(m)
	case KeyWorkMode:
		conf[KeyWorkMode] = strconv.Itoa(int(m))
	}
	writeSimJSON(w, conf)
}

func (s *simWeb) setConf(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, simMaxRequestBytes+1))
	if err != nil || len(b) > simMaxRequestBytes {
		writeSimJSON(w, map[string]string{"stats": "error", "code": "M001", "msg": "Request too large!"})
		return
	}
	v, _, err := minerjson.Parse(b)
	if err != nil || v.Kind() != minerjson.Object {
		writeSimJSON(w, map[string]string{"stats": "error", "code": "M001", "msg": "Illegal parameter!"})
		return
	}
	mv := v.Get(s.cfg.ModeKey)
	if s.cfg.ModeKey == "" || !mv.Exists() {
		writeSimJSON(w, map[string]string{"stats": "success", "code": "M000", "msg": "OK!"})
		return
	}
	n, ok := mv.Int()
	switch {
	case ok && Mode(n) == ModeSleep:
		s.dev.Sleep()
	case ok && Mode(n) == ModeNormal:
		err = s.dev.SetPowerTarget(s.cfg.NormalW)
		s.dev.Wake()
	case ok && Mode(n) == ModeLow && s.cfg.LowW > 0:
		err = s.dev.SetPowerTarget(s.cfg.LowW)
		s.dev.Wake()
	default:
		writeSimJSON(w, map[string]string{"stats": "error", "code": "M002", "msg": "Unsupported work mode!"})
		return
	}
	if err != nil {
		writeSimJSON(w, map[string]string{"stats": "error", "code": "M003", "msg": err.Error()})
		return
	}
	writeSimJSON(w, map[string]string{"stats": "success", "code": "M000", "msg": "OK!"})
}

func (s *simWeb) systemInfo(w http.ResponseWriter, _ *http.Request) {
	st := s.dev.Snapshot()
	writeSimJSON(w, map[string]string{
		"minertype": st.Model, "nettype": "DHCP", "netdevice": "eth0", "hostname": "Antminer",
		"system_mode": "GNU/Linux", "system_kernel_version": "Linux 4.9.113 #1 SMP PREEMPT",
		"system_filesystem_version": "sim", "firmware_type": "Release",
	})
}
