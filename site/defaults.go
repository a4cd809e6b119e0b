package site

// This file is the one table of default numbers (ASIC specs live in
// asic/catalog.go). Each carries its source and date; every one can be
// overridden in the site file under the key shown in docs/site-file.md.

// Assumptions are engineering and cost figures that the site file
// does not name but that the model needs; override any of them under
// `assumptions:` in the site file.
type Assumptions struct {
	CoolingPUE               ByCooling    `yaml:"cooling_pue" json:"cooling_pue"`
	CoolingCapexUSDPerMW     ByCooling    `yaml:"cooling_capex_usd_per_mw" json:"cooling_capex_usd_per_mw"`
	ElectricalCapexUSDPerMW  float64      `yaml:"electrical_capex_usd_per_mw" json:"electrical_capex_usd_per_mw"`
	RedundancyCapexFactor    ByRedundancy `yaml:"redundancy_capex_factor" json:"redundancy_capex_factor"`
	RedundancyUsableFraction ByRedundancy `yaml:"redundancy_usable_fraction" json:"redundancy_usable_fraction"`
	ShellFitoutUSDPerMW      float64      `yaml:"shell_fitout_usd_per_mw" json:"shell_fitout_usd_per_mw"`
	FabricUSDPerGPU          ByNetwork    `yaml:"fabric_usd_per_gpu" json:"fabric_usd_per_gpu"`
	ColocationKWPerGPU       float64      `yaml:"colocation_kw_per_gpu" json:"colocation_kw_per_gpu"`
	ASICClassYears           int          `yaml:"asic_class_years" json:"asic_class_years"`
	GPUClassYears            int          `yaml:"gpu_class_years" json:"gpu_class_years"`
	RetrofitClassYears       int          `yaml:"retrofit_class_years" json:"retrofit_class_years"`
}

// ByCooling is one number per cooling technology.
type ByCooling struct {
	Air          float64 `yaml:"air" json:"air"`
	RearDoor     float64 `yaml:"rear_door" json:"rear_door"`
	DirectLiquid float64 `yaml:"direct_liquid" json:"direct_liquid"`
	Immersion    float64 `yaml:"immersion" json:"immersion"`
}

// Get returns the value for a cooling key (false if unknown).
func (b ByCooling) Get(k string) (float64, bool) {
	switch k {
	case CoolingAir:
		return b.Air, true
	case CoolingRearDoor:
		return b.RearDoor, true
	case CoolingDirectLiquid:
		return b.DirectLiquid, true
	case CoolingImmersion:
		return b.Immersion, true
	}
	return 0, false
}

// ByRedundancy is one number per electrical redundancy level.
type ByRedundancy struct {
	N      float64 `yaml:"n" json:"n"`
	NPlus1 float64 `yaml:"n_plus_1" json:"n_plus_1"`
	TwoN   float64 `yaml:"2n" json:"2n"`
}

// Get returns the value for a redundancy key (false if unknown).
func (b ByRedundancy) Get(k string) (float64, bool) {
	switch k {
	case RedundancyN:
		return b.N, true
	case RedundancyNPlus1:
		return b.NPlus1, true
	case Redundancy2N:
		return b.TwoN, true
	}
	return 0, false
}

// ByNetwork is one number per network fabric.
type ByNetwork struct {
	None         float64 `yaml:"none" json:"none"`
	EthernetRoCE float64 `yaml:"ethernet_roce" json:"ethernet_roce"`
	InfiniBand   float64 `yaml:"infiniband" json:"infiniband"`
}

// Get returns the value for a network key (false if unknown).
func (b ByNetwork) Get(k string) (float64, bool) {
	switch k {
	case NetworkNone:
		return b.None, true
	case NetworkEthernetRoCE:
		return b.EthernetRoCE, true
	case NetworkInfiniBand:
		return b.InfiniBand, true
	}
	return 0, false
}

// Enumerations of the retrofit section.
const (
	CoolingAir          = "air"
	CoolingRearDoor     = "rear_door"
	CoolingDirectLiquid = "direct_liquid"
	CoolingImmersion    = "immersion"

	RedundancyN      = "n"
	RedundancyNPlus1 = "n_plus_1"
	Redundancy2N     = "2n"

	NetworkNone         = "none"
	NetworkEthernetRoCE = "ethernet_roce"
	NetworkInfiniBand   = "infiniband"
)

// Default returns a site with every default filled in; Load decodes the
// file over it, so a key the file leaves out keeps its default.
func Default() Site {
	return Site{
		Version:      1,
		HorizonYears: 10,
		Power: Power{
			// ERCOT West hub real-time average 2024 was about $30/MWh;
			// all-in with transmission and fees miners report $35–45
			// (Riot Platforms 2024 10-K: all-in power cost 3.8 ¢/kWh
			// before credits). Source: ERCOT market reports; 10-K, 2025-02.
			PriceUSDPerMWh: 40,
		},
		Market: Market{
			// Growth of the network hashrate: +~45%/yr 2023–2025 (difficulty
			// 35T Jan 2023 → 112T Mar 2025, mempool.space); a planning
			// default of 20%/yr as in the example, 2026-11.
			HashrateGrowthPerYear: 0.20,
			BTCPriceGrowthPerYear: 0,
		},
		Mining: Mining{
			// Air-cooled mining halls run at PUE 1.03–1.08 (fans in the
			// machines count as IT). Source: Uptime/industry, 2024.
			PUE: 1.05,
			// Fleet uptime 95–98% reported by public miners (CleanSpark,
			// Cipher 2024 10-Ks). 2025-02.
			Uptime: 0.97,
			// FPPS pool fees 0–2.5% (Foundry USA, Antpool terms), 2025.
			PoolFee: 0.02,
			// Non-power site opex (staff, repairs, insurance) of public
			// miners, ~$5–8/MWh ≈ $4k–6k per MW-month (Riot, CleanSpark
			// 2024 10-K cost of revenue less power); estimate, 2025-02.
			OpexUSDPerMWMonth: 5000,
			Refresh: Refresh{
				EveryYears: 0,
				// New-generation ASIC price ~$14–18/TH (Hashrate Index ASIC
				// price index, 2025-06).
				CapexUSDPerTH: 16,
			},
			// Used S19-class resale ~$2–4/TH (Hashrate Index, 2025-06).
			SalvageUSDPerTH: 2,
		},
		AI: AI{
			Kind: KindColocation,
			Colocation: Colocation{
				// Core Scientific–CoreWeave: ~$8.7B over 12 years for ~590 MW
				// of critical IT (press releases, 2024-06…2024-09):
				// 8.7e9 / (590,000 kW × 144 months) ≈ $102/kW-month.
				RateUSDPerKWMonth: 102,
				// 2–3% fixed escalators are market standard (CBRE North
				// America Data Center Trends H1 2025).
				EscalatorPerYear: 0.03,
				TermYears:        12,
				LeaseUpMonths:    6,
				PowerPassThrough: true,
				TenantCapexShare: 0,
				// Landlord opex excl. power, ~$15–25k per MW-month
				// (operating cost benchmarks, Uptime Institute 2024); estimate.
				OpexUSDPerMWMonth: 20000,
			},
			GPUCloud: GPUCloud{
				GPU: "h100",
				// H100 SXM on-demand $2–3/GPU-hour at neoclouds in 2025
				// (Lambda, CoreWeave public price lists, 2025-10).
				PriceUSDPerGPUHour:  2.20,
				PriceDeclinePerYear: 0.20,
				Utilization:         0.70,
				// 8-GPU HGX H100 server ~$300–350k + fabric share (SemiAnalysis
				// H100 TCO, 2024): ~$45k per GPU.
				CapexUSDPerGPU: 45000,
				// DGX H100 max 10.2 kW for 8 GPUs (NVIDIA datasheet) ≈ 1.3 kW/GPU.
				ITKWPerGPU:         1.3,
				LifeYears:          5,
				OpexUSDPerGPUMonth: 150,
			},
		},
		Retrofit: Retrofit{
			Cooling:    CoolingDirectLiquid,
			Redundancy: RedundancyNPlus1,
			Network:    NetworkNone,
			Months:     12,
		},
		Finance: Finance{
			DiscountRate: 0.12,
			// US federal corporate income tax rate (26 U.S.C. §11(b), TCJA 2017).
			TaxRate:      0.21,
			Depreciation: "macrs",
			Debt:         Debt{Share: 0, Rate: 0.09, TermYears: 7},
			Terminal:     Terminal{Method: "none"},
			Multiples: Multiples{
				// Public miners traded at ~5–8× forward EBITDA and data-centre
				// REITs (Equinix, Digital Realty) at ~20–25× (company filings
				// and consensus, 2025-06).
				MiningEVEBITDA:     6,
				DatacenterEVEBITDA: 20,
			},
		},
		Risk: Risk{
			Paths: 10000,
			Seed:  1,
			// BTC annualised volatility of daily log returns 2020–2025 ~55–65%
			// (computed from ../shared/data/btc-usd-daily.csv; `hashpivot calibrate`).
			BTC: RiskBTC{Model: BTCModelGBM, VolPerYear: 0.55, BlockMonths: 6},
			// Elasticity of monthly hashrate growth to log(hashprice/start):
			// `hashpivot calibrate` on mempool.space difficulty 2017–2025
			// (../shared/data) gives 0.045 ± 0.010 (≈0 on 2021–2025); 0.05.
			// Vol of monthly hashrate growth ~10%/yr on the same data.
			Hashrate: RiskHashrate{Elasticity: 0.05, VolPerYear: 0.10},
			Fees:     RiskFees{VolPerYear: 0.5},
			Power:    RiskPower{ReversionPerYear: 2.0, VolPerYear: 0.4},
			GPUPrice: RiskGPUPrice{VolPerYear: 0.25},
			// Investment-grade-ish tenants ~0.5–2%/yr default (S&P annual
			// default study 2024, BB/B boundary ~2%); estimate.
			Tenant: RiskTenant{DefaultProbPerYear: 0.02, ReleasingMonths: 9},
		},
		Optimize: Optimize{
			AIShare:            Range{Min: 0, Max: 1, Step: 0.1},
			Start:              MonthRange{StepMonths: 3},
			Objective:          ObjectiveMeanMinusCVaR,
			RiskAversion:       0.5,
			MaxLossProbability: 0.10,
		},
		Assumptions: Assumptions{
			// Facility PUE by cooling: air ~1.4–1.5, rear-door ~1.3,
			// direct-to-chip liquid ~1.1–1.2, single-phase immersion ~1.03–1.1
			// (Uptime Institute Global Data Center Survey 2024; vendor data).
			CoolingPUE: ByCooling{Air: 1.45, RearDoor: 1.30, DirectLiquid: 1.15, Immersion: 1.08},
			// Cooling plant capex per MW of IT (Cushman & Wakefield Data
			// Center Development Cost Guide 2025, mechanical ~15–20% of
			// ~$10–12M/MW; liquid cooling premiums from vendor quotes); estimate.
			CoolingCapexUSDPerMW: ByCooling{Air: 600_000, RearDoor: 1_000_000, DirectLiquid: 1_500_000, Immersion: 1_200_000},
			// Electrical (switchgear, UPS, PDUs, gensets) at N, per MW of IT:
			// ~40% of ~$10–12M/MW greenfield, less the substation a mining
			// site already has (C&W 2025); estimate.
			ElectricalCapexUSDPerMW: 2_500_000,
			// Redundancy multiplies electrical capex: N+1 one spare block of
			// four, 2N everything twice (Uptime Tier definitions).
			RedundancyCapexFactor: ByRedundancy{N: 1.0, NPlus1: 1.25, TwoN: 1.8},
			// Share of the site's power blocks usable for IT load: N all,
			// N+1 with 4+1 blocks 4/5, 2N half (arithmetic of the topology).
			RedundancyUsableFraction: ByRedundancy{N: 1.0, NPlus1: 0.8, TwoN: 0.5},
			// Shell hardening and white-space fit-out of a mining building
			// (C&W 2025, ~$1–2M/MW); estimate.
			ShellFitoutUSDPerMW: 1_500_000,
			// Back-end fabric per GPU: RoCE ~$3–5k, InfiniBand NDR ~$6–8k
			// (SemiAnalysis networking cost model 2024); estimate.
			FabricUSDPerGPU: ByNetwork{None: 0, EthernetRoCE: 4_000, InfiniBand: 7_000},
			// Tenant density used to size a fabric for colocation: as gpu_cloud.
			ColocationKWPerGPU: 1.3,
			// MACRS classes (IRS Pub. 946): computers and mining rigs 5-year;
			// data-centre electrical and cooling plant 15-year (asset class
			// 00.4 / 57.0 improvements, common practice).
			ASICClassYears:     5,
			GPUClassYears:      5,
			RetrofitClassYears: 15,
		},
	}
}

// DefaultStrategies are used when the file lists none.
func DefaultStrategies(start Month) []Strategy {
	s := start.AddMonths(3)
	return []Strategy{
		{Name: "keep-mining", AIShare: 0, Start: start},
		{Name: "convert", AIShare: 1, Start: s},
		{Name: "hybrid", AIShare: 0.5, Start: s},
	}
}
