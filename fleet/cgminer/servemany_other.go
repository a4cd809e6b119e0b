//go:build !linux

package cgminer

import "context"

// splitRaw leaves every device to its own accept loop: the event loop is
// Linux's.
func splitRaw(devs []SimDevice) (raw, rest []SimDevice) { return nil, devs }

func serveRaw(ctx context.Context, devs []SimDevice) error { return nil }
