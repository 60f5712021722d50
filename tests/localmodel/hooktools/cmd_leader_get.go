package hooktools

func leaderGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	settings := c.ctx.LeaderGet()
	if len(pos) == 1 && pos[0] != "-" {
		v, ok := settings[pos[0]]
		if !ok {
			return c.write(nil)
		}
		return c.write(v)
	}
	return c.write(settings)
}
