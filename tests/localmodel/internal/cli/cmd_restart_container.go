package cli

import "fmt"

// restartContainer restarts one container of a unit's pod, as Kubernetes
// does after a crash or a failed liveness probe: "charm" restarts the unit
// agent (stop, then start and pebble-ready again); a workload container
// starts again from its image with a new Pebble.
func restartContainer(c *cmdCtx, args []string) error {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("usage: restart-container UNIT CONTAINER")
	}
	return c.call("restart-container", map[string]any{"Unit": pos[0], "Container": pos[1]}, nil)
}
