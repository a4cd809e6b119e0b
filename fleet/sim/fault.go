package sim

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Fault is a way a device misbehaves on one connection.
type Fault int

// Faults the simulator injects.
const (
	FaultNone      Fault = iota
	FaultHang            // reads the request, never answers (until the client leaves)
	FaultSlow            // answers after SlowDelay
	FaultGarbage         // answers random bytes of the reply's length
	FaultReset           // resets the connection instead of answering
	FaultTruncated       // sends the first half of the reply and closes
)

var faultNames = [...]string{"none", "hang", "slow", "garbage", "reset", "truncated"}

// String names the fault.
func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault"
}

// faultListener wraps the connections it accepts in faults at a rate.
type faultListener struct {
	net.Listener
	rate float64
	slow time.Duration

	mu  sync.Mutex
	rng *rand.Rand
}

// Accept wraps a share of the connections in a fault.
func (l *faultListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || l.rate <= 0 {
		return c, err
	}
	l.mu.Lock()
	hit := l.rng.Float64() < l.rate
	kind := Fault(1 + l.rng.IntN(5))
	l.mu.Unlock()
	if !hit {
		return c, nil
	}
	return &faultConn{Conn: c, kind: kind, slow: l.slow}, nil
}

// faultConn applies its fault to the first Write (the reply).
type faultConn struct {
	net.Conn
	kind Fault
	slow time.Duration
	done bool
}

// Write applies the fault to the first write, the reply.
func (c *faultConn) Write(b []byte) (int, error) {
	if c.done {
		return c.Conn.Write(b)
	}
	c.done = true
	switch c.kind {
	case FaultHang:
		// Hold the connection until the client gives up or the server's
		// own deadline passes.
		_, _ = io.Copy(io.Discard, c.Conn)
		return 0, io.ErrClosedPipe
	case FaultSlow:
		time.Sleep(c.slow)
		return c.Conn.Write(b)
	case FaultGarbage:
		g := make([]byte, len(b))
		for i := range g {
			g[i] = byte(rand.IntN(256))
		}
		return c.Conn.Write(g)
	case FaultReset:
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Conn.Close()
		return 0, io.ErrClosedPipe
	case FaultTruncated:
		n, err := c.Conn.Write(b[:len(b)/2])
		_ = c.Conn.Close()
		if err == nil {
			err = io.ErrClosedPipe
		}
		return n, err
	}
	return c.Conn.Write(b)
}
