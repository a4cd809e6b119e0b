// Package whatsminer drives MicroBT WhatsMiner miners through both of their
// APIs, and serves both for the simulator.
//
// API v2 (TCP 4028) is cgminer-like: a JSON request ({"cmd":"summary"}) and
// one reply per connection. Reading needs no login. Writing (power_off,
// power_on, adjust_power_limit, reboot) needs the token exchange of the
// vendor's API document: get_token returns time, salt and newsalt; the key is
// the hash part of md5-crypt(password, salt), the sign the hash part of
// md5-crypt(key+time, newsalt); the command, with the sign as its token, is
// encrypted with AES-256-ECB (key: SHA-256 of the key string, zero padding)
// and sent base64-encoded as {"enc":1,"data":...}; the device answers
// {"enc":"..."} under the same key.
//
// API v3 (TCP 4433, firmware from 2024) frames every request and reply with a
// 4-byte little-endian length. Commands are dotted (get.device.info,
// get.miner.status, set.miner.service, set.miner.power_limit,
// set.system.reboot); a write carries account, ts and a token: the first
// 8 characters of base64(SHA-256(cmd + password + salt + ts)), the salt
// coming from get.device.info.
//
// Replies are parsed with fleet/minerjson (error_code arrives as a list of
// one-key objects, a list or an object). Every exchange is bounded by a
// deadline and a size cap. Errors are *fleet.Error values naming the address
// and the command; a refused password or token wraps fleet.ErrAuth; a device
// status of E is a *cgminer.StatusError, a v3 non-zero code a *CodeError.
package whatsminer
