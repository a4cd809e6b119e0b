package braiins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/hashpivot/hashpivot/fleet"
)

// REST endpoints under /api/v1 that Status reads, in the order it reads them.
const (
	epDetails    = "miner/details"
	epStats      = "miner/stats"
	epHashboards = "miner/hw/hashboards"
	epCooling    = "cooling/state"
	epTuner      = "performance/tuner-state"
	epPools      = "pools"
	epErrors     = "miner/errors"
)

// maxErrorCodes bounds Status.Errors: the firmware's error log can hold
// hundreds of entries.
const maxErrorCodes = 16

// loginREST logs in with POST /api/v1/auth/login unless another caller has
// already replaced the token stale.
func (c *Client) loginREST(ctx context.Context, stale string) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	tok := c.token
	c.mu.Unlock()
	if tok != "" && tok != stale {
		return nil
	}
	body := map[string]string{"username": c.cfg.Credentials.User, "password": c.cfg.Credentials.Password}
	code, b, _, err := c.exchange(ctx, http.MethodPost, "/api/v1/auth/login", body, nil)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	switch {
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return errNoREST
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Errorf("%w: login refused for user %q (HTTP %d)", fleet.ErrAuth, c.cfg.Credentials.User, code)
	case code < 200 || code > 299:
		return fmt.Errorf("login: %w", &StatusError{Code: code, Body: snippet(b)})
	}
	tok, err = parseLogin(b)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.token = tok
	c.mu.Unlock()
	return nil
}

// parseLogin reads the token from the login reply {"token": "...", "timeout_s": N}.
func parseLogin(b []byte) (string, error) {
	var r struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", &ParseError{Endpoint: "auth/login", Err: err}
	}
	if r.Token == "" {
		return "", fmt.Errorf("%w: login reply has no token", fleet.ErrAuth)
	}
	return r.Token, nil
}

// rest sends one authenticated request to /api/v1/endpoint, logging in
// first when there is no token and once more when the device answers 401.
func (c *Client) rest(ctx context.Context, method, endpoint string, body any) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		tok := c.token
		c.mu.Unlock()
		if tok == "" {
			if err := c.loginREST(ctx, ""); err != nil {
				return nil, err
			}
			c.mu.Lock()
			tok = c.token
			c.mu.Unlock()
		}
		code, b, _, err := c.exchange(ctx, method, "/api/v1/"+endpoint, body, map[string]string{"Authorization": tok})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, endpoint, err)
		}
		if code == http.StatusUnauthorized {
			if attempt > 0 {
				return nil, fmt.Errorf("%s %s: %w: token refused (HTTP 401)", method, endpoint, fleet.ErrAuth)
			}
			if err := c.loginREST(ctx, tok); err != nil {
				return nil, err
			}
			continue
		}
		if code < 200 || code > 299 {
			return nil, fmt.Errorf("%s %s: %w", method, endpoint, &StatusError{Code: code, Body: snippet(b)})
		}
		return b, nil
	}
}

// restReplies are the bodies of the endpoints Status reads; nil means the
// firmware lacks the endpoint.
type restReplies struct {
	Details, Stats, Hashboards, Cooling, Tuner, Pools, Errors []byte
}

func (c *Client) statusREST(ctx context.Context) (fleet.Status, error) {
	var r restReplies
	type read struct {
		name     string
		dst      *[]byte
		required bool
	}
	reads := []read{
		{epDetails, &r.Details, true},
		{epStats, &r.Stats, true},
		{epTuner, &r.Tuner, false},
	}
	if !c.cfg.Minimal {
		reads = append(reads, read{epHashboards, &r.Hashboards, false}, read{epCooling, &r.Cooling, false},
			read{epPools, &r.Pools, false}, read{epErrors, &r.Errors, false})
	}
	for _, ep := range reads {
		b, err := c.rest(ctx, http.MethodGet, ep.name, nil)
		var se *StatusError
		if err != nil && !ep.required && errors.As(err, &se) && se.Code == http.StatusNotFound {
			continue // an older REST gateway without this endpoint
		}
		if err != nil {
			return fleet.Status{}, err
		}
		*ep.dst = b
	}
	return parseREST(r)
}

// Shapes of the REST replies: protobuf messages in JSON, snake_case keys.
type (
	restGHs struct {
		GHs *num `json:"gigahash_per_second"`
	}
	restWatt struct {
		Watt *num `json:"watt"`
	}
	restTemp struct {
		DegreeC *num `json:"degree_c"`
	}
	restDetails struct {
		Status        *int `json:"status"`
		MinerIdentity struct {
			MinerModel string `json:"miner_model"`
			Name       string `json:"name"`
		} `json:"miner_identity"`
	}
	restStats struct {
		MinerStats struct {
			RealHashrate struct {
				Last5s       restGHs `json:"last_5s"`
				SinceRestart restGHs `json:"since_restart"`
			} `json:"real_hashrate"`
		} `json:"miner_stats"`
		PowerStats struct {
			Approx restWatt `json:"approximated_consumption"`
		} `json:"power_stats"`
	}
	restHashboards struct {
		Hashboards []struct {
			ID              string   `json:"id"`
			Enabled         *bool    `json:"enabled"`
			BoardTemp       restTemp `json:"board_temp"`
			HighestOutlet   restTemp `json:"highest_outlet_temp"`
			HighestChipTemp struct {
				Temperature restTemp `json:"temperature"`
			} `json:"highest_chip_temp"`
		} `json:"hashboards"`
	}
	restCooling struct {
		Fans []struct {
			RPM *num `json:"rpm"`
		} `json:"fans"`
	}
	restTuner struct {
		ModeState struct {
			PowerTarget *struct {
				CurrentTarget restWatt `json:"current_target"`
			} `json:"powertargetmodestate"`
		} `json:"mode_state"`
	}
	restPoolGroup struct {
		Name  string `json:"name"`
		Pools []struct {
			URL    string `json:"url"`
			User   string `json:"user"`
			Active bool   `json:"active"`
			Alive  bool   `json:"alive"`
			Stats  struct {
				Accepted *num `json:"accepted_shares"`
				Rejected *num `json:"rejected_shares"`
			} `json:"stats"`
		} `json:"pools"`
	}
	restErrors struct {
		Errors []struct {
			Message    string `json:"message"`
			ErrorCodes []struct {
				Code   string `json:"code"`
				Reason string `json:"reason"`
			} `json:"error_codes"`
		} `json:"errors"`
	}
)

// Miner status values of miner/details (bos.v1.MinerStatus).
const (
	minerStatusNotStarted = 1
	minerStatusNormal     = 2
	minerStatusPaused     = 3
	minerStatusSuspended  = 4
	minerStatusRestricted = 5
)

// modeOfMinerStatus maps bos.v1.MinerStatus to a fleet.Mode. A paused or
// suspended miner does not hash; "restricted" hashes below its target.
func modeOfMinerStatus(s int) fleet.Mode {
	switch s {
	case minerStatusNormal:
		return fleet.ModeMining
	case minerStatusPaused, minerStatusSuspended:
		return fleet.ModeSleeping
	case minerStatusRestricted:
		return fleet.ModeLowPower
	default: // not started, unspecified or a value newer than this driver
		return fleet.ModeUnknown
	}
}

// num is a JSON number that also accepts a quoted number: protobuf's JSON
// mapping writes 64-bit integers as strings.
type num float64

// UnmarshalJSON reads 12.5 or "12.5"; any other string is an error.
func (n *num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a finite number: %.40q", b)
	}
	*n = num(v)
	return nil
}

// count is n as a share count, clamped to [0, MaxInt64].
func (n num) count() int64 {
	switch v := float64(n); {
	case v <= 0:
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	default:
		return int64(v)
	}
}

func decode(endpoint string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return &ParseError{Endpoint: endpoint, Err: err}
	}
	return nil
}

// nonNeg checks one number of a reply: finite and not negative.
func nonNeg(endpoint, field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return &ParseError{Endpoint: endpoint, Field: field, Err: fmt.Errorf("must be >= 0 (got %v)", v)}
	}
	return nil
}

// parseREST builds a Status from the REST replies. Details and Stats are
// required; the other replies fill what they carry when present.
func parseREST(r restReplies) (fleet.Status, error) {
	st := fleet.Status{Firmware: fleet.FirmwareBraiins, Mode: fleet.ModeUnknown}
	var errs []error

	var d restDetails
	if err := decode(epDetails, r.Details, &d); err != nil {
		return fleet.Status{}, err
	}
	st.Model = d.MinerIdentity.MinerModel
	if st.Model == "" {
		st.Model = d.MinerIdentity.Name
	}
	if d.Status != nil {
		st.Mode = modeOfMinerStatus(*d.Status)
	}

	var s restStats
	if err := decode(epStats, r.Stats, &s); err != nil {
		return fleet.Status{}, err
	}
	if v := s.MinerStats.RealHashrate.SinceRestart.GHs; v != nil {
		errs = append(errs, nonNeg(epStats, "miner_stats.real_hashrate.since_restart.gigahash_per_second", float64(*v)))
		st.HashrateTH = float64(*v) / 1000
	}
	if v := s.MinerStats.RealHashrate.Last5s.GHs; v != nil {
		errs = append(errs, nonNeg(epStats, "miner_stats.real_hashrate.last_5s.gigahash_per_second", float64(*v)))
		st.Hashrate5sTH = float64(*v) / 1000
	}
	if v := s.PowerStats.Approx.Watt; v != nil {
		errs = append(errs, nonNeg(epStats, "power_stats.approximated_consumption.watt", float64(*v)))
		st.PowerW = float64(*v)
	}

	if r.Hashboards != nil {
		var h restHashboards
		if err := decode(epHashboards, r.Hashboards, &h); err != nil {
			return fleet.Status{}, err
		}
		for i, b := range h.Hashboards {
			hottest, ok := math.Inf(-1), false
			for _, t := range []*num{b.HighestChipTemp.Temperature.DegreeC, b.BoardTemp.DegreeC, b.HighestOutlet.DegreeC} {
				if t != nil && float64(*t) > hottest {
					hottest, ok = float64(*t), true
				}
			}
			if ok {
				if hottest < -273.15 || hottest > 1000 {
					errs = append(errs, &ParseError{Endpoint: epHashboards, Field: fmt.Sprintf("hashboards[%d].highest_chip_temp", i), Err: fmt.Errorf("implausible temperature %v °C", hottest)})
					continue
				}
				st.TempsC = append(st.TempsC, hottest)
			}
		}
	}

	if r.Cooling != nil {
		var c restCooling
		if err := decode(epCooling, r.Cooling, &c); err != nil {
			return fleet.Status{}, err
		}
		for i, f := range c.Fans {
			if f.RPM == nil {
				continue
			}
			if rpm := float64(*f.RPM); rpm < 0 || rpm > 1e6 {
				errs = append(errs, &ParseError{Endpoint: epCooling, Field: fmt.Sprintf("fans[%d].rpm", i), Err: fmt.Errorf("must be in [0, 1e6] (got %v)", rpm)})
				continue
			}
			st.FansRPM = append(st.FansRPM, int(*f.RPM))
		}
	}

	if r.Tuner != nil {
		var t restTuner
		if err := decode(epTuner, r.Tuner, &t); err != nil {
			return fleet.Status{}, err
		}
		if pt := t.ModeState.PowerTarget; pt != nil && pt.CurrentTarget.Watt != nil {
			errs = append(errs, nonNeg(epTuner, "mode_state.powertargetmodestate.current_target.watt", float64(*pt.CurrentTarget.Watt)))
			st.PowerLimitW = float64(*pt.CurrentTarget.Watt)
		}
	}

	if r.Pools != nil {
		var groups []restPoolGroup
		if err := decode(epPools, r.Pools, &groups); err != nil {
			return fleet.Status{}, err
		}
		for _, g := range groups {
			for _, p := range g.Pools {
				pool := fleet.Pool{URL: p.URL, User: p.User, Status: "Dead"}
				if p.Alive {
					pool.Status = "Alive"
				}
				if p.Stats.Accepted != nil {
					pool.Accepted = p.Stats.Accepted.count()
				}
				if p.Stats.Rejected != nil {
					pool.Rejected = p.Stats.Rejected.count()
				}
				st.Pools = append(st.Pools, pool)
			}
		}
	}

	if r.Errors != nil {
		var e restErrors
		if err := decode(epErrors, r.Errors, &e); err != nil {
			return fleet.Status{}, err
		}
		st.Errors = errorCodes(e)
	}

	if err := errors.Join(errs...); err != nil {
		return fleet.Status{}, err
	}
	return st, nil
}

// errorCodes lists the distinct error codes of the firmware's error log as
// "CODE: reason", in order of first appearance. Entries without a code are
// log lines (a pool that did not resolve, a sensor read) and are left out.
func errorCodes(e restErrors) []string {
	seen := map[string]bool{}
	var out []string
	for _, entry := range e.Errors {
		for _, c := range entry.ErrorCodes {
			if c.Code == "" || seen[c.Code] {
				continue
			}
			seen[c.Code] = true
			s := c.Code
			if c.Reason != "" {
				s += ": " + c.Reason
			}
			out = append(out, s)
			if len(out) == maxErrorCodes {
				return out
			}
		}
	}
	return out
}
