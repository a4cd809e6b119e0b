package braiins

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// SimCredentials are what NewSimHandler accepts: Braiins OS's factory
// login for the REST API.
var SimCredentials = fleet.Credentials{User: "root", Password: "root"}

// simMaxTokens bounds the tokens a simulated miner remembers; the oldest is
// forgotten first, as a device forgets tokens on timeout.
const simMaxTokens = 64

// simMaxRequestBytes bounds a request body the simulator reads.
const simMaxRequestBytes = 4 << 10

// simTokenTimeoutS is the token lifetime the simulated login reports.
const simTokenTimeoutS = 3600

// NewSimHandler serves the Braiins OS Public REST API for one simulated
// device, with SimCredentials as its only login.
func NewSimHandler(dev fleet.DeviceState) http.Handler {
	return NewSimHandlerWithCredentials(dev, SimCredentials)
}

// NewSimHandlerWithCredentials is NewSimHandler with another login.
func NewSimHandlerWithCredentials(dev fleet.DeviceState, cred fleet.Credentials) http.Handler {
	s := &simServer{dev: dev, cred: cred}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/login", s.login)
	get := map[string]func(fleet.Status) any{
		epDetails:    simDetails,
		epStats:      simStats,
		epHashboards: simHashboards,
		epCooling:    simCooling,
		epTuner:      simTuner,
		epPools:      simPools,
		epErrors:     simErrors,
		"version":    func(fleet.Status) any { return map[string]int{"major": 1, "minor": 3, "patch": 0} },
	}
	for ep, build := range get {
		mux.HandleFunc("GET /api/v1/"+ep, s.authed(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, build(s.dev.Snapshot()))
		}))
	}
	action := func(do func()) http.HandlerFunc {
		return s.authed(func(w http.ResponseWriter, _ *http.Request) {
			do()
			writeJSON(w, http.StatusOK, true)
		})
	}
	mux.HandleFunc("PUT /api/v1/actions/pause", action(dev.Sleep))
	mux.HandleFunc("PUT /api/v1/actions/stop", action(dev.Sleep))
	mux.HandleFunc("PUT /api/v1/actions/resume", action(dev.Wake))
	mux.HandleFunc("PUT /api/v1/actions/start", action(dev.Wake))
	mux.HandleFunc("PUT /api/v1/actions/reboot", s.authed(func(w http.ResponseWriter, _ *http.Request) {
		dev.Reboot()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("PUT /api/v1/performance/power-target", s.authed(s.powerTarget))
	return mux
}

type simServer struct {
	dev  fleet.DeviceState
	cred fleet.Credentials

	mu     sync.Mutex
	tokens []string // oldest first
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"message":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func simMessage(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg})
}

func (s *simServer) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, simMaxRequestBytes))
	if err != nil || json.Unmarshal(b, &req) != nil {
		simMessage(w, http.StatusBadRequest, "invalid login request")
		return
	}
	if req.Username != s.cred.User || req.Password != s.cred.Password {
		simMessage(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	tok := hex.EncodeToString(raw[:])
	s.mu.Lock()
	s.tokens = append(s.tokens, tok)
	if len(s.tokens) > simMaxTokens {
		s.tokens = s.tokens[len(s.tokens)-simMaxTokens:]
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "timeout_s": simTokenTimeoutS})
}

func (s *simServer) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		ok := false
		s.mu.Lock()
		for _, t := range s.tokens {
			if tok != "" && t == tok {
				ok = true
				break
			}
		}
		s.mu.Unlock()
		if !ok {
			simMessage(w, http.StatusUnauthorized, "unauthenticated")
			return
		}
		h(w, r)
	}
}

func (s *simServer) powerTarget(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Watt *float64 `json:"watt"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, simMaxRequestBytes))
	if err != nil || json.Unmarshal(b, &req) != nil || req.Watt == nil {
		simMessage(w, http.StatusBadRequest, "invalid power target request")
		return
	}
	if err := s.dev.SetPowerTarget(*req.Watt); err != nil {
		simMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]float64{"watt": *req.Watt})
}

// Builders of the REST replies from a snapshot, in the firmware's shapes.

func simGHs(th float64) map[string]float64 {
	return map[string]float64{"gigahash_per_second": th * 1000}
}

func simMinerStatus(m fleet.Mode) int {
	switch m {
	case fleet.ModeMining:
		return minerStatusNormal
	case fleet.ModeSleeping:
		return minerStatusPaused
	case fleet.ModeLowPower:
		return minerStatusRestricted
	default:
		return minerStatusNotStarted
	}
}

func simDetails(st fleet.Status) any {
	return map[string]any{
		"bos_mode":    4,
		"bos_version": map[string]any{"bos_plus": true, "current": "2026-04-14-0-912d084c-26.04-plus", "major": "2022-09-13-0-11012d53-22.08-plus"},
		"hostname":    "sim",
		"miner_identity": map[string]any{
			"brand": 1, "miner_model": st.Model, "model": 0, "name": st.Model,
		},
		"platform":         4,
		"status":           simMinerStatus(st.Mode),
		"sticker_hashrate": simGHs(st.HashrateTH),
	}
}

func simStats(st fleet.Status) any {
	jth := 0.0
	if st.Hashrate5sTH > 0 {
		jth = st.PowerW / st.Hashrate5sTH
	}
	return map[string]any{
		"miner_stats": map[string]any{
			"found_blocks":     0,
			"nominal_hashrate": simGHs(st.HashrateTH),
			"real_hashrate": map[string]any{
				"last_5s":       simGHs(st.Hashrate5sTH),
				"last_15s":      simGHs(st.Hashrate5sTH),
				"last_1m":       simGHs(st.HashrateTH),
				"since_restart": simGHs(st.HashrateTH),
			},
		},
		"power_stats": map[string]any{
			"approximated_consumption": map[string]int64{"watt": int64(math.Round(st.PowerW))},
			"efficiency":               map[string]float64{"joule_per_terahash": jth},
		},
	}
}

func simHashboards(st fleet.Status) any {
	boards := make([]map[string]any, 0, len(st.TempsC))
	per := 0.0
	if n := len(st.TempsC); n > 0 {
		per = st.Hashrate5sTH / float64(n)
	}
	for i, t := range st.TempsC {
		boards = append(boards, map[string]any{
			"id":                  strconv.Itoa(i + 1),
			"enabled":             st.Mode != fleet.ModeSleeping,
			"board_temp":          map[string]float64{"degree_c": t - 15},
			"highest_outlet_temp": map[string]float64{"degree_c": t - 15},
			"lowest_inlet_temp":   map[string]float64{"degree_c": t - 30},
			"highest_chip_temp":   map[string]any{"id": i + 1, "location": 1, "temperature": map[string]float64{"degree_c": t}},
			"stats":               map[string]any{"real_hashrate": map[string]any{"last_5s": simGHs(per)}},
		})
	}
	return map[string]any{"hashboards": boards}
}

func simCooling(st fleet.Status) any {
	fans := make([]map[string]any, 0, len(st.FansRPM))
	for i, rpm := range st.FansRPM {
		fans = append(fans, map[string]any{"position": i, "rpm": rpm, "target_speed_ratio": 1.0})
	}
	hottest := 0.0
	for _, t := range st.TempsC {
		hottest = math.Max(hottest, t)
	}
	return map[string]any{
		"fans":                fans,
		"highest_temperature": map[string]any{"location": 1, "temperature": map[string]float64{"degree_c": hottest}},
	}
}

func simTuner(st fleet.Status) any {
	w := map[string]int64{"watt": int64(math.Round(st.PowerLimitW))}
	return map[string]any{
		"mode_state":          map[string]any{"powertargetmodestate": map[string]any{"current_target": w, "profile": map[string]any{"target": w}}},
		"overall_tuner_state": 2,
	}
}

func simPools(st fleet.Status) any {
	pools := make([]map[string]any, 0, len(st.Pools))
	for i, p := range st.Pools {
		alive := strings.EqualFold(p.Status, "alive") || strings.EqualFold(p.Status, "active")
		pools = append(pools, map[string]any{
			"active": alive && i == 0, "alive": alive, "enabled": true,
			"url": p.URL, "user": p.User,
			"stats": map[string]any{"accepted_shares": p.Accepted, "rejected_shares": p.Rejected},
		})
	}
	return []map[string]any{{"name": "Default", "pools": pools, "uid": "0"}}
}

func simErrors(st fleet.Status) any {
	errs := make([]map[string]any, 0, len(st.Errors))
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, e := range st.Errors {
		code, reason, _ := strings.Cut(e, ": ")
		errs = append(errs, map[string]any{
			"components":  []any{},
			"error_codes": []map[string]string{{"code": code, "reason": reason, "hint": ""}},
			"message":     e,
			"timestamp":   now,
		})
	}
	return map[string]any{"errors": errs}
}
