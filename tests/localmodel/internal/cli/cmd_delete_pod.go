package cli

import "fmt"

// deletePod deletes a unit's pod, as `kubectl delete pod` does: its agent
// runs stop, the pod goes within the 30 s grace period and a new one takes
// its name, with a new IP, an empty charm directory and fresh workloads.
// It returns once the new pod exists.
func deletePod(c *cmdCtx, args []string) error {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: delete-pod UNIT")
	}
	return c.call("delete-pod", map[string]any{"Unit": pos[0]}, nil)
}
