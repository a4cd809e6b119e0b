package minerjson

import (
	"sync"
	"sync/atomic"
)

// Keys are interned: a process that polls 100,000 miners reads the same few
// hundred keys millions of times. The table is copied on write and read
// without a lock; it stops growing at maxInterned keys so that hostile
// replies cannot grow it without bound.
const (
	maxInterned  = 4096
	maxInternLen = 48
)

var (
	internTable atomic.Pointer[map[string]string]
	internMu    sync.Mutex
)

func init() {
	m := map[string]string{}
	internTable.Store(&m)
}

// interned returns the shared copy of key b, without allocating.
func interned(b []byte) (string, bool) {
	s, ok := (*internTable.Load())[string(b)]
	return s, ok
}

// intern records s (a copy of the table is published: new keys are rare
// once a poller has seen each firmware once).
func intern(s string) {
	if len(s) > maxInternLen {
		return
	}
	internMu.Lock()
	defer internMu.Unlock()
	cur := *internTable.Load()
	if _, ok := cur[s]; ok || len(cur) >= maxInterned {
		return
	}
	next := make(map[string]string, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[s] = s
	internTable.Store(&next)
}
