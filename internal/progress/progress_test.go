package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestDisabledBarIsSilent(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x", 10, false)
	b.Add(5)
	b.Finish()
	if buf.Len() != 0 {
		t.Fatalf("disabled bar wrote %q", buf.String())
	}
}

func TestEnabledBarReachesTotal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "paths", 4, true)
	for range 4 {
		b.Add(1)
	}
	b.Finish()
	if !strings.Contains(buf.String(), "4/4") || !strings.HasSuffix(buf.String(), "\n") {
		t.Fatalf("bar output %q lacks 4/4 and final newline", buf.String())
	}
}
