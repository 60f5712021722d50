package cli

func resolved(c *cmdCtx, args []string) error {
	var noRetry bool
	c.fs.Bool(&noRetry, "no-retry")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	for _, u := range pos {
		if err := c.call("resolved", map[string]any{"Unit": u, "NoRetry": noRetry}, nil); err != nil {
			return err
		}
	}
	return nil
}
