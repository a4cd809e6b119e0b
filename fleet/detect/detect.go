package detect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/antweb"
	"github.com/hashpivot/hashpivot/fleet/braiins"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/luxos"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
	"github.com/hashpivot/hashpivot/fleet/whatsminer"
)

// ErrUnknown is an address that answers, but with nothing a driver knows.
var ErrUnknown = errors.New("detect: unrecognised device")

// Result is what Identify learned.
type Result struct {
	Address  string
	Firmware string // a fleet.Firmware* name
	Model    string // when the probe reply names it
	// Via is how the firmware answered: "rpc" (cgminer-style on this port),
	// "http", "v3"; "given" when the caller named the firmware. A Braiins
	// OS found on its RPC port is driven over HTTP on port 80 of the same
	// host (DriverAddress).
	Via string
}

// Options tune Identify and Open. The zero value uses the defaults.
type Options struct {
	Timeout  time.Duration // per probe; DefaultTimeout when zero
	MaxReply int           // bytes per probe reply; 256 KiB when zero
	// Credentials returns the login for a firmware (nil: none).
	Credentials func(firmware string) fleet.Credentials
	Dialer      func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport, when set, carries the exchanges of the cgminer-family
	// probes and drivers (cgminer.Transport).
	Transport *cgminer.Transport
	// AntminerWeb returns the address of a stock Antminer's web API from
	// its RPC address; nil: port 80 of the same host (antweb.Port).
	AntminerWeb func(rpcAddr string) string
	// NoPools makes the cgminer-family drivers Open returns skip the pools
	// command in Status (cgminer.Options.NoPools): for fleet-wide polls
	// that report no pools.
	NoPools bool
}

// DefaultTimeout bounds one probe.
const DefaultTimeout = 3 * time.Second

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxReply() int {
	if o.MaxReply > 0 {
		return o.MaxReply
	}
	return 256 << 10
}

func (o Options) creds(fw string) fleet.Credentials {
	if o.Credentials == nil {
		return fleet.Credentials{}
	}
	return o.Credentials(fw)
}

// Classify reads a reply to the cgminer "version" command and names the
// firmware and model. ok is false when the reply is not from a known
// member of the cgminer family.
func Classify(reply []byte) (firmware, model string, ok bool) {
	v, _, err := minerjson.Parse(reply)
	if err != nil {
		return "", "", false
	}
	st := v.Get("STATUS")
	if st.Kind() == minerjson.String {
		// btminer writes STATUS as a bare string: WhatsMiner API v2.
		return fleet.FirmwareWhatsminer, "", true
	}
	desc, _ := st.Index(0).Get("Description").Str()
	ver := v.Get("VERSION").Index(0)
	has := func(key string) bool { return ver.Get(key).Exists() }
	str := func(key string) string { s, _ := ver.Get(key).Str(); return strings.TrimSpace(s) }
	ldesc := strings.ToLower(desc)
	switch {
	case has("LUXminer") || strings.Contains(ldesc, "luxminer"):
		return fleet.FirmwareLuxOS, str("Type"), true
	case has("BOSminer") || has("BOSer") || strings.Contains(ldesc, "bosminer") || strings.Contains(ldesc, "boser"):
		return fleet.FirmwareBraiins, str("Type"), true
	case has("BMMiner") || strings.HasPrefix(strings.ToLower(str("Type")), "antminer") || strings.Contains(ldesc, "bmminer"):
		return fleet.FirmwareAntminer, str("Type"), true
	case strings.Contains(strings.ToLower(str("PROD")), "avalon") || has("MODEL") && has("HWTYPE"):
		m := str("PROD")
		if m == "" {
			m = "Avalon " + str("MODEL")
		}
		return fleet.FirmwareAvalon, m, true
	case strings.Contains(ldesc, "whatsminer") || strings.Contains(ldesc, "btminer"):
		return fleet.FirmwareWhatsminer, "", true
	case has("CGMiner") || strings.Contains(ldesc, "cgminer"):
		return fleet.FirmwareCGMiner, str("Type"), true
	}
	return "", "", false
}

// Identify probes addr and names its firmware.
func Identify(ctx context.Context, addr string, o Options) (Result, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return Result{}, fmt.Errorf("detect: address %q: %w", addr, err)
	}
	probes := []func(context.Context, string, Options) (Result, error){probeRPC, probeV3}
	switch port {
	case "4433":
		probes = []func(context.Context, string, Options) (Result, error){probeV3, probeRPC}
	case "80", "8080":
		probes = []func(context.Context, string, Options) (Result, error){probeHTTP, probeRPC}
	}
	var firstErr error
	for _, p := range probes {
		r, err := p(ctx, addr, o)
		if err == nil {
			r.Address = addr
			return r, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" || ctx.Err() != nil {
			break // nothing listens there, or the caller gave up
		}
	}
	return Result{Address: addr}, &fleet.Error{Address: addr, Command: "detect", Err: firstErr}
}

// errHTTP marks a port that answered an RPC request in HTTP.
var errHTTP = errors.New("detect: the port speaks HTTP")

func probeRPC(ctx context.Context, addr string, o Options) (Result, error) {
	c := cgminer.Client{Addr: addr, Timeout: o.timeout(), MaxReply: o.maxReply(), Dialer: o.Dialer, Transport: o.Transport}
	// The newline is JSON whitespace to cgminer, and makes an HTTP server
	// answer 400 at once instead of waiting for the end of a request line.
	reply, err := c.Exchange(ctx, append(cgminer.JSONRequest("version", ""), '\n'))
	if err != nil {
		return Result{}, unwrap(err)
	}
	if strings.HasPrefix(string(reply), "HTTP/") {
		return probeHTTP(ctx, addr, o)
	}
	fw, model, ok := Classify(reply)
	if !ok {
		return Result{}, fmt.Errorf("%w: version reply starts %q", ErrUnknown, head(reply))
	}
	if fw == fleet.FirmwareWhatsminer {
		// Confirm with btminer's own command and learn the model.
		m := whatsminer.NewV2(addr, whatsminer.Options{Timeout: o.timeout(), MaxReply: o.maxReply(), Dialer: o.Dialer})
		v, err := m.Read(ctx, "get_version")
		if err != nil {
			return Result{}, unwrap(err)
		}
		if !v.GetFold("Msg").Get("api_ver").Exists() && !v.GetFold("Msg").Get("fw_ver").Exists() {
			return Result{}, fmt.Errorf("%w: get_version reply lacks api_ver", ErrUnknown)
		}
		model, _ = m.Model(ctx)
	}
	return Result{Firmware: fw, Model: model, Via: "rpc"}, nil
}

func probeHTTP(ctx context.Context, addr string, o Options) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	dial := o.Dialer
	if dial == nil {
		d := net.Dialer{}
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	req := "POST /api/v1/auth/login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
	if _, err := conn.Write([]byte(req)); err != nil {
		return Result{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(&limitReader{conn, 64 << 10}, 4096), nil)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && antweb.IsStockChallenge(resp.Header) {
		// Stock Antminer firmware's web UI (lighttpd, digest).
		return Result{Firmware: fleet.FirmwareAntminer, Via: "http"}, nil
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		return Result{}, fmt.Errorf("%w: HTTP server without the Braiins OS API (%s)", ErrUnknown, resp.Status)
	}
	return Result{Firmware: fleet.FirmwareBraiins, Via: "http"}, nil
}

func probeV3(ctx context.Context, addr string, o Options) (Result, error) {
	m := whatsminer.NewV3(addr, whatsminer.Options{Timeout: o.timeout(), MaxReply: o.maxReply(), Dialer: o.Dialer})
	v, err := m.Read(ctx, "get.device.info", "")
	if err != nil {
		return Result{}, unwrap(err)
	}
	model := ""
	if t, ok := v.Get("msg").Get("miner").Get("type").Str(); ok {
		model = whatsminer.ModelName(t)
	}
	return Result{Firmware: fleet.FirmwareWhatsminerV3, Model: model, Via: "v3"}, nil
}

// DriverAddress is the address the firmware's driver talks to: the probed
// one, except for a Braiins OS found on its RPC port, whose REST API is on
// port 80 of the same host, and a stock Antminer found by its web UI,
// whose driver reads the RPC on port 4028 of the same host.
func (r Result) DriverAddress() string {
	port := ""
	switch {
	case r.Firmware == fleet.FirmwareBraiins && r.Via == "rpc":
		port = "80"
	case r.Firmware == fleet.FirmwareAntminer && r.Via == "http":
		port = strconv.Itoa(cgminer.Port)
	default:
		return r.Address
	}
	if host, _, err := net.SplitHostPort(r.Address); err == nil {
		return net.JoinHostPort(host, port)
	}
	return r.Address
}

// antminerWeb is the web API address of a stock Antminer whose RPC is at
// rpcAddr.
func (o Options) antminerWeb(rpcAddr string) string {
	if o.AntminerWeb != nil {
		return o.AntminerWeb(rpcAddr)
	}
	if host, _, err := net.SplitHostPort(rpcAddr); err == nil {
		return net.JoinHostPort(host, strconv.Itoa(antweb.Port))
	}
	return rpcAddr
}

// Open returns the driver for a detected device.
func Open(r Result, o Options) (fleet.Miner, error) {
	cr := o.creds(r.Firmware)
	switch r.Firmware {
	case fleet.FirmwareAntminer:
		rpc, web := r.DriverAddress(), ""
		if r.Via == "http" {
			web = r.Address
		} else {
			web = o.antminerWeb(rpc)
		}
		return cgminer.New(rpc, cgminer.Antminer, cgminer.Options{Timeout: o.Timeout, Dialer: o.Dialer, NoPools: o.NoPools, Transport: o.Transport,
			WebAddr: web, WebCredentials: cr}), nil
	case fleet.FirmwareAvalon:
		return cgminer.New(r.Address, cgminer.Avalon, cgminer.Options{Timeout: o.Timeout, Dialer: o.Dialer, NoPools: o.NoPools, Transport: o.Transport}), nil
	case fleet.FirmwareCGMiner:
		return cgminer.New(r.Address, cgminer.Generic, cgminer.Options{Timeout: o.Timeout, Dialer: o.Dialer, NoPools: o.NoPools, Transport: o.Transport}), nil
	case fleet.FirmwareWhatsminer:
		return whatsminer.NewV2(r.Address, whatsminer.Options{Timeout: o.Timeout, Credentials: cr, Dialer: o.Dialer}), nil
	case fleet.FirmwareWhatsminerV3:
		return whatsminer.NewV3(r.Address, whatsminer.Options{Timeout: o.Timeout, Credentials: cr, Dialer: o.Dialer}), nil
	case fleet.FirmwareLuxOS:
		return luxos.New(r.Address, luxos.Config{Timeout: o.Timeout, Dial: o.Dialer}), nil
	case fleet.FirmwareBraiins:
		return braiins.New(r.DriverAddress(), braiins.Config{Credentials: cr, Timeout: o.Timeout, Transport: braiinsTransport}), nil
	}
	return nil, fmt.Errorf("detect: no driver for firmware %q", r.Firmware)
}

// braiinsTransport is shared by the Braiins OS drivers Open returns: a
// device's requests reuse one connection, but at most 1024 idle ones are
// kept across devices, so that polling 100,000 devices does not hold
// 100,000 sockets open (each process has an open-file limit).
var braiinsTransport = &http.Transport{
	Proxy:                  nil, // a proxy would see the devices' credentials
	DialContext:            (&net.Dialer{KeepAlive: -1}).DialContext,
	MaxIdleConns:           1024,
	MaxIdleConnsPerHost:    1,
	IdleConnTimeout:        10 * time.Second,
	ResponseHeaderTimeout:  DefaultTimeout,
	MaxResponseHeaderBytes: 64 << 10,
	DisableCompression:     true,
}

// Firmwares are the names Open accepts.
var Firmwares = []string{
	fleet.FirmwareAntminer, fleet.FirmwareAvalon, fleet.FirmwareCGMiner, fleet.FirmwareWhatsminer,
	fleet.FirmwareWhatsminerV3, fleet.FirmwareBraiins, fleet.FirmwareLuxOS,
}

func unwrap(err error) error {
	var fe *fleet.Error
	if errors.As(err, &fe) {
		return fe.Err
	}
	return err
}

func head(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

type limitReader struct {
	c interface{ Read([]byte) (int, error) }
	n int
}

// Read reads at most the bytes left.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("detect: HTTP reply too large")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.c.Read(p)
	l.n -= n
	return n, err
}
