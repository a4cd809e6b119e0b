package cgminer

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

const repliesDir = "../../../shared/data/miner-replies"

// replayServer answers each command with the real reply stored in files
// (by command name), joined the way cgminer joins "a+b" replies, with the
// trailing NUL.
func replayServer(t *testing.T, files map[string]string) string {
	t.Helper()
	replies := map[string][]byte{}
	for cmd, path := range files {
		b, err := os.ReadFile(filepath.Join(repliesDir, path))
		if err != nil {
			t.Skipf("real replies not available (%v); see ../shared/data/README.md", err)
		}
		replies[cmd] = bytes.TrimSpace(b)
	}
	return serve(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		cmd, _ := parseRequest(buf[:n])
		var out []byte
		if strings.Contains(cmd, "+") {
			out = append(out, '{')
			for i, part := range strings.Split(cmd, "+") {
				if i > 0 {
					out = append(out, ',')
				}
				out = append(out, '"')
				out = append(out, part...)
				out = append(out, `":[`...)
				out = append(out, replies[part]...)
				out = append(out, ']')
			}
			out = append(out, `,"id":1}`...)
		} else {
			out = append(out, replies[cmd]...)
		}
		c.Write(append(out, 0))
	})
}

// The expected numbers below were read by hand from the files.
func TestConformanceRealReplies(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		files map[string]string
		want  fleet.Status
	}{
		{
			name:  "Antminer S19 Pro bmminer",
			kind:  Antminer,
			files: map[string]string{"stats": "antminer/v2020/stats.json", "pools": "antminer/v2020/pools.json"},
			want: fleet.Status{
				Firmware: "antminer", Model: "Antminer S19 Pro",
				HashrateTH: 111.83463, Hashrate5sTH: 110.56689,
				// Nameplate 3250 W / 110 TH times the average hashrate.
				PowerW: 3250.0 / 110 * 111.83463, PowerLimitW: 3250, PowerEstimated: true,
				TempsC:  []float64{78, 71, 69}, // hottest of temp_chipN, temp_pcbN, temp2_N per board
				FansRPM: []int{6000, 5880, 5040, 5040},
				Mode:    fleet.ModeMining,
				Pools: []fleet.Pool{
					{URL: "stratum+tcp://btc.global.luxor.tech:700", User: "satokierepair.H04YK", Status: "Alive", Accepted: 4057, Rejected: 11},
					{URL: "stratum+tcp://btc.global.luxor.tech:700", User: "satokierepair.H04YK", Status: "Alive"},
					{URL: "stratum+tcp://btc.global.luxor.tech:700", User: "satokierepair.H04YK", Status: "Alive"},
				},
			},
		},
		{
			name:  "Avalon 1246 working",
			kind:  Avalon,
			files: map[string]string{"stats": "avalonminer/avalon_a_stats.json", "pools": "avalonminer/pools.json"},
			want: fleet.Status{
				Firmware: "avalon", Model: "Avalon 1246",
				HashrateTH: 79.65663, Hashrate5sTH: 81.07268,
				PowerW: 3504, PowerLimitW: 3200, // PS[6], MPO
				TempsC:  []float64{77, 77, 76},
				FansRPM: []int{5344, 5392, 5349, 5309},
				Mode:    fleet.ModeMining,
				Pools:   []fleet.Pool{{URL: "stratum+tcp://pool.example.com:4444", User: "worker1", Status: "Alive", Accepted: 890, Rejected: 2}},
			},
		},
		{
			name:  "Avalon Q idle",
			kind:  Avalon,
			files: map[string]string{"stats": "avalonminer/stats.json", "pools": "avalonminer/pools.json"},
			want: fleet.Status{
				Firmware: "avalon", Model: "Avalon Q",
				PowerW: 146, PowerLimitW: 800, // PS[6], MPO
				TempsC:  []float64{27}, // HBOTemp; TMax is 0 while idle
				FansRPM: []int{0, 0, 0, 0},
				Mode:    fleet.ModeSleeping,
				Pools:   []fleet.Pool{{URL: "stratum+tcp://pool.example.com:4444", User: "worker1", Status: "Alive", Accepted: 890, Rejected: 2}},
			},
		},
		{
			name:  "LuxOS answers the bmminer layout",
			kind:  Antminer,
			files: map[string]string{"stats": "luxminer/v1/stats.json", "pools": "luxminer/v1/pools.json"},
			want: fleet.Status{
				Firmware: "antminer", Model: "Antminer S19k Pro",
				HashrateTH: 56.91791, Hashrate5sTH: 59.75606,
				PowerW: 2760.0 / 120 * 56.91791, PowerLimitW: 2760, PowerEstimated: true,
				TempsC:  []float64{47, 47, 47},
				FansRPM: []int{1920, 1920, 2340, 2340},
				Mode:    fleet.ModeMining,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := replayServer(t, tc.files)
			got, err := New(addr, tc.kind, Options{}).Status(context.Background())
			if err != nil {
				t.Fatalf("Status() error %v", err)
			}
			want := tc.want
			want.Address = addr
			checkStatus(t, got, want)
		})
	}
}

func checkStatus(t *testing.T, got, want fleet.Status) {
	t.Helper()
	if got.Address != want.Address || got.Firmware != want.Firmware || got.Model != want.Model || got.Mode != want.Mode {
		t.Errorf("Status() address, firmware, model, mode = %q %q %q %q; want %q %q %q %q",
			got.Address, got.Firmware, got.Model, got.Mode, want.Address, want.Firmware, want.Model, want.Mode)
	}
	nums := []struct {
		name      string
		got, want float64
	}{
		{"HashrateTH", got.HashrateTH, want.HashrateTH},
		{"Hashrate5sTH", got.Hashrate5sTH, want.Hashrate5sTH},
		{"PowerW", got.PowerW, want.PowerW},
		{"PowerLimitW", got.PowerLimitW, want.PowerLimitW},
	}
	for _, n := range nums {
		if !near(n.got, n.want, 1e-6*max(1, n.want)) {
			t.Errorf("Status().%s = %v, want %v", n.name, n.got, n.want)
		}
	}
	if got.PowerEstimated != want.PowerEstimated {
		t.Errorf("Status().PowerEstimated = %v, want %v", got.PowerEstimated, want.PowerEstimated)
	}
	if want.TempsC != nil && !reflect.DeepEqual(got.TempsC, want.TempsC) {
		t.Errorf("Status().TempsC = %v, want %v", got.TempsC, want.TempsC)
	}
	if !reflect.DeepEqual(got.FansRPM, want.FansRPM) {
		t.Errorf("Status().FansRPM = %v, want %v", got.FansRPM, want.FansRPM)
	}
	if want.Pools != nil && !reflect.DeepEqual(got.Pools, want.Pools) {
		t.Errorf("Status().Pools = %+v, want %+v", got.Pools, want.Pools)
	}
}
