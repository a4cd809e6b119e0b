//go:build !linux

package sim

import "syscall"

// deferAccept does nothing where TCP_DEFER_ACCEPT does not exist.
func deferAccept(network, address string, c syscall.RawConn) error { return nil }
