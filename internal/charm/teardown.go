package charm

import (
	"context"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// stop drains the server before the pod goes: Pebble honours the layer's
// kill-delay, so the drain settings in the dynamic config get their time
// and the unit leaves the membership rings cleanly.
func (c *Charm) stop(ctx context.Context) error {
	// The unit agent sets the unit's status around stop, and the pod
	// may stay (a charm-container restart): the cache beginHook saves,
	// unsettled and with no status known, is what the next hook must see.
	c.beginHook(ctx)
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
