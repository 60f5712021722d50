package hooktools

func secretGrant(c *inv) error {
	var id int
	var unit string
	c.relationFlag(&id)
	c.fs.String(&unit, "", "unit")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	if id < 0 {
		return usagef("no relation id specified")
	}
	return c.ctx.SecretGrant(uri, id, unit)
}
