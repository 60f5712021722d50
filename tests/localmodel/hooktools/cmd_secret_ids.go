package hooktools

import "sort"

func secretIDs(c *inv) error {
	c.formatFlags("smart", allFormats...)
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	ids := c.ctx.SecretIDs()
	sort.Strings(ids)
	return c.write(ids)
}
