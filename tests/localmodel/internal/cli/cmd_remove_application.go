package cli

import "fmt"

func removeApplication(c *cmdCtx, args []string) error {
	var force, noWait, destroyStorage bool
	c.fs.Bool(&force, "force")
	c.fs.Bool(&noWait, "no-wait")
	c.fs.Bool(&destroyStorage, "destroy-storage")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	for _, app := range pos {
		if err := c.call("remove-application", map[string]string{"App": app}, nil); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stderr, "will remove application %s\n", app)
	}
	return nil
}
