package risk

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashpivot/hashpivot/finance"
	"github.com/hashpivot/hashpivot/plan"
	"github.com/hashpivot/hashpivot/site"
)

// Options are the settings of a run.
type Options struct {
	Paths   int    // number of market paths (>= 1)
	Seed    uint64 // path j draws from NewStream(Seed, j)
	Workers int    // goroutines; <= 0 means runtime.NumCPU()
	// Fan collects monthly P5/P50/P95 of hashprice and of each strategy's
	// cash flow (for the report's fan charts).
	Fan bool
	// History is the monthly log returns of BTC the bootstrap model
	// resamples (see MonthlyLogReturns); required when risk.btc.model is
	// bootstrap.
	History []float64
	// Progress, when set, is called with the number of paths just
	// completed; it is called from several goroutines at once.
	Progress func(paths int)
}

// DefaultOptions are the site file's risk.paths and risk.seed, one worker
// per CPU.
func DefaultOptions(s *site.Site) Options {
	return Options{Paths: s.Risk.Paths, Seed: s.Risk.Seed, Workers: runtime.NumCPU()}
}

// maxRunBytes bounds the memory of a run's per-path results.
const maxRunBytes = 4e9

// chunkPaths is the number of consecutive paths a worker takes at a time.
// Reductions run in path order within a chunk and chunk by chunk, so the
// result does not depend on which worker ran which chunk.
const chunkPaths = 64

// pilotPaths is the number of first paths whose monthly values set the
// bins of the fan charts' histograms (a multiple of chunkPaths).
const pilotPaths = 32 * chunkPaths

// fanBins is the number of bins per month of a fan chart's histogram.
const fanBins = 256

// engine is one run: a batch of strategies evaluated on the same paths.
// The first `full` entries of the batch get every metric; the others (the
// optimiser's candidates) only their NPV.
type engine struct {
	s     *site.Site
	opts  Options
	gen   *Generator
	batch *plan.Batch
	full  int
	base  int       // batch entry that is the status quo (the IRR baseline)
	guess []float64 // per full entry: x0 of the IRR solver
	ref   [][]float64
	n     int

	npv     [][]float64 // per entry, per path
	irr     [][]float64 // per full entry, per path (NaN: undefined)
	minCash [][]float64 // per full entry, per path

	mu      sync.Mutex
	next    int              // next chunk to merge
	pending map[int]*partial // chunks done but not merged
	ebS1    [][]float64      // per full entry, per month: Σ (EBITDA - ref)
	ebS2    [][]float64      // Σ (EBITDA - ref)²
	dscrBad []int64
	fan     *fanHist
	pilot   [][]float64 // per fan series: [path*n + month], pilot paths only
	free    []*partial
	workers []*worker
	hasDebt bool
	// static[k] holds entry k's result when it does not depend on the
	// path (no mining, and an AI revenue and power bill the model keeps
	// deterministic); a contracted one only while no tenant defaults.
	static []*plan.StrategyResult
}

// partial is one chunk's contribution to the ordered reductions.
type partial struct {
	chunk   int
	s1, s2  [][]float64
	dscrBad []int64
}

func newEngine(s *site.Site, strategies []site.Strategy, candidates []site.Strategy, opts Options) (*engine, error) {
	if opts.Paths < 1 {
		return nil, fmt.Errorf("%w: paths: must be >= 1, got %d", ErrInvalid, opts.Paths)
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	// Per path: an NPV per strategy and candidate, an IRR and a lowest cash
	// per strategy (8 bytes each), and one scratch copy per worker.
	perPath := len(strategies) + len(candidates) + 1 + 2*len(strategies) + opts.Workers
	if need := float64(perPath) * float64(opts.Paths) * 8; need > maxRunBytes {
		return nil, fmt.Errorf("%w: paths: %d paths would keep %.1f GB of per-path results (at most %.0f GB); use fewer paths",
			ErrInvalid, opts.Paths, need/1e9, maxRunBytes/1e9)
	}
	all := append(append([]site.Strategy(nil), strategies...), candidates...)
	models := make([]*plan.Model, 0, len(all)+1)
	base := -1
	for i, st := range all {
		m, err := plan.Compile(s, st)
		if err != nil {
			return nil, fmt.Errorf("risk: strategy %q: %w", st.Name, err)
		}
		models = append(models, m)
		if base < 0 && i < len(strategies) && st.AIShare == 0 {
			base = i
		}
	}
	if base < 0 {
		m, err := plan.Compile(s, site.Strategy{Name: "status quo", AIShare: 0, Start: s.Start})
		if err != nil {
			return nil, fmt.Errorf("risk: status quo: %w", err)
		}
		models = append(models, m)
		base = len(models) - 1
	}
	b, err := plan.NewBatch(models...)
	if err != nil {
		return nil, fmt.Errorf("risk: %w", err)
	}
	gen, err := NewGenerator(s, b.SubsidyBTC(), opts.History)
	if err != nil {
		return nil, err
	}
	e := &engine{s: s, opts: opts, gen: gen, batch: b, full: len(strategies), base: base, n: b.Months(),
		pending: map[int]*partial{}}
	e.prepareReference()
	e.prepareStatic()
	e.npv = make([][]float64, b.Len())
	for k := range e.npv {
		e.npv[k] = make([]float64, opts.Paths)
	}
	e.irr, e.minCash = make([][]float64, e.full), make([][]float64, e.full)
	e.ebS1, e.ebS2 = make([][]float64, e.full), make([][]float64, e.full)
	e.dscrBad = make([]int64, e.full)
	for k := range e.full {
		e.irr[k] = make([]float64, opts.Paths)
		e.minCash[k] = make([]float64, opts.Paths)
		e.ebS1[k], e.ebS2[k] = make([]float64, e.n), make([]float64, e.n)
		if b.Model(k).HasDebt() {
			e.hasDebt = true
		}
	}
	return e, nil
}

// prepareReference runs the batch on the deterministic path: its EBITDA
// centres the streamed sums (for accuracy) and its IRR starts the solver.
func (e *engine) prepareReference() {
	p := plan.DeterministicPath(e.s)
	st := e.batch.NewMarketState()
	e.batch.Market(p, st)
	baseRes := plan.StrategyResult{FCF: make([]float64, e.n)}
	e.batch.Strategy(e.base, st, nil, &baseRes)
	e.ref = make([][]float64, e.full)
	e.guess = make([]float64, e.full)
	d := make([]float64, e.n+1)
	for k := range e.full {
		r := plan.StrategyResult{EBITDA: make([]float64, e.n), FCF: make([]float64, e.n)}
		e.batch.Strategy(k, st, nil, &r)
		e.ref[k] = r.EBITDA
		e.guess[k] = 1 / 1.01
		d[0] = 0
		for i := range e.n {
			d[i+1] = r.FCF[i] - baseRes.FCF[i]
		}
		if m, err := finance.IRR(d); err == nil && m > -0.99 {
			e.guess[k] = 1 / (1 + m)
		}
	}
}

// prepareStatic finds the entries whose results do not depend on the
// market path and computes them once.
func (e *engine) prepareStatic() {
	b, g := e.batch, e.gen
	e.static = make([]*plan.StrategyResult, b.Len())
	var p *plan.Path
	var st *plan.MarketState
	for k := range e.static {
		m := b.Model(k)
		if b.Mines(k) || (b.PaysAIPower(k) && g.sigPw > 0) || (!m.Contracted() && g.gpu && g.sigG > 0) {
			continue
		}
		if p == nil {
			p, st = g.NewPath(), b.NewMarketState()
			b.MarketHashprice(p, make([]float64, e.n), st)
		}
		r := &plan.StrategyResult{EBITDA: make([]float64, e.n), FCF: make([]float64, e.n)}
		b.Strategy(k, st, nil, r)
		e.static[k] = r
	}
}

// worker is one goroutine's scratch space.
type worker struct {
	src    Stream
	path   *plan.Path
	ms     *plan.MarketState
	res    []plan.StrategyResult
	out    []*plan.StrategyResult // this path's result of each entry: res[k] or a static one
	lease  [][]float64            // per entry, when a default hits its lease
	sc     *Scratch
	fan    *fanHist
	fanVal [][]float64 // per fan series: this path's monthly values
}

func (e *engine) newWorker() *worker {
	w := &worker{path: e.gen.NewPath(), ms: e.batch.NewMarketState(), sc: e.gen.NewScratch()}
	w.res = make([]plan.StrategyResult, e.batch.Len())
	w.out = make([]*plan.StrategyResult, e.batch.Len())
	w.lease = make([][]float64, e.batch.Len())
	for k := range w.res {
		if k < e.full || k == e.base {
			w.res[k].FCF = make([]float64, e.n)
		}
		if k < e.full {
			w.res[k].EBITDA = make([]float64, e.n)
		}
		w.lease[k] = make([]float64, e.n)
	}
	if e.opts.Fan {
		w.fanVal = make([][]float64, e.fanSeries())
		for i := range w.fanVal {
			w.fanVal[i] = make([]float64, e.n)
		}
	}
	return w
}

// fanSeries is the number of fan charts: hashprice, then each full
// strategy's monthly cash.
func (e *engine) fanSeries() int { return 1 + e.full }

// run evaluates every path.
func (e *engine) run(ctx context.Context) error {
	nw := max(1, e.opts.Workers)
	e.workers = make([]*worker, nw)
	for i := range e.workers {
		e.workers[i] = e.newWorker()
	}
	first := e.opts.Paths
	if e.opts.Fan {
		first = min(e.opts.Paths, pilotPaths)
		e.pilot = make([][]float64, e.fanSeries())
		for i := range e.pilot {
			e.pilot[i] = make([]float64, first*e.n)
		}
	}
	if err := e.runRange(ctx, 0, first); err != nil {
		return err
	}
	if e.opts.Fan {
		e.fan = newFanHist(e.fanSeries(), e.n, e.pilot, first)
		for _, w := range e.workers {
			w.fan = e.fan.emptyLike()
		}
		e.pilot = nil
		if err := e.runRange(ctx, first, e.opts.Paths); err != nil {
			return err
		}
		for _, w := range e.workers {
			e.fan.add(w.fan)
			w.fan = nil
		}
	}
	e.workers = nil
	return nil
}

// runRange evaluates paths [from, to), chunk by chunk, on the workers.
func (e *engine) runRange(ctx context.Context, from, to int) error {
	if from >= to {
		return nil
	}
	chunks := (to - from + chunkPaths - 1) / chunkPaths
	firstChunk := from / chunkPaths
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for _, w := range e.workers[:min(len(e.workers), chunks)] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks || failed.Load() {
					return
				}
				if ctx.Err() != nil {
					failed.Store(true)
					return
				}
				lo := from + c*chunkPaths
				hi := min(lo+chunkPaths, to)
				p := e.getPartial(firstChunk + c)
				for j := lo; j < hi; j++ {
					e.path(w, j, p)
				}
				e.submit(p)
				if e.opts.Progress != nil {
					e.opts.Progress(hi - lo)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	return nil
}

func (e *engine) getPartial(chunk int) *partial {
	e.mu.Lock()
	var p *partial
	if k := len(e.free); k > 0 {
		p = e.free[k-1]
		e.free = e.free[:k-1]
	}
	e.mu.Unlock()
	if p == nil {
		p = &partial{s1: make([][]float64, e.full), s2: make([][]float64, e.full), dscrBad: make([]int64, e.full)}
		for k := range e.full {
			p.s1[k], p.s2[k] = make([]float64, e.n), make([]float64, e.n)
		}
	} else {
		for k := range e.full {
			clear(p.s1[k])
			clear(p.s2[k])
		}
		clear(p.dscrBad)
	}
	p.chunk = chunk
	return p
}

// submit merges finished chunks into the totals in chunk order.
func (e *engine) submit(p *partial) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending[p.chunk] = p
	for {
		q, ok := e.pending[e.next]
		if !ok {
			return
		}
		delete(e.pending, e.next)
		e.next++
		for k := range e.full {
			s1, s2, q1, q2 := e.ebS1[k], e.ebS2[k], q.s1[k], q.s2[k]
			for i := range s1 {
				s1[i] += q1[i]
				s2[i] += q2[i]
			}
			e.dscrBad[k] += q.dscrBad[k]
		}
		e.free = append(e.free, q)
	}
}

// path evaluates path j on worker w, adding to chunk partial p.
func (e *engine) path(w *worker, j int, p *partial) {
	w.src.Seed(e.opts.Seed, uint64(j))
	e.gen.Fill(&w.src, w.path, w.sc)
	b := e.batch
	if e.gen.DirectHashprice() {
		b.MarketHashprice(w.path, w.sc.HashpriceTH, w.ms)
	} else {
		b.Market(w.path, w.ms)
	}
	for k := range w.res {
		var lease []float64
		if len(w.sc.Events) > 0 {
			if e.gen.LeaseFactor(w.sc.Events, b.Model(k).LeaseStart(), w.lease[k]) {
				lease = w.lease[k]
			}
		}
		if lease == nil && e.static[k] != nil {
			w.out[k] = e.static[k] // its EBITDA is the reference: nothing to add to the sums
		} else {
			r := &w.res[k]
			if k < e.full {
				r.Ref, r.S1, r.S2 = e.ref[k], p.s1[k], p.s2[k]
			}
			b.Strategy(k, w.ms, lease, r)
			w.out[k] = r
		}
		e.npv[k][j] = w.out[k].NPV
	}
	baseFCF := w.out[e.base].FCF
	for k := range e.full {
		r := w.out[k]
		e.minCash[k][j] = r.MinCash
		if r.MinDSCR < dscrCovenant {
			p.dscrBad[k]++
		}
		if b.Model(k).Strategy.AIShare == 0 {
			e.irr[k][j] = math.NaN()
		} else {
			e.irr[k][j] = conversionIRR(r.FCF, baseFCF, e.guess[k])
		}
	}
	if e.opts.Fan {
		hp := w.ms.HashpriceTH
		if e.pilot != nil {
			off := j * e.n
			for i, v := range hp {
				e.pilot[0][off+i] = v * 1000
			}
			for k := range e.full {
				copy(e.pilot[1+k][off:off+e.n], w.out[k].FCF)
			}
		} else {
			w.fan.addPath(0, hp, 1000)
			for k := range e.full {
				w.fan.addPath(1+k, w.out[k].FCF, 1)
			}
		}
	}
}

// dscrCovenant is the debt service coverage a lender typically requires;
// a year below it is a breach.
const dscrCovenant = 1.2
