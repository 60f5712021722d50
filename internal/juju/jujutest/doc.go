// Package jujutest is an in-memory model of the hook tools, following the
// Juju 3.6 contract closely enough for state-in, event, state-out tests:
// JSON output formats, "ERROR ..." texts and exit codes, staged writes that
// commit only when the hook succeeds, and the leader and secret permission
// rules.
//
// The suite in tests/localmodel/conformance runs the same hook-tool
// scenarios against this fake and against the local model's hook tools,
// and pins both to Juju 3.6.25's source
// (internal/worker/uniter/runner/jujuc/*.go): a change here that makes the
// two disagree fails it.
//
// As in Juju, argument errors (a tool's Init) exit 2 and errors running
// the tool exit 1 (github.com/juju/cmd/v3 cmd.go, Main).
package jujutest
