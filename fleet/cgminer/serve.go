package cgminer

import (
	"bytes"
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
	return serveSerial(ctx, ln, func(c net.Conn) bool {
		handle(c)
		return false
	})
}

// serveSerial is ServeConnsSerial whose handle may keep a connection
// (true: someone else closes it).
func serveSerial(ctx context.Context, ln net.Listener, handle func(net.Conn) (kept bool)) error {
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
		kept := handle(c)
		mu.Lock()
		cur = nil
		mu.Unlock()
		if !kept {
			c.Close()
		}
	}
}

// connListener is a net.Listener fed connections by push: the HTTP side
// of a port that speaks two protocols.
type connListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the next pushed connection.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept and push.
func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr is the address of the shared port.
func (l *connListener) Addr() net.Addr { return l.addr }

// push hands c to Accept; false once the listener is closed.
func (l *connListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// prefixConn replays the bytes read to tell the protocol before the rest.
type prefixConn struct {
	net.Conn
	prefix []byte
}

// Read returns the replayed bytes first.
func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// isHTTPRequest reports whether b starts with an HTTP request line.
func isHTTPRequest(b []byte) bool {
	for _, m := range [...]string{"GET /", "POST /", "HEAD /", "PUT /", "DELETE /", "OPTIONS ", "PATCH /"} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}
