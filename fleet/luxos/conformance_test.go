package luxos

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// replyDir holds real LuxOS replies (asic-rs test fixtures, see
// ../../../shared/data/README.md), one file per command.
const replyDir = "../../../shared/data/miner-replies/luxminer/v1"

// fixtureCommands are the commands whose real replies make a status reply.
const fixtureCommands = "summary+power+config+profiles+temps+fans+pools+events"

func fixture(t testing.TB, command string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(replyDir, command+".json"))
	if os.IsNotExist(err) {
		t.Skipf("real replies absent (%s): run with ../shared/data present", command)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// multiReply joins single-command replies into the shape of a
// multi-command reply, {"cmd":[reply], ..., "id":1}, as LUXminer answers
// "a+b".
func multiReply(parts map[string][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for _, name := range strings.Split(fixtureCommands, "+") {
		if p, ok := parts[name]; ok {
			b.WriteString(`"` + name + `":[`)
			b.Write(p)
			b.WriteString("],")
		}
	}
	b.WriteString(`"id":1}`)
	return b.Bytes()
}

func realStatusReply(t testing.TB) []byte {
	parts := map[string][]byte{}
	for _, name := range strings.Split(fixtureCommands, "+") {
		parts[name] = fixture(t, name)
	}
	return multiReply(parts)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkStatusT(t *testing.T, call string, got, want fleet.Status) {
	t.Helper()
	if got.Model != want.Model || got.Mode != want.Mode || got.Firmware != want.Firmware {
		t.Errorf("%s: model/mode/firmware = %q/%q/%q, want %q/%q/%q", call, got.Model, got.Mode, got.Firmware, want.Model, want.Mode, want.Firmware)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"HashrateTH", got.HashrateTH, want.HashrateTH},
		{"Hashrate5sTH", got.Hashrate5sTH, want.Hashrate5sTH},
		{"PowerW", got.PowerW, want.PowerW},
		{"PowerLimitW", got.PowerLimitW, want.PowerLimitW},
	} {
		if !near(f.got, f.want) {
			t.Errorf("%s: %s = %v, want %v", call, f.name, f.got, f.want)
		}
	}
	if !reflect.DeepEqual(got.TempsC, want.TempsC) {
		t.Errorf("%s: TempsC = %v, want %v", call, got.TempsC, want.TempsC)
	}
	if !reflect.DeepEqual(got.FansRPM, want.FansRPM) {
		t.Errorf("%s: FansRPM = %v, want %v", call, got.FansRPM, want.FansRPM)
	}
	if !reflect.DeepEqual(got.Pools, want.Pools) {
		t.Errorf("%s: Pools = %+v, want %+v", call, got.Pools, want.Pools)
	}
	if !reflect.DeepEqual(got.Errors, want.Errors) {
		t.Errorf("%s: Errors = %q, want %q", call, got.Errors, want.Errors)
	}
}

// realWant is the status the real replies describe, read by hand: summary
// GHS av 56917.91 and GHS 5s 59756.06 (÷ 1000 = TH/s), power 1051 W, the
// config's profile 290MHz at 1188 W in profiles, each board's hottest
// corner in temps, the fans' RPM, the four pools and the two events.
var realWant = fleet.Status{
	Firmware: fleet.FirmwareLuxOS, Model: "Antminer S19k Pro", Mode: fleet.ModeMining,
	HashrateTH: 56.91791, Hashrate5sTH: 59.75606, PowerW: 1051, PowerLimitW: 1188,
	TempsC:  []float64{47, 47, 47},
	FansRPM: []int{1920, 1920, 2340, 2340},
	Pools: []fleet.Pool{
		{URL: "stratum+tcp://ca.stratum.braiins.com:3333", User: "asic-rs.user1", Status: "Alive", Accepted: 724},
		{URL: "stratum+tcp://stratum.braiins.com:3333", User: "asic-rs.user1", Status: "Dead"},
		{URL: "stratum+tcp://ca.stratum.braiins.com:3333", User: "asic-rs.user2", Status: "Alive", Accepted: 759, Rejected: 1},
		{URL: "stratum+tcp://stratum.braiins.com:3333", User: "asic-rs.user2", Status: "Dead"},
	},
	Errors: []string{
		"NOPIC_PROTECTION: Miner shutdown due to NOPIC protection.",
		"REBOOT_NOT_HASHING: Board reboot due to it not hashing.",
	},
}

func TestParseStatusRealReplies(t *testing.T) {
	got, _, err := parseStatus(realStatusReply(t))
	if err != nil {
		t.Fatalf("parseStatus(real replies) error: %v", err)
	}
	checkStatusT(t, "parseStatus(real replies)", got, realWant)
}

// TestParseStatusWireQuirks: the same replies as they come off a real
// wire — compact, NUL-terminated, glued with "}{", with a trailing comma —
// parse to the same status.
func TestParseStatusWireQuirks(t *testing.T) {
	raw := realStatusReply(t)
	var compact bytes.Buffer
	for _, line := range strings.Split(string(raw), "\n") {
		compact.WriteString(strings.TrimSpace(line))
	}
	c := compact.String()
	cases := []struct{ name, in string }{
		{"compact", c},
		{"trailing NUL", c + "\x00"},
		{"trailing comma", strings.Replace(c, `"id":1}`, `"id":1,}`, 1)},
		{"objects glued with }{", strings.Replace(c, `],"power":[`, `]}{"power":[`, 1)},
		{"CRLF and NULs", strings.ReplaceAll(c, `,"fans":`, ",\r\n\"fans\":") + "\x00\x00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parseStatus([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseStatus(%s) error: %v", tc.name, err)
			}
			checkStatusT(t, "parseStatus("+tc.name+")", got, realWant)
		})
	}
}

// TestParseStatusMissingCommands: an older LUXminer without "events" (or
// any optional command) still gives a status; a refused summary does not.
func TestParseStatusMissingCommands(t *testing.T) {
	parts := map[string][]byte{}
	for _, name := range strings.Split(fixtureCommands, "+") {
		parts[name] = fixture(t, name)
	}
	invalid := []byte(`{"STATUS":[{"Code":14,"Description":"LUXminer","Msg":"Invalid command","STATUS":"E","When":0}],"id":1}`)
	parts["events"] = invalid
	got, _, err := parseStatus(multiReply(parts))
	if err != nil {
		t.Fatalf("parseStatus(without events) error: %v", err)
	}
	if got.Errors != nil || got.PowerW != 1051 {
		t.Errorf("parseStatus(without events) = errors %q, power %v; want none, 1051", got.Errors, got.PowerW)
	}

	parts["summary"] = invalid
	_, _, err = parseStatus(multiReply(parts))
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Command != "summary" || ce.Msg != "Invalid command" {
		t.Errorf("parseStatus(summary refused) error = %v, want a *CommandError for summary", err)
	}
}

func TestParseProfilesAndChoose(t *testing.T) {
	v, _, err := minerjson.Parse(fixture(t, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parseProfiles(v)
	if err != nil {
		t.Fatalf("parseProfiles error: %v", err)
	}
	// The file lists profiles from 190MHz at 784 W upward; 290MHz is 1188 W
	// and 59.8 TH/s.
	if len(ps) < 5 || ps[0] != (Profile{Name: "190MHz", Watts: 784, HashrateTH: 39.2}) || ps[4] != (Profile{Name: "290MHz", Watts: 1188, HashrateTH: 59.8}) {
		t.Fatalf("parseProfiles = %+v, want 190MHz/784 W/39.2 first and 290MHz/1188 W/59.8 fifth", ps)
	}
	tests := []struct {
		watts float64
		want  string
		err   error
	}{
		{1188, "290MHz", nil},
		{1187, "265MHz", nil},
		{1100, "265MHz", nil},
		{784, "190MHz", nil},
		{783, "", ErrTargetTooLow},
		{1e6, ps[len(ps)-1].Name, nil},
	}
	for _, tc := range tests {
		p, err := ChooseProfile(ps, tc.watts)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ChooseProfile(%v W) error = %v, want %v", tc.watts, err, tc.err)
			}
			continue
		}
		if err != nil || p.Name != tc.want {
			t.Errorf("ChooseProfile(%v W) = %q, %v; want %q", tc.watts, p.Name, err, tc.want)
		}
	}
}

func TestChooseProfileEdges(t *testing.T) {
	ps := []Profile{{"a", 1000, 50}, {"b", 1000, 51}, {"c", 2000, 90}}
	for _, tc := range []struct {
		watts   float64
		want    string
		wantErr bool
	}{
		{1500, "a", false}, // ties go to the first listed
		{math.NaN(), "", true},
		{0, "", true},
		{-1, "", true},
		{999, "", true},
	} {
		p, err := ChooseProfile(ps, tc.watts)
		if (err != nil) != tc.wantErr || p.Name != tc.want {
			t.Errorf("ChooseProfile(%v) = %q, %v; want %q, error %v", tc.watts, p.Name, err, tc.want, tc.wantErr)
		}
	}
	if _, err := ChooseProfile(nil, 1000); err == nil {
		t.Error("ChooseProfile(no profiles) = nil error, want one")
	}
}

func TestModeOfCurtail(t *testing.T) {
	for in, want := range map[string]fleet.Mode{
		"None": fleet.ModeMining, "": fleet.ModeMining, "Sleep": fleet.ModeSleeping,
		"sleep mode": fleet.ModeSleeping, "Idle": fleet.ModeLowPower, "Whatever": fleet.ModeUnknown,
	} {
		if got := modeOfCurtail(in); got != want {
			t.Errorf("modeOfCurtail(%q) = %q, want %q", in, got, want)
		}
	}
}
