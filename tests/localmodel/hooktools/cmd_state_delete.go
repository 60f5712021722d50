package hooktools

func stateDelete(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no key specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	return c.ctx.StateDelete(pos[0])
}
