// Package detect tells which firmware answers at an address, the way the
// drivers tell them apart, and opens the right driver for it.
//
// Identify asks, in order (port 4433 first tries API v3, port 80 HTTP):
//
//  1. the cgminer RPC "version" command. The reply names the firmware:
//     LUXminer (LuxOS), BOSminer/BOSer (Braiins OS on its RPC port), BMMiner
//     or a Type of "Antminer ..." (Bitmain stock), PROD "Avalon..." (Canaan),
//     a btminer reply whose STATUS is a bare string (WhatsMiner API v2,
//     confirmed by get_version), anything else with CGMiner (generic);
//  2. when the port answers HTTP, the Braiins OS REST login endpoint; a
//     401 with the digest realm "antMiner Configuration" is stock Antminer's
//     web UI instead (its driver reads the RPC on port 4028 of that host);
//  3. when the port closes on that request or stays silent, a WhatsMiner
//     API v3 frame (get.device.info).
//
// Classify is the pure part: firmware and model from the bytes of a version
// reply. Every probe is bounded by Options.Timeout and the context; an
// address that answers nothing recognisable gives ErrUnknown, one that
// refuses connections the dial error.
package detect
