package braiins

import (
	"context"
	"testing"
)

func BenchmarkParseREST(b *testing.B) {
	r := restRepliesOf(b, "v26_04")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseREST(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusLoopback is one Status against the simulator over
// loopback HTTP (keep-alive): login once, then the GETs of each Status.
func BenchmarkStatusLoopback(b *testing.B) {
	for _, tc := range []struct {
		name    string
		minimal bool
	}{{"full", false}, {"minimal", true}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := newSimServer(b, newFakeDevice())
			c := New(hostOf(srv), Config{Credentials: SimCredentials, Minimal: tc.minimal})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Status(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
