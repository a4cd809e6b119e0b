package dispatch

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// randomMaster builds an LP shaped like the Dantzig-Wolfe master: convexity
// rows, capacity rows with slacks, many degenerate columns.
func randomMaster(rng *rand.Rand, groups, rows, cols int) ([]float64, []mcol) {
	b := make([]float64, groups+rows)
	for g := range groups {
		b[g] = 1
	}
	for k := range rows {
		b[groups+k] = float64(rng.IntN(50))
	}
	var out []mcol
	for g := range groups {
		out = append(out, mcol{idx: []int{g}, val: []float64{1}})
	}
	for k := range rows {
		out = append(out, mcol{idx: []int{groups + k}, val: []float64{1}})
	}
	for range cols {
		g := rng.IntN(groups)
		c := mcol{idx: []int{g}, val: []float64{1}}
		lvl := float64(rng.IntN(40))
		for k := range rows {
			if rng.IntN(3) == 0 {
				lvl = float64(rng.IntN(40))
			}
			if lvl != 0 {
				c.idx = append(c.idx, groups+k)
				c.val = append(c.val, lvl)
			}
			c.cost += lvl * float64(rng.IntN(20)-5)
		}
		out = append(out, c)
	}
	return b, out
}

func glpsolLP(t *testing.T, b []float64, cols []mcol) float64 {
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (Debian package glpk-utils)")
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "Maximize\n obj:")
	for j, c := range cols {
		fmt.Fprintf(&w, " %+.17g l%d\n", c.cost, j)
	}
	fmt.Fprintf(&w, "Subject To\n")
	rows := make([][]string, len(b))
	for j, c := range cols {
		for k, i := range c.idx {
			rows[i] = append(rows[i], fmt.Sprintf(" %+.17g l%d", c.val[k], j))
		}
	}
	for i, r := range rows {
		fmt.Fprintf(&w, " r%d:", i)
		for _, s := range r {
			fmt.Fprintf(&w, "%s\n", s)
		}
		fmt.Fprintf(&w, " = %.17g\n", b[i])
	}
	fmt.Fprintf(&w, "End\n")
	dir := t.TempDir()
	lp := filepath.Join(dir, "m.lp")
	os.WriteFile(lp, w.Bytes(), 0o600)
	out := filepath.Join(dir, "m.sol")
	if o, err := exec.Command("glpsol", "--lp", lp, "-w", out).CombinedOutput(); err != nil {
		t.Fatalf("glpsol: %v %s", err, o)
	}
	v, err := readGLPKObjective(out)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSimplexMatchesGLPK(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 40 {
		groups, rows := 1+rng.IntN(6), 1+rng.IntN(60)
		b, cols := randomMaster(rng, groups, rows, 10+rng.IntN(300))
		s := newSimplex(b)
		for j, c := range cols {
			s.addCol(c)
			if j < groups+rows {
				s.setBasic(j, j)
			}
		}
		piv, err := s.solve(1e-9, 100000)
		if err != nil {
			t.Fatal(err)
		}
		got := s.objective()
		want := glpsolLP(t, b, cols)
		if math.Abs(got-want) > 1e-7*max(1, math.Abs(want)) {
			t.Errorf("trial %d (%d groups, %d rows, %d cols): simplex = %v after %d pivots, glpsol = %v", trial, groups, rows, len(cols), got, piv, want)
		}
	}
}
