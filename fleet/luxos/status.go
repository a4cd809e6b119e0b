package luxos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// maxEvents bounds Status.Errors.
const maxEvents = 16

var errMissing = errors.New("missing")

// number reads an optional non-negative number: absent, null or not a
// finite number (a broken sensor's "nan") reads as not there; a negative
// one is an error naming the field.
func number(v minerjson.Value, command, field string) (float64, bool, error) {
	f, ok := v.Float()
	if !ok {
		return 0, false, nil
	}
	if f < 0 {
		return 0, false, &ParseError{Command: command, Field: field, Err: fmt.Errorf("must be >= 0 (got %v)", f)}
	}
	return f, true, nil
}

// parseStatus builds a Status from the reply to a multi-command of
// summary, power, config, profiles, temps, fans, pools and events (any of
// them but summary may be absent), and returns the name of the running
// profile. The summary is required; a command this firmware lacks (STATUS
// E) leaves its fields empty. PowerLimitW is set when the reply holds the
// profiles.
func parseStatus(raw []byte) (fleet.Status, string, error) {
	v, _, err := minerjson.Parse(raw)
	if err != nil {
		return fleet.Status{}, "", &ParseError{Command: "status", Err: err}
	}
	if err := checkStatus("status", v); err != nil {
		return fleet.Status{}, "", err
	}
	if v.Kind() != minerjson.Object {
		return fleet.Status{}, "", &ParseError{Command: "status", Err: fmt.Errorf("reply is a JSON %s, not an object", v.Kind())}
	}
	st := fleet.Status{Firmware: fleet.FirmwareLuxOS, Mode: fleet.ModeUnknown}
	var errs []error
	part := func(name string) (minerjson.Value, bool) {
		r := v.Get(name).Index(0)
		if !r.Exists() || checkStatus(name, r) != nil {
			return minerjson.Value{}, false
		}
		return r, true
	}

	sum, ok := part("summary")
	if !ok {
		if err := checkStatus("summary", v.Get("summary").Index(0)); err != nil {
			return fleet.Status{}, "", err
		}
		return fleet.Status{}, "", &ParseError{Command: "status", Field: "summary", Err: errMissing}
	}
	errs = append(errs, parseSummary(sum, &st))

	var profile string
	if cfg, ok := part("config"); ok {
		c := cfg.Get("CONFIG").Index(0)
		st.Model, _ = c.Get("Model").Str()
		profile, _ = c.Get("Profile").Str()
		mode, _ := c.Get("CurtailMode").Str()
		st.Mode = modeOfCurtail(mode)
	}
	if pw, ok := part("power"); ok {
		w, ok, err := number(pw.Get("POWER").Index(0).Get("Watts"), "power", "POWER[0].Watts")
		errs = append(errs, err)
		if ok {
			st.PowerW = w
		}
	}
	if pr, ok := part("profiles"); ok {
		ps, err := parseProfiles(pr)
		errs = append(errs, err)
		for _, p := range ps {
			if p.Name == profile {
				st.PowerLimitW = p.Watts
				break
			}
		}
	}
	if tr, ok := part("temps"); ok {
		for i, board := range tr.Get("TEMPS").Elems() {
			hottest, found := 0.0, false
			for _, m := range board.Members() {
				if m.Key == "ID" || m.Key == "TEMP" {
					continue
				}
				if t, ok := m.Value.Float(); ok && (!found || t > hottest) {
					hottest, found = t, true
				}
			}
			if !found {
				continue
			}
			if hottest < -273.15 || hottest > 1000 {
				errs = append(errs, &ParseError{Command: "temps", Field: fmt.Sprintf("TEMPS[%d]", i), Err: fmt.Errorf("implausible temperature %v °C", hottest)})
				continue
			}
			st.TempsC = append(st.TempsC, hottest)
		}
	}
	if fr, ok := part("fans"); ok {
		for i, f := range fr.Get("FANS").Elems() {
			rpm, ok, err := number(f.Get("RPM"), "fans", fmt.Sprintf("FANS[%d].RPM", i))
			errs = append(errs, err)
			if !ok {
				continue
			}
			if rpm > 1e6 {
				errs = append(errs, &ParseError{Command: "fans", Field: fmt.Sprintf("FANS[%d].RPM", i), Err: fmt.Errorf("must be <= 1e6 (got %v)", rpm)})
				continue
			}
			st.FansRPM = append(st.FansRPM, int(rpm))
		}
	}
	if pr, ok := part("pools"); ok {
		for _, p := range pr.Get("POOLS").Elems() {
			var pool fleet.Pool
			pool.URL, _ = p.Get("URL").Str()
			pool.User, _ = p.Get("User").Str()
			pool.Status, _ = p.Get("Status").Str()
			if n, ok := p.Get("Accepted").Int(); ok && n >= 0 {
				pool.Accepted = n
			}
			if n, ok := p.Get("Rejected").Int(); ok && n >= 0 {
				pool.Rejected = n
			}
			st.Pools = append(st.Pools, pool)
		}
	}
	if er, ok := part("events"); ok {
		st.Errors = parseEvents(er)
	}
	if err := errors.Join(errs...); err != nil {
		return fleet.Status{}, "", err
	}
	return st, profile, nil
}

// parseSummary reads the hashrates of a summary reply (GH/s, or MH/s on
// builds that write cgminer's MHS keys).
func parseSummary(r minerjson.Value, st *fleet.Status) error {
	s := r.Get("SUMMARY").Index(0)
	if !s.Exists() {
		return &ParseError{Command: "summary", Field: "SUMMARY[0]", Err: errMissing}
	}
	var errs []error
	read := func(ghKey, mhKey string, dst *float64) {
		if gh, ok, err := number(s.Get(ghKey), "summary", "SUMMARY[0]."+ghKey); err != nil || ok {
			errs = append(errs, err)
			*dst = gh / 1000
			return
		}
		mh, ok, err := number(s.Get(mhKey), "summary", "SUMMARY[0]."+mhKey)
		errs = append(errs, err)
		if ok {
			*dst = mh / 1e6
		}
	}
	read("GHS av", "MHS av", &st.HashrateTH)
	read("GHS 5s", "MHS 5s", &st.Hashrate5sTH)
	return errors.Join(errs...)
}

// modeOfCurtail maps config's CurtailMode: "None" when hashing, "Sleep"
// when curtailed, "Idle" for the older idle curtailment (boards stopped,
// power supply on).
func modeOfCurtail(s string) fleet.Mode {
	switch m := strings.ToLower(strings.TrimSpace(s)); {
	case m == "none" || m == "":
		return fleet.ModeMining
	case strings.Contains(m, "sleep"):
		return fleet.ModeSleeping
	case strings.Contains(m, "idle"):
		return fleet.ModeLowPower
	default:
		return fleet.ModeUnknown
	}
}

// parseProfiles reads a profiles reply.
func parseProfiles(r minerjson.Value) ([]Profile, error) {
	var out []Profile
	var errs []error
	for i, p := range r.Get("PROFILES").Elems() {
		name, _ := p.Get("Profile Name").Str()
		if name == "" {
			continue
		}
		w, ok, err := number(p.Get("Watts"), "profiles", fmt.Sprintf("PROFILES[%d].Watts", i))
		errs = append(errs, err)
		if !ok {
			continue
		}
		th, _, err := number(p.Get("Hashrate"), "profiles", fmt.Sprintf("PROFILES[%d].Hashrate", i))
		errs = append(errs, err)
		out = append(out, Profile{Name: name, Watts: w, HashrateTH: th})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// parseEvents lists the distinct events as "CODE: description".
func parseEvents(r minerjson.Value) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Get("EVENTS").Elems() {
		code, _ := e.Get("Code").Str()
		desc, _ := e.Get("Description").Str()
		s := code
		if desc != "" {
			if s != "" {
				s += ": "
			}
			s += desc
		}
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		if len(out) == maxEvents {
			break
		}
	}
	return out
}
