package cgminer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// captureServer answers every connection with the bytes of testdata files,
// the stats file for stats requests and the pools file for pools; a joined
// request gets the joined file when there is one.
func captureServer(t *testing.T, byCmd map[string]string) string {
	t.Helper()
	data := map[string][]byte{}
	for cmd, name := range byCmd {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		data[cmd] = b
	}
	return serve(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		cmd, _ := parseRequest(buf[:n])
		if b, ok := data[cmd]; ok {
			c.Write(b)
			return
		}
		// Join single captures as cgminer would.
		var out []byte
		out = append(out, '{')
		for i, part := range strings.Split(cmd, "+") {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, `"`+part+`":[`...)
			out = append(out, bytes.TrimRight(data[part], "\x00")...)
			out = append(out, ']')
		}
		c.Write(append(out, `,"id":1}`+"\x00"...))
	})
}

// Wire captures with each breakage real firmwares send; the expected values
// are read off the capture files by hand.
func TestWireQuirks(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  fleet.Status
	}{
		{
			name:  "S9: }{ between stats objects, GHS 5s as a string, fans in slots 3 and 6, chains 6-8",
			files: map[string]string{"stats": "s9-stats-missing-comma.bin", "pools": "pools-leading-comma-id0.bin"},
			want: fleet.Status{
				Firmware: "antminer", Model: "Antminer S9", HashrateTH: 13.51234, Hashrate5sTH: 13.60426,
				PowerW: 1323 / 13.5 * 13.51234, PowerLimitW: 1323, PowerEstimated: true,
				TempsC: []float64{73, 76, 72}, FansRPM: []int{5880, 6120}, Mode: fleet.ModeMining,
				Pools: []fleet.Pool{
					{URL: "stratum+tcp://a.example:3333", User: "w.1", Status: "Alive", Accepted: 10, Rejected: 1},
					{URL: "stratum+tcp://b.example:3333", User: "w.2", Status: "Dead"},
				},
			},
		},
		{
			name:  "duplicate temperature keys keep the hottest; nan and inf sensors ignored; ,}",
			files: map[string]string{"stats": "stats-duplicate-nan-trailing-comma.bin", "pools": "pools-leading-comma-id0.bin"},
			want: fleet.Status{
				Firmware: "antminer", Model: "Antminer S19j Pro", HashrateTH: 99.87654, Hashrate5sTH: 100.12345,
				PowerW: 3050 / 100.0 * 99.87654, PowerLimitW: 3050, PowerEstimated: true,
				TempsC: []float64{81, 70, 69}, FansRPM: []int{5400, 5460}, Mode: fleet.ModeMining,
			},
		},
		{
			name:  "joined reply cut at 64 KB with id 0: stats kept, pools lost",
			files: map[string]string{"stats+pools": "multi-cut-64k.bin"},
			want: fleet.Status{
				Firmware: "antminer", Model: "Antminer S21", HashrateTH: 199.5, Hashrate5sTH: 201,
				PowerW: 3500 / 200.0 * 199.5, PowerLimitW: 3500, PowerEstimated: true,
				TempsC: []float64{66, 68, 67}, FansRPM: []int{4020, 4080, 4020, 4080}, Mode: fleet.ModeMining,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := captureServer(t, tc.files)
			got, err := New(addr, Antminer, Options{}).Status(context.Background())
			if err != nil {
				t.Fatalf("Status() error %v", err)
			}
			tc.want.Address = addr
			checkStatus(t, got, tc.want)
		})
	}
}

func TestMisbehavingDevices(t *testing.T) {
	tests := []struct {
		name    string
		handler func(net.Conn)
		want    error // errors.Is target; nil: any error
	}{
		{"hangs", func(c net.Conn) {
			io.Copy(io.Discard, c) // holds the connection until the client gives up
		}, context.DeadlineExceeded},
		{"sends garbage", func(c net.Conn) { c.Write([]byte("\x16\x03\x01\xff garbage \x00")) }, nil},
		{"resets", func(c net.Conn) {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, nil},
		{"closes silently", func(c net.Conn) {
			c.Read(make([]byte, 100))
		}, ErrNoReply},
		{"answers an error status", func(c net.Conn) {
			c.Read(make([]byte, 100))
			c.Write([]byte(`{"STATUS":[{"STATUS":"E","When":1,"Code":45,"Msg":"Access denied to 'stats' command","Description":"cgminer 4.11.1"}],"id":1}` + "\x00"))
		}, nil},
		{"floods", func(c net.Conn) {
			chunk := bytes.Repeat([]byte(`{"a":[`), 1024)
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}, nil},
	}
	for _, tc := range tests {
		for _, tr := range transports(t) {
			t.Run(tc.name+" "+tr.name, func(t *testing.T) {
				addr := serve(t, tc.handler)
				m := New(addr, Antminer, Options{Timeout: 300 * time.Millisecond, MaxReply: 64 << 10, Transport: tr.t})
				_, err := m.Status(context.Background())
				if err == nil {
					t.Fatalf("Status() of a device that %s: no error", tc.name)
				}
				var fe *fleet.Error
				if !errors.As(err, &fe) || fe.Address != addr || fe.Command == "" {
					t.Errorf("Status() error %v: want a *fleet.Error naming %s and the command", err, addr)
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("Status() error %v, want %v", err, tc.want)
				}
			})
		}
	}
}

func TestStatusErrorCarriesCodeAndMessage(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		c.Read(make([]byte, 100))
		c.Write([]byte(`{"STATUS":[{"STATUS":"E","When":1,"Code":14,"Msg":"Invalid command","Description":"cgminer"}],"id":1}` + "\x00"))
	})
	_, err := (&Client{Addr: addr}).Command(context.Background(), "bogus", "")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 14 || se.Msg != "Invalid command" {
		t.Fatalf("Command(bogus) error %v, want StatusError code 14", err)
	}
}

func TestPlainAndJSONRequests(t *testing.T) {
	got := make(chan string, 2)
	addr := serve(t, func(c net.Conn) {
		b := make([]byte, 200)
		n, _ := c.Read(b)
		got <- string(b[:n])
		c.Write([]byte(`{"STATUS":[{"STATUS":"S","Code":1,"Msg":"ok"}],"id":1}` + "\x00"))
	})
	c := &Client{Addr: addr}
	if _, err := c.Command(context.Background(), "summary", ""); err != nil {
		t.Fatal(err)
	}
	if req := <-got; req != `{"command":"summary"}` {
		t.Errorf("Command(summary) sent %q", req)
	}
	if _, err := c.Plain(context.Background(), "ascset", "0,softoff,1:1700000000"); err != nil {
		t.Fatal(err)
	}
	if req := <-got; req != "ascset|0,softoff,1:1700000000" {
		t.Errorf("Plain(ascset) sent %q", req)
	}
}

func TestMultiFallsBackToSingleCommands(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		b := make([]byte, 200)
		n, _ := c.Read(b)
		cmd, _ := parseRequest(b[:n])
		switch cmd {
		case "summary", "pools":
			c.Write([]byte(`{"STATUS":[{"STATUS":"S","Code":1,"Msg":"` + cmd + `"}],"id":1}` + "\x00"))
		default:
			c.Write([]byte(`{"STATUS":[{"STATUS":"E","Code":14,"Msg":"Invalid command"}],"id":1}` + "\x00"))
		}
	})
	r, err := (&Client{Addr: addr}).Multi(context.Background(), "summary", "pools")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"summary", "pools"} {
		msg, _ := r[cmd].Get("STATUS").Index(0).Get("Msg").Str()
		if msg != cmd {
			t.Errorf("Multi()[%q] Msg = %q", cmd, msg)
		}
	}
}

func TestCheckStatusShapes(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{`{"STATUS":[{"STATUS":"S"}]}`, true},
		{`{"STATUS":[{"STATUS":"I","Msg":"ASC 0 set info: success softoff:1"}]}`, true},
		{`{"STATUS":"RESTART"}`, true},
		{`{"STATUS":"S","Code":131,"Msg":{"x":1}}`, true},
		{`{"STATUS":"E","Code":23,"Msg":"invalid json"}`, false},
		{`{"STATUS":[{"STATUS":"F","Code":1}]}`, false},
		{`{"id":1}`, false},
	}
	for _, tc := range tests {
		v, _, err := minerjson.Parse([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckStatus(v); (err == nil) != tc.wantOK {
			t.Errorf("CheckStatus(%s) = %v, want ok=%v", tc.in, err, tc.wantOK)
		}
	}
}

func TestBracketFields(t *testing.T) {
	got := BracketFields("'STATS':{Ver[Q-2505] SYSTEMSTATU[Work: In Idle, Hash Board: 1] PS[0 1222 4 0 0 2245 146] Nonce Mask[25] Ver[dup] Broken[1")
	want := map[string]string{"Ver": "Q-2505", "SYSTEMSTATU": "Work: In Idle, Hash Board: 1", "PS": "0 1222 4 0 0 2245 146", "Mask": "25"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BracketFields() = %q, want %q", got, want)
	}
}

func TestLookupModel(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Antminer S19 Pro", "Antminer S19 Pro", true},
		{"antminer s19pro", "Antminer S19 Pro", true},
		{"Antminer S19 Pro (88T)", "Antminer S19 Pro", true},
		{"Antminer S19j Pro", "Antminer S19j Pro", true},
		{"Antminer S21 Pro", "Antminer S21 Pro", true},
		{"Avalon Q", "Avalon Q", true},
		{"Antminer S23", "", false},
	}
	for _, tc := range tests {
		m, ok := LookupModel(tc.in)
		if ok != tc.ok || m.Name != tc.want {
			t.Errorf("LookupModel(%q) = %q, %v; want %q, %v", tc.in, m.Name, ok, tc.want, tc.ok)
		}
	}
}
