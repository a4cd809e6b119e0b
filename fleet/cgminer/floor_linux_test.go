//go:build linux

package cgminer

import (
	"syscall"
	"testing"
)

// BenchmarkLoopbackFloor is the kernel's price of one cgminer exchange on
// loopback, both ends in one thread with blocking system calls and no Go
// networking: socket, connect, accept, a 19-byte request, a 4.5 KB reply
// ended by NUL, the device's close and the client's reset. A poll of N
// simulated devices cannot cost less CPU than N times this, whatever the
// poller and the simulator do.
func BenchmarkLoopbackFloor(b *testing.B) {
	ln, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer syscall.Close(ln)
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Listen(ln, 128); err != nil {
		b.Fatal(err)
	}
	sa, err := syscall.Getsockname(ln)
	if err != nil {
		b.Fatal(err)
	}
	req := []byte(`{"command":"stats"}`)
	reply := make([]byte, 4500)
	buf := make([]byte, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := syscall.Connect(c, sa); err != nil {
			b.Fatal(err)
		}
		s, _, err := syscall.Accept4(ln, syscall.SOCK_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = syscall.Write(c, req)
		_, _ = syscall.Read(s, buf)
		_, _ = syscall.Write(s, reply)
		syscall.Close(s)
		for got := 0; got < len(reply); {
			n, err := syscall.Read(c, buf)
			if n <= 0 || err != nil {
				break
			}
			got += n
		}
		_ = syscall.SetsockoptLinger(c, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
		syscall.Close(c)
	}
}
