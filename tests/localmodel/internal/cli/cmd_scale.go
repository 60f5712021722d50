package cli

import (
	"fmt"
	"strconv"
)

func scale(c *cmdCtx, args []string) error {
	n := -1
	c.fs.Int(&n, -1, "n", "num-units")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && n < 0 {
		if n, err = strconv.Atoi(pos[1]); err != nil {
			return fmt.Errorf("invalid scale %q", pos[1])
		}
		pos = pos[:1]
	}
	if len(pos) != 1 || n < 0 {
		return fmt.Errorf("usage: scale-application APP N")
	}
	if err := c.call("scale", map[string]any{"App": pos[0], "N": n}, nil); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s scale changed to %d\n", pos[0], n)
	return nil
}
