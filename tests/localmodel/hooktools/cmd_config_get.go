package hooktools

func configGet(c *inv) error {
	var all bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&all, "a", "all")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	settings := c.ctx.ConfigSettings()
	if len(pos) == 1 {
		if all {
			return usagef("cannot use argument --all together with key %q", pos[0])
		}
		return c.write(settings[pos[0]])
	}
	out := map[string]any{}
	for k, v := range settings {
		if v != nil || all {
			out[k] = v
		}
	}
	return c.write(out)
}
