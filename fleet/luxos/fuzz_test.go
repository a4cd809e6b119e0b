package luxos

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

// FuzzParseStatus: any reply gives a Status or an error, never both, never
// a panic; a Status has a mode and no negative quantity.
func FuzzParseStatus(f *testing.F) {
	parts := map[string][]byte{}
	for _, name := range strings.Split(fixtureCommands, "+") {
		if b, err := os.ReadFile(filepath.Join(replyDir, name+".json")); err == nil {
			parts[name] = b
		}
	}
	if len(parts) > 0 {
		raw := multiReply(parts)
		f.Add(raw)
		f.Add(append(bytes.ReplaceAll(raw, []byte("\n"), nil), 0))
	}
	f.Add([]byte(`{"summary":[{"SUMMARY":[{"GHS 5s":"inf","MHS av":12e6}]}],"id":1}`))
	f.Add([]byte(`{"summary":[{"SUMMARY":[{"GHS av":-1}]}],"power":[{"POWER":[{"Watts":"nan"}]}]}`))
	f.Add([]byte(`{"summary":[{"SUMMARY":[{}]}],"temps":[{"TEMPS":[{"ID":0,"TopLeft":1e9}]}],"fans":[{"FANS":[{"RPM":-5}]}]}`))
	f.Add([]byte(`{"STATUS":[{"STATUS":"E","Code":14,"Msg":"Invalid command"}]}` + "\x00"))
	f.Add([]byte(`[,{"summary":[{"SUMMARY":[{"GHS av":1,}]}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, _, err := parseStatus(raw)
		if err != nil {
			if !reflect.DeepEqual(st, fleet.Status{}) {
				t.Fatalf("error %v with a non-zero Status %+v", err, st)
			}
			return
		}
		if st.Mode == "" || st.Firmware != fleet.FirmwareLuxOS {
			t.Fatalf("Status without mode or firmware: %+v", st)
		}
		for _, v := range []float64{st.HashrateTH, st.Hashrate5sTH, st.PowerW, st.PowerLimitW} {
			if !(v >= 0) {
				t.Fatalf("negative or NaN quantity in %+v", st)
			}
		}
		for _, rpm := range st.FansRPM {
			if rpm < 0 {
				t.Fatalf("negative fan speed in %+v", st)
			}
		}
		if len(st.Errors) > maxEvents {
			t.Fatalf("%d errors, want at most %d", len(st.Errors), maxEvents)
		}
	})
}

// FuzzReadSimRequest: the simulator reads any request bytes without a
// panic, and a JSON request round-trips its command and parameter.
func FuzzReadSimRequest(f *testing.F) {
	f.Add([]byte(`{"command":"curtail","parameter":"yJN2nlj1,sleep"}`))
	f.Add([]byte("summary+stats|"))
	f.Add([]byte("version\x00"))
	f.Add([]byte(`{"command":"asc","parameter":0}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, req []byte) {
		cmd, param, err := readSimRequest(bytes.NewReader(req))
		if err != nil && (cmd != "" || param != "") {
			t.Fatalf("readSimRequest(%q) = %q, %q with error %v", req, cmd, param, err)
		}
		_ = newSimMiner(newFakeDevice()).reply(cmd, param) // never panics
	})
}
