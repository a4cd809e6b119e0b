package report

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashpivot/hashpivot/risk"
	"github.com/hashpivot/hashpivot/site"
)

// riskReport builds the risk report of the example site, and the optimize
// report when opt is true.
func riskReport(t *testing.T, opt bool) []byte {
	t.Helper()
	s, err := site.Load("../examples/pecos-west.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := risk.DefaultOptions(s)
	o.Paths, o.Fan = 500, true
	var buf bytes.Buffer
	if opt {
		s.Optimize.AIShare.Step = 0.25
		s.Optimize.Start.StepMonths = 6
		res, err := risk.Optimize(context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		err = WriteRisk(&buf, s, res.Result, res)
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	res, err := risk.Simulate(context.Background(), s, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRisk(&buf, s, res, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRiskReportSelfContained: the page holds its charts inline, loads
// nothing and runs no script, and the same results give the same bytes.
func TestRiskReportSelfContained(t *testing.T) {
	for _, opt := range []bool{false, true} {
		page := riskReport(t, opt)
		s := string(page)
		want := 3 // NPV histogram, hashprice fan, cash fan
		if opt {
			want++ // frontier
		}
		if n := strings.Count(s, "<svg"); n != want {
			t.Errorf("optimize=%v: %d charts, want %d", opt, n, want)
		}
		for _, bad := range []string{"<script", "http://", "https://", "src=", "NaN", "Inf"} {
			if bad == "http://" {
				// The SVG namespace is not a resource.
				s = strings.ReplaceAll(s, `xmlns="http://www.w3.org/2000/svg"`, "")
			}
			if strings.Contains(s, bad) {
				t.Errorf("optimize=%v: report contains %q", opt, bad)
			}
		}
		if again := riskReport(t, opt); !bytes.Equal(again, page) {
			t.Errorf("optimize=%v: two reports of the same run differ", opt)
		}
	}
}

// TestRiskReportInChromium opens the report in headless Chromium (Debian's
// chromium package; CI installs it), fails on any console message, and
// checks on a screenshot that the charts are drawn: the strategies'
// colours and the fan charts' shaded bands cover enough pixels, in at
// least three separate chart regions down the page.
func TestRiskReportInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium): skipping the browser test of the risk report")
	}
	dir := t.TempDir()
	for _, opt := range []bool{false, true} {
		html := filepath.Join(dir, "risk.html")
		if err := os.WriteFile(html, riskReport(t, opt), 0o600); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, "shot.png")
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1000,3200",
			"--enable-logging=stderr", "--v=0", "file://"+html)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, tail(stderr.String()))
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
				t.Errorf("optimize=%v: console message: %s", opt, line)
			}
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("chromium wrote no screenshot: %v\n%s", err, tail(stderr.String()))
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkChartsDrawn(t, img)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

// checkChartsDrawn looks at the screenshot's tinted pixels (text and
// table rules are grey): the three strategies' colours (Palette[0..2], in
// lines and legends) must be there, tinted pixels (bars, shaded P5–P95
// bands, lines) must cover a good part of the page, and they must form at
// least three separate regions more than 80 pixels tall (the charts).
func checkChartsDrawn(t *testing.T, img image.Image) {
	t.Helper()
	type rgb struct{ r, g, b int }
	palette := map[string]rgb{"blue": {0x1f, 0x77, 0xb4}, "red": {0xd6, 0x27, 0x28}, "green": {0x2c, 0xa0, 0x2c}}
	counts := map[string]int{}
	tinted := 0
	b := img.Bounds()
	var rows []int // rows with at least 5 tinted pixels
	for y := b.Min.Y; y < b.Max.Y; y++ {
		n := 0
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			c := rgb{int(r >> 8), int(g >> 8), int(bb >> 8)}
			if max(c.r, c.g, c.b)-min(c.r, c.g, c.b) >= 20 {
				n++
			}
			for name, w := range palette {
				if abs(c.r-w.r) <= 30 && abs(c.g-w.g) <= 30 && abs(c.b-w.b) <= 30 {
					counts[name]++
				}
			}
		}
		tinted += n
		if n >= 5 {
			rows = append(rows, y)
		}
	}
	for name := range palette {
		if counts[name] < 300 {
			t.Errorf("screenshot: %d %s pixels, want at least 300 (a strategy not drawn?)", counts[name], name)
		}
	}
	if tinted < 50_000 {
		t.Errorf("screenshot: %d tinted pixels, want at least 50000 (charts not drawn?)", tinted)
	}
	var runs []string
	regions, start := 0, -1
	for i, y := range rows {
		if start < 0 {
			start = y
		}
		if i == len(rows)-1 || rows[i+1]-y > 40 {
			runs = append(runs, fmt.Sprintf("%d-%d", start, y))
			if y-start >= 80 {
				regions++
			}
			start = -1
		}
	}
	if regions < 3 {
		t.Errorf("screenshot: %d chart regions (rows with colour: %v), want at least 3", regions, runs)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
