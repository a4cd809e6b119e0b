package poll

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
)

// Options bound a poll. The zero value uses the defaults.
type Options struct {
	Concurrency int           // workers; DefaultConcurrency when zero
	Timeout     time.Duration // per device, the whole exchange; DefaultTimeout when zero
	// Done, when set, is called after each device (for progress bars). It
	// must be safe for concurrent use.
	Done func()
}

// Defaults of Options. 512 connections at once keep a 2-core machine busy
// without exhausting file descriptors or ephemeral ports.
const (
	DefaultConcurrency = 512
	DefaultTimeout     = 5 * time.Second
)

func (o Options) workers(n int) int {
	c := o.Concurrency
	if c <= 0 {
		c = DefaultConcurrency
	}
	return max(1, min(c, n))
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// Each calls fn for i in [0, n), at most Concurrency at a time, each with a
// context that ends after Timeout. It returns when every call has
// returned. When ctx ends, calls not started yet are not made: their
// results stay the zero value and fn sees no call for them (Each reports
// how many ran).
func Each(ctx context.Context, n int, o Options, fn func(ctx context.Context, i int)) (ran int) {
	if n <= 0 {
		return 0
	}
	var (
		next  atomic.Int64
		count atomic.Int64
		wg    sync.WaitGroup
	)
	timeout := o.timeout()
	for range o.workers(n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				dctx, cancel := context.WithTimeout(ctx, timeout)
				fn(dctx, i)
				cancel()
				count.Add(1)
				if o.Done != nil {
					o.Done()
				}
			}
		}()
	}
	wg.Wait()
	return int(count.Load())
}

// Result is one device's answer.
type Result struct {
	Address  string
	Status   fleet.Status
	Err      error
	Duration time.Duration
}

// Statuses reads every miner. Results are in the order of miners.
func Statuses(ctx context.Context, miners []fleet.Miner, o Options) []Result {
	out := make([]Result, len(miners))
	for i, m := range miners {
		out[i] = Result{Address: m.Address(), Err: context.Canceled}
	}
	Each(ctx, len(miners), o, func(ctx context.Context, i int) {
		start := time.Now()
		st, err := miners[i].Status(ctx)
		out[i] = Result{Address: miners[i].Address(), Status: st, Err: err, Duration: time.Since(start)}
	})
	return out
}

// Command runs do on every miner (Sleep, Wake, a power target ...) and
// returns each one's error, in the order of miners.
func Command(ctx context.Context, miners []fleet.Miner, o Options, do func(context.Context, fleet.Miner) error) []error {
	out := make([]error, len(miners))
	for i := range out {
		out[i] = context.Canceled
	}
	Each(ctx, len(miners), o, func(ctx context.Context, i int) {
		out[i] = do(ctx, miners[i])
	})
	return out
}
