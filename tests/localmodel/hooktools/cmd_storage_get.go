package hooktools

import "fmt"

func storageGet(c *inv) error {
	var id string
	c.formatFlags("smart", allFormats...)
	c.fs.String(&id, "", "s")
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	all := c.ctx.Storage()
	if id == "" {
		if len(all) != 1 {
			return usagef("no storage instance specified")
		}
		id = all[0].ID
	}
	for _, s := range all {
		if s.ID != id {
			continue
		}
		m := map[string]any{"kind": s.Kind, "location": s.Location}
		if len(pos) == 1 {
			v, ok := m[pos[0]]
			if !ok {
				return fmt.Errorf("invalid storage attribute %q", pos[0])
			}
			return c.write(v)
		}
		return c.write(m)
	}
	return usagef("invalid value %q for option -s: storage instance %q not found", id, id)
}
