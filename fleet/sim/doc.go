// Package sim is the fleet simulator behind `hashpivot sim`: N miners on
// consecutive loopback ports (spreading over 127.0.0.2, 127.0.0.3 ... when
// one address runs out of ports), each served by its firmware package's
// simulator in that firmware's real protocol, so the drivers under test
// read the same bytes they read from a real device. A stock Antminer also
// serves its web UI (fleet/antweb) on the same port as its RPC.
//
// A Device is a fleet.DeviceState with plausible physics driven by an
// injectable clock: power follows the power target, hashrate follows power
// (with noise on the 5-second figure), temperatures approach the load's
// equilibrium with a one-minute time constant, fans follow temperature,
// and sleep, wake and reboot take realistic delays. Sim serves the devices,
// injects faults (hang, slow reply, garbage, reset, truncated reply) on a
// share of connections, serves dcgm-exporter-style GPU metrics, and
// publishes the ground truth as JSON (GET /truth) for tests to compare with
// what the fleet reports.
//
// Errors: configuration errors name the field (miners, firmware,
// base-port, faults ...); listening errors name the address, and running
// out of file descriptors says how many are needed and how to allow them.
package sim
