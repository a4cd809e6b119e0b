// Package report writes self-contained HTML reports (inline SVG charts, no
// script, no external resource) for plan, risk and dispatch results. The
// chart functions here are small and deterministic: the same data gives the
// same bytes, so reports can be golden-tested. Writers return the errors of
// the io.Writer they write to.
package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Palette is the colour of each series, in order.
var Palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

// Series is one named line.
type Series struct {
	Name   string
	Values []float64
	// Lo and Hi, when set, draw a shaded band (P5–P95) around the line.
	Lo, Hi []float64
}

// Chart is a line chart over a shared x axis.
type Chart struct {
	Title   string
	YLabel  string
	XLabels []string // one per point; a few are printed
	Series  []Series
	Width   int
	Height  int
	// Bars draws each series as bars instead of lines (histograms).
	Bars bool
}

const margin = 60

func (c Chart) size() (int, int) {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 860
	}
	if h == 0 {
		h = 300
	}
	return w, h
}

// niceRange returns the y range of the data, including 0.
func (c Chart) yRange() (lo, hi float64) {
	lo, hi = 0, 0
	for _, s := range c.Series {
		for _, arr := range [][]float64{s.Values, s.Lo, s.Hi} {
			for _, v := range arr {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	pad := (hi - lo) * 0.05
	return lo - pad*boolf(lo < 0), hi + pad
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// SVG renders the chart.
func (c Chart) SVG() string {
	w, h := c.size()
	n := 0
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	lo, hi := c.yRange()
	pw, ph := float64(w-margin-20), float64(h-margin-30)
	x := func(i int) float64 {
		if n <= 1 {
			return margin
		}
		return margin + pw*float64(i)/float64(n-1)
	}
	if c.Bars {
		x = func(i int) float64 { return margin + pw*(float64(i)+0.5)/float64(max(n, 1)) }
	}
	y := func(v float64) float64 { return 30 + ph*(1-(v-lo)/(hi-lo)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11" role="img">`, w, h, w, h)
	fmt.Fprintf(&b, `<title>%s</title><text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`, html.EscapeString(c.Title), margin, html.EscapeString(c.Title))
	// Axes and grid.
	for k := 0; k <= 4; k++ {
		v := lo + (hi-lo)*float64(k)/4
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, margin, margin+pw, yy, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, margin-4, yy+4, shortNum(v))
	}
	if lo < 0 && hi > 0 {
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#555"/>`, margin, margin+pw, y(0), y(0))
	}
	if c.YLabel != "" {
		fmt.Fprintf(&b, `<text x="12" y="%.1f" transform="rotate(-90 12 %.1f)" text-anchor="middle">%s</text>`, 30+ph/2, 30+ph/2, html.EscapeString(c.YLabel))
	}
	if len(c.XLabels) > 0 {
		step := max(1, len(c.XLabels)/8)
		for i := 0; i < len(c.XLabels) && i < n; i += step {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(i), 30+ph+16, html.EscapeString(c.XLabels[i]))
		}
	}
	for si, s := range c.Series {
		col := Palette[si%len(Palette)]
		if len(s.Lo) == len(s.Values) && len(s.Hi) == len(s.Values) && len(s.Values) > 0 {
			var pts []string
			for i, v := range s.Hi {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
			}
			for i := len(s.Lo) - 1; i >= 0; i-- {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(s.Lo[i])))
			}
			fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="0.18" stroke="none"/>`, strings.Join(pts, " "), col)
		}
		if c.Bars {
			bw := pw / float64(max(n, 1)) / float64(len(c.Series))
			for i, v := range s.Values {
				x0 := x(i) - pw/float64(max(n, 1))/2 + bw*float64(si)
				y0, y1 := y(math.Max(v, 0)), y(math.Min(v, 0))
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.75"/>`, x0, y0, math.Max(bw-0.5, 0.5), math.Max(y1-y0, 0), col)
			}
			continue
		}
		var d strings.Builder
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			cmd := "L"
			if d.Len() == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, x(i), y(v))
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.8"/>`, strings.TrimSpace(d.String()), col)
	}
	// Legend.
	lx := float64(margin + 10)
	for si, s := range c.Series {
		col := Palette[si%len(Palette)]
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="10" height="10" fill="%s"/><text x="%.1f" y="%d">%s</text>`, lx, h-14, col, lx+14, h-5, html.EscapeString(s.Name))
		lx += 24 + 7*float64(len(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// shortNum prints 1234567 as 1.2M.
func shortNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return fmt.Sprintf("%.1fB", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case a >= 10 || a == 0:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// Page wraps sections into a self-contained HTML document.
func Page(title string, body ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>", html.EscapeString(title))
	b.WriteString(`<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}table{border-collapse:collapse;margin:12px 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}th:first-child,td:first-child{text-align:left}figure{margin:18px 0}.note{color:#666;font-size:90%}</style></head><body>`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(title))
	for _, s := range body {
		b.WriteString(s)
		b.WriteString("\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// Table renders rows as an HTML table; the first row is the header.
func Table(rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table>")
	for i, r := range rows {
		b.WriteString("<tr>")
		tag := "td"
		if i == 0 {
			tag = "th"
		}
		for _, c := range r {
			fmt.Fprintf(&b, "<%s>%s</%s>", tag, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// Figure wraps an SVG chart with a caption.
func Figure(svg, caption string) string {
	return fmt.Sprintf("<figure>%s<figcaption class=\"note\">%s</figcaption></figure>", svg, html.EscapeString(caption))
}
