// Package antweb drives the web CGI API of stock Bitmain Antminer firmware,
// the only way to put such a miner to sleep or in low-power mode: its
// cgminer RPC (fleet/cgminer) has no command for it.
//
// The API is lighttpd CGI on port 80 behind HTTP Digest authentication
// (RFC 7616; realm "antMiner Configuration", qop auth, MD5; factory login
// root/root), implemented here. GET /cgi-bin/get_miner_conf.cgi returns the
// configuration; POST /cgi-bin/set_miner_conf.cgi with the configuration
// the web UI posts (fan, frequency level, pools and the work mode) changes
// it; the work mode is "miner-mode" (a number) or, on newer firmware,
// "bitmain-work-mode" (a string of a number): 0 normal, 1 sleep, 2 high
// performance (some hydro models), 3 low power. GET /cgi-bin/reboot.cgi
// reboots the controller; GET /cgi-bin/get_system_info.cgi names the model.
//
// NewSimHandler serves the same API, digest challenge included, from a
// fleet.DeviceState for the simulator and the tests.
//
// Errors: every failure of a call is a *fleet.Error naming the address and
// the CGI command; a refused login wraps fleet.ErrAuth (and ErrChallenge
// when the challenge itself cannot be answered); a firmware without work
// modes wraps fleet.ErrUnsupported; an HTTP status other than 2xx is a
// *StatusError; a configuration the device refuses is a *RefusedError; a
// reply over the size limit wraps ErrReplyTooLarge. Credentials never
// appear in an error.
package antweb
