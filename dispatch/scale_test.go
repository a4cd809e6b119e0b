package dispatch

import (
	"os"
	"testing"
	"time"
)

func TestScaleDR(t *testing.T) {
	if os.Getenv("SCALE") == "" {
		t.Skip()
	}
	p := benchProblem()
	var ev []int
	for e := range 10 {
		start := 1000 + e*10000
		for k := range 48 {
			ev = append(ev, start+k)
		}
	}
	p.DemandResponse = &DemandResponse{CommittedMW: 120, PaymentUSDPerMWInterval: 2, EventIntervals: ev}
	t0 := time.Now()
	sol, err := Solve(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DR: method %s iters %d gap %g obj %f in %v", sol.Method, sol.Iterations, sol.GapUSD, sol.Summary.ObjectiveUSD, time.Since(t0))
	q := benchProblem()
	q.SiteCapMW = 260
	t0 = time.Now()
	sol, err = Solve(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("oversubscribed: method %s iters %d gap %g obj %f in %v", sol.Method, sol.Iterations, sol.GapUSD, sol.Summary.ObjectiveUSD, time.Since(t0))
}
