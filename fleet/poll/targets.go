package poll

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Addrs returns the addresses of targets.
func Addrs(targets []Target) []string {
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = t.Addr
	}
	return out
}

// DefaultPort is the port of a target that names none: the cgminer RPC.
const DefaultPort = 4028

// MaxTargets bounds how many addresses one expansion may produce.
const MaxTargets = 2_000_000

// maxTargetsFile bounds a targets file.
const maxTargetsFile = 64 << 20

// TargetError is a target that does not parse.
type TargetError struct {
	Source string // "argument 2" or "hosts.txt:14"
	Target string
	Err    error
}

// Error names the source, the target and the problem.
func (e *TargetError) Error() string {
	return fmt.Sprintf("poll: %s: target %q: %v", e.Source, e.Target, e.Err)
}

// Unwrap returns the cause.
func (e *TargetError) Unwrap() error { return e.Err }

// ErrTooMany is an expansion beyond MaxTargets.
var ErrTooMany = fmt.Errorf("more than %d addresses", MaxTargets)

// Target is one device address, with the firmware a targets file names for
// it (empty: detect it).
type Target struct {
	Addr     string
	Firmware string
}

// ParseTargets expands targets (see the package comment) into host:port
// addresses, in order, without duplicates. "@path" reads a file through
// open (os.Open when nil): one target a line, optionally followed by the
// firmware of its devices (the output of `hashpivot fleet scan`); further
// fields and anything after # are ignored.
func ParseTargets(targets []string, open func(string) (io.ReadCloser, error)) ([]Target, error) {
	if open == nil {
		open = func(p string) (io.ReadCloser, error) { return os.Open(p) }
	}
	var out []Target
	seen := map[string]struct{}{}
	adder := func(fw string) func(string) error {
		return func(a string) error {
			if _, dup := seen[a]; dup {
				return nil
			}
			if len(out) >= MaxTargets {
				return ErrTooMany
			}
			seen[a] = struct{}{}
			out = append(out, Target{Addr: a, Firmware: fw})
			return nil
		}
	}
	for i, t := range targets {
		src := "argument " + strconv.Itoa(i+1)
		if path, ok := strings.CutPrefix(t, "@"); ok {
			if err := readFile(path, open, adder); err != nil {
				return nil, err
			}
			continue
		}
		if err := Expand(t, adder("")); err != nil {
			return nil, &TargetError{Source: src, Target: t, Err: err}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("poll: no targets")
	}
	return out, nil
}

func readFile(path string, open func(string) (io.ReadCloser, error), adder func(fw string) func(string) error) error {
	f, err := open(path)
	if err != nil {
		return fmt.Errorf("poll: targets file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxTargetsFile+1))
	sc.Buffer(make([]byte, 4096), 4096)
	line, read := 0, 0
	for sc.Scan() {
		line++
		read += len(sc.Bytes()) + 1
		if read > maxTargetsFile {
			return fmt.Errorf("poll: %s: larger than %d bytes", path, maxTargetsFile)
		}
		t := sc.Text()
		if i := strings.IndexByte(t, '#'); i >= 0 {
			t = t[:i]
		}
		fields := strings.Fields(t)
		if len(fields) == 0 {
			continue
		}
		fw := ""
		if len(fields) > 1 {
			fw = fields[1]
		}
		if err := Expand(fields[0], adder(fw)); err != nil {
			return &TargetError{Source: path + ":" + strconv.Itoa(line), Target: fields[0], Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("poll: %s:%d: %w", path, line+1, err)
	}
	return nil
}

// Expand calls add with each address of one target.
func Expand(t string, add func(string) error) error {
	t = strings.TrimSpace(t)
	if t == "" {
		return errors.New("empty")
	}
	hosts, ports := t, ""
	if strings.HasPrefix(t, "[") { // [v6]:port
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return errors.New("missing ]")
		}
		hosts, ports = t[1:end], strings.TrimPrefix(t[end+1:], ":")
	} else if i := strings.LastIndexByte(t, ':'); i >= 0 {
		if strings.Count(t, ":") > 1 {
			return errors.New("write IPv6 addresses in brackets: [::1]:4028")
		}
		hosts, ports = t[:i], t[i+1:]
		if ports == "" {
			return errors.New("empty port")
		}
	}
	lo, hi := DefaultPort, DefaultPort
	if ports != "" {
		var err error
		if lo, hi, err = portRange(ports); err != nil {
			return err
		}
	}
	hostList, err := hostRange(hosts)
	if err != nil {
		return err
	}
	if uint64(len(hostList))*uint64(hi-lo+1) > MaxTargets {
		return ErrTooMany
	}
	for _, h := range hostList {
		for p := lo; p <= hi; p++ {
			if err := add(net.JoinHostPort(h, strconv.Itoa(p))); err != nil {
				return err
			}
		}
	}
	return nil
}

func portRange(s string) (int, int, error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := port(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err := port(b)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("port range %d-%d runs backwards", lo, hi)
	}
	return lo, hi, nil
}

func port(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q: want 1..65535", s)
	}
	return p, nil
}

// hostRange expands "a.b.c.d", "a.b.c.d-e", "a.b.c.d-a.b.c.e", CIDR, a
// hostname or an IPv6 address.
func hostRange(s string) ([]string, error) {
	if s == "" {
		return nil, errors.New("empty host")
	}
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("CIDR: %v", err)
		}
		if !pfx.Addr().Is4() {
			return nil, errors.New("CIDR: IPv4 blocks only")
		}
		if 1<<(32-pfx.Bits()) > MaxTargets {
			return nil, ErrTooMany
		}
		pfx = pfx.Masked()
		var out []string
		first := pfx.Addr()
		for a := first; pfx.Contains(a); a = a.Next() {
			if pfx.Bits() <= 30 && (a == first || !pfx.Contains(a.Next())) {
				continue // network and broadcast addresses
			}
			out = append(out, a.String())
			if len(out) > MaxTargets {
				return nil, ErrTooMany
			}
		}
		return out, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	if _, err := netip.ParseAddr(from); isRange && err != nil && validHostname(s) {
		isRange = false // a hostname with a dash
	}
	if !isRange {
		if a, err := netip.ParseAddr(s); err == nil {
			return []string{a.String()}, nil
		}
		if !validHostname(s) {
			return nil, fmt.Errorf("host %q is neither an IP address nor a hostname", s)
		}
		return []string{s}, nil
	}
	start, err := netip.ParseAddr(from)
	if err != nil || !start.Is4() {
		return nil, fmt.Errorf("host range start %q: want an IPv4 address", from)
	}
	var end netip.Addr
	if n, err := strconv.Atoi(to); err == nil {
		if n < 0 || n > 255 {
			return nil, fmt.Errorf("host range end %q: want 0..255", to)
		}
		b := start.As4()
		b[3] = byte(n)
		end = netip.AddrFrom4(b)
	} else if end, err = netip.ParseAddr(to); err != nil || !end.Is4() {
		return nil, fmt.Errorf("host range end %q: want a last octet or an IPv4 address", to)
	}
	if end.Less(start) {
		return nil, fmt.Errorf("host range %s-%s runs backwards", start, end)
	}
	var out []string
	for a := start; ; a = a.Next() {
		out = append(out, a.String())
		if len(out) > MaxTargets {
			return nil, ErrTooMany
		}
		if a == end {
			break
		}
	}
	return out, nil
}

func validHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// splitPort checks that addr is host:port with a port in 1..65535.
func splitPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := port(p)
	return h, n, err
}
