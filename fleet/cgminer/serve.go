package cgminer

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// ServeConns accepts connections on ln and runs handle for each one in its
// own goroutine until ctx ends; then it closes ln, waits for the handlers
// (which must return once their connection is closed) and returns nil. A
// listener that fails for another reason returns that error. It is the
// accept loop of every simulated device in the fleet packages.
func ServeConns(ctx context.Context, ln net.Listener, handle func(net.Conn)) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				err = nil
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if isTemporary(err) {
				// Out of file descriptors or similar: back off briefly
				// instead of spinning, as net/http does.
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			break
		}
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			handle(c)
		}()
	}
	ln.Close()
	mu.Lock()
	for c := range conns {
		c.Close()
	}
	mu.Unlock()
	wg.Wait()
	return err
}

func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

// ServeConnsSerial is ServeConns for a device that answers one connection
// at a time, as cgminer's API thread does: handle runs in the accept loop
// (no goroutine per connection) and the next connection waits in the
// listen backlog. When ctx ends it closes ln and the connection being
// handled, and returns nil once handle has returned.
func ServeConnsSerial(ctx context.Context, ln net.Listener, handle func(net.Conn)) error {
	var (
		mu      sync.Mutex
		cur     net.Conn
		stopped bool
	)
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		stopped = true
		if cur != nil {
			cur.Close()
		}
		mu.Unlock()
	})
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if isTemporary(err) {
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			ln.Close()
			return err
		}
		mu.Lock()
		if stopped {
			mu.Unlock()
			c.Close()
			return nil
		}
		cur = c
		mu.Unlock()
		handle(c)
		mu.Lock()
		cur = nil
		mu.Unlock()
		c.Close()
	}
}
