package dispatch

import (
	"errors"
	"math"
)

// This file holds a small dense revised simplex for the Dantzig-Wolfe
// master problem: maximise cᵀλ subject to Aλ = b, λ >= 0, started from a
// feasible basis made of unit columns. The basis inverse is kept explicitly
// and updated by pivoting; it is recomputed from the basis columns every
// m pivots to bound rounding errors. Dantzig pricing, with Bland's rule
// after a run of degenerate pivots so that it cannot cycle.

// pivotTol is the smallest pivot element accepted.
const pivotTol = 1e-7

var errMasterUnbounded = errors.New("dispatch: master problem unbounded")

// mcol is a sparse column of the master problem.
type mcol struct {
	cost float64
	idx  []int
	val  []float64
}

type simplex struct {
	m     int
	b     []float64
	cols  []mcol
	basis []int // column of each row's basic variable
	pos   []int // row of each basic column, -1 if nonbasic
	binv  []float64
	beta  []float64
	y     []float64
	alpha []float64
	since int // pivots since the last reinversion
	next  int // where partial pricing starts
}

// newSimplex returns a problem with rhs b and no columns. The caller adds
// one unit column per row with addCol and marks it basic with setBasic.
func newSimplex(b []float64) *simplex {
	m := len(b)
	s := &simplex{m: m, b: append([]float64(nil), b...), basis: make([]int, m),
		binv: make([]float64, m*m), beta: append([]float64(nil), b...),
		y: make([]float64, m), alpha: make([]float64, m)}
	for i := range m {
		s.basis[i] = -1
		s.binv[i*m+i] = 1
	}
	return s
}

func (s *simplex) addCol(c mcol) int {
	s.cols = append(s.cols, c)
	s.pos = append(s.pos, -1)
	return len(s.cols) - 1
}

// setBasic makes column j, which must be the unit vector of row i, basic in
// row i.
func (s *simplex) setBasic(i, j int) {
	s.basis[i] = j
	s.pos[j] = i
}

// value returns the value of column j in the current basic solution.
func (s *simplex) value(j int) float64 {
	if i := s.pos[j]; i >= 0 {
		return s.beta[i]
	}
	return 0
}

func (s *simplex) objective() float64 {
	v := 0.0
	for i, j := range s.basis {
		v += s.cols[j].cost * s.beta[i]
	}
	return v
}

// duals computes y = c_Bᵀ B⁻¹.
func (s *simplex) duals() []float64 {
	m := s.m
	clear(s.y)
	for i, j := range s.basis {
		cb := s.cols[j].cost
		if cb == 0 {
			continue
		}
		row := s.binv[i*m : i*m+m]
		for k, v := range row {
			s.y[k] += cb * v
		}
	}
	return s.y
}

func (s *simplex) reducedCost(j int) float64 {
	c := &s.cols[j]
	d := c.cost
	for k, i := range c.idx {
		d -= s.y[i] * c.val[k]
	}
	return d
}

// solve pivots to optimality (or maxPivots) and returns the number of
// pivots made.
func (s *simplex) solve(tol float64, maxPivots int) (int, error) {
	m := s.m
	degenerate := 0
	fresh := false // s.y holds c_B B⁻¹ for the current basis
	for piv := 0; piv < maxPivots; piv++ {
		if s.since >= max(m, 50) {
			if err := s.reinvert(); err != nil {
				return piv, err
			}
			fresh = false
		}
		if !fresh {
			s.duals()
			fresh = true
		}
		bland := degenerate > 50
		q, best := -1, tol
		if bland {
			// Bland's rule: the first improving column.
			for j := range s.cols {
				if s.pos[j] < 0 {
					if d := s.reducedCost(j); d > best {
						q, best = j, d
						break
					}
				}
			}
		} else {
			// Partial pricing: the best column of the first chunk (from
			// where the last search stopped) that has an improving one.
			n := len(s.cols)
			chunk := max(64, n/8)
			for done := 0; done < n && q < 0; done += chunk {
				for k := done; k < min(n, done+chunk); k++ {
					j := (s.next + k) % n
					if s.pos[j] < 0 {
						if d := s.reducedCost(j); d > best {
							q, best = j, d
						}
					}
				}
				if q >= 0 {
					s.next = (s.next + min(n, done+chunk)) % n
				}
			}
		}
		if q < 0 {
			if s.since < max(m, 50)/2 {
				return piv, nil
			}
			// Confirm optimality with a fresh inverse.
			if err := s.reinvert(); err != nil {
				return piv, err
			}
			fresh = false
			piv--
			continue
		}
		// alpha = B⁻¹ a_q
		c := &s.cols[q]
		for i := range m {
			row := s.binv[i*m : i*m+m]
			a := 0.0
			for k, r := range c.idx {
				a += row[r] * c.val[k]
			}
			s.alpha[i] = a
		}
		r, theta := -1, math.Inf(1)
		for i, a := range s.alpha {
			if a <= pivotTol {
				continue
			}
			th := max(s.beta[i], 0) / a
			switch {
			case r < 0 || th < theta-1e-12:
				r, theta = i, th
			case th <= theta+1e-12:
				if bland && s.basis[i] < s.basis[r] || !bland && a > s.alpha[r] {
					r, theta = i, th
				}
			}
		}
		if r < 0 {
			return piv, errMasterUnbounded
		}
		// A pivot that barely moves the objective counts as degenerate.
		if theta*best <= 1e-12*(1+math.Abs(s.objective())) {
			degenerate++
		} else {
			degenerate = 0
		}
		s.pivot(r, q, theta)
		// The duals follow the pivot: y' = y + d_q × (new row r of B⁻¹).
		for k, v := range s.binv[r*m : r*m+m] {
			s.y[k] += best * v
		}
	}
	return maxPivots, nil
}

// dualSolve restores primal feasibility from a dual feasible basis (after
// the right-hand side changed) by dual simplex pivots, and reports whether
// it reached a basis that is both primal and dual feasible.
func (s *simplex) dualSolve(maxPivots int) bool {
	m := s.m
	for range maxPivots {
		r := -1
		for i, v := range s.beta {
			if v < -1e-9 && (r < 0 || v < s.beta[r]) {
				r = i
			}
		}
		if r < 0 {
			return true
		}
		s.duals()
		row := s.binv[r*m : r*m+m]
		q, best := -1, math.Inf(1)
		for j := range s.cols {
			if s.pos[j] >= 0 {
				continue
			}
			c := &s.cols[j]
			a := 0.0
			for k, i := range c.idx {
				a += row[i] * c.val[k]
			}
			if a >= -pivotTol {
				continue
			}
			if ratio := min(0, s.reducedCost(j)) / a; ratio < best {
				q, best = j, ratio
			}
		}
		if q < 0 {
			return false
		}
		c := &s.cols[q]
		for i := range m {
			ri := s.binv[i*m : i*m+m]
			a := 0.0
			for k, rr := range c.idx {
				a += ri[rr] * c.val[k]
			}
			s.alpha[i] = a
		}
		s.pivot(r, q, s.beta[r]/s.alpha[r])
	}
	return false
}

func (s *simplex) pivot(r, q int, theta float64) {
	m := s.m
	ar := s.alpha[r]
	prow := s.binv[r*m : r*m+m]
	for k := range prow {
		prow[k] /= ar
	}
	for i, a := range s.alpha {
		if i == r || a == 0 {
			continue
		}
		row := s.binv[i*m : i*m+m]
		for k, v := range prow {
			row[k] -= a * v
		}
		s.beta[i] -= a * theta
		if s.beta[i] < 0 && s.beta[i] > -1e-9 {
			s.beta[i] = 0
		}
	}
	s.beta[r] = theta
	s.pos[s.basis[r]] = -1
	s.basis[r] = q
	s.pos[q] = r
	s.since++
}

// reinvert recomputes B⁻¹ from the basis columns by Gauss-Jordan
// elimination with partial pivoting, and the basic values from it.
func (s *simplex) reinvert() error {
	m := s.m
	a := make([]float64, m*m)
	for i, j := range s.basis {
		c := &s.cols[j]
		for k, r := range c.idx {
			a[r*m+i] = c.val[k]
		}
	}
	inv := s.binv
	clear(inv)
	for i := range m {
		inv[i*m+i] = 1
	}
	for col := range m {
		p, best := -1, 0.0
		for r := col; r < m; r++ {
			if v := math.Abs(a[r*m+col]); v > best {
				p, best = r, v
			}
		}
		if p < 0 || best < 1e-12 {
			return errors.New("dispatch: singular master basis")
		}
		if p != col {
			for k := range m {
				a[p*m+k], a[col*m+k] = a[col*m+k], a[p*m+k]
				inv[p*m+k], inv[col*m+k] = inv[col*m+k], inv[p*m+k]
			}
		}
		d := a[col*m+col]
		for k := range m {
			a[col*m+k] /= d
			inv[col*m+k] /= d
		}
		for r := range m {
			f := a[r*m+col]
			if r == col || f == 0 {
				continue
			}
			for k := range m {
				a[r*m+k] -= f * a[col*m+k]
				inv[r*m+k] -= f * inv[col*m+k]
			}
		}
	}
	for i := range m {
		v := 0.0
		row := inv[i*m : i*m+m]
		for k, bk := range s.b {
			v += row[k] * bk
		}
		if v < 0 && v > -1e-9 {
			v = 0
		}
		s.beta[i] = v
	}
	s.since = 0
	return nil
}
