// Package poll asks many devices at once without letting any one of them
// hold up the rest: a fixed number of workers (bounded fan-out, so file
// descriptors and ephemeral ports stay bounded too) each take the next
// device, with its own deadline. A device that hangs costs one worker one
// deadline; the others keep going.
//
// It also reads TARGETS, the way operators write address lists:
// "10.0.0.5", "10.0.0.5:4028", "10.0.0.5:40000-40999" (a port range),
// "10.0.1.1-254" or "10.0.1.1-10.0.1.254" (a host range), "10.0.2.0/24"
// (a CIDR block, network and broadcast excluded), and "@file" (one target a
// line, optionally followed by its firmware as `hashpivot fleet scan` prints
// it; # comments). A target without a port gets DefaultPort. Errors name
// the target, or the file and line.
package poll
