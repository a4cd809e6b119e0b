package minerjson_test

import (
	"fmt"

	"github.com/hashpivot/hashpivot/fleet/minerjson"
)

// A bmminer stats reply as it comes off the wire: no comma between the two
// objects of STATS, temp2 twice, a trailing NUL.
func Example() {
	reply := []byte("{\"STATS\":[{\"Type\":\"Antminer S19 Pro\"}{\"GHS av\":111834.63,\"temp2\":66,\"temp2\":78}],\"id\":1}\x00")
	v, quirks, err := minerjson.Parse(reply)
	if err != nil {
		fmt.Println(err)
		return
	}
	stats := v.Get("STATS")
	model, _ := stats.Index(0).Get("Type").Str()
	ghs, _ := stats.Index(1).Get("GHS av").Float()
	hottest, _ := stats.Index(1).MaxFloat("temp2")
	fmt.Println(model)
	fmt.Printf("%.2f TH/s, hottest %v C\n", ghs/1000, hottest)
	fmt.Println("repaired:", quirks)
	// Output:
	// Antminer S19 Pro
	// 111.83 TH/s, hottest 78 C
	// repaired: trailing NUL, missing comma, duplicate key
}
