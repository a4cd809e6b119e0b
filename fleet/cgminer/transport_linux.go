//go:build linux

package cgminer

import (
	"container/heap"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Transport carries the exchanges of many Clients on a few epoll event
// loops instead of the runtime's network poller: one non-blocking socket
// per exchange, connect, write, read to the NUL, reset; no goroutine,
// timer or deadline call per connection, and about half the system calls
// of a net.Conn (no TCP_NODELAY, getsockname, getpeername, SO_ERROR on
// success, epoll removal). A fleet-wide poll of 100,000 devices spends
// most of its time in exactly these calls.
//
// Every exchange keeps its deadline (the Client's Timeout or the context's,
// whichever ends first) and ends when its context is cancelled; a device
// that hangs holds one socket until its deadline and delays nothing else.
// A Transport serves numeric addresses (a name, or an IPv6 address with a
// zone, goes through net.Dialer) and is safe for concurrent use. Close it
// when done: it stops its loops.
type Transport struct {
	loops []*epollLoop
	next  atomic.Uint32
	wg    sync.WaitGroup
	once  sync.Once
}

// NewTransport starts a Transport with loops event loops; loops <= 0
// takes half the processors the runtime uses (at least one): the loops
// make the system calls, the callers' goroutines parse the replies. It
// fails where epoll is not available.
func NewTransport(loops int) (*Transport, error) {
	if loops <= 0 {
		loops = max(1, runtime.GOMAXPROCS(0)/2)
	}
	t := &Transport{}
	for range loops {
		l, err := newEpollLoop()
		if err != nil {
			t.Close()
			return nil, err
		}
		t.loops = append(t.loops, l)
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			l.run()
		}()
	}
	return t, nil
}

// Close ends every exchange still running (with an error), stops the
// loops and waits for them.
func (t *Transport) Close() error {
	if t == nil {
		return nil
	}
	t.once.Do(func() {
		for _, l := range t.loops {
			l.mu.Lock()
			l.closing = true
			l.mu.Unlock()
			l.wake()
		}
		t.wg.Wait()
		for _, l := range t.loops {
			syscall.Close(l.ep)
			syscall.Close(l.wakeFD)
		}
	})
	return nil
}

// errTransportClosed ends exchanges submitted to, or running in, a closed
// Transport.
var errTransportClosed = errors.New("cgminer: transport closed")

// xop is one exchange: its request, its state in the loop, its result.
type xop struct {
	// Set by the caller before submitting.
	addr     netip.AddrPort
	req      []byte
	max      int
	deadline time.Time
	buf      []byte // reply buffer (from bufPool), grown up to max
	done     chan struct{}

	// The loop's alone until done is signalled.
	fd      int
	seq     uint32
	wrote   int
	heapIdx int
	sawNUL  bool
	err     error
}

// roundTrip sends req to addr and returns the reply read into buf (NUL and
// what follows it removed), as readReply does for a net.Conn.
func (t *Transport) roundTrip(ctx context.Context, addr netip.AddrPort, req []byte, max int, deadline time.Time, buf []byte) ([]byte, bool, error) {
	op := &xop{addr: netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port()), req: req, max: max, deadline: deadline, buf: buf, done: make(chan struct{}, 1)}
	l := t.loops[int(t.next.Add(1))%len(t.loops)]
	if !l.submit(op) {
		return buf, false, errTransportClosed
	}
	if done := ctx.Done(); done != nil {
		select {
		case <-op.done:
		case <-done:
			l.cancel(op)
			<-op.done
		}
	} else {
		<-op.done
	}
	return op.buf, op.sawNUL, op.err
}

// epollLoop is one event loop: a goroutine blocked in epoll_wait between
// batches of socket events, woken by an eventfd when work is submitted.
type epollLoop struct {
	ep, wakeFD int

	mu       sync.Mutex
	queue    []*xop
	cancels  []*xop
	closing  bool
	queued   atomic.Int32 // len(queue) + len(cancels), read without mu
	sleeping atomic.Bool  // in (or about to enter) epoll_wait

	// The loop goroutine's alone.
	seq     uint32
	byFD    []*xop
	pending deadlines
	events  [256]syscall.EpollEvent
	spare   []*xop
}

func newEpollLoop() (*epollLoop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wfd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		syscall.Close(ep)
		return nil, os.NewSyscallError("eventfd2", errno)
	}
	l := &epollLoop{ep: ep, wakeFD: int(wfd)}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(wfd), Pad: 0}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(wfd), &ev); err != nil {
		syscall.Close(ep)
		syscall.Close(int(wfd))
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return l, nil
}

// submit queues op; false when the loop is closing.
func (l *epollLoop) submit(op *xop) bool {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, op)
	l.queued.Add(1)
	l.mu.Unlock()
	if l.sleeping.Load() {
		l.wake()
	}
	return true
}

// cancel asks the loop to end op now (its context ended).
func (l *epollLoop) cancel(op *xop) {
	l.mu.Lock()
	l.cancels = append(l.cancels, op)
	l.queued.Add(1)
	l.mu.Unlock()
	l.wake()
}

func (l *epollLoop) wake() {
	one := [8]byte{1}
	_, _ = syscall.Write(l.wakeFD, one[:])
}

func (l *epollLoop) run() {
	for {
		l.mu.Lock()
		queue, cancels, closing := l.queue, l.cancels, l.closing
		l.queue, l.cancels = l.spare[:0], nil
		l.queued.Store(0)
		l.mu.Unlock()
		for _, op := range queue {
			l.start(op)
		}
		clear(queue)
		l.spare = queue
		for _, op := range cancels {
			if op.heapIdx >= 0 && op.fd > 0 && l.byFD[op.fd] == op {
				l.finish(op, context.Canceled)
			}
		}
		if closing {
			for len(l.pending) > 0 {
				l.finish(l.pending[0], errTransportClosed)
			}
			return
		}
		timeout := -1
		if len(l.pending) > 0 {
			ms := (time.Until(l.pending[0].deadline) + time.Millisecond - 1) / time.Millisecond
			timeout = int(max(0, min(ms, 1000)))
		}
		l.sleeping.Store(true)
		if l.queued.Load() > 0 {
			timeout = 0
		}
		n, err := syscall.EpollWait(l.ep, l.events[:], timeout)
		l.sleeping.Store(false)
		if err != nil && err != syscall.EINTR {
			// Nothing sensible is left to do with this loop: fail what
			// it holds, then keep serving (the next call may succeed).
			for len(l.pending) > 0 {
				l.finish(l.pending[0], os.NewSyscallError("epoll_wait", err))
			}
			continue
		}
		for _, ev := range l.events[:max(n, 0)] {
			if int(ev.Fd) == l.wakeFD {
				var b [8]byte
				_, _ = syscall.Read(l.wakeFD, b[:])
				continue
			}
			if int(ev.Fd) >= len(l.byFD) {
				continue
			}
			op := l.byFD[ev.Fd]
			if op == nil || op.seq != uint32(ev.Pad) {
				continue // an event of a socket already closed
			}
			l.ready(op, ev.Events)
		}
		now := time.Now()
		for len(l.pending) > 0 && !l.pending[0].deadline.After(now) {
			op := l.pending[0]
			l.finish(op, l.opError(op, os.ErrDeadlineExceeded))
		}
	}
}

// opError wraps err as net does: a dial error until the request is sent,
// a read error after.
func (l *epollLoop) opError(op *xop, err error) error {
	name := "read"
	if op.wrote < len(op.req) {
		name = "dial"
		if op.wrote > 0 {
			name = "write"
		}
	}
	return &net.OpError{Op: name, Net: "tcp", Addr: net.TCPAddrFromAddrPort(op.addr), Err: err}
}

// start opens op's socket and begins to connect.
func (l *epollLoop) start(op *xop) {
	op.heapIdx, op.fd = -1, -1
	if !time.Now().Before(op.deadline) {
		op.err = l.opError(op, os.ErrDeadlineExceeded)
		op.done <- struct{}{}
		return
	}
	family := syscall.AF_INET
	if !op.addr.Addr().Is4() {
		family = syscall.AF_INET6
	}
	fd, errno := rawSocket(family)
	if errno != 0 {
		op.err = l.opError(op, os.NewSyscallError("socket", errno))
		op.done <- struct{}{}
		return
	}
	// Every close is a reset: after the reply's NUL (cgminer has closed
	// its side) or when giving up. Neither side keeps TIME_WAIT.
	linger := syscall.Linger{Onoff: 1, Linger: 0}
	_ = rawSetsockopt(fd, syscall.SOL_SOCKET, syscall.SO_LINGER, unsafe.Pointer(&linger), unsafe.Sizeof(linger))
	// Delayed acknowledgements (TCP_QUICKACK off): the handshake's last
	// ACK rides on the request, and the reply's ACK is never sent (the
	// reset follows the read). Two segments of nine on loopback.
	quick := int32(0)
	_ = rawSetsockopt(fd, syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, unsafe.Pointer(&quick), 4)
	connected := false
	switch errno := rawConnect(fd, op.addr); errno {
	case 0:
		connected = true
	case syscall.EINPROGRESS, syscall.EINTR, syscall.EALREADY:
	default:
		rawClose(fd)
		op.err = l.opError(op, os.NewSyscallError("connect", errno))
		op.done <- struct{}{}
		return
	}
	l.seq++
	op.fd, op.seq = fd, l.seq
	ev := syscall.EpollEvent{Events: epollEvents, Fd: int32(fd), Pad: int32(op.seq)}
	if errno := rawEpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &ev); errno != 0 {
		rawClose(fd)
		op.fd = -1
		op.err = l.opError(op, os.NewSyscallError("epoll_ctl", errno))
		op.done <- struct{}{}
		return
	}
	for fd >= len(l.byFD) {
		l.byFD = append(l.byFD, nil)
	}
	l.byFD[fd] = op
	heap.Push(&l.pending, op)
	// On a near network (loopback above all) the handshake is usually
	// over when connect returns: send the request now rather than after
	// the writable event (a socket still connecting answers EAGAIN, and
	// the event then comes as usual).
	if n, errno := rawWrite(fd, op.req); n > 0 {
		op.wrote = n
		// The handshake left quick-ACK mode on: off again.
		_ = rawSetsockopt(fd, syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, unsafe.Pointer(&quick), 4)
	} else if errno != syscall.EAGAIN && errno != syscall.EINTR && errno != 0 && connected {
		l.finish(op, l.opError(op, os.NewSyscallError("write", errno)))
	}
}

// epollEvents are the events of an exchange's socket, edge-triggered
// (EPOLLET is the sign bit of the int constant).
const epollEvents = syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLRDHUP | uint32(1)<<31

// ready moves op on after an epoll event.
func (l *epollLoop) ready(op *xop, events uint32) {
	if op.wrote < len(op.req) {
		if events&syscall.EPOLLERR != 0 {
			soErr, err := syscall.GetsockoptInt(op.fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
			if err == nil && soErr != 0 {
				err = syscall.Errno(soErr)
			}
			if err == nil {
				err = syscall.ECONNRESET
			}
			l.finish(op, l.opError(op, os.NewSyscallError("connect", err)))
			return
		}
		if events&syscall.EPOLLOUT == 0 {
			return
		}
		for op.wrote < len(op.req) {
			n, errno := rawWrite(op.fd, op.req[op.wrote:])
			if n > 0 {
				op.wrote += n
				continue
			}
			if errno == syscall.EAGAIN {
				return // the next EPOLLOUT edge continues
			}
			if errno == syscall.EINTR {
				continue
			}
			if errno == 0 {
				errno = syscall.EPIPE
			}
			l.finish(op, l.opError(op, os.NewSyscallError("write", errno)))
			return
		}
	}
	if events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) == 0 {
		return
	}
	for {
		if len(op.buf) == cap(op.buf) {
			op.buf = append(op.buf, 0)[:len(op.buf)]
		}
		room := min(cap(op.buf), op.max) - len(op.buf)
		if room <= 0 {
			l.finish(op, nil) // cut at the size limit: the parser repairs it
			return
		}
		n, errno := rawRead(op.fd, op.buf[len(op.buf):len(op.buf)+room])
		if n > 0 {
			start := len(op.buf)
			op.buf = op.buf[:start+n]
			if i := indexNUL(op.buf[start:]); i >= 0 {
				op.buf = op.buf[:start+i]
				op.sawNUL = true
				l.finish(op, nil)
				return
			}
			continue
		}
		switch {
		case errno == 0: // end of stream
			l.finish(op, nil)
		case errno == syscall.EAGAIN:
		case errno == syscall.EINTR:
			continue
		case errno == syscall.ECONNRESET && len(op.buf) > 0:
			l.finish(op, nil) // a reset after a full reply: a normal close on some firmwares
		default:
			l.finish(op, l.opError(op, os.NewSyscallError("read", errno)))
		}
		return
	}
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// finish closes op's socket and hands op back to its caller.
func (l *epollLoop) finish(op *xop, err error) {
	if op.heapIdx >= 0 {
		heap.Remove(&l.pending, op.heapIdx)
	}
	if op.fd >= 0 {
		l.byFD[op.fd] = nil
		rawClose(op.fd) // leaves the epoll set with it
		op.fd = -1
	}
	op.err = err
	op.done <- struct{}{}
}

// deadlines is a min-heap of exchanges by deadline.
type deadlines []*xop

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h deadlines) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *deadlines) Push(x any) {
	op := x.(*xop)
	op.heapIdx = len(*h)
	*h = append(*h, op)
}
func (h *deadlines) Pop() any {
	old := *h
	op := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	op.heapIdx = -1
	return op
}
