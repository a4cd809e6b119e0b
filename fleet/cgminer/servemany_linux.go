//go:build linux

package cgminer

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"syscall"
	"time"
)

// splitRaw picks the devices the event loop can serve: those on a plain
// TCP listener.
func splitRaw(devs []SimDevice) (raw, rest []SimDevice) {
	for _, d := range devs {
		if _, ok := d.Listener.(*net.TCPListener); ok {
			raw = append(raw, d)
		} else {
			rest = append(rest, d)
		}
	}
	return raw, rest
}

// rawDev is one device of the event loop.
type rawDev struct {
	s    *simServer
	lfd  int // the listening socket (a duplicate the loop owns)
	addr net.Addr
	busy bool // a connection is open: accept none until it ends

	// The web UI on the same port, started with its first connection.
	web  http.Handler
	hl   *connListener
	srv  *http.Server
	done chan struct{}
}

// rawConn is a connection the loop could not finish at once: its request
// had not arrived, or its reply did not fit the socket's buffer.
type rawConn struct {
	fd       int
	dev      *rawDev
	out      []byte // the rest of the reply; nil while the request is awaited
	deadline time.Time
}

// rawLoop serves many devices' listeners from one epoll set.
type rawLoop struct {
	ep, wakeFD int
	devs       []*rawDev  // by listening fd
	conns      []*rawConn // by connection fd, while waiting
	pending    []*rawConn
	in         [4096]byte
	out        []byte
	events     [256]syscall.EpollEvent
}

// Tags of the loop's epoll events (EpollEvent.Pad).
const (
	rawListener = iota
	rawConnTag
	rawWake
)

// serveRaw serves devs (plain TCP listeners) from one epoll event loop in
// the calling goroutine until ctx ends.
func serveRaw(ctx context.Context, devs []SimDevice) (err error) {
	l := &rawLoop{ep: -1, wakeFD: -1}
	defer l.close()
	l.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		closeListeners(devs)
		return os.NewSyscallError("epoll_create1", err)
	}
	wfd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		closeListeners(devs)
		return os.NewSyscallError("eventfd2", errno)
	}
	l.wakeFD = int(wfd)
	if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, l.wakeFD, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.wakeFD), Pad: rawWake}); err != nil {
		closeListeners(devs)
		return os.NewSyscallError("epoll_ctl", err)
	}
	for i, d := range devs {
		fd, err := takeListener(d.Listener)
		if err != nil {
			closeListeners(devs[i+1:])
			if ctx.Err() != nil {
				return nil // shut down before it started
			}
			return err
		}
		rd := &rawDev{s: newSimServer(d.State, d.Kind), lfd: fd, addr: d.Listener.Addr(), web: d.Web}
		for fd >= len(l.devs) {
			l.devs = append(l.devs, nil)
		}
		l.devs[fd] = rd
		if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd), Pad: rawListener}); err != nil {
			closeListeners(devs[i+1:])
			return os.NewSyscallError("epoll_ctl", err)
		}
		rd.s.warm(statsRequest)
	}
	stop := context.AfterFunc(ctx, func() {
		one := [8]byte{1}
		_, _ = syscall.Write(l.wakeFD, one[:])
	})
	defer stop()
	return l.run(ctx)
}

func closeListeners(devs []SimDevice) {
	for _, d := range devs {
		d.Listener.Close()
	}
}

// takeListener returns a duplicate of ln's socket for the loop and closes
// ln (which leaves the runtime's poller with it).
func takeListener(ln net.Listener) (int, error) {
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		ln.Close()
		return -1, err
	}
	fd := -1
	var derr error
	cerr := rc.Control(func(s uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = os.NewSyscallError("fcntl", e)
			return
		}
		fd = int(r)
	})
	ln.Close()
	if err := errors.Join(cerr, derr); err != nil {
		if fd >= 0 {
			syscall.Close(fd)
		}
		return -1, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("fcntl", err)
	}
	return fd, nil
}

// close ends every connection, listener and web server of the loop.
func (l *rawLoop) close() {
	for _, c := range l.pending {
		syscall.Close(c.fd)
	}
	for _, d := range l.devs {
		if d == nil {
			continue
		}
		syscall.Close(d.lfd)
		if d.srv != nil {
			d.hl.Close()
			d.srv.Close()
			<-d.done
		}
	}
	if l.ep >= 0 {
		syscall.Close(l.ep)
	}
	if l.wakeFD >= 0 {
		syscall.Close(l.wakeFD)
	}
}

func (l *rawLoop) run(ctx context.Context) error {
	for {
		timeout := -1
		if len(l.pending) > 0 {
			first := l.pending[0].deadline
			for _, c := range l.pending[1:] {
				if c.deadline.Before(first) {
					first = c.deadline
				}
			}
			ms := (time.Until(first) + time.Millisecond - 1) / time.Millisecond
			timeout = int(max(0, min(ms, 1000)))
		}
		n, err := syscall.EpollWait(l.ep, l.events[:], timeout)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range l.events[:n] {
			fd := int(ev.Fd)
			switch ev.Pad {
			case rawWake:
				if ctx.Err() != nil {
					return nil
				}
				var b [8]byte
				_, _ = syscall.Read(l.wakeFD, b[:])
			case rawListener:
				if d := l.devs[fd]; !d.busy {
					if err := l.accept(d); err != nil {
						return err
					}
				}
			case rawConnTag:
				if fd < len(l.conns) && l.conns[fd] != nil {
					l.resume(l.conns[fd])
				}
			}
		}
		if len(l.pending) > 0 {
			now := time.Now()
			for i := 0; i < len(l.pending); {
				if c := l.pending[i]; !c.deadline.After(now) {
					l.end(c, true) // the Go server's deadline: give up
					continue
				}
				i++
			}
		}
	}
}

// accept takes one connection of d (the listener is level-triggered: the
// next one comes with the next wait) and answers it when its request is
// there, as TCP_DEFER_ACCEPT makes it almost always.
func (l *rawLoop) accept(d *rawDev) error {
	fd, e := rawAccept(d.lfd)
	if e != 0 {
		switch e {
		case syscall.EAGAIN, syscall.EINTR, syscall.ECONNABORTED, syscall.EPROTO:
			return nil
		case syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM:
			time.Sleep(5 * time.Millisecond) // as the Go server backs off
			return nil
		}
		return os.NewSyscallError("accept4", e)
	}
	n, errno := rawRead(fd, l.in[:])
	switch {
	case n > 0:
		l.answer(d, fd, l.in[:n], nil)
	case errno == syscall.EAGAIN:
		l.wait(&rawConn{fd: fd, dev: d, deadline: time.Now().Add(SimReadTimeout)}, syscall.EPOLLIN|syscall.EPOLLRDHUP)
	default:
		rawClose(fd)
	}
	return nil
}

// answer writes the reply to req on fd (c is fd's waiting state, if any)
// and closes it, or hands an HTTP request to the device's web server.
func (l *rawLoop) answer(d *rawDev, fd int, req []byte, c *rawConn) {
	if d.web != nil && isHTTPRequest(req) {
		if c != nil {
			_ = syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_DEL, fd, nil)
			l.forget(c)
		}
		l.handOff(d, fd, req)
		return
	}
	l.out = d.s.appendReply(l.out[:0], req)
	n, errno := rawWrite(fd, l.out)
	if n == len(l.out) || errno != 0 && errno != syscall.EAGAIN {
		if c != nil {
			l.end(c, true)
		} else {
			rawClose(fd) // a FIN after the reply, as cgminer closes
		}
		return
	}
	rest := append([]byte(nil), l.out[max(n, 0):]...)
	deadline := time.Now().Add(SimReadTimeout)
	if c == nil {
		l.wait(&rawConn{fd: fd, dev: d, out: rest, deadline: deadline}, syscall.EPOLLOUT)
		return
	}
	c.out, c.deadline = rest, deadline
	if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_MOD, fd, &syscall.EpollEvent{Events: syscall.EPOLLOUT, Fd: int32(fd), Pad: rawConnTag}); err != nil {
		l.end(c, true)
	}
}

// resume moves a waiting connection on after an event.
func (l *rawLoop) resume(c *rawConn) {
	if c.out == nil {
		n, errno := rawRead(c.fd, l.in[:])
		switch {
		case n > 0:
			l.answer(c.dev, c.fd, l.in[:n], c)
		case errno != syscall.EAGAIN && errno != syscall.EINTR:
			l.end(c, true)
		}
		return
	}
	n, errno := rawWrite(c.fd, c.out)
	if n > 0 {
		c.out = c.out[n:]
	}
	if len(c.out) == 0 || errno != 0 && errno != syscall.EAGAIN && errno != syscall.EINTR {
		l.end(c, true)
	}
}

// wait keeps c until its socket is ready for events; its device accepts
// nothing meanwhile, as a cgminer API thread busy with one client.
func (l *rawLoop) wait(c *rawConn, events uint32) {
	if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, c.fd, &syscall.EpollEvent{Events: events, Fd: int32(c.fd), Pad: rawConnTag}); err != nil {
		syscall.Close(c.fd)
		return
	}
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, nil)
	}
	l.conns[c.fd] = c
	l.pending = append(l.pending, c)
	c.dev.busy = true
	_ = syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_MOD, c.dev.lfd, &syscall.EpollEvent{Events: 0, Fd: int32(c.dev.lfd), Pad: rawListener})
}

// end closes a waiting connection (when closeFD) and lets its device
// accept again.
func (l *rawLoop) end(c *rawConn, closeFD bool) {
	l.forget(c)
	if closeFD {
		rawClose(c.fd)
	}
}

// forget drops c from the waiting connections.
func (l *rawLoop) forget(c *rawConn) {
	if i := slices.Index(l.pending, c); i >= 0 {
		l.pending = slices.Delete(l.pending, i, i+1)
	}
	if l.conns[c.fd] == c {
		l.conns[c.fd] = nil
	}
	c.dev.busy = false
	_ = syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_MOD, c.dev.lfd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.dev.lfd), Pad: rawListener})
}

// handOff gives an HTTP connection (its first bytes already read) to the
// device's web server, started with the first one, as ServeSimWeb does.
func (l *rawLoop) handOff(d *rawDev, fd int, req []byte) {
	f := os.NewFile(uintptr(fd), "sim-http")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return
	}
	if d.srv == nil {
		d.hl = newConnListener(d.addr)
		d.srv = &http.Server{Handler: d.web, ReadHeaderTimeout: SimReadTimeout, IdleTimeout: 30 * time.Second}
		d.done = make(chan struct{})
		go func() {
			defer close(d.done)
			_ = d.srv.Serve(d.hl)
		}()
	}
	if !d.hl.push(&prefixConn{Conn: c, prefix: append([]byte(nil), req...)}) {
		c.Close()
	}
}
