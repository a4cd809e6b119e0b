// Package site is the site file: the YAML document that describes one
// mining site, its market, its fleet, its AI options, the retrofit, the
// finance assumptions and the strategies to compare. Load reads it
// strictly (unknown keys and duplicate keys are errors with line:column),
// fills every absent value from the sourced defaults in defaults.go, and
// validates every field, returning all problems at once as *FieldError
// values joined with errors.Join, each with the field path in the file's
// own keys (`mining.fleet[2].units: must be > 0, got -5`) and its line.
// Syntax errors are *SyntaxError. Both wrap ErrInvalid.
package site

import "time"

// Month is a calendar month, written YYYY-MM in the file.
type Month struct {
	time.Time
	raw string // the file's text when it is not a valid month
}

// Site is a whole site file after defaults are applied.
type Site struct {
	Version      int         `yaml:"version" json:"version"`
	Name         string      `yaml:"name" json:"name"`
	Start        Month       `yaml:"start" json:"start"`
	HorizonYears int         `yaml:"horizon_years" json:"horizon_years"`
	Grid         Grid        `yaml:"grid" json:"grid"`
	Power        Power       `yaml:"power" json:"power"`
	Market       Market      `yaml:"market" json:"market"`
	Mining       Mining      `yaml:"mining" json:"mining"`
	AI           AI          `yaml:"ai" json:"ai"`
	Retrofit     Retrofit    `yaml:"retrofit" json:"retrofit"`
	Finance      Finance     `yaml:"finance" json:"finance"`
	Strategies   []Strategy  `yaml:"strategies" json:"strategies"`
	Risk         Risk        `yaml:"risk" json:"risk"`
	Optimize     Optimize    `yaml:"optimize" json:"optimize"`
	Assumptions  Assumptions `yaml:"assumptions" json:"assumptions"`
	source       string      // file name, for messages
	lines        map[string]int
}

// Grid is the site's connection to the grid.
type Grid struct {
	InterconnectMW  float64 `yaml:"interconnect_mw" json:"interconnect_mw"`
	ISO             string  `yaml:"iso" json:"iso"`
	SettlementPoint string  `yaml:"settlement_point" json:"settlement_point"`
}

// Power is the all-in power price used when no price series is given.
type Power struct {
	PriceUSDPerMWh float64 `yaml:"price_usd_per_mwh" json:"price_usd_per_mwh"`
}

// Market is the state of the Bitcoin market at the start month and the
// deterministic plan's growth assumptions.
type Market struct {
	BTCPriceUSD           float64 `yaml:"btc_price_usd" json:"btc_price_usd"`
	Difficulty            float64 `yaml:"difficulty" json:"difficulty"`
	BlockHeight           int64   `yaml:"block_height" json:"block_height"`
	FeesBTCPerBlock       float64 `yaml:"fees_btc_per_block" json:"fees_btc_per_block"`
	HashrateGrowthPerYear float64 `yaml:"hashrate_growth_per_year" json:"hashrate_growth_per_year"`
	BTCPriceGrowthPerYear float64 `yaml:"btc_price_growth_per_year" json:"btc_price_growth_per_year"`
}

// Mining is the site's mining operation.
type Mining struct {
	PUE               float64     `yaml:"pue" json:"pue"`
	Uptime            float64     `yaml:"uptime" json:"uptime"`
	PoolFee           float64     `yaml:"pool_fee" json:"pool_fee"`
	OpexUSDPerMWMonth float64     `yaml:"opex_usd_per_mw_month" json:"opex_usd_per_mw_month"`
	Fleet             []FleetLine `yaml:"fleet" json:"fleet"`
	Refresh           Refresh     `yaml:"refresh" json:"refresh"`
	SalvageUSDPerTH   float64     `yaml:"salvage_usd_per_th" json:"salvage_usd_per_th"`
}

// FleetLine is a number of identical machines. TH and W override the
// catalogue's per-unit figures when > 0.
type FleetLine struct {
	Model string  `yaml:"model" json:"model"`
	Units int     `yaml:"units" json:"units"`
	TH    float64 `yaml:"th" json:"th"`
	W     float64 `yaml:"w" json:"w"`
}

// Refresh is the periodic re-purchase of the fleet.
type Refresh struct {
	EveryYears    int     `yaml:"every_years" json:"every_years"`
	CapexUSDPerTH float64 `yaml:"capex_usd_per_th" json:"capex_usd_per_th"`
}

// AI is the AI business the converted capacity runs.
type AI struct {
	Kind       string     `yaml:"kind" json:"kind"`
	Colocation Colocation `yaml:"colocation" json:"colocation"`
	GPUCloud   GPUCloud   `yaml:"gpu_cloud" json:"gpu_cloud"`
}

// AI kinds.
const (
	KindColocation = "colocation"
	KindGPUCloud   = "gpu_cloud"
)

// Colocation is a lease of critical IT capacity to a tenant.
type Colocation struct {
	RateUSDPerKWMonth float64 `yaml:"rate_usd_per_kw_month" json:"rate_usd_per_kw_month"`
	EscalatorPerYear  float64 `yaml:"escalator_per_year" json:"escalator_per_year"`
	TermYears         int     `yaml:"term_years" json:"term_years"`
	LeaseUpMonths     int     `yaml:"lease_up_months" json:"lease_up_months"`
	PowerPassThrough  bool    `yaml:"power_pass_through" json:"power_pass_through"`
	TenantCapexShare  float64 `yaml:"tenant_capex_share" json:"tenant_capex_share"`
	OpexUSDPerMWMonth float64 `yaml:"opex_usd_per_mw_month" json:"opex_usd_per_mw_month"`
}

// GPUCloud is renting out the site's own GPUs by the hour.
type GPUCloud struct {
	GPU                 string  `yaml:"gpu" json:"gpu"`
	PriceUSDPerGPUHour  float64 `yaml:"price_usd_per_gpu_hour" json:"price_usd_per_gpu_hour"`
	PriceDeclinePerYear float64 `yaml:"price_decline_per_year" json:"price_decline_per_year"`
	Utilization         float64 `yaml:"utilization" json:"utilization"`
	CapexUSDPerGPU      float64 `yaml:"capex_usd_per_gpu" json:"capex_usd_per_gpu"`
	ITKWPerGPU          float64 `yaml:"it_kw_per_gpu" json:"it_kw_per_gpu"`
	LifeYears           int     `yaml:"life_years" json:"life_years"`
	OpexUSDPerGPUMonth  float64 `yaml:"opex_usd_per_gpu_month" json:"opex_usd_per_gpu_month"`
}

// Retrofit is the conversion engineering.
type Retrofit struct {
	Cooling         string  `yaml:"cooling" json:"cooling"`
	Redundancy      string  `yaml:"redundancy" json:"redundancy"`
	Network         string  `yaml:"network" json:"network"`
	Months          int     `yaml:"months" json:"months"`
	ITMW            float64 `yaml:"it_mw" json:"it_mw"`
	CapexUSDPerMWIT float64 `yaml:"capex_usd_per_mw_it" json:"capex_usd_per_mw_it"`
}

// Finance holds discounting, tax, depreciation, debt and valuation.
type Finance struct {
	DiscountRate float64   `yaml:"discount_rate" json:"discount_rate"`
	TaxRate      float64   `yaml:"tax_rate" json:"tax_rate"`
	Depreciation string    `yaml:"depreciation" json:"depreciation"`
	Debt         Debt      `yaml:"debt" json:"debt"`
	Terminal     Terminal  `yaml:"terminal" json:"terminal"`
	Multiples    Multiples `yaml:"multiples" json:"multiples"`
}

// Debt funds a share of every capex item, amortised as an annuity.
type Debt struct {
	Share     float64 `yaml:"share" json:"share"`
	Rate      float64 `yaml:"rate" json:"rate"`
	TermYears int     `yaml:"term_years" json:"term_years"`
}

// Terminal is the value given to the site at the end of the horizon.
type Terminal struct {
	Method string `yaml:"method" json:"method"` // none | ev_ebitda
}

// Multiples are EV/EBITDA multiples by business line.
type Multiples struct {
	MiningEVEBITDA     float64 `yaml:"mining_ev_ebitda" json:"mining_ev_ebitda"`
	DatacenterEVEBITDA float64 `yaml:"datacenter_ev_ebitda" json:"datacenter_ev_ebitda"`
}

// Strategy is one way to run the site: the share of its capacity converted
// to AI and the month conversion starts.
type Strategy struct {
	Name    string  `yaml:"name" json:"name"`
	AIShare float64 `yaml:"ai_share" json:"ai_share"`
	Start   Month   `yaml:"start" json:"start"`
}
