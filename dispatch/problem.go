package dispatch

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits on the size of a problem, so that a hostile file cannot ask for
// unbounded memory: ten years of 5-minute intervals and ten thousand groups.
const (
	MaxIntervals = 10 * 366 * 24 * 12
	MaxGroups    = 10_000
)

// Problem is one dispatch instance. Its JSON form (see ParseProblem and
// docs/dispatch.md) uses the snake_case keys given with each field.
type Problem struct {
	// IntervalMinutes is the length of one interval ("interval_minutes").
	IntervalMinutes int
	// Start is the beginning of interval 0 ("start", RFC 3339); zero when
	// absent. It only labels output.
	Start time.Time
	// SiteCapMW is the site's power cap ("site_cap_mw").
	SiteCapMW float64
	// AIFirmMW is the firm AI load served in every interval ("ai_firm_mw").
	AIFirmMW float64
	// AIRevenueUSDPerMWh is what the AI load earns per MWh
	// ("ai_revenue_usd_per_mwh", optional, 0 when absent). It is a constant
	// of the result, reported with it.
	AIRevenueUSDPerMWh float64
	// Groups are the curtailable ASIC groups ("groups").
	Groups []Group
	// PricesUSDPerMWh is the power price of each interval
	// ("prices_usd_per_mwh"); its length is the number of intervals.
	PricesUSDPerMWh []float64
	// PPA is the power purchase agreement ("ppa"), nil when absent.
	PPA *PPA
	// FourCP is the 4CP transmission charge ("four_cp"), nil when absent.
	FourCP *FourCP
	// DemandResponse is the demand-response commitment
	// ("demand_response"), nil when absent.
	DemandResponse *DemandResponse
}

// Group is a set of ASICs dispatched together.
type Group struct {
	// Name labels the group ("name"); unique in a problem.
	Name string
	// MaxMW is the group's full power ("max_mw").
	MaxMW float64
	// HashvalueUSDPerMWh is what one MWh of the group's power earns
	// ("hashvalue_usd_per_mwh" as a number), used when HashvalueSeries is
	// nil.
	HashvalueUSDPerMWh float64
	// HashvalueSeries is the hashvalue of each interval
	// ("hashvalue_usd_per_mwh" as an array); nil for a constant.
	HashvalueSeries []float64
	// RampMWPerInterval bounds |MW[t] − MW[t−1]| ("ramp_mw_per_interval");
	// 0 means no limit. The first interval is free.
	RampMWPerInterval float64
}

// Hashvalue returns the group's hashvalue in USD per MWh in interval t.
func (g *Group) Hashvalue(t int) float64 {
	if g.HashvalueSeries != nil {
		return g.HashvalueSeries[t]
	}
	return g.HashvalueUSDPerMWh
}

// ramped reports whether the group's ramp limit can bind.
func (g *Group) ramped() bool {
	return g.RampMWPerInterval > 0 && g.RampMWPerInterval < g.MaxMW
}

// PPA is a fixed-price power purchase agreement for MW of power in every
// interval at StrikeUSDPerMWh.
//
// With SellBack, contracted power the site does not use is sold at the
// market price: every MWh the site consumes then costs the market price at
// the margin, and the agreement settles for the constant
// Σ_t MW × hours × (price[t] − strike). Without SellBack the site pays the
// strike on MW whether it uses it or not (take or pay), and unused
// contracted energy is lost; its settlement against market-priced load is
// Σ_t hours × (price[t] × min(load[t], MW) − strike × MW). The optimiser
// values every MWh at the market price, which is exact with SellBack; without
// it the settlement is reported, not optimised (see docs/dispatch.md).
type PPA struct {
	MW              float64 // "mw"
	StrikeUSDPerMWh float64 // "strike_usd_per_mwh"
	SellBack        bool    // "sell_back"
}

// FourCP is ERCOT's four-coincident-peak transmission charge: the site pays
// ChargeUSDPerKW × 1000 × its mean load (MW) over PeakIntervals.
type FourCP struct {
	PeakIntervals  []int   // "peak_intervals", indexes into the price series
	ChargeUSDPerKW float64 // "charge_usd_per_kw"
}

// DemandResponse is a commitment to curtail CommittedMW of mining load in
// EventIntervals, paid PaymentUSDPerMWInterval per committed MW per event
// interval: during an event mining load must stay at or below the groups'
// total max_mw minus CommittedMW.
type DemandResponse struct {
	CommittedMW             float64 // "committed_mw"
	PaymentUSDPerMWInterval float64 // "payment_usd_per_mw_interval"
	EventIntervals          []int   // "event_intervals"
}

// Hours returns the length of one interval in hours.
func (p *Problem) Hours() float64 { return float64(p.IntervalMinutes) / 60 }

// Intervals returns the number of intervals.
func (p *Problem) Intervals() int { return len(p.PricesUSDPerMWh) }

// IntervalStart returns the start of interval t, or the zero time when the
// problem has no Start.
func (p *Problem) IntervalStart(t int) time.Time {
	if p.Start.IsZero() {
		return time.Time{}
	}
	return p.Start.Add(time.Duration(t) * time.Duration(p.IntervalMinutes) * time.Minute)
}

// TotalMaxMW returns the sum of the groups' max_mw.
func (p *Problem) TotalMaxMW() float64 {
	s := 0.0
	for i := range p.Groups {
		s += p.Groups[i].MaxMW
	}
	return s
}

// ErrInvalid is matched (errors.Is) by every error that reports a bad
// problem: bad JSON, an unknown key, a value out of range.
var ErrInvalid = errors.New("dispatch: invalid problem")

// FieldError is one problem with one field, named by its JSON path.
type FieldError struct {
	Path string // for example "groups[1].max_mw"; "" for the whole document
	Msg  string // what is wrong, for example "must be >= 0, got -3"
}

// Error returns "path: msg".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// InvalidError lists every problem found in a problem. It matches
// ErrInvalid and unwraps to its *FieldError values.
type InvalidError struct {
	Errs []error // the problems, each a *FieldError
}

// Error lists the problems, one a line.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("dispatch: invalid problem")
	if len(e.Errs) == 1 {
		b.WriteString(": ")
		b.WriteString(e.Errs[0].Error())
		return b.String()
	}
	b.WriteString(":")
	for _, err := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems.
func (e *InvalidError) Unwrap() []error { return e.Errs }

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// errList collects field errors.
type errList struct{ errs []error }

func (l *errList) addf(path, format string, args ...any) {
	l.errs = append(l.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return &InvalidError{Errs: l.errs}
}

// maxListed bounds how many errors of one kind a list reports, so a file
// with a million bad prices gives a readable message.
const maxListed = 20

// finite checks that v is a number (not NaN or ±Inf).
func (l *errList) finite(path string, v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		l.addf(path, "must be a finite number, got %v", v)
		return false
	}
	return true
}

// nonNegative checks that v is finite and >= 0.
func (l *errList) nonNegative(path string, v float64) {
	if l.finite(path, v) && v < 0 {
		l.addf(path, "must be >= 0, got %v", v)
	}
}

// Validate checks every field of p and returns an *InvalidError listing all
// the problems found, or nil.
func (p *Problem) Validate() error {
	var l errList
	if p.IntervalMinutes < 1 || p.IntervalMinutes > 1440 {
		l.addf("interval_minutes", "must be between 1 and 1440, got %d", p.IntervalMinutes)
	}
	l.nonNegative("site_cap_mw", p.SiteCapMW)
	l.nonNegative("ai_firm_mw", p.AIFirmMW)
	if p.AIFirmMW > p.SiteCapMW && p.SiteCapMW >= 0 {
		l.addf("ai_firm_mw", "must be <= site_cap_mw (%v), got %v", p.SiteCapMW, p.AIFirmMW)
	}
	l.finite("ai_revenue_usd_per_mwh", p.AIRevenueUSDPerMWh)
	n := len(p.PricesUSDPerMWh)
	switch {
	case n == 0:
		l.addf("prices_usd_per_mwh", "must have at least one price")
	case n > MaxIntervals:
		l.addf("prices_usd_per_mwh", "has %d prices, at most %d allowed", n, MaxIntervals)
	}
	bad := 0
	for t, v := range p.PricesUSDPerMWh {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if bad < maxListed {
				l.addf(fmt.Sprintf("prices_usd_per_mwh[%d]", t), "must be a finite number, got %v", v)
			}
			bad++
		}
	}
	if bad > maxListed {
		l.addf("prices_usd_per_mwh", "%d more prices are not finite", bad-maxListed)
	}
	p.validateGroups(&l, n)
	if p.PPA != nil {
		l.nonNegative("ppa.mw", p.PPA.MW)
		l.finite("ppa.strike_usd_per_mwh", p.PPA.StrikeUSDPerMWh)
	}
	if c := p.FourCP; c != nil {
		l.nonNegative("four_cp.charge_usd_per_kw", c.ChargeUSDPerKW)
		if len(c.PeakIntervals) == 0 {
			l.addf("four_cp.peak_intervals", "must list at least one interval")
		}
		checkIntervals(&l, "four_cp.peak_intervals", c.PeakIntervals, n)
	}
	if d := p.DemandResponse; d != nil {
		l.nonNegative("demand_response.committed_mw", d.CommittedMW)
		if total := p.TotalMaxMW(); d.CommittedMW > total && !math.IsNaN(total) {
			l.addf("demand_response.committed_mw", "must be <= the groups' total max_mw (%v), got %v", total, d.CommittedMW)
		}
		l.nonNegative("demand_response.payment_usd_per_mw_interval", d.PaymentUSDPerMWInterval)
		checkIntervals(&l, "demand_response.event_intervals", d.EventIntervals, n)
	}
	return l.err()
}

func (p *Problem) validateGroups(l *errList, n int) {
	if len(p.Groups) == 0 {
		l.addf("groups", "must list at least one group")
	}
	if len(p.Groups) > MaxGroups {
		l.addf("groups", "has %d groups, at most %d allowed", len(p.Groups), MaxGroups)
	}
	seen := map[string]int{}
	for i := range p.Groups {
		g := &p.Groups[i]
		path := fmt.Sprintf("groups[%d]", i)
		if g.Name == "" {
			l.addf(path+".name", "must not be empty")
		} else if j, dup := seen[g.Name]; dup {
			l.addf(path+".name", "%q is already the name of groups[%d]", g.Name, j)
		} else {
			seen[g.Name] = i
		}
		l.nonNegative(path+".max_mw", g.MaxMW)
		l.nonNegative(path+".ramp_mw_per_interval", g.RampMWPerInterval)
		hv := path + ".hashvalue_usd_per_mwh"
		if g.HashvalueSeries == nil {
			l.finite(hv, g.HashvalueUSDPerMWh)
			continue
		}
		if len(g.HashvalueSeries) != n {
			l.addf(hv, "has %d values, want one per price (%d)", len(g.HashvalueSeries), n)
		}
		bad := 0
		for t, v := range g.HashvalueSeries {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if bad < maxListed {
					l.addf(fmt.Sprintf("%s[%d]", hv, t), "must be a finite number, got %v", v)
				}
				bad++
			}
		}
		if bad > maxListed {
			l.addf(hv, "%d more values are not finite", bad-maxListed)
		}
	}
}

// checkIntervals checks that each index is in [0, n) and listed once.
func checkIntervals(l *errList, path string, idx []int, n int) {
	seen := make(map[int]int, len(idx))
	bad := 0
	for i, t := range idx {
		msg := ""
		if t < 0 || t >= n {
			msg = fmt.Sprintf("interval %d is out of range [0, %d)", t, n)
		} else if j, dup := seen[t]; dup {
			msg = fmt.Sprintf("interval %d is already listed at [%d]", t, j)
		} else {
			seen[t] = i
		}
		if msg != "" {
			if bad < maxListed {
				l.addf(fmt.Sprintf("%s[%d]", path, i), "%s", msg)
			}
			bad++
		}
	}
	if bad > maxListed {
		l.addf(path, "%d more intervals are out of range or repeated", bad-maxListed)
	}
}
