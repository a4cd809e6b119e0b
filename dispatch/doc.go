// Package dispatch allocates a hybrid site's power interval by interval:
// firm AI load is served first, and each group of curtailable ASICs runs at a
// level in [0, max_mw] that maximises
//
//	Σ_t Σ_g MW[g,t] × hours × (hashvalue[g,t] − price[t])  −  4CP charge
//
// subject to the site power cap, ramp limits, and demand-response
// commitments. The 4CP charge is charge_usd_per_kw × 1000 × the mean site
// load over the peak intervals, so it is linear in the load and adds
// charge × 1000 / len(peaks) USD per MW to each peak interval.
//
// The optimiser is exact. Without ramp limits the intervals are independent
// and a merit order per interval is optimal. With ramp limits, each group
// is solved on its own by dynamic programming over a concave
// piecewise-linear value function; if the schedules respect the cap
// together they are optimal. Otherwise the cap couples the groups, and
// Solve runs Dantzig-Wolfe column generation over windows around the
// intervals where the cap binds: each group's ramp DP prices the columns of
// a master linear programme, and the Lagrangian of the cap, evaluated over
// the whole horizon at the masters' duals, bounds the optimum. Every answer
// carries GapUSD, the difference between that upper bound and the
// objective of the schedule returned: 0 where the method is exact by
// construction or has converged, a proven bound otherwise (a work budget,
// or the Lagrangian fallback for caps that bind almost everywhere).
//
// Errors: ParseProblem and Validate return an *InvalidError (matching
// ErrInvalid with errors.Is) that lists every problem found, each a
// *FieldError naming the JSON field path, for example
// "groups[1].max_mw: must be >= 0, got -3". Syntax errors in the JSON name
// the line and column.
package dispatch
