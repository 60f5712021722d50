package hooktools

import "fmt"

func relationIDs(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	var endpoint string
	switch len(pos) {
	case 0:
		id, ok := c.ctx.HookRelation()
		if !ok {
			return usagef("no endpoint name specified")
		}
		r, _ := c.ctx.Relation(id)
		endpoint = r.Endpoint
	case 1:
		endpoint = pos[0]
	default:
		return unrecognized(pos[1:])
	}
	ids := []string{}
	for _, id := range c.ctx.RelationIDs(endpoint) {
		ids = append(ids, fmt.Sprintf("%s:%d", endpoint, id))
	}
	return c.write(ids)
}
