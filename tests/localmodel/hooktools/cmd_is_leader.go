package hooktools

func isLeader(c *inv) error {
	c.formatFlags("smart", allFormats...)
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	return c.write(c.ctx.IsLeader())
}
