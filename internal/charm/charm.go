// Package charm is the temporal-k8s charm: one reconcile for every hook,
// and small handlers for the restart action and for teardown.
package charm

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// Endpoint and container names from metadata.yaml.
const (
	Container          = "temporal"
	PeerEndpoint       = "peer"
	DBEndpoint         = "db"
	VisibilityEndpoint = "visibility"
	AdminEndpoint      = "admin"
	// CharmName is metadata.yaml's name, which the Juju topology names.
	CharmName = "temporal-k8s"
)

// Clock is the passage of time, injected so tests need not wait.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Prober asks each target's gRPC health service whether it serves, and
// returns nil only when every one does. The charm container shares the
// pod's network namespace, so 127.0.0.1 is the workload.
type Prober func(ctx context.Context, targets []grpchealth.Target) error

// GRPCProbe is the real Prober.
func GRPCProbe(ctx context.Context, targets []grpchealth.Target) error {
	return grpchealth.Probe(ctx, targets, nil)
}

// Executable reads the running binary, which the charm pushes into the
// workload container as its health check (grpchealth.Command).
func Executable() ([]byte, error) {
	b, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("cannot read the charm's executable: %w", err)
	}
	return b, nil
}

// Deps are the charm's collaborators.
type Deps struct {
	Juju      *juju.Client
	Container workload.Container
	Clock     Clock
	Probe     Prober
	// HealthCheck gives the executable the workload's health check runs
	// (this binary, as grpchealth.Command).
	HealthCheck func() ([]byte, error)
	// Describe asks the local frontend how the cluster sees itself; nil
	// skips the cluster checks.
	Describe cluster.Describer
	// Cache is a file in the charm directory for facts that are cheap to
	// lose: losing it only costs a few extra hook-tool calls.
	Cache string
	// Build identifies this build of the charm: a cache another build
	// wrote is not trusted.
	Build string
	// StartTimeout bounds the wait for the server to answer after this
	// hook started it.
	StartTimeout time.Duration
	// Rand is the source of private keys and certificate requests;
	// crypto/rand's when nil.
	Rand io.Reader
}

// Charm handles one event.
type Charm struct {
	Deps
	event juju.Event
	// wrote is set once this hook has staged relation data or ports,
	// which Juju commits only after the charm exits.
	wrote bool
	// restartAction is set by the restart action: the server restarts
	// in its turn even though its configuration did not change.
	restartAction bool
	// statuses is what this unit last set, kept in the cache; every
	// path that sets a status starts with beginHook, which sets it.
	statuses *cache
}

// New returns a Charm for an event.
func New(deps Deps, event juju.Event) *Charm {
	if deps.StartTimeout == 0 {
		deps.StartTimeout = 30 * time.Second
	}
	if deps.Rand == nil {
		deps.Rand = rand.Reader
	}
	return &Charm{Deps: deps, event: event}
}

// Run handles the event.
func (c *Charm) Run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Action:
		return c.runAction(ctx)
	case juju.Stop:
		return c.stop(ctx)
	case juju.Remove:
		// The pod and its Pebble go away with the unit; stop has already
		// drained the server.
		return nil
	case juju.RelationJoined:
		// Juju runs relation-changed for the same unit right after,
		// before any other hook (internal/worker/uniter/relation/
		// resolver.go, ChangedPending): that hook reconciles.
		return nil
	default:
		return c.reconcile(ctx)
	}
}

func (c *Charm) logf(ctx context.Context, level, format string, a ...any) {
	// Logging must never fail a hook.
	_ = c.Juju.Log(ctx, level, fmt.Sprintf(format, a...))
}
