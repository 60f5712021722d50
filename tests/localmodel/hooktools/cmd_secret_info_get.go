package hooktools

func secretInfoGet(c *inv) error {
	var label string
	c.formatFlags("yaml", "yaml", "json")
	c.fs.String(&label, "", "label")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	var id string
	if len(pos) > 0 {
		id, pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		return unrecognized(pos)
	}
	if id != "" && label != "" {
		return usagef("specify either a secret URI or label but not both")
	}
	if id == "" && label == "" {
		return usagef("require either a secret URI or label")
	}
	if id != "" && !looksLikeSecretID(id) {
		return usagef("invalid secret URI %q", id)
	}
	info, err := c.ctx.SecretInfo(id, label)
	if err != nil {
		return err
	}
	return c.write(info)
}
