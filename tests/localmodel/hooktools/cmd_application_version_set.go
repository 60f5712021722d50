package hooktools

func applicationVersionSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no version specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	c.ctx.SetVersion(pos[0])
	return nil
}
