package hooktools

func secretSet(c *inv) error {
	var a SecretArgs
	var file string
	c.secretFlags(&a, &file)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	id, pos, err := c.secretID(pos)
	if err != nil {
		return err
	}
	if len(pos) > 0 || file != "" {
		if a.Content, err = c.secretContent(pos, file); err != nil {
			return err
		}
	}
	return c.ctx.SecretSet(id, a)
}
