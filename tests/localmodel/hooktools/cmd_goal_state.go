package hooktools

func goalState(c *inv) error {
	c.formatFlags("yaml", "yaml", "json")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	return c.write(c.ctx.GoalState())
}
