package hooktools

func relationList(c *inv) error {
	var id int
	var app bool
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	c.fs.Bool(&app, "app")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	r, err := c.needRelation(id)
	if err != nil {
		return err
	}
	if app {
		return c.write(r.RemoteApp)
	}
	units := append([]string{}, r.Units...)
	return c.write(units)
}
