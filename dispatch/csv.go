package dispatch

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"time"
)

// WriteCSV writes one row per interval of sol: interval, time (RFC 3339,
// empty when the problem has no start), price_usd_per_mwh, one <group>_mw
// column per group, ai_mw, site_mw and reason.
func WriteCSV(w io.Writer, p *Problem, sol *Solution) error {
	cw := csv.NewWriter(w)
	head := []string{"interval", "time", "price_usd_per_mwh"}
	for _, g := range p.Groups {
		head = append(head, g.Name+"_mw")
	}
	head = append(head, "ai_mw", "site_mw", "reason")
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for t := range p.Intervals() {
		rec[0] = strconv.Itoa(t)
		rec[1] = ""
		if !p.Start.IsZero() {
			rec[1] = p.IntervalStart(t).Format(time.RFC3339)
		}
		rec[2] = f(p.PricesUSDPerMWh[t])
		load := p.AIFirmMW
		for g := range p.Groups {
			x := math.Round(sol.MW[g][t]*1e6) / 1e6
			rec[3+g] = f(x)
			load += sol.MW[g][t]
		}
		n := 3 + len(p.Groups)
		rec[n] = f(p.AIFirmMW)
		rec[n+1] = f(math.Round(load*1e6) / 1e6)
		rec[n+2] = string(sol.Reasons[t])
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
