//go:build tools

package rock

// tdbg's main package is built from ServerModule; importing its library
// keeps its dependencies (and go.sum lines) in this module's graph.
import _ "go.temporal.io/server/tools/tdbg"
