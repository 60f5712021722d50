package hooktools

const (
	maxStateKey   = 256
	maxStateValue = 64 * 1024
)

func stateSet(c *inv) error {
	var file string
	c.fs.String(&file, "", "file")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	settings, err := c.mergeSettings(file, kvs, "state")
	if err != nil {
		return err
	}
	for k, v := range settings {
		if len(k) > maxStateKey {
			return usagef("key too large: %d bytes, maximum is %d", len(k), maxStateKey)
		}
		if len(v) > maxStateValue {
			return usagef("value for key %q too large: %d bytes, maximum is %d", k, len(v), maxStateValue)
		}
	}
	return c.ctx.StateSet(settings)
}
