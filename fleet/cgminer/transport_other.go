//go:build !linux

package cgminer

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// Transport carries the exchanges of many Clients on epoll event loops; it
// exists on Linux only (see transport_linux.go). Elsewhere NewTransport
// fails and Clients use net.Dialer.
type Transport struct{}

// NewTransport fails: epoll is Linux's.
func NewTransport(loops int) (*Transport, error) {
	return nil, errors.ErrUnsupported
}

// errTransportClosed ends exchanges of a closed Transport (Linux's).
var errTransportClosed = errors.New("cgminer: transport closed")

// Close does nothing.
func (t *Transport) Close() error { return nil }

func (t *Transport) roundTrip(ctx context.Context, addr netip.AddrPort, req []byte, max int, deadline time.Time, buf []byte) ([]byte, bool, error) {
	return buf, false, errors.ErrUnsupported
}
