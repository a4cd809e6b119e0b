package risk

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/bitcoin"
)

func monthStart(m int) time.Time { return time.Date(2020, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC) }

// TestCalibrateClosedForm builds month-end closes with known monthly log
// returns and a difficulty that follows a known law with no noise; the
// estimates must be those of the closed forms.
func TestCalibrateClosedForm(t *testing.T) {
	const months = 40
	rets := []float64{0.12, -0.08, 0.03, 0.2, -0.15}
	var closes []Observation
	var diff []DifficultyPoint
	price, d := 30000.0, 1e14
	const a, e = 0.3, 0.06
	for m := range months {
		at := monthStart(m).Add(27 * 24 * time.Hour) // one close a month, late in the month
		closes = append(closes, Observation{at.Add(-48 * time.Hour), price * 0.9}, Observation{at, price})
		height := int64(900_000 + 4000*m)
		diff = append(diff, DifficultyPoint{Time: at, Height: height, Difficulty: d})
		hp := bitcoin.HashpriceUSDPerTHDay(d, bitcoin.SubsidyBTC(height), 0, price)
		d *= math.Exp(a + e*math.Log(hp))
		price *= math.Exp(rets[m%len(rets)])
	}
	c, err := Calibrate(closes, diff, CalibrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var used []float64
	for m := range months - 1 {
		used = append(used, rets[m%len(rets)])
	}
	mean, sd := MeanStd(used)
	if want := math.Expm1(12 * (mean + sd*sd/2)); !near(c.BTC.DriftPerYear, want, 1e-9) {
		t.Errorf("drift %v, want %v", c.BTC.DriftPerYear, want)
	}
	if want := sd * math.Sqrt(12); !near(c.BTC.VolPerYear, want, 1e-9) {
		t.Errorf("vol %v, want %v", c.BTC.VolPerYear, want)
	}
	if c.BTC.Returns != months-1 || c.BTC.From.String() != "2020-01" || c.BTC.To.String() != "2023-04" {
		t.Errorf("window %v..%v, %d returns", c.BTC.From, c.BTC.To, c.BTC.Returns)
	}
	h := c.Hashrate
	if h == nil {
		t.Fatal("no hashrate calibration")
	}
	if !near(h.Elasticity, e, 1e-6) || h.VolPerYear > 1e-6 {
		t.Errorf("elasticity %v (vol %v), want %v with no noise", h.Elasticity, h.VolPerYear, e)
	}
	// At the last hashprice, growth is exp(12 (a + e ln hp_T)) - 1.
	if want := math.Expm1(12 * (a + e*math.Log(h.HashpriceUSDPerPHDay/1000))); !near(h.GrowthPerYear, want, 1e-6) {
		t.Errorf("growth %v, want %v", h.GrowthPerYear, want)
	}
	if _, err := Calibrate(closes[:10], nil, CalibrateOptions{}); err == nil {
		t.Error("Calibrate on 5 months: no error")
	}
}

func TestMonthlyLogReturns(t *testing.T) {
	obs := []Observation{
		{monthStart(0), 100}, {monthStart(0).Add(24 * time.Hour), 110}, // Jan: last is 110
		{monthStart(1), 121},                // Feb
		{monthStart(2), -5},                 // not > 0: skipped
		{monthStart(3), 242},                // Apr: gap after Feb
		{monthStart(4).Add(time.Hour), 121}, // May
	}
	got := MonthlyLogReturns(obs)
	want := []float64{math.Log(121.0 / 110), math.Log(121.0 / 242)}
	if len(got) != len(want) || !near(got[0], want[0], 1e-15) || !near(got[1], want[1], 1e-15) {
		t.Errorf("MonthlyLogReturns = %v, want %v", got, want)
	}
}

// TestBlockLength against the closed form for an AR(1) with coefficient φ:
// b = (6 φ² / (1-φ²)²)^(1/3) n^(1/3), and about 1 for independent draws.
func TestBlockLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	const n = 20000
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if b := BlockLength(x); b > 3 {
		t.Errorf("BlockLength(iid) = %v, want about 1", b)
	}
	const phi = 0.7
	for i := 1; i < n; i++ {
		x[i] = phi*x[i-1] + x[i]
	}
	want := math.Cbrt(6*phi*phi/((1-phi*phi)*(1-phi*phi))) * math.Cbrt(n)
	if b := BlockLength(x); math.Abs(b-want) > 0.35*want {
		t.Errorf("BlockLength(AR(1) φ=%v) = %v, want %v ± 35%%", phi, b, want)
	}
	for _, short := range [][]float64{nil, {1}, {1, 1, 1, 1, 1}} {
		if b := BlockLength(short); b != 1 {
			t.Errorf("BlockLength(%v) = %v, want 1", short, b)
		}
	}
}

// FuzzCalibrate feeds arbitrary series (8-byte time steps and values) to
// the calibration: it must return finite estimates or an error, never
// panic.
func FuzzCalibrate(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(3))
	f.Add(make([]byte, 1024), uint8(0))
	seed := make([]byte, 0, 16*48)
	for m := range 48 {
		seed = binary.LittleEndian.AppendUint64(seed, uint64(30*24*3600))
		seed = binary.LittleEndian.AppendUint64(seed, math.Float64bits(1000+float64(m*m)))
	}
	f.Add(seed, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, every uint8) {
		var closes []Observation
		var diff []DifficultyPoint
		at := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i+16 <= len(data) && i < 16*2000; i += 16 {
			step := time.Duration(binary.LittleEndian.Uint64(data[i:])%(90*24*3600)) * time.Second
			at = at.Add(step)
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[i+8:]))
			closes = append(closes, Observation{at, v})
			if every > 0 && (i/16)%int(every) == 0 {
				diff = append(diff, DifficultyPoint{at, int64(i) * 100, math.Abs(v)})
			}
		}
		c, err := Calibrate(closes, diff, CalibrateOptions{})
		if err != nil {
			return
		}
		finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
		if !finite(c.BTC.VolPerYear) || !finite(c.BTC.DriftPerYear) || !finite(c.BTC.DailyVolPerYear) || c.BTC.BlockMonths < 1 || c.BTC.BlockMonths > 12 {
			t.Fatalf("Calibrate = %+v", c.BTC)
		}
		if h := c.Hashrate; h != nil && (!finite(h.Elasticity) || !finite(h.VolPerYear) || !finite(h.GrowthPerYear) || !finite(h.ElasticitySE)) {
			t.Fatalf("Calibrate hashrate = %+v", *h)
		}
		_ = BlockLength(MonthlyLogReturns(closes))
	})
}
