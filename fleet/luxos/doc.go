// Package luxos drives miners that run LuxOS (Luxor's firmware, LUXminer).
//
// LuxOS speaks the cgminer API on TCP 4028: one JSON request
// {"command":"...","parameter":"..."} per connection, one JSON reply that
// ends with a NUL byte, then the device closes the connection. Several
// parameterless commands join with "+" into one request, and the reply
// then holds one member per command. Status reads
// summary+power+config+profiles+temps+fans+pools+events in one such
// request.
//
// Commands that change the miner need a session: logon returns a
// SessionID (only one session exists at a time; it expires after a minute
// without use), which goes first in the parameter: "curtail" with
// "ID,sleep" or "ID,wakeup", "profileset" with "ID,profile",
// "rebootdevice" with "ID"; "logoff" drops it. LuxOS sessions carry no
// credentials: they coordinate writers, they do not authenticate them, so
// this driver takes no credentials. When another actor holds the session,
// logon fails and the driver borrows the active session that "session"
// reports, as LuxOS's documentation allows, and leaves it open.
//
// LuxOS has no free power target: it runs profiles (a frequency and
// voltage with an estimated power). SetPowerTarget picks the most powerful
// profile whose estimate is at or below the target and fails with
// ErrTargetTooLow when every profile is above it, so that the caller can
// sleep the miner instead.
//
// ServeSim serves the same protocol, byte for byte in shape (trailing NUL
// included), from a fleet.DeviceState for the simulator and the tests.
//
// Errors: every failure is a *fleet.Error with the device address and the
// command; a STATUS of E or F in a reply is a *CommandError; a reply over
// the size limit wraps ErrReplyTooLarge; a session that cannot be had wraps
// fleet.ErrAuth and ErrNoSession; a reply that is not what the API
// documents is a *ParseError naming the command and field.
package luxos
