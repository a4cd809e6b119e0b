package plan

import (
	"math"

	"github.com/hashpivot/hashpivot/site"
)

// Path is one future of the market, month by month. Every slice has one
// entry per modelled month.
type Path struct {
	BTCPriceUSD    []float64 // BTC price, USD
	Difficulty     []float64 // network difficulty
	FeesBTC        []float64 // fees per block, BTC
	PowerUSDPerMWh []float64 // all-in power price, USD/MWh
	GPUPriceFactor []float64 // GPU rental price ÷ its deterministic decline path (1 = as planned)
	LeaseFactor    []float64 // share of the colocation lease paying (0 while a defaulted tenant is replaced)
}

// NewPath allocates a path of n months with the factors at 1.
func NewPath(n int) *Path {
	p := &Path{
		BTCPriceUSD:    make([]float64, n),
		Difficulty:     make([]float64, n),
		FeesBTC:        make([]float64, n),
		PowerUSDPerMWh: make([]float64, n),
		GPUPriceFactor: make([]float64, n),
		LeaseFactor:    make([]float64, n),
	}
	for i := range n {
		p.GPUPriceFactor[i], p.LeaseFactor[i] = 1, 1
	}
	return p
}

// Months returns the site's number of modelled months.
func Months(s *site.Site) int { return s.HorizonYears * 12 }

// DeterministicPath is the plan's own market: difficulty and BTC price
// grow monthly at (1+g)^(1/12) from their start values (month 0 is the
// start value), fees and power stay at the site's figures.
func DeterministicPath(s *site.Site) *Path {
	n := Months(s)
	p := NewPath(n)
	gd := math.Pow(1+s.Market.HashrateGrowthPerYear, 1.0/12)
	gp := math.Pow(1+s.Market.BTCPriceGrowthPerYear, 1.0/12)
	d, pr := s.Market.Difficulty, s.Market.BTCPriceUSD
	for i := range n {
		p.Difficulty[i] = d
		p.BTCPriceUSD[i] = pr
		p.FeesBTC[i] = s.Market.FeesBTCPerBlock
		p.PowerUSDPerMWh[i] = s.Power.PriceUSDPerMWh
		d *= gd
		pr *= gp
	}
	return p
}
