package asic

// catalog holds stock specifications of common machines. Source of every
// row: the manufacturer's published specification sheet (Bitmain
// shop.bitmain.com, MicroBT whatsminer.com, Canaan canaan.io), as listed on
// 2025-06-30; hashrate and wall power at the stock (normal) mode, rounded
// as the sheet gives them. Override per fleet line with th and w in the site
// file.
var catalog = []Model{
	{Name: "antminer-s19j-pro", TH: 104, W: 3068, Cooling: "air", Released: "2021-06"},
	{Name: "antminer-s19-xp", TH: 141, W: 3032, Cooling: "air", Released: "2022-07"},
	{Name: "antminer-s21", TH: 200, W: 3500, Cooling: "air", Released: "2024-02"},
	{Name: "antminer-s21-pro", TH: 234, W: 3531, Cooling: "air", Released: "2024-07"},
	{Name: "antminer-s21-xp", TH: 270, W: 3645, Cooling: "air", Released: "2024-12"},
	{Name: "antminer-s21-hydro", TH: 335, W: 5360, Cooling: "hydro", Released: "2024-02"},
	{Name: "whatsminer-m50s", TH: 126, W: 3276, Cooling: "air", Released: "2022-12"},
	{Name: "whatsminer-m60s", TH: 186, W: 3441, Cooling: "air", Released: "2024-03"},
	{Name: "whatsminer-m63s", TH: 390, W: 7215, Cooling: "hydro", Released: "2024-03"},
	{Name: "avalon-a1466", TH: 150, W: 3230, Cooling: "air", Released: "2024-01"},
}
