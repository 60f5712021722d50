package cli

import (
	"fmt"
	"time"
)

// cutNetwork injects a fault: the unit's pod is cut off the network for a
// while (a postgresql-k8s unit: its database is down for its clients).
func cutNetwork(c *cmdCtx, args []string) error {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("usage: cut-network UNIT DURATION")
	}
	d, err := time.ParseDuration(pos[1])
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q: want e.g. 30s", pos[1])
	}
	return c.call("cut-network", map[string]any{"Unit": pos[0], "Duration": d}, nil)
}
