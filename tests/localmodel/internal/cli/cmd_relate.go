package cli

import "fmt"

func twoEndpoints(c *cmdCtx, args []string) (string, string, error) {
	pos, err := c.fs.Parse(args)
	if err != nil {
		return "", "", err
	}
	if len(pos) != 2 {
		return "", "", fmt.Errorf("a relation must involve two applications")
	}
	return pos[0], pos[1], nil
}

func relate(c *cmdCtx, args []string) error {
	a, b, err := twoEndpoints(c, args)
	if err != nil {
		return err
	}
	return c.call("relate", map[string]string{"A": a, "B": b}, nil)
}

func removeRelation(c *cmdCtx, args []string) error {
	var force bool
	c.fs.Bool(&force, "force")
	a, b, err := twoEndpoints(c, args)
	if err != nil {
		return err
	}
	return c.call("remove-relation", map[string]string{"A": a, "B": b}, nil)
}
