package dispatch

import "math"

// lagrangian is the fallback for problems whose cap binds in more intervals
// than the master problem may hold. It minimises the Lagrangian dual
// L(μ) = Σ_t μ_t·headroom_t + Σ_g max_x Σ_t (c[g,t] − μ_t)·x[t] over μ >= 0
// by projected subgradient steps (Polyak's step towards the best feasible
// objective), and keeps the feasible schedule of block coordinate ascent.
// min L(μ) is a proven upper bound, so the gap it reports is proven; it is
// not, in general, 0.
func (c *coupling) lagrangian(sol *Solution) error {
	s := c.s
	primal := c.ascent()
	lb := -fourCPConst(s.p)
	for g := range primal {
		lb += c.value(g, primal[g])
	}
	coupled := make([]int, 0)
	for t := range s.n {
		if s.total > s.head[t]+feasTol(s.head[t]) {
			coupled = append(coupled, t)
		}
	}
	mu := make([]float64, s.n)
	load := make([]float64, s.n)
	c.dmu = make([]float64, s.n)
	theta := 1.0
	sinceBest := 0
	for it := 0; it < s.opt.LagrangianIterations; it++ {
		c.iters++
		copy(c.dmu, s.d)
		bound := -fourCPConst(s.p)
		for _, t := range coupled {
			c.dmu[t] -= mu[t]
			bound += mu[t] * s.head[t]
			load[t] = 0
		}
		for g := range s.ng {
			bound += s.groupDP(g, c.dmu, c.cbuf, c.xbuf)
			for _, t := range coupled {
				load[t] += c.xbuf[t]
			}
		}
		if bound < c.ub {
			c.ub = bound
			sinceBest = 0
		} else if sinceBest++; sinceBest >= 10 {
			theta /= 2
			sinceBest = 0
		}
		gap := c.ub - lb
		if gap <= 1e-10*max(1, math.Abs(lb)) {
			break
		}
		norm := 0.0
		for _, t := range coupled {
			sg := load[t] - s.head[t]
			if mu[t] == 0 && sg < 0 {
				continue
			}
			norm += sg * sg
		}
		if norm == 0 {
			break
		}
		step := theta * (bound - lb) / norm
		for _, t := range coupled {
			mu[t] = max(0, mu[t]+step*(load[t]-s.head[t]))
		}
	}
	for g := range primal {
		copy(sol.MW[g], primal[g])
	}
	sol.Method = MethodLagrangian
	sol.Iterations = c.iters
	sol.UpperBoundUSD = c.ub
	return nil
}
