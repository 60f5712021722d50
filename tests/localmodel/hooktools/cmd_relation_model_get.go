package hooktools

// relationModelGet answers which model a relation's remote application is
// in (Juju's relation-model-get: {"uuid": ...}). ops reads it for every
// relation it builds, so a Python charm cannot run without it.
func relationModelGet(c *inv) error {
	var id int
	c.formatFlags("smart", allFormats...)
	c.relationFlag(&id)
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	if _, err := c.needRelation(id); err != nil {
		return err
	}
	return c.write(map[string]string{"uuid": c.ctx.ModelUUID()})
}
