package cli

import (
	"fmt"
	"strconv"
)

// failCommit injects a fault: the unit's next hooks that exit 0 fail to
// commit, as when Juju cannot flush what a hook staged. The hook fails and
// is retried.
func failCommit(c *cmdCtx, args []string) error {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return fmt.Errorf("usage: fail-commit UNIT [N]")
	}
	n := 1
	if len(pos) == 2 {
		if n, err = strconv.Atoi(pos[1]); err != nil || n < 0 {
			return fmt.Errorf("invalid count %q", pos[1])
		}
	}
	return c.call("fail-commit", map[string]any{"Unit": pos[0], "N": n}, nil)
}
