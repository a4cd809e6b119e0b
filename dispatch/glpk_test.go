package dispatch

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// genOptions shape a random instance.
type genOptions struct {
	intervals, groups int
	ramps             bool // give groups ramp limits
	oversubscribed    bool // Σ max_mw above the headroom, so the cap binds
	fourCP, dr        bool
	events            int  // DR events spread over the horizon (with dr)
	series            bool // hashvalue per interval for some groups
	ppa               bool
}

// randomProblem builds a seeded instance with prices that mix calm hours,
// spikes and negative prices, like ERCOT's.
func randomProblem(seed uint64, o genOptions) *Problem {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	p := &Problem{IntervalMinutes: []int{5, 15, 60}[rng.IntN(3)], SiteCapMW: 100, AIFirmMW: float64(rng.IntN(40))}
	p.PricesUSDPerMWh = make([]float64, o.intervals)
	level := 40.0
	for t := range p.PricesUSDPerMWh {
		level += rng.NormFloat64() * 6
		level = min(max(level, -20), 300)
		v := level
		if rng.IntN(30) == 0 {
			v = 200 + rng.Float64()*2000
		}
		p.PricesUSDPerMWh[t] = math.Round(v*100) / 100
	}
	room := p.SiteCapMW - p.AIFirmMW
	share := 0.9
	if o.oversubscribed {
		share = 1.6
	}
	for g := range o.groups {
		gr := Group{
			Name:               fmt.Sprintf("g%d", g),
			MaxMW:              math.Round(room*share/float64(o.groups)*(0.5+rng.Float64())*10) / 10,
			HashvalueUSDPerMWh: 25 + rng.Float64()*50,
		}
		if o.ramps && rng.IntN(4) != 0 {
			gr.RampMWPerInterval = math.Round(gr.MaxMW*(0.05+0.5*rng.Float64())*100) / 100
		}
		if o.series && rng.IntN(2) == 0 {
			gr.HashvalueSeries = make([]float64, o.intervals)
			for t := range gr.HashvalueSeries {
				gr.HashvalueSeries[t] = gr.HashvalueUSDPerMWh * (0.8 + 0.4*rng.Float64())
			}
		}
		p.Groups = append(p.Groups, gr)
	}
	if o.fourCP {
		k := 1 + rng.IntN(4)
		perm := rng.Perm(o.intervals)
		p.FourCP = &FourCP{PeakIntervals: perm[:min(k, o.intervals)], ChargeUSDPerKW: float64(rng.IntN(60))}
	}
	if o.dr {
		var ev []int
		for k := range max(1, o.events) {
			start := rng.IntN(o.intervals)
			if o.events > 0 {
				start = k*o.intervals/o.events + rng.IntN(o.intervals/o.events/2)
			}
			for t := start; t < min(o.intervals, start+1+rng.IntN(6)); t++ {
				if !slices.Contains(ev, t) {
					ev = append(ev, t)
				}
			}
		}
		p.DemandResponse = &DemandResponse{CommittedMW: math.Round(p.TotalMaxMW() * rng.Float64()), PaymentUSDPerMWInterval: 8, EventIntervals: ev}
	}
	if o.ppa {
		p.PPA = &PPA{MW: 80, StrikeUSDPerMWh: 35, SellBack: true}
	}
	return p
}

// glpsolObjective solves p's LP with glpsol and returns objective_usd.
func glpsolObjective(t *testing.T, p *Problem) float64 {
	t.Helper()
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (Debian package glpk-utils); skipping the independent LP check")
	}
	dir := t.TempDir()
	lp := filepath.Join(dir, "p.lp")
	var buf bytes.Buffer
	if err := p.WriteLP(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lp, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p.sol")
	cmd := exec.Command("glpsol", "--lp", lp, "-w", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("glpsol: %v\n%s", err, b)
	}
	v, err := readGLPKObjective(out)
	if err != nil {
		t.Fatal(err)
	}
	return v - LPConstantUSD(p)
}

// readGLPKObjective reads the objective from glpsol's -w solution file
// (the "s bas ROWS COLS PST DST OBJ" line).
func readGLPKObjective(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 7 && fs[0] == "s" && fs[1] == "bas" {
			if fs[4] != "f" {
				return 0, fmt.Errorf("glpsol: primal status %s, not feasible", fs[4])
			}
			return strconv.ParseFloat(fs[6], 64)
		}
	}
	return 0, fmt.Errorf("glpsol: no solution line in %s", path)
}

func TestSolveMatchesGLPK(t *testing.T) {
	cases := []struct {
		name string
		o    genOptions
		n    int
	}{
		{"merit order", genOptions{intervals: 48, groups: 4, oversubscribed: true}, 10},
		{"merit order 4CP DR series", genOptions{intervals: 72, groups: 5, oversubscribed: true, fourCP: true, dr: true, series: true}, 10},
		{"ramps, cap slack", genOptions{intervals: 96, groups: 4, ramps: true}, 10},
		{"ramps, cap slack, 4CP", genOptions{intervals: 96, groups: 4, ramps: true, fourCP: true, ppa: true}, 10},
		{"ramps with DR", genOptions{intervals: 96, groups: 5, ramps: true, dr: true, fourCP: true}, 15},
		{"ramps, cap binds", genOptions{intervals: 60, groups: 4, ramps: true, oversubscribed: true}, 15},
		{"ramps, DR events far apart", genOptions{intervals: 600, groups: 4, ramps: true, dr: true, events: 4}, 8},
		{"ramps, cap binds, everything", genOptions{intervals: 80, groups: 6, ramps: true, oversubscribed: true, fourCP: true, dr: true, series: true}, 15},
	}
	for _, tc := range cases {
		for seed := range uint64(tc.n) {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.name, seed), func(t *testing.T) {
				p := randomProblem(seed, tc.o)
				sol, err := Solve(p, Options{})
				if err != nil {
					t.Fatalf("Solve: %v", err)
				}
				if v := Check(p, sol.MW, 1e-7); len(v) > 0 {
					t.Fatalf("Solve broke %d constraints, first %+v", len(v), v[0])
				}
				want := glpsolObjective(t, p)
				got := sol.Summary.ObjectiveUSD
				tol := 1e-6*max(1, math.Abs(want)) + sol.GapUSD
				if got > want+1e-6*max(1, math.Abs(want)) || got < want-tol {
					t.Errorf("Solve objective = %.6f (method %s, gap %.6g, %d iterations), glpsol = %.6f", got, sol.Method, sol.GapUSD, sol.Iterations, want)
				}
				if sol.UpperBoundUSD < want-1e-6*max(1, math.Abs(want)) {
					t.Errorf("upper bound %.6f below glpsol's optimum %.6f", sol.UpperBoundUSD, want)
				}
				t.Logf("method %s iterations %d gap %.3g objective %.4f", sol.Method, sol.Iterations, sol.GapUSD, got)
			})
		}
	}
}
