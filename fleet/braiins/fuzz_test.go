package braiins

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

// seedFile returns a real reply for a fuzz seed, or nil when absent.
func seedFile(version, name string) []byte {
	b, err := os.ReadFile(filepath.Join(replyDir, version, name))
	if err != nil {
		return nil
	}
	return b
}

// FuzzParseREST: any bytes give a Status or an error, never both, never a
// panic; a Status has a mode and no negative quantity.
func FuzzParseREST(f *testing.F) {
	for _, v := range []string{"v25_07", "v25_11", "v26_04"} {
		if d := seedFile(v, "miner_details.json"); d != nil {
			f.Add(d, seedFile(v, "miner_stats.json"), seedFile(v, "miner_hw_hashboards.json"), seedFile(v, "cooling_state.json"),
				seedFile(v, "performance_tuner_state.json"), seedFile(v, "pools.json"), seedFile(v, "miner_errors.json"))
		}
	}
	f.Add([]byte(`{"status":3}`), []byte(`{}`), []byte(nil), []byte(nil), []byte(nil), []byte(nil), []byte(nil))
	f.Add([]byte(`{"status":"2"}`), []byte(`{"power_stats":{"approximated_consumption":{"watt":"12"}}}`), []byte(`{"hashboards":[{}]}`),
		[]byte(`{"fans":[{"rpm":-1}]}`), []byte(`{"mode_state":{}}`), []byte(`[{"pools":[{"stats":{"accepted_shares":"1e30"}}]}]`), []byte(`{"errors":[{"error_codes":[{"code":"X"}]}]}`))
	f.Fuzz(func(t *testing.T, details, stats, boards, cooling, tuner, pools, errs []byte) {
		st, err := parseREST(restReplies{details, stats, boards, cooling, tuner, pools, errs})
		checkFuzzStatus(t, st, err)
	})
}

// FuzzParseGraphQL is FuzzParseREST for the legacy GraphQL replies.
func FuzzParseGraphQL(f *testing.F) {
	for _, v := range []string{"v21_09", "v24_09", "v25_03", "v25_05"} {
		s, b, p := seedFile(v, "gql_system.json"), seedFile(v, "gql_boards.json"), seedFile(v, "gql_pools.json")
		if s == nil {
			continue
		}
		d := func(raw []byte) []byte {
			out, err := parseGraphQLEnvelope("seed", raw)
			if err != nil {
				return raw
			}
			return out
		}
		f.Add(d(s), d(b), d(p))
	}
	f.Add([]byte(`{"bosminer":{"info":{"workSolver":null}}}`), []byte(`{}`), []byte(nil))
	f.Add([]byte(`{"bosminer":{"info":{"fans":[{"rpm":1e99}]}}}`), []byte(`{"bosminer":{"info":{"workSolver":{"childSolvers":[{"temperatures":[{"degreesC":-500}]}]}}}}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, system, boards, pools []byte) {
		st, err := parseGraphQL(system, boards, pools)
		checkFuzzStatus(t, st, err)
	})
}

func checkFuzzStatus(t *testing.T, st fleet.Status, err error) {
	t.Helper()
	if err != nil {
		if !reflect.DeepEqual(st, fleet.Status{}) {
			t.Fatalf("error %v with a non-zero Status %+v", err, st)
		}
		return
	}
	if st.Mode == "" || st.Firmware != fleet.FirmwareBraiins {
		t.Fatalf("Status without mode or firmware: %+v", st)
	}
	for _, v := range []float64{st.HashrateTH, st.Hashrate5sTH, st.PowerW, st.PowerLimitW} {
		if !(v >= 0) {
			t.Fatalf("negative or NaN quantity in %+v", st)
		}
	}
	for _, rpm := range st.FansRPM {
		if rpm < 0 {
			t.Fatalf("negative fan speed in %+v", st)
		}
	}
}

// FuzzParseLogin: a token or an error, never a panic.
func FuzzParseLogin(f *testing.F) {
	f.Add([]byte(`{"token":"abc","timeout_s":3600}`))
	f.Add([]byte(`{"token":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := parseLogin(b)
		if (err == nil) == (tok == "") {
			t.Fatalf("parseLogin(%q) = %q, %v: want a token xor an error", b, tok, err)
		}
	})
}
