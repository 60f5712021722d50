package hooktools

func secretRemove(c *inv) error {
	var rev int
	c.fs.Int(&rev, 0, "revision")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	return c.ctx.SecretRemove(uri, rev)
}
