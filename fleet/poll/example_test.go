package poll_test

import (
	"fmt"

	"github.com/hashpivot/hashpivot/fleet/poll"
)

func ExampleParseTargets() {
	targets, err := poll.ParseTargets([]string{"10.0.1.1-2", "127.0.0.1:40000-40001", "10.0.3.0/30:4433"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range targets {
		fmt.Println(t.Addr)
	}
	// Output:
	// 10.0.1.1:4028
	// 10.0.1.2:4028
	// 127.0.0.1:40000
	// 127.0.0.1:40001
	// 10.0.3.1:4433
	// 10.0.3.2:4433
}
