package dispatch

import (
	"bufio"
	"io"
	"strconv"
)

// WriteLP writes p as a linear programme in CPLEX LP format, as read by
// `glpsol --lp`, for an independent check of Solve. Variable x<g>_<t> is
// group g's MW in interval t. The LP's objective omits the constant 4CP
// charge of the AI load: objective_usd = LP objective − LPConstantUSD(p).
// Rows: cap<t> (site cap and demand-response limit, where they can bind),
// up<g>_<t> and dn<g>_<t> (ramp limits).
func (p *Problem) WriteLP(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	s := newSolver(p, Options{})
	buf := make([]byte, 0, 64)
	name := func(g, t int) []byte {
		buf = append(buf[:0], 'x')
		buf = strconv.AppendInt(buf, int64(g), 10)
		buf = append(buf, '_')
		buf = strconv.AppendInt(buf, int64(t), 10)
		return buf
	}
	num := func(v float64) {
		bw.WriteString(strconv.FormatFloat(v, 'g', 17, 64))
	}
	bw.WriteString("\\ hashpivot dispatch problem\nMaximize\n obj:")
	c := make([]float64, s.n)
	terms := 0
	for g := range p.Groups {
		s.coef(g, s.d, c)
		for t, v := range c {
			if v == 0 {
				continue
			}
			if v >= 0 {
				bw.WriteString(" + ")
			} else {
				bw.WriteString(" - ")
			}
			num(abs(v))
			bw.WriteByte(' ')
			bw.Write(name(g, t))
			if terms++; terms%8 == 0 {
				bw.WriteString("\n")
			}
		}
	}
	if terms == 0 {
		bw.WriteString(" 0 x0_0")
	}
	bw.WriteString("\nSubject To\n")
	for t := range s.n {
		if s.total <= s.head[t] {
			continue
		}
		bw.WriteString(" cap")
		bw.WriteString(strconv.Itoa(t))
		bw.WriteString(":")
		for g := range p.Groups {
			bw.WriteString(" + ")
			bw.Write(name(g, t))
			if (g+1)%10 == 0 {
				bw.WriteString("\n")
			}
		}
		bw.WriteString(" <= ")
		num(s.head[t])
		bw.WriteString("\n")
	}
	for g := range p.Groups {
		gr := &p.Groups[g]
		if !gr.ramped() {
			continue
		}
		for t := 1; t < s.n; t++ {
			for _, dir := range []string{"up", "dn"} {
				bw.WriteString(" ")
				bw.WriteString(dir)
				bw.WriteString(strconv.Itoa(g))
				bw.WriteString("_")
				bw.WriteString(strconv.Itoa(t))
				bw.WriteString(": ")
				a, b := t, t-1
				if dir == "dn" {
					a, b = t-1, t
				}
				bw.Write(name(g, a))
				bw.WriteString(" - ")
				bw.Write(name(g, b))
				bw.WriteString(" <= ")
				num(gr.RampMWPerInterval)
				bw.WriteString("\n")
			}
		}
	}
	bw.WriteString("Bounds\n")
	for g := range p.Groups {
		for t := range s.n {
			bw.WriteString(" 0 <= ")
			bw.Write(name(g, t))
			bw.WriteString(" <= ")
			num(p.Groups[g].MaxMW)
			bw.WriteString("\n")
		}
	}
	bw.WriteString("End\n")
	return bw.Flush()
}

// LPConstantUSD is the constant that WriteLP leaves out of the LP's
// objective: the 4CP charge of the AI load.
func LPConstantUSD(p *Problem) float64 { return fourCPConst(p) }

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
