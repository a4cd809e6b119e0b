package dispatch

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// benchProblem is the benchmark instance: one year of 5-minute intervals
// (105,120) with 20 ramp-limited groups sized to the site's headroom, ERCOT-
// like prices (a daily shape, a random walk, spikes, negative hours), 4CP
// and no demand response, so the cap never couples the groups.
func benchProblem() *Problem { return benchProblemN(105_120) }

// benchProblemN is benchProblem cut to its first n intervals (the 4CP peaks
// that fall beyond are dropped).
func benchProblemN(n int) *Problem {
	const groups = 20
	rng := rand.New(rand.NewPCG(2024, 1))
	p := &Problem{IntervalMinutes: 5, SiteCapMW: 300, AIFirmMW: 60}
	p.PricesUSDPerMWh = make([]float64, n)
	walk := 0.0
	for t := range n {
		hour := float64(t%288) / 12
		walk = 0.999*walk + rng.NormFloat64()*1.5
		v := 35 + 15*math.Sin((hour-10)/24*2*math.Pi) + walk
		switch r := rng.IntN(1000); {
		case r < 4:
			v = 500 + rng.Float64()*4500
		case r < 30:
			v = -10 - rng.Float64()*20
		}
		p.PricesUSDPerMWh[t] = math.Round(v*100) / 100
	}
	for g := range groups {
		maxMW := 12.0
		p.Groups = append(p.Groups, Group{
			Name:               fmt.Sprintf("hall-%02d", g),
			MaxMW:              maxMW,
			HashvalueUSDPerMWh: 30 + 2*float64(g),
			RampMWPerInterval:  maxMW * (0.1 + 0.02*float64(g)),
		})
	}
	var peaks []int
	for _, t := range []int{56_000, 64_900, 73_800, 82_700} {
		if t < n {
			peaks = append(peaks, t)
		}
	}
	if len(peaks) > 0 {
		p.FourCP = &FourCP{PeakIntervals: peaks, ChargeUSDPerKW: 55}
	}
	return p
}

var (
	writeBenchLP   = flag.String("write-bench-lp", "", "write the benchmark instance as CPLEX LP to this file (for bench/dispatch-vs-glpsol.sh)")
	benchIntervals = flag.Int("bench-intervals", 105_120, "intervals of the instance -write-bench-lp writes and BenchmarkSolveBenchIntervals solves")
)

func TestWriteBenchLP(t *testing.T) {
	if *writeBenchLP == "" {
		t.Skip("-write-bench-lp not set")
	}
	f, err := os.Create(*writeBenchLP)
	if err != nil {
		t.Fatal(err)
	}
	p := benchProblemN(*benchIntervals)
	if err := p.WriteLP(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sol, err := Solve(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("hashpivot intervals %d groups %d lp_objective %.6f method %s gap %g\n", p.Intervals(), len(p.Groups), sol.Summary.ObjectiveUSD+LPConstantUSD(p), sol.Method, sol.GapUSD)
}

func BenchmarkSolveYear5MinRamps(b *testing.B) {
	p := benchProblem()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Solve(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSolveBenchIntervals solves the benchmark instance cut to
// -bench-intervals (for bench/dispatch-vs-glpsol.sh).
func BenchmarkSolveBenchIntervals(b *testing.B) {
	p := benchProblemN(*benchIntervals)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Solve(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchProblemDR is benchProblem with ten 4-hour demand-response events
// committing half the fleet: the cap couples the groups in 480 intervals.
func benchProblemDR() *Problem {
	p := benchProblem()
	var ev []int
	for e := range 10 {
		for k := range 48 {
			ev = append(ev, 1000+e*10000+k)
		}
	}
	p.DemandResponse = &DemandResponse{CommittedMW: 120, PaymentUSDPerMWInterval: 2, EventIntervals: ev}
	return p
}

// BenchmarkSolveYear5MinRampsDR is the coupled case: column generation
// over windows around the events (exact, gap 0).
func BenchmarkSolveYear5MinRampsDR(b *testing.B) {
	benchSolve(b, benchProblemDR())
}

// BenchmarkSolveYear5MinOversubscribed has more ASICs than headroom (240 MW
// for 200 MW), so the cap binds in most intervals: the Lagrangian fallback
// with its proven gap.
func BenchmarkSolveYear5MinOversubscribed(b *testing.B) {
	p := benchProblem()
	p.SiteCapMW = 260
	benchSolve(b, p)
}

func benchSolve(b *testing.B, p *Problem) {
	b.ReportAllocs()
	var sol *Solution
	for b.Loop() {
		var err error
		if sol, err = Solve(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(sol.GapUSD, "gap_usd")
	b.ReportMetric(sol.GapUSD/sol.Summary.ObjectiveUSD, "gap/objective")
}
