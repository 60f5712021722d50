package charm

import (
	"context"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// RunWith is Main with the Pebble socket, the deadline and the hook-tool
// runner chosen by the test.
func RunWith(ctx context.Context, getenv func(string) string, socket string, deadline time.Duration, runner juju.Runner) error {
	return run(ctx, getenv, runOptions{socket: socket, deadline: deadline, runner: runner})
}

// ChangeTimeout is how long a Pebble change may take.
const ChangeTimeout = changeTimeout

// NewDeps is the wiring Main uses for an event.
func NewDeps(event juju.Event, socket string, runner juju.Runner) Deps {
	return newDeps(event, runOptions{socket: socket, runner: runner})
}

// WhyExiting is whyExiting for a server of the given version (empty:
// unknown) that Pebble holds in backoff.
func WhyExiting(ctx context.Context, c *Charm, version string) (string, bool) {
	return c.whyExiting(ctx, &inputs{version: version}, &workload.ServiceInfo{Current: workload.ServiceBackoff})
}
