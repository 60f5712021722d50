package cli

import (
	"fmt"
	"strings"
)

// removeUnit lowers an application's scale by --num-units, as `juju
// remove-unit` does in a Kubernetes model, which refuses unit names
// (cmd/juju/application/removeunit.go validateCAASRemoval).
func removeUnit(c *cmdCtx, args []string) error {
	n := 0
	c.fs.Int(&n, 0, "num-units")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return fmt.Errorf("no application specified")
	case len(pos) != 1:
		return fmt.Errorf("only single application supported")
	case strings.Contains(pos[0], "/"):
		return fmt.Errorf("k8s models do not support removing named units: specify an application with --num-units")
	case n <= 0:
		return fmt.Errorf("specify the number of units (> 0) to remove using --num-units")
	}
	if err := c.call("remove-unit", map[string]any{"App": pos[0], "N": n}, nil); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "scaling down to remove %d unit(s) of %s\n", n, pos[0])
	return nil
}
