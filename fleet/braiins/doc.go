// Package braiins drives miners that run Braiins OS (BOS, BOS+).
//
// Current firmware (BOS 23.03 and later; the REST gateway since about
// 24.09) speaks the Braiins OS Public REST API on port 80: POST
// /api/v1/auth/login exchanges a user and password for a token that goes,
// as is and without "Bearer", into the Authorization header of every other
// request. The driver reads miner/details, miner/stats, miner/hw/hashboards,
// cooling/state, performance/tuner-state, pools and miner/errors, and
// controls the miner with PUT actions/pause, actions/resume, actions/reboot
// and performance/power-target.
//
// Older BOS+ (21.09 to 24.x without the REST gateway) answer GraphQL on
// POST /graphql, authenticated by a session_id cookie from the auth.login
// mutation. The driver falls back to it when /api/v1/auth/login is absent
// (APIAuto), or uses it when told to (APIGraphQL). The cgminer-compatible
// API that BOSminer also serves on TCP 4028 belongs to fleet/cgminer.
//
// NewSimHandler serves the REST API, authentication included, from a
// fleet.DeviceState so that the simulator and the tests speak to this
// driver exactly as a miner would.
//
// Errors: every failure of a command is a *fleet.Error naming the device
// address and the command; a refused login wraps fleet.ErrAuth; a reply over
// the size limit wraps ErrReplyTooLarge; an HTTP status other than 2xx is a
// *StatusError; a reply that is not the JSON the API documents is a
// *ParseError naming the endpoint and the field.
package braiins
