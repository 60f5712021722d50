package hooktools

// stateDelete follows internal/worker/uniter/runner/jujuc/state-delete.go:
// without a key (or with an empty one) it does nothing; deleting a
// missing key is a no-op too.
func stateDelete(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return nil
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	if pos[0] == "" {
		return nil
	}
	return c.ctx.StateDelete(pos[0])
}
