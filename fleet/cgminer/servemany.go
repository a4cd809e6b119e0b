package cgminer

import (
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/hashpivot/hashpivot/fleet"
)

// SimDevice is one simulated device served by ServeSims.
type SimDevice struct {
	Listener net.Listener
	State    fleet.DeviceState
	Kind     Kind
	// Web, when set, also answers HTTP on the same port, as ServeSimWeb.
	Web http.Handler
}

// ServeSims serves many simulated devices, each as ServeSim (or
// ServeSimWeb, with Web) would, in the same bytes and one connection at a
// time per device, until ctx ends; then it closes their listeners and
// returns the first error a server met (nil on a plain shutdown).
//
// On Linux every device whose listener is a *net.TCPListener is served by
// one epoll event loop (accept, read, write the cached reply, close: four
// system calls and no goroutine, timer or netpoller round per connection);
// ServeSims then owns that listener and closes it. Any other listener (a
// wrapper injecting faults, say), and every listener elsewhere, gets its
// own accept loop as ServeSim gives it.
func ServeSims(ctx context.Context, devs []SimDevice) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			once.Do(func() { firstErr = err; cancel() })
		}
	}
	raw, rest := splitRaw(devs)
	if len(raw) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail(serveRaw(ctx, raw))
		}()
	}
	for _, d := range rest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d.Web != nil {
				fail(ServeSimWeb(ctx, d.Listener, d.State, d.Kind, d.Web))
			} else {
				fail(ServeSim(ctx, d.Listener, d.State, d.Kind))
			}
		}()
	}
	wg.Wait()
	return firstErr
}
