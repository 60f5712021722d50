package hooktools

// secretSet follows internal/worker/uniter/runner/jujuc/secret-set.go:
// Init needs a valid URI, then checks the options and content like
// secret-add; --owner is accepted and ignored.
func secretSet(c *inv) error {
	var o secretOpts
	c.secretFlags(&o)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	id, pos, err := c.secretID(pos)
	if err != nil {
		return err
	}
	a, err := c.secretArgs(&o, pos)
	if err != nil {
		return err
	}
	if len(a.Content) == 0 {
		a.Content = nil
	}
	a.Owner = ""
	return c.ctx.SecretSet(id, a)
}
