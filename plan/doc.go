// Package plan turns a site file and one of its strategies into monthly
// cash flows: mining revenue and energy per fleet line (a line whose
// revenue does not cover its energy in a month is switched off), the
// retrofit and its capex, AI revenue (colocation lease or GPU cloud),
// depreciation, debt, tax with loss carry-forward, free cash flow to
// equity, NPV, IRR, payback and a valuation at segment multiples.
//
// It is built for speed as well as clarity: Compile does everything that
// does not depend on the market (capex, depreciation, debt, lease
// schedule) once per strategy, and Model.Run evaluates one market Path with
// no allocation, so the Monte Carlo engine (package risk) runs the very
// same model on every simulated path. The deterministic plan is Run on
// DeterministicPath.
//
// Errors: Compile returns ErrModel (wrapped with the cause) for a site it
// cannot model; a site that passed site.Validate never produces one.
package plan
