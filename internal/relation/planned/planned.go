// Package planned names the endpoints the charm declares because the
// Python charm declares them, so that a refresh from it keeps their
// relations (Juju refuses a charm that would break one), but whose
// features are not built yet. Relating one is never a silent no-op: the
// unit's status names each related one and what it does not do yet.
//
// The server keeps running either way: it serves as it did before the
// relation. Where the operator relied on the feature for the cluster's
// safety or reach (TLS, authorization, ingress, archival) the status is
// Blocked, so that it is seen; where only observability is missing it is
// Active with a message.
package planned

import (
	"slices"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// Endpoint is one declared, not yet built endpoint.
type Endpoint struct {
	Name string
	// Lacks says what the cluster does not do although the relation
	// exists.
	Lacks string
	// Blocks is set when that matters to the cluster's safety or reach.
	Blocks bool
}

// Endpoints returns every planned endpoint, in metadata.yaml's order.
func Endpoints() []Endpoint {
	return []Endpoint{
		{Name: "openfga", Lacks: "the server does not authorize requests with OpenFGA", Blocks: true},
		{Name: "s3-parameters", Lacks: "workflow histories are not archived to S3", Blocks: true},
		{Name: "log-proxy", Lacks: "no logs are forwarded through it: relate logging instead"},
	}
}

// Is reports whether endpoint is a planned one.
func Is(endpoint string) bool {
	return slices.ContainsFunc(Endpoints(), func(e Endpoint) bool { return e.Name == endpoint })
}

// Status is what the related planned endpoints call for: Blocked when any
// of them blocks, else Active with a message; empty when none is related.
func Status(related []string) juju.Status {
	var blocking, notes []string
	for _, e := range Endpoints() {
		if !slices.Contains(related, e.Name) {
			continue
		}
		note := e.Name + " (" + e.Lacks + ")"
		if e.Blocks {
			blocking = append(blocking, note)
		} else {
			notes = append(notes, note)
		}
	}
	switch {
	case len(blocking) > 0:
		return juju.Status{Name: juju.StatusBlocked, Message: "related but not built yet, remove the relation: " + strings.Join(append(blocking, notes...), ", ")}
	case len(notes) > 0:
		return juju.Status{Name: juju.StatusActive, Message: "related but not built yet: " + strings.Join(notes, ", ")}
	}
	return juju.Status{}
}
