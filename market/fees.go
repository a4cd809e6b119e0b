package market

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BlockFees is the average of the transaction fees per block over a group
// of consecutive blocks, as mempool.space's /api/v1/mining/blocks/fees
// reports it: the group's mean height and mean time, and the mean fees in
// BTC per block.
type BlockFees struct {
	AvgHeight int64
	Time      time.Time
	FeesBTC   float64
}

// satPerBTC is the number of satoshis in one bitcoin.
const satPerBTC = 100_000_000

// LoadMempoolFees reads mempool.space's fees-per-block JSON:
//
//	[{"avgHeight": 887000, "timestamp": 1741500000, "avgFees": 2300000, "USD": 84000}, ...]
//
// avgFees is in satoshis; USD (the price then) is ignored and may be null.
// The result is sorted by height (the API does not promise an order);
// a height given twice is an error.
func LoadMempoolFees(r io.Reader, name string) ([]BlockFees, error) {
	data, err := readBounded(r, fileLimit, name)
	if err != nil {
		return nil, err
	}
	return parseMempoolFees(data, name)
}

func parseMempoolFees(data []byte, name string) ([]BlockFees, error) {
	d := newJSONDoc(data, name)
	var out []BlockFees
	err := d.array("", func(i int) error {
		path := fmt.Sprintf("[%d]", i)
		l, c := d.pos()
		var raw struct {
			AvgHeight flexNumber `json:"avgHeight"`
			Timestamp flexNumber `json:"timestamp"`
			AvgFees   flexNumber `json:"avgFees"`
		}
		if err := d.decode(path, &raw); err != nil {
			return err
		}
		bf, f, err := blockFeesFrom(raw.AvgHeight, raw.Timestamp, raw.AvgFees, satPerBTC)
		if err != nil {
			return &ParseError{File: name, Line: l, Col: c, Field: path + "." + map[string]string{"height": "avgHeight", "time": "timestamp", "fees": "avgFees"}[f], Err: err}
		}
		out = append(out, bf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b BlockFees) int { return cmpInt64(a.AvgHeight, b.AvgHeight) })
	for i := 1; i < len(out); i++ {
		if out[i].AvgHeight == out[i-1].AvgHeight {
			return nil, &ParseError{File: name, Field: "avgHeight", Err: fmt.Errorf("height %d given twice", out[i].AvgHeight)}
		}
	}
	return out, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// blockFeesFrom validates one row; fees are divided by div (1e8 for sats,
// 1 for BTC). On error it names the field: height, time or fees.
func blockFeesFrom(height, tm, fees flexNumber, div float64) (BlockFees, string, error) {
	h, err := height.int()
	if err != nil {
		return BlockFees{}, "height", err
	}
	if h < 0 {
		return BlockFees{}, "height", fmt.Errorf("must be >= 0 (got %d)", h)
	}
	ts, err := tm.int()
	if err != nil {
		return BlockFees{}, "time", err
	}
	t, err := unixTime(ts)
	if err != nil {
		return BlockFees{}, "time", err
	}
	f, err := fees.float()
	if err != nil {
		return BlockFees{}, "fees", err
	}
	if f < 0 {
		return BlockFees{}, "fees", fmt.Errorf("must be >= 0 (got %v)", f)
	}
	return BlockFees{AvgHeight: h, Time: t, FeesBTC: f / div}, "", nil
}

// FeesHeader is the header of the fees CSV.
const FeesHeader = "avg_height,time,fees_btc"

// LoadFees reads the fees CSV that `hashpivot data fetch fees` writes
// (FeesHeader; time RFC 3339 or Unix seconds; fees in BTC per block).
// Heights must be strictly increasing.
func LoadFees(r io.Reader, name string) ([]BlockFees, error) {
	t, err := openCSV(r, name, fileLimit)
	if err != nil {
		return nil, err
	}
	cols := map[string]int{"height": t.col("avg_height", "height"), "time": t.col("time", "timestamp"), "fees": t.col("fees_btc")}
	if cols["height"] < 0 || cols["time"] < 0 || cols["fees"] < 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("header %q: want %s", strings.Join(t.header, ","), FeesHeader)}
	}
	var out []BlockFees
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var vals [3]flexNumber
		for k, key := range []string{"height", "time", "fees"} {
			s, ok := field(rec, cols[key])
			if !ok {
				return nil, t.errAt(cols[key], "row has %d fields, want %d", len(rec), len(t.header))
			}
			if key == "time" && strings.ContainsAny(s, "-T") {
				tm, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return nil, t.errAt(cols[key], "time %q: want RFC 3339 or Unix seconds", s)
				}
				s = strconv.FormatInt(tm.Unix(), 10)
			}
			if s != "" {
				vals[k] = flexNumber{s: s, set: true}
			}
		}
		bf, f, err := blockFeesFrom(vals[0], vals[1], vals[2], 1)
		if err != nil {
			return nil, t.errAt(cols[f], "%v", err)
		}
		if n := len(out); n > 0 && bf.AvgHeight <= out[n-1].AvgHeight {
			return nil, t.errAt(cols["height"], "%d is not after the previous row's %d", bf.AvgHeight, out[n-1].AvgHeight)
		}
		out = append(out, bf)
	}
	if len(out) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: no fee rows", ErrNoData)}
	}
	return out, nil
}

// WriteFees writes fs in the fees CSV format (FeesHeader).
func WriteFees(w io.Writer, fs []BlockFees) error {
	var b strings.Builder
	b.WriteString(FeesHeader + "\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "%d,%s,%s\n", f.AvgHeight, f.Time.UTC().Format(time.RFC3339), strconv.FormatFloat(f.FeesBTC, 'g', -1, 64))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mergeFees keeps older's rows before newer's first time, then newer's.
func mergeFees(older, newer []BlockFees) []BlockFees {
	if len(newer) == 0 {
		return older
	}
	first := newer[0].Time
	var out []BlockFees
	for _, f := range older {
		if f.Time.Before(first) && f.AvgHeight < newer[0].AvgHeight {
			out = append(out, f)
		}
	}
	return append(out, newer...)
}
