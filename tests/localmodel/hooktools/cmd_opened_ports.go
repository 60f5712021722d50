package hooktools

func openedPorts(c *inv) error {
	var endpoints bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&endpoints, "endpoints")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	out := []string{}
	for _, p := range c.ctx.OpenedPorts() {
		s := p.String()
		if endpoints {
			s += " (*)"
		}
		out = append(out, s)
	}
	return c.write(out)
}
