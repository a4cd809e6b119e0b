package dispatch

import "math"

// lagrangian is the fallback for problems whose cap binds in more intervals
// than the master problem may hold. It minimises the Lagrangian dual
// L(μ) = Σ_t μ_t·headroom_t + Σ_g max_x Σ_t (c[g,t] − μ_t)·x[t] over μ >= 0
// by projected subgradient steps (Polyak's step towards the incumbent's
// objective, halved when the bound stalls), and keeps the incumbent of
// block coordinate ascent as the schedule. min L(μ) is a proven upper
// bound, so the gap is proven; it is not, in general, 0.
func (c *coupling) lagrangian() {
	s := c.s
	var coupled []int
	for t := range s.n {
		if s.total > s.head[t]+feasTol(s.head[t]) {
			coupled = append(coupled, t)
		}
	}
	mu := make([]float64, s.n)
	load := make([]float64, s.n)
	theta := 1.0
	sinceBest := 0
	for it := 0; it < s.opt.LagrangianIterations && !c.closed() && c.work < s.opt.MaxWork; it++ {
		c.iters++
		c.work += s.ng * s.n
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
		norm := 0.0
		for _, t := range coupled {
			if sg := load[t] - s.head[t]; mu[t] > 0 || sg > 0 {
				norm += sg * sg
			}
		}
		if norm == 0 {
			break
		}
		step := theta * max(bound-c.incObj, 1e-9*max(1, math.Abs(bound))) / norm
		for _, t := range coupled {
			mu[t] = max(0, mu[t]+step*(load[t]-s.head[t]))
		}
	}
}
