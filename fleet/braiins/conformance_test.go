package braiins

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

// replyDir holds real Braiins OS replies (asic-rs test fixtures, see
// ../../../shared/data/README.md).
const replyDir = "../../../shared/data/miner-replies/braiins"

func readReply(t testing.TB, version, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(replyDir, version, name))
	if os.IsNotExist(err) {
		t.Skipf("real replies absent (%s/%s): run with ../shared/data present", version, name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func restRepliesOf(t testing.TB, version string) restReplies {
	return restReplies{
		Details:    readReply(t, version, "miner_details.json"),
		Stats:      readReply(t, version, "miner_stats.json"),
		Hashboards: readReply(t, version, "miner_hw_hashboards.json"),
		Cooling:    readReply(t, version, "cooling_state.json"),
		Tuner:      readReply(t, version, "performance_tuner_state.json"),
		Pools:      readReply(t, version, "pools.json"),
		Errors:     readReply(t, version, "miner_errors.json"),
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// checkStatus compares two statuses, floats to 1e-9 relative.
func checkStatus(t *testing.T, call string, got, want fleet.Status) {
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
	if len(got.TempsC) != len(want.TempsC) {
		t.Errorf("%s: TempsC = %v, want %v", call, got.TempsC, want.TempsC)
	} else {
		for i := range got.TempsC {
			if !near(got.TempsC[i], want.TempsC[i]) {
				t.Errorf("%s: TempsC = %v, want %v", call, got.TempsC, want.TempsC)
				break
			}
		}
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

// TestParseRESTRealReplies checks the REST parser against real replies;
// the expected numbers were read by hand from the files (GH/s ÷ 1000 = TH/s).
func TestParseRESTRealReplies(t *testing.T) {
	pool := func(url string, acc, rej int64) fleet.Pool {
		return fleet.Pool{URL: url, User: "asic_rs.test", Status: "Alive", Accepted: acc, Rejected: rej}
	}
	tests := []struct {
		version string
		want    fleet.Status
	}{
		{"v25_07", fleet.Status{
			Firmware: "braiins", Model: "Antminer S19 XP", Mode: fleet.ModeMining,
			HashrateTH: 138.20705294534727, Hashrate5sTH: 141.46356540072063,
			PowerW: 3137, PowerLimitW: 3031,
			TempsC:  []float64{70.5, 67.0, 69.0},
			FansRPM: []int{5904, 5874, 5874, 5904},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", 10460, 18),
				pool("stratum+tcp://example.pool2.com:3333", 4, 0),
			},
		}},
		{"v25_11", fleet.Status{
			Firmware: "braiins", Model: "Antminer S19 XP", Mode: fleet.ModeMining,
			HashrateTH: 143.38698274880322, Hashrate5sTH: 121.0154090279137,
			PowerW: 2472, PowerLimitW: 2431,
			TempsC:  []float64{71.5, 69.5, 71.0},
			FansRPM: []int{5879, 5819, 5909, 5909},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", 5048, 10),
				pool("stratum+tcp://example.pool2.com:3333", 0, 0),
			},
			Errors: []string{"H2: Hashboard stopped sending hashes", "V2: Overcurrent protection triggered or short circuit"},
		}},
		{"v26_04", fleet.Status{
			Firmware: "braiins", Model: "Antminer S21 Pro", Mode: fleet.ModeMining,
			HashrateTH: 244.6012757139522, Hashrate5sTH: 248.18667720002498,
			PowerW: 3480, PowerLimitW: 3500,
			TempsC:  []float64{65.375, 63.5625, 63.5},
			FansRPM: []int{5943, 5943, 5943, 5973},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", 848, 0),
				pool("stratum+tcp://example.pool2.com:3333", 0, 0),
			},
			Errors: []string{"V2: Overcurrent protection triggered or short circuit", "H1: DISABLING hashboards not allowed on NoPIC miners"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			got, err := parseREST(restRepliesOf(t, tc.version))
			if err != nil {
				t.Fatalf("parseREST(%s) error: %v", tc.version, err)
			}
			checkStatus(t, "parseREST("+tc.version+")", got, tc.want)
		})
	}
}

// TestParseGraphQLRealReplies checks the legacy GraphQL parser against real
// replies; MH/s ÷ 1e6 = TH/s, a board's temperature is its hottest sensor.
func TestParseGraphQLRealReplies(t *testing.T) {
	pool := func(url, user string, acc, rej int64) fleet.Pool {
		return fleet.Pool{URL: url, User: user, Status: "Alive", Accepted: acc, Rejected: rej}
	}
	tests := []struct {
		version string
		want    fleet.Status
	}{
		{"v21_09", fleet.Status{
			Firmware: "braiins", Mode: fleet.ModeMining,
			HashrateTH: 7.160208944955902, Hashrate5sTH: 7.160208944955902,
			PowerW: 735, PowerLimitW: 900,
			TempsC:  []float64{81.625, 89.25, 80},
			FansRPM: []int{4080, 5580, 0, 0},
			Pools: []fleet.Pool{
				pool("stratum+tcp://btc1.example.pool:3333", "asic-rs.test", 31, 0),
				pool("stratum+tcp://btc2.example.pool:3333", "asic-rs.test", 18, 0),
			},
		}},
		{"v24_09", fleet.Status{
			Firmware: "braiins", Mode: fleet.ModeMining,
			HashrateTH: 230.7009492148378, Hashrate5sTH: 230.7009492148378,
			PowerW: 3572, PowerLimitW: 3500,
			TempsC:  []float64{71.4375, 68.375, 67.9375},
			FansRPM: []int{6414, 6414, 6354, 6324},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", "asic_rs.test", 111393, 239),
				pool("stratum+tcp://example.pool2.com:3333", "asic_rs.test", 13, 0),
			},
		}},
		{"v25_03", fleet.Status{
			Firmware: "braiins", Mode: fleet.ModeMining,
			HashrateTH: 251.23533070591792, Hashrate5sTH: 251.23533070591792,
			PowerW: 4448, PowerLimitW: 3878,
			TempsC:  []float64{75, 73.5, 72.5},
			FansRPM: []int{6418, 6448, 6328, 5998},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", "asic_rs.test", 10781, 24),
				pool("stratum+tcp://example.pool2.com:3333", "asic_rs.test", 0, 0),
			},
		}},
		{"v25_05", fleet.Status{
			Firmware: "braiins", Mode: fleet.ModeMining,
			HashrateTH: 205.74960559787723, Hashrate5sTH: 205.74960559787723,
			PowerW: 3698, PowerLimitW: 3878,
			TempsC:  []float64{66.5, 68.5, 69.5},
			FansRPM: []int{6421, 6391, 6061, 6331},
			Pools: []fleet.Pool{
				pool("stratum+tcp://example.pool.com:3333", "asic_rs.test", 92875, 164),
				pool("stratum+tcp://example.pool2.com:3333", "asic_rs.test", 18, 0),
				pool("stratum+tcp://stratum.braiins.com:3333", "ICM", 6, 0),
			},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			data := func(name string) []byte {
				d, err := parseGraphQLEnvelope(name, readReply(t, tc.version, name))
				if err != nil {
					t.Fatalf("parseGraphQLEnvelope(%s/%s) error: %v", tc.version, name, err)
				}
				return d
			}
			got, err := parseGraphQL(data("gql_system.json"), data("gql_boards.json"), data("gql_pools.json"))
			if err != nil {
				t.Fatalf("parseGraphQL(%s) error: %v", tc.version, err)
			}
			checkStatus(t, "parseGraphQL("+tc.version+")", got, tc.want)
		})
	}
}
