// Package conformance holds one suite of hook-tool scenarios run against
// both emulators of Juju's hook tools: the charm's in-memory fake
// (internal/juju/jujutest) and the local model's hook tools
// (tests/localmodel/hooktools over tests/localmodel/model), driven in
// process. Each scenario is written once, with the outputs and errors
// Juju 3.6.25 gives (internal/worker/uniter/runner/jujuc/*.go), and the
// suite checks that both emulators give exactly those, so that neither
// can drift from Juju, or from the other, unnoticed.
//
// The package has only tests; this file gives it a name.
package conformance
