package hooktools

func unitGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no setting specified")
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	switch pos[0] {
	case "private-address", "public-address":
		return c.write(c.ctx.PrivateAddress())
	}
	return usagef("unknown setting %q", pos[0])
}
