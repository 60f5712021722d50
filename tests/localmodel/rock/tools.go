//go:build tools

package rock

// The binaries the local model builds from this module's graph: the
// rock's temporal-server, temporal-sql-tool and tdbg from ServerModule, and
// the Pebble daemon every workload container runs.
// Importing their libraries keeps their dependencies (and go.sum lines) in
// the graph through go mod tidy.
import (
	_ "github.com/canonical/pebble/internals/cli"
	_ "go.temporal.io/server/temporal"
	_ "go.temporal.io/server/tools/sql"
	_ "go.temporal.io/server/tools/tdbg"
)
