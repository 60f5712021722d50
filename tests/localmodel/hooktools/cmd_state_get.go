package hooktools

import "fmt"

func stateGet(c *inv) error {
	var strict bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&strict, "strict")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	state := c.ctx.StateGet()
	if len(pos) == 0 || pos[0] == "-" {
		if len(state) == 0 {
			return c.write(nil)
		}
		return c.write(state)
	}
	v, ok := state[pos[0]]
	if !ok && strict {
		return fmt.Errorf("%q not found", pos[0])
	}
	return c.write(v)
}
