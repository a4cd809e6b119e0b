//go:build linux

package sim

import "syscall"

// deferAccept makes the kernel hand a connection to the simulator only
// once its first request has arrived (TCP_DEFER_ACCEPT): one wakeup per
// exchange instead of one for the connection and one for the request.
// Every protocol simulated here has the client speak first; a client that
// stays silent is accepted after the defer time anyway. On the wire
// nothing changes.
func deferAccept(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
