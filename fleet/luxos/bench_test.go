package luxos

import (
	"context"
	"testing"
)

func BenchmarkParseStatus(b *testing.B) {
	raw := realStatusReply(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parseStatus(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimReply is the simulator's cost of one Status request.
func BenchmarkSimReply(b *testing.B) {
	for _, cmds := range []string{statusCommands, minimalStatusCommands} {
		b.Run(cmds, func(b *testing.B) {
			s := newSimMiner(newFakeDevice())
			b.ReportAllocs()
			for b.Loop() {
				_ = s.reply(cmds, "")
			}
		})
	}
}

// BenchmarkStatusLoopback is one Status against the simulator over
// loopback TCP: connect, request, reply, parse.
func BenchmarkStatusLoopback(b *testing.B) {
	for _, minimal := range []bool{false, true} {
		b.Run(map[bool]string{false: "full", true: "minimal"}[minimal], func(b *testing.B) {
			addr := startSimB(b, newFakeDevice())
			c := New(addr, Config{Minimal: minimal})
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
