package site

// Risk is the stochastic market model of `hashpivot risk`.
type Risk struct {
	Paths      int          `yaml:"paths" json:"paths"`
	Seed       uint64       `yaml:"seed" json:"seed"`
	BTC        RiskBTC      `yaml:"btc" json:"btc"`
	HistoryCSV string       `yaml:"history_csv" json:"history_csv"`
	Hashrate   RiskHashrate `yaml:"hashrate" json:"hashrate"`
	Fees       RiskFees     `yaml:"fees" json:"fees"`
	Power      RiskPower    `yaml:"power" json:"power"`
	GPUPrice   RiskGPUPrice `yaml:"gpu_price" json:"gpu_price"`
	Tenant     RiskTenant   `yaml:"tenant" json:"tenant"`
}

// BTC price models.
const (
	BTCModelGBM       = "gbm"
	BTCModelBootstrap = "bootstrap"
)

// RiskBTC is the BTC price process. DriftPerYear is the expected annual
// growth (E[P_12]/P_0 - 1).
type RiskBTC struct {
	Model        string  `yaml:"model" json:"model"`
	DriftPerYear float64 `yaml:"drift_per_year" json:"drift_per_year"`
	VolPerYear   float64 `yaml:"vol_per_year" json:"vol_per_year"`
	BlockMonths  int     `yaml:"block_months" json:"block_months"`
}

// RiskHashrate is the network hashrate process.
type RiskHashrate struct {
	GrowthPerYear float64 `yaml:"growth_per_year" json:"growth_per_year"`
	Elasticity    float64 `yaml:"elasticity" json:"elasticity"`
	VolPerYear    float64 `yaml:"vol_per_year" json:"vol_per_year"`
}

// RiskFees is the fee-per-block process (lognormal around the mean).
type RiskFees struct {
	MeanBTCPerBlock float64 `yaml:"mean_btc_per_block" json:"mean_btc_per_block"`
	VolPerYear      float64 `yaml:"vol_per_year" json:"vol_per_year"`
}

// RiskPower is the power price process (Ornstein–Uhlenbeck on the log).
type RiskPower struct {
	MeanUSDPerMWh    float64 `yaml:"mean_usd_per_mwh" json:"mean_usd_per_mwh"`
	ReversionPerYear float64 `yaml:"reversion_per_year" json:"reversion_per_year"`
	VolPerYear       float64 `yaml:"vol_per_year" json:"vol_per_year"`
}

// RiskGPUPrice is the GPU rental price process.
type RiskGPUPrice struct {
	DeclinePerYear float64 `yaml:"decline_per_year" json:"decline_per_year"`
	VolPerYear     float64 `yaml:"vol_per_year" json:"vol_per_year"`
}

// RiskTenant is the colocation tenant's credit risk.
type RiskTenant struct {
	DefaultProbPerYear float64 `yaml:"default_prob_per_year" json:"default_prob_per_year"`
	ReleasingMonths    int     `yaml:"releasing_months" json:"releasing_months"`
}

// Optimize is the search space and objective of `hashpivot optimize`.
type Optimize struct {
	AIShare            Range      `yaml:"ai_share" json:"ai_share"`
	Start              MonthRange `yaml:"start" json:"start"`
	Objective          string     `yaml:"objective" json:"objective"`
	RiskAversion       float64    `yaml:"risk_aversion" json:"risk_aversion"`
	MaxLossProbability float64    `yaml:"max_loss_probability" json:"max_loss_probability"`
}

// Optimiser objectives.
const (
	ObjectiveMean          = "mean"
	ObjectiveP50           = "p50"
	ObjectiveMeanMinusCVaR = "mean_minus_cvar"
)

// Range is an inclusive grid min, min+step, …, max.
type Range struct {
	Min  float64 `yaml:"min" json:"min"`
	Max  float64 `yaml:"max" json:"max"`
	Step float64 `yaml:"step" json:"step"`
}

// MonthRange is an inclusive grid of months.
type MonthRange struct {
	From       Month `yaml:"from" json:"from"`
	To         Month `yaml:"to" json:"to"`
	StepMonths int   `yaml:"step_months" json:"step_months"`
}
