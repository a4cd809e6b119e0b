//go:build unix

package sim

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises RLIMIT_NOFILE to at least need, raising the hard
// limit too when the process may (root, CAP_SYS_RESOURCE). It says what to
// do when it cannot.
func RaiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("sim: read the open-file limit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
		return nil
	}
	if lim.Max >= need {
		want.Max = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			return nil
		}
	}
	return fmt.Errorf("sim: %d simulated devices need %d open files, the limit is %d (hard %d): "+
		"raise it (`ulimit -n %d` as root, or LimitNOFILE= in a systemd unit), split the devices over processes (hashpivot sim --shards), or simulate fewer",
		need-fileMargin, need, lim.Cur, lim.Max, need)
}
