package braiins

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

// legacyMiner is a BOS+ 21.09-style miner for tests: GraphQL on /graphql
// with a session cookie, no REST gateway (its /api/v1 answers 404).
func legacyMiner(t *testing.T, dev *fakeDevice) *httptest.Server {
	t.Helper()
	const sess = "s3ss10n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/graphql" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if json.Unmarshal(b, &req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		reply := func(data any) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
		}
		if strings.Contains(req.Query, "login(") {
			if req.Variables["username"] == "root" && req.Variables["password"] == "" {
				http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess, Path: "/"})
				reply(map[string]any{"auth": map[string]any{"login": map[string]any{"void": nil}}})
				return
			}
			reply(map[string]any{"auth": map[string]any{"login": map[string]any{"message": "Invalid credentials"}}})
			return
		}
		if ck, err := r.Cookie(sessionCookie); err != nil || ck.Value != sess {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":null,"errors":[{"message":"Unauthenticated"}]}`)
			return
		}
		st := dev.Snapshot()
		switch q := req.Query; {
		case strings.Contains(q, "childSolvers"):
			var solvers []any
			for i, t := range st.TempsC {
				solvers = append(solvers, map[string]any{"name": string(rune('6' + i)), "temperatures": []any{
					map[string]any{"name": "Board", "degreesC": t - 10}, map[string]any{"name": "Chip", "degreesC": t},
				}})
			}
			reply(map[string]any{"bosminer": map[string]any{"info": map[string]any{"workSolver": map[string]any{"childSolvers": solvers}}}})
		case strings.Contains(q, "poolGroups"):
			var pools []any
			for _, p := range st.Pools {
				pools = append(pools, map[string]any{"url": p.URL, "user": p.User, "status": strings.ToUpper(p.Status), "active": true,
					"shares": map[string]any{"acceptedSolutions": p.Accepted, "rejectedSolutions": p.Rejected}})
			}
			reply(map[string]any{"bosminer": map[string]any{"info": map[string]any{"poolGroups": []any{map[string]any{"name": "group", "pools": pools}}}}})
		case strings.Contains(q, "realHashrate"):
			var ws any
			if st.Mode == fleet.ModeMining {
				ws = map[string]any{"realHashrate": map[string]any{"mhs5S": st.Hashrate5sTH * 1e6}}
			}
			var fans []any
			for i, f := range st.FansRPM {
				fans = append(fans, map[string]any{"name": string(rune('0' + i)), "rpm": f})
			}
			reply(map[string]any{"bosminer": map[string]any{"info": map[string]any{"workSolver": ws, "fans": fans,
				"summary": map[string]any{"power": map[string]any{"approxConsumptionW": st.PowerW, "limitW": st.PowerLimitW}}}}})
		case strings.Contains(q, "stop"):
			dev.Sleep()
			reply(map[string]any{"bosminer": map[string]any{"stop": map[string]any{"void": nil}}})
		case strings.Contains(q, "start"):
			dev.Wake()
			reply(map[string]any{"bosminer": map[string]any{"start": map[string]any{"void": nil}}})
		case strings.Contains(q, "updateAutotuning"):
			w, _ := req.Variables["limit"].(float64)
			if err := dev.SetPowerTarget(w); err != nil {
				reply(map[string]any{"bosminer": map[string]any{"config": map[string]any{"updateAutotuning": map[string]any{"message": err.Error()}}}})
				return
			}
			reply(map[string]any{"bosminer": map[string]any{"config": map[string]any{"updateAutotuning": map[string]any{"autotuning": map[string]any{"powerTarget": w}}}}})
		case strings.Contains(q, "reboot"):
			dev.Reboot()
			reply(map[string]any{"bos": map[string]any{"reboot": map[string]any{"void": nil}}})
		default:
			reply(nil)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLegacyGraphQLMiner: with APIAuto the driver finds no REST login,
// speaks GraphQL, and reads and controls the miner through it.
func TestLegacyGraphQLMiner(t *testing.T) {
	dev := newFakeDevice()
	srv := legacyMiner(t, dev)
	c := New(hostOf(srv), Config{Credentials: fleet.Credentials{User: "root"}})
	ctx := context.Background()

	snap := dev.Snapshot()
	want := fleet.Status{
		Firmware: fleet.FirmwareBraiins, Mode: fleet.ModeMining,
		HashrateTH: snap.Hashrate5sTH, Hashrate5sTH: snap.Hashrate5sTH,
		PowerW: snap.PowerW, PowerLimitW: snap.PowerLimitW,
		TempsC: snap.TempsC, FansRPM: snap.FansRPM, Pools: snap.Pools,
	}
	got, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status() error: %v", err)
	}
	checkStatus(t, "Status()", got, want)

	if err := c.Sleep(ctx); err != nil {
		t.Fatalf("Sleep() error: %v", err)
	}
	if got, err := c.Status(ctx); err != nil || got.Mode != fleet.ModeSleeping {
		t.Errorf("Status() after Sleep = mode %q, error %v; want sleeping", got.Mode, err)
	}
	if err := c.SetPowerTarget(ctx, 3100); err != nil {
		t.Fatalf("SetPowerTarget(3100) error: %v", err)
	}
	if err := c.Wake(ctx); err != nil {
		t.Fatalf("Wake() error: %v", err)
	}
	if got, err := c.Status(ctx); err != nil || got.Mode != fleet.ModeMining || got.PowerLimitW != 3100 {
		t.Errorf("Status() after SetPowerTarget(3100)+Wake = mode %q, limit %v, error %v; want mining, 3100", got.Mode, got.PowerLimitW, err)
	}
	err = c.SetPowerTarget(ctx, 100)
	var ge *GraphQLError
	if !errors.As(err, &ge) || !strings.Contains(ge.Message, "out of range") {
		t.Errorf("SetPowerTarget(100) error = %v, want the miner's refusal", err)
	}
	if err := c.Reboot(ctx); err != nil {
		t.Errorf("Reboot() error: %v", err)
	}
}

func TestLegacyGraphQLBadCredentials(t *testing.T) {
	srv := legacyMiner(t, newFakeDevice())
	c := New(hostOf(srv), Config{API: APIGraphQL, Credentials: fleet.Credentials{User: "root", Password: "nope"}})
	if _, err := c.Status(context.Background()); !errors.Is(err, fleet.ErrAuth) {
		t.Errorf("Status() with a wrong password: error = %v, want fleet.ErrAuth", err)
	}
}

func TestParseGraphQLEnvelope(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  bool
	}{
		{"data", `{"data":{"a":1}}`, false},
		{"errors", `{"data":null,"errors":[{"message":"boom"}]}`, true},
		{"null data", `{"data":null}`, true},
		{"not json", `<html>`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseGraphQLEnvelope("q", []byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Errorf("parseGraphQLEnvelope(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
		})
	}
}
