package hooktools

import "strings"

func storageList(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	out := []string{}
	for _, s := range c.ctx.Storage() {
		if len(pos) == 1 && !strings.HasPrefix(s.ID, pos[0]+"/") {
			continue
		}
		out = append(out, s.ID)
	}
	return c.write(out)
}
