package charm

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// stop drains the server before a unit that is being removed goes, so
// that it leaves the membership rings cleanly: Pebble honours the layer's
// kill-delay, and the drain settings in the dynamic config get their time.
//
// Juju also runs stop whenever the unit agent gets SIGTERM while the unit
// lives on (internal/worker/uniter/resolver.go, remoteState.Shutdown): the
// pod deleted by a refresh, a drained node or kubectl delete pod, and a
// charm-container restart. The server is left alone then: in a deleted
// pod the workload container gets SIGTERM too and its Pebble stops the
// server itself, with the same kill-delay, and after a charm-container
// restart the server keeps serving, where stopping it would be an outage
// for nothing. goal-state tells the two apart: only a unit being removed
// is dying there. When it cannot be read, nothing is stopped.
func (c *Charm) stop(ctx context.Context) error {
	// The unit agent sets the unit's status around stop, and the pod
	// may stay (a charm-container restart): the cache beginHook saves,
	// unsettled and with no status known, is what the next hook must see.
	c.beginHook(ctx)
	gs, err := c.Juju.GoalState(ctx)
	if err != nil {
		c.logf(ctx, juju.LogWarning, "Cannot read goal-state, leaving %s running: %v", temporal.ServiceName, err)
		return nil
	}
	if gs.Units[c.event.Unit].Status != goalDying {
		// The pod or the agent restarts: nothing to do.
		return nil
	}
	services, err := c.Container.Services(ctx, temporal.ServiceName)
	if err != nil {
		// Nothing to drain if Pebble is already gone.
		c.logf(ctx, juju.LogWarning, "Cannot reach Pebble to stop %s: %v", temporal.ServiceName, err)
		return nil
	}
	for _, s := range services {
		if s.Running() {
			c.maintenance(ctx, "stopping temporal-server: the unit is stopping")
			if err := c.Container.Stop(ctx, temporal.ServiceName); err != nil {
				c.logf(ctx, juju.LogWarning, "Cannot stop %s: %v", temporal.ServiceName, err)
			}
		}
	}
	return nil
}
