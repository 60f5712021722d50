package hooktools

import "strings"

func actionGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	params := a.Params()
	if params == nil {
		params = map[string]any{}
	}
	if len(pos) == 0 {
		return c.write(params)
	}
	var cur any = params
	for _, k := range strings.Split(pos[0], ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return c.write(nil)
		}
		if cur, ok = m[k]; !ok {
			return c.write(nil)
		}
	}
	return c.write(cur)
}
