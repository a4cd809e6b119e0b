package whatsminer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// FuzzParse feeds any bytes to every reply parser: no panic.
func FuzzParse(f *testing.F) {
	for _, n := range []string{"v2/summary.json", "v2/devs.json", "v1/summary_with_errors.json", "v2/get_error_code_with_errors.json",
		"v3/get_miner_status_summary.json", "v3/get_device_info_with_errors.json", "v3/get_miner_status_edevs.json"} {
		if b, err := os.ReadFile(filepath.Join(repliesDir, n)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"Msg":{"error_code":[{"1":"x"},2,"3"]},"SUMMARY":[{"MHS av":"inf"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := minerjson.Parse(in)
		if err != nil {
			return
		}
		var st fleet.Status
		_ = parseV2Summary(v, &st)
		parseV2Devs(v, &st)
		_ = parseV2Pools(v)
		_, _ = parseV2Off(v)
		_ = parseV2Model(v)
		_ = parseV3(v, v, v, v, &st)
	})
}

// FuzzReadFrame: a frame is read whole or refused; never more than the cap.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, '{', '}'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{5, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := ReadFrame(bytes.NewReader(in), 64)
		if err == nil && len(b) > 64 {
			t.Fatalf("ReadFrame returned %d bytes over a cap of 64", len(b))
		}
	})
}

// FuzzSimRequests: the simulated device answers any request without a panic.
func FuzzSimRequests(f *testing.F) {
	for _, s := range []string{`{"cmd":"summary"}`, `{"cmd":"get_token"}`, `{"enc":1,"data":"AAAAAAAAAAAAAAAAAAAAAA=="}`,
		`{"cmd":"get.miner.status","param":"summary"}`, `{"cmd":"set.miner.service","param":"stop","ts":1,"account":"super","token":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		dev := &fakeDevice{st: simStatus()}
		now := time.Unix(1773869570, 0)
		_ = (&simV2{dev: dev, cred: SimCredentials, salt: "BQ5hoXV9"}).reply(in, now)
		_ = (&simV3{dev: dev, cred: SimCredentialsV3, salt: "uhCiDyVj"}).reply(in, now)
	})
}
