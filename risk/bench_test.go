package risk

import (
	"context"
	"testing"
)

// BenchmarkSimulate10k is the speed goal: 10,000 paths × 180
// months × 3 strategies (examples/bench-risk.yaml), every metric.
func BenchmarkSimulate10k(b *testing.B) {
	s := loadExample(b, "bench-risk.yaml")
	opts := DefaultOptions(s)
	opts.Paths = 10000
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Simulate(context.Background(), s, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPath is one path of the bench site: generation, three
// strategies, IRR and the streamed sums, on one goroutine (cycling through
// 256 paths, so that the figure is an average over paths).
func BenchmarkPath(b *testing.B) {
	e, w := benchEngine(b, 256)
	p := e.getPartial(0)
	b.ReportAllocs()
	j := 0
	for b.Loop() {
		e.path(w, j&255, p)
		j++
	}
}

// BenchmarkStrategy is plan.Batch.Strategy alone: keep-mining of the bench
// site on one path, EBITDA and FCF kept.
func BenchmarkStrategy(b *testing.B) {
	e, w := benchEngine(b, 1)
	e.path(w, 0, e.getPartial(0))
	b.ReportAllocs()
	for b.Loop() {
		e.batch.Strategy(0, w.ms, nil, &w.res[0])
	}
}

// benchEngine is an engine on the bench site for paths paths, one worker,
// and that worker.
func benchEngine(b *testing.B, paths int) (*engine, *worker) {
	s := loadExample(b, "bench-risk.yaml")
	opts := DefaultOptions(s)
	opts.Paths, opts.Workers = paths, 1
	e, err := newEngine(s, s.Strategies, nil, opts)
	if err != nil {
		b.Fatal(err)
	}
	return e, e.newWorker()
}
