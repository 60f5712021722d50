package charm

import (
	"context"
	"fmt"
	"regexp"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// schemaLogLines is how much of a failing server's log is searched for
// why it exits: the error is among the last lines it writes.
const schemaLogLines = 50

// schemaMismatchRE matches temporal-server's refusal of an older schema
// (common/persistence/schema/version.go, VerifyCompatibleVersion), in its
// JSON log, where the quotes are escaped, or as plain text.
var schemaMismatchRE = regexp.MustCompile(`keyspace/database: \\?"([^"\\]*)\\?"\. Expected version: ([0-9]+(?:\.[0-9]+)+) cannot be greater than Actual version: ([0-9]+(?:\.[0-9]+)+)`)

// schemaMismatch says why a server that keeps exiting does, when it is the
// schema: an admin charm that set it up with an older Temporal's tools
// (track 1.23 migrates with its own image) leaves a schema the server
// refuses at every start, and "temporal-server is backoff" would not tell
// the operator what to do. Only a server Pebble holds in backoff (the
// layer restarts it on failure) is looked at: a running one is past its
// schema check.
func (c *Charm) schemaMismatch(ctx context.Context, in *inputs, service *workload.ServiceInfo) (string, bool) {
	if service == nil || service.Current != workload.ServiceBackoff {
		return "", false
	}
	lines, err := c.Container.Logs(ctx, temporal.ServiceName, schemaLogLines)
	if err != nil {
		// The status says the server is not running either way.
		return "", false
	}
	for i := len(lines) - 1; i >= 0; i-- {
		m := schemaMismatchRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		server := in.version
		if server == "" {
			server = "this"
		}
		return fmt.Sprintf("database %q has Temporal schema %s but temporal-server %s needs %s: the admin charm (temporal-admin-k8s) set up an older schema; refresh it to a revision for Temporal %s and run its setup-schema action",
			m[1], m[3], server, m[2], admin.MajorMinor(in.version)), true
	}
	return "", false
}
