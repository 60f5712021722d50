package charm

import (
	"context"
	"fmt"
	"regexp"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// exitLogLines is how much of a failing server's log is searched for why
// it exits: the error is among the last lines it writes.
const exitLogLines = 50

// schemaMismatchRE matches temporal-server's refusal of an older schema
// (common/persistence/schema/version.go, VerifyCompatibleVersion), in its
// JSON log, where the quotes are escaped, or as plain text.
var schemaMismatchRE = regexp.MustCompile(`keyspace/database: \\?"([^"\\]*)\\?"\. Expected version: ([0-9]+(?:\.[0-9]+)+) cannot be greater than Actual version: ([0-9]+(?:\.[0-9]+)+)`)

// certificateRE matches a database certificate the server cannot verify
// against the CA the db relation gave (crypto/tls: "tls: failed to verify
// certificate: x509: …"), up to the end of the JSON string or the line.
var certificateRE = regexp.MustCompile(`tls: failed to verify certificate: (x509: [^"\\]*)`)

// wrongHostRE picks the host out of crypto/x509's HostnameError ("x509:
// certificate is valid for a, b, not h").
var wrongHostRE = regexp.MustCompile(`, not (\S+)$`)

// whyExiting says why a server that keeps exiting does, when waiting
// cannot help and "temporal-server is backoff" would not tell the operator
// what to do: a schema older than the server needs (an admin charm that
// migrated with an older Temporal's tools: track 1.23 with its own image
// leaves one the server refuses at every start), or a database
// certificate that does not verify. Only a server Pebble holds in backoff
// (the layer restarts it on failure) is looked at: a running one is past
// both checks.
func (c *Charm) whyExiting(ctx context.Context, in *inputs, service *workload.ServiceInfo) (string, bool) {
	if service == nil || service.Current != workload.ServiceBackoff {
		return "", false
	}
	lines, err := c.Container.Logs(ctx, temporal.ServiceName, exitLogLines)
	if err != nil {
		// The status says the server is not running either way.
		return "", false
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if m := schemaMismatchRE.FindStringSubmatch(lines[i]); m != nil {
			server, release := "temporal-server", "this server's Temporal"
			if in.version != "" {
				server, release = "temporal-server "+in.version, "Temporal "+admin.MajorMinor(in.version)
			}
			return fmt.Sprintf("database %q has Temporal schema %s but %s needs %s: the admin charm (temporal-admin-k8s) set up an older schema; refresh it to a revision for %s and run its setup-schema action",
				m[1], m[3], server, m[2], release), true
		}
		if m := certificateRE.FindStringSubmatch(lines[i]); m != nil {
			if host := wrongHostRE.FindStringSubmatch(m[1]); host != nil {
				return fmt.Sprintf("the database's TLS certificate is not valid for %s, the host its relation names", config.Truncate(host[1])), true
			}
			return fmt.Sprintf("cannot verify the database's TLS certificate with the CA from its relation: %s", config.Truncate(m[1])), true
		}
	}
	return "", false
}
