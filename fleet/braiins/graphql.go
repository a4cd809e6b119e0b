package braiins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/hashpivot/hashpivot/fleet"
)

// GraphQL documents of the legacy BOS+ API (POST /graphql). The field names
// are the firmware's schema.
const (
	gqlLogin = `mutation ($username: String!, $password: String!) {
  auth { login(username: $username, password: $password) { ... on VoidResult { void } } }
}`
	gqlSystem = `{
  bosminer { info {
    workSolver { realHashrate { mhs5S } nominalMhs }
    fans { name rpm }
    summary { power { limitW approxConsumptionW } }
  } }
}`
	gqlBoards = `{
  bosminer { info { workSolver { childSolvers { name temperatures { name degreesC } } } } }
}`
	gqlPools = `{
  bosminer { info { poolGroups { name pools { url user status active shares { acceptedSolutions rejectedSolutions } } } } }
}`
	gqlStop        = `mutation { bosminer { stop { ... on VoidResult { void } ... on BosminerError { message } } } }`
	gqlStart       = `mutation { bosminer { start { ... on VoidResult { void } ... on BosminerError { message } } } }`
	gqlReboot      = `mutation { bos { reboot { ... on VoidResult { void } } } }`
	gqlPowerTarget = `mutation ($limit: Int!) {
  bosminer { config { updateAutotuning(input: {powerTarget: $limit}, apply: true) {
    ... on AutotuningOut { autotuning { powerTarget } }
    ... on AutotuningError { message }
  } } }
}`
)

const sessionCookie = "session_id"

// loginGraphQL runs the auth.login mutation and keeps the session cookie,
// unless another caller has already replaced the session stale.
func (c *Client) loginGraphQL(ctx context.Context, stale string) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	cur := c.session
	c.mu.Unlock()
	if cur != "" && cur != stale {
		return nil
	}
	req := map[string]any{
		"query":     gqlLogin,
		"variables": map[string]string{"username": c.cfg.Credentials.User, "password": c.cfg.Credentials.Password},
	}
	code, b, hdr, err := c.exchange(ctx, http.MethodPost, "/graphql", req, nil)
	if err != nil {
		return fmt.Errorf("graphql login: %w", err)
	}
	if code < 200 || code > 299 {
		return fmt.Errorf("graphql login: %w", &StatusError{Code: code, Body: snippet(b)})
	}
	var sess string
	for _, ck := range (&http.Response{Header: hdr}).Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			sess = ck.Value
		}
	}
	if sess == "" {
		return fmt.Errorf("%w: graphql login for user %q gave no session", fleet.ErrAuth, c.cfg.Credentials.User)
	}
	c.mu.Lock()
	c.session = sess
	c.mu.Unlock()
	return nil
}

// graphql runs one document with the session cookie and returns its "data",
// logging in first when there is no session and again once when the device
// says the session is gone.
func (c *Client) graphql(ctx context.Context, doc string, vars map[string]any, what string) (json.RawMessage, error) {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		sess := c.session
		c.mu.Unlock()
		if sess == "" {
			if err := c.loginGraphQL(ctx, ""); err != nil {
				return nil, err
			}
			c.mu.Lock()
			sess = c.session
			c.mu.Unlock()
		}
		req := map[string]any{"query": doc}
		if vars != nil {
			req["variables"] = vars
		}
		code, b, _, err := c.exchange(ctx, http.MethodPost, "/graphql", req, map[string]string{"Cookie": sessionCookie + "=" + sess})
		if err != nil {
			return nil, fmt.Errorf("graphql %s: %w", what, err)
		}
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			if attempt > 0 {
				return nil, fmt.Errorf("graphql %s: %w: session refused (HTTP %d)", what, fleet.ErrAuth, code)
			}
			if err := c.loginGraphQL(ctx, sess); err != nil {
				return nil, err
			}
			continue
		}
		if code < 200 || code > 299 {
			return nil, fmt.Errorf("graphql %s: %w", what, &StatusError{Code: code, Body: snippet(b)})
		}
		data, err := parseGraphQLEnvelope(what, b)
		if err != nil && attempt == 0 && isUnauthenticated(err) {
			if err := c.loginGraphQL(ctx, sess); err != nil {
				return nil, err
			}
			continue
		}
		return data, err
	}
}

// GraphQLError is an "errors" entry of a GraphQL reply.
type GraphQLError struct {
	Query   string
	Message string
}

func (e *GraphQLError) Error() string {
	return fmt.Sprintf("braiins: graphql %s: %s", e.Query, e.Message)
}

func isUnauthenticated(err error) bool {
	var ge *GraphQLError
	if !errors.As(err, &ge) {
		return false
	}
	m := strings.ToLower(ge.Message)
	return strings.Contains(m, "unauthenticated") || strings.Contains(m, "not logged") || strings.Contains(m, "unauthorized")
}

// parseGraphQLEnvelope returns the "data" member of a GraphQL reply, or its
// first error.
func parseGraphQLEnvelope(what string, b []byte) (json.RawMessage, error) {
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, &ParseError{Endpoint: "graphql " + what, Err: err}
	}
	if len(env.Errors) > 0 {
		return nil, &GraphQLError{Query: what, Message: env.Errors[0].Message}
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil, &ParseError{Endpoint: "graphql " + what, Field: "data", Err: errors.New("missing")}
	}
	return env.Data, nil
}

// mutate runs a mutation and fails when its result carries an error message
// (the ... on XError { message } branch of the union).
func (c *Client) mutate(ctx context.Context, doc string, vars map[string]any, what string) error {
	data, err := c.graphql(ctx, doc, vars, what)
	if err != nil {
		return err
	}
	if msg := findMessage(data, 0); msg != "" {
		return &GraphQLError{Query: what, Message: msg}
	}
	return nil
}

// findMessage returns the first "message" string in v, searching at most
// a few levels deep.
func findMessage(b json.RawMessage, depth int) string {
	if depth > 8 {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return ""
	}
	if m, ok := obj["message"]; ok {
		var s string
		if json.Unmarshal(m, &s) == nil && s != "" {
			return s
		}
	}
	for _, v := range obj {
		if s := findMessage(v, depth+1); s != "" {
			return s
		}
	}
	return ""
}

func (c *Client) statusGraphQL(ctx context.Context) (fleet.Status, error) {
	sys, err := c.graphql(ctx, gqlSystem, nil, "system")
	if err != nil {
		return fleet.Status{}, err
	}
	boards, err := c.graphql(ctx, gqlBoards, nil, "boards")
	if err != nil {
		return fleet.Status{}, err
	}
	pools, err := c.graphql(ctx, gqlPools, nil, "pools")
	if err != nil {
		return fleet.Status{}, err
	}
	return parseGraphQL(sys, boards, pools)
}

// Shapes of the GraphQL "data" replies.
type (
	gqlSystemData struct {
		Bosminer struct {
			Info *struct {
				WorkSolver *struct {
					RealHashrate struct {
						Mhs5S *num `json:"mhs5S"`
					} `json:"realHashrate"`
				} `json:"workSolver"`
				Fans []struct {
					RPM *num `json:"rpm"`
				} `json:"fans"`
				Summary struct {
					Power struct {
						LimitW             *num `json:"limitW"`
						ApproxConsumptionW *num `json:"approxConsumptionW"`
					} `json:"power"`
				} `json:"summary"`
			} `json:"info"`
		} `json:"bosminer"`
	}
	gqlBoardsData struct {
		Bosminer struct {
			Info struct {
				WorkSolver *struct {
					ChildSolvers []struct {
						Name         string `json:"name"`
						Temperatures []struct {
							Name     string `json:"name"`
							DegreesC *num   `json:"degreesC"`
						} `json:"temperatures"`
					} `json:"childSolvers"`
				} `json:"workSolver"`
			} `json:"info"`
		} `json:"bosminer"`
	}
	gqlPoolsData struct {
		Bosminer struct {
			Info struct {
				PoolGroups []struct {
					Name  string `json:"name"`
					Pools []struct {
						URL    string `json:"url"`
						User   string `json:"user"`
						Status string `json:"status"`
						Shares struct {
							Accepted *num `json:"acceptedSolutions"`
							Rejected *num `json:"rejectedSolutions"`
						} `json:"shares"`
					} `json:"pools"`
				} `json:"poolGroups"`
			} `json:"info"`
		} `json:"bosminer"`
	}
)

// parseGraphQL builds a Status from the "data" of the system, boards and
// pools queries (pools may be nil). Legacy BOS+ reports no average
// hashrate and no model here: HashrateTH is the 5-second rate and Model is
// empty. A miner whose work solver is absent is stopped (sleeping).
func parseGraphQL(system, boards, pools []byte) (fleet.Status, error) {
	st := fleet.Status{Firmware: fleet.FirmwareBraiins, Mode: fleet.ModeUnknown}
	var errs []error

	var s gqlSystemData
	if err := decode("graphql system", system, &s); err != nil {
		return fleet.Status{}, err
	}
	if info := s.Bosminer.Info; info != nil {
		if ws := info.WorkSolver; ws != nil {
			st.Mode = fleet.ModeMining
			if v := ws.RealHashrate.Mhs5S; v != nil {
				errs = append(errs, nonNeg("graphql system", "bosminer.info.workSolver.realHashrate.mhs5S", float64(*v)))
				st.Hashrate5sTH = float64(*v) / 1e6
				st.HashrateTH = st.Hashrate5sTH
			}
		} else {
			st.Mode = fleet.ModeSleeping
		}
		if v := info.Summary.Power.ApproxConsumptionW; v != nil {
			errs = append(errs, nonNeg("graphql system", "bosminer.info.summary.power.approxConsumptionW", float64(*v)))
			st.PowerW = float64(*v)
		}
		if v := info.Summary.Power.LimitW; v != nil {
			errs = append(errs, nonNeg("graphql system", "bosminer.info.summary.power.limitW", float64(*v)))
			st.PowerLimitW = float64(*v)
		}
		for i, f := range info.Fans {
			if f.RPM == nil {
				continue
			}
			if rpm := float64(*f.RPM); rpm < 0 || rpm > 1e6 {
				errs = append(errs, &ParseError{Endpoint: "graphql system", Field: fmt.Sprintf("bosminer.info.fans[%d].rpm", i), Err: fmt.Errorf("must be in [0, 1e6] (got %v)", rpm)})
				continue
			}
			st.FansRPM = append(st.FansRPM, int(*f.RPM))
		}
	}

	if boards != nil {
		var b gqlBoardsData
		if err := decode("graphql boards", boards, &b); err != nil {
			return fleet.Status{}, err
		}
		if ws := b.Bosminer.Info.WorkSolver; ws != nil {
			for i, cs := range ws.ChildSolvers {
				hottest, ok := math.Inf(-1), false
				for _, t := range cs.Temperatures {
					if t.DegreesC != nil && float64(*t.DegreesC) > hottest {
						hottest, ok = float64(*t.DegreesC), true
					}
				}
				if !ok {
					continue
				}
				if hottest < -273.15 || hottest > 1000 {
					errs = append(errs, &ParseError{Endpoint: "graphql boards", Field: fmt.Sprintf("bosminer.info.workSolver.childSolvers[%d].temperatures", i), Err: fmt.Errorf("implausible temperature %v °C", hottest)})
					continue
				}
				st.TempsC = append(st.TempsC, hottest)
			}
		}
	}

	if pools != nil {
		var p gqlPoolsData
		if err := decode("graphql pools", pools, &p); err != nil {
			return fleet.Status{}, err
		}
		for _, g := range p.Bosminer.Info.PoolGroups {
			for _, pl := range g.Pools {
				pool := fleet.Pool{URL: pl.URL, User: pl.User, Status: "Dead"}
				if strings.EqualFold(pl.Status, "alive") || strings.EqualFold(pl.Status, "active") || strings.EqualFold(pl.Status, "running") {
					pool.Status = "Alive"
				}
				if pl.Shares.Accepted != nil {
					pool.Accepted = pl.Shares.Accepted.count()
				}
				if pl.Shares.Rejected != nil {
					pool.Rejected = pl.Shares.Rejected.count()
				}
				st.Pools = append(st.Pools, pool)
			}
		}
	}

	if err := errors.Join(errs...); err != nil {
		return fleet.Status{}, err
	}
	return st, nil
}
