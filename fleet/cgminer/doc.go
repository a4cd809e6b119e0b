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
// firmwares break; a lean Antminer status (Options.NoPools) reads its stats
// reply in one strict pass first (minerjson.Reader) and falls back to that
// repair. Stock Antminer firmware sleeps, wakes, changes work mode and
// reboots only through its web UI: with Options.WebAddr the Miner does so
// through fleet/antweb.
//
// A Transport carries many Clients' exchanges on epoll event loops (Linux)
// instead of a net.Conn each: the same bytes, deadlines and limits, half
// the system calls. ServeSim and ServeSimWeb are the simulator's servers.
//
// Every exchange is bounded: a deadline (Client.Timeout and the context) and
// a size cap (Client.MaxReply; the reply is cut there and parsed as
// truncated). Errors are *fleet.Error values naming the address and the
// command; a STATUS of E or F is a *StatusError inside; commands a firmware
// lacks return fleet.ErrUnsupported; a power target below every work mode
// of an Antminer is ErrTargetTooLow.
package cgminer
