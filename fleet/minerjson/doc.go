// Package minerjson reads the JSON that miner firmwares actually send, which
// is often not JSON: cgminer ends every reply with a NUL byte; bmminer writes
// "}{" with no comma between the objects of its stats array; some builds write
// ",}" or "[,{" or "{," ; sensors report inf and nan unquoted; the same key
// ("temp1") appears several times in one object; long replies are cut at
// 64 KB; the id is 0 instead of the request's; error_code comes as a list of
// one-key objects, a list of numbers or an object.
//
// Parse repairs each of these, reports which it met (Quirks) and returns a
// Value that keeps every member of an object in order, duplicates included,
// so that the caller decides: Get takes the last occurrence as encoding/json
// does, All lists them, MaxFloat takes the hottest of several temperatures.
// Float treats inf and nan as absent, so one broken sensor never poisons a
// fleet total. ErrorCodes reads error_code in any of its shapes.
//
// Reader is the fast path beside Parse: strict JSON (and bmminer's "}{")
// read in one pass without allocating, with Raw values that answer Float,
// Int and Str exactly as Value does, so that a driver reads a well-formed
// reply without building a tree and gives anything else to Parse.
//
// The package is pure: no I/O. Readers bound what they pass in. Errors are
// ErrEmpty (nothing to parse) and *SyntaxError (not JSON in any useful sense)
// from Parse, which repairs everything else and reports it as a Quirk, and
// ErrNotStrict from Reader (use Parse).
package minerjson
