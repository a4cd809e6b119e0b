// Package risk is hashpivot's Monte Carlo engine: it draws thousands of
// monthly market paths (BTC price, network difficulty that follows
// profitability, fees, power price, GPU rental price, tenant default), runs
// every strategy of a site on each of them with the very model of package
// plan, and measures the spread of outcomes: NPV mean, spread and
// quantiles, IRR quantiles, the probability of losing money, CVaR, the
// volatility of monthly EBITDA (the "stable revenue" claim, measured), the
// cash a strategy may need and DSCR breaches. Optimize searches the AI
// share and the conversion start for the best risk-adjusted value, and
// Calibrate estimates the market model from price and difficulty history.
//
// The market model (site file section risk:, monthly steps, month 0 is the
// start state):
//
//	BTC price   GBM: ln P_{i+1} - ln P_i = ln(1+drift)/12 - σ²/24 + σ/√12 z
//	            (E[P_12]/P_0 = 1 + drift), or a circular block bootstrap of
//	            historical monthly log returns re-centred on the same drift
//	difficulty  ln D_{i+1} - ln D_i = ln(1+g)/12 + elasticity × ln(hp_i/hp_0)
//	            - σ_h²/24 + σ_h/√12 z, hp the hashprice
//	fees        lognormal around the mean each month, σ_f/√12 in log
//	power       Ornstein–Uhlenbeck on the log price around the mean, exact
//	            monthly discretisation, E[price] = mean
//	GPU price   the plan's decline path × (1-d_risk)^(i/12)/(1-d_plan)^(i/12)
//	            × a martingale of lognormal shocks
//	tenant      a default each month with probability 1-(1-p)^(1/12) while a
//	            tenant is in place: no lease revenue (and no IT power) for
//	            releasing_months, then re-leased at the then-current rate
//
// With every volatility 0, elasticity 0 and tenant default 0, each path
// equals plan.DeterministicPath and the risk NPV equals the plan NPV.
//
// Reproducibility: path j draws from its own generator, NewStream(seed, j)
// (SplitMix64; normal variates by the ziggurat method, see normal.go), and
// every reduction over paths runs in path order, so one seed gives
// byte-identical results for any number of workers; the AVX2 kernels
// repeat the Go loops' operations, so also with or without them. All strategies and optimiser candidates are
// evaluated on the same paths (common random numbers).
//
// Memory: per-path arrays of NPV, IRR and lowest cash are kept (paths
// sized); monthly statistics are streamed (sums in path order, fan charts
// in per-month histograms), never paths × months.
//
// Errors: Simulate, Optimize and Calibrate return errors wrapping
// ErrInvalid for settings or data they cannot use (with the site file's
// field path where there is one), plan.ErrModel for a strategy plan cannot
// compile, and the context's error when cancelled. Every message starts
// with "risk: ".
package risk
