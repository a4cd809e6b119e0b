// Package cgminer drives miners that speak the cgminer RPC on TCP 4028:
// Bitmain's stock firmware (bmminer), Canaan's Avalon firmware and any other
// cgminer build. It also serves that protocol for the simulator.
//
// The protocol: the client connects, writes one request — JSON
// ({"command":"summary+stats","parameter":""}) or plain ("ascset|0,softoff,1:1753434821")
// — and reads one reply, which the server ends with a NUL byte before it
// closes the connection: one reply per connection. "a+b" asks for several
// commands at once; the reply holds one array per command. Every reply
// carries a STATUS: S (success), I (info), W (warning), E (error), F (fatal).
//
// Bitmain's stats reply lays boards out as numbered keys (chain_rate1,
// temp_chip1 "78-50-69-70", fan1); Avalon packs everything into one
// bracketed string ("MM ID0": "Ver[1246-83] GHSavg[79656.63] PS[0 1214 ...]").
// Replies are parsed with fleet/minerjson, which repairs the JSON that real
// firmwares break.
//
// Every exchange is bounded: a deadline (Client.Timeout and the context) and
// a size cap (Client.MaxReply; the reply is cut there and parsed as
// truncated). Errors are *fleet.Error values naming the address and the
// command; a STATUS of E or F is a *StatusError inside; commands a firmware
// lacks return fleet.ErrUnsupported.
package cgminer
