package hooktools

import "strings"

// leaderGet follows internal/worker/uniter/runner/jujuc/leader-get.go:
// Init takes a key ("-" for all), refuses one with "=", then any further
// argument.
func leaderGet(c *inv) error {
	c.formatFlags("smart", allFormats...)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	key := ""
	if len(pos) > 0 {
		key = pos[0]
		if key == "-" {
			key = ""
		} else if strings.Contains(key, "=") {
			return usagef("invalid key %q", key)
		}
		if len(pos) > 1 {
			return unrecognized(pos[1:])
		}
	}
	settings := c.ctx.LeaderGet()
	if settings == nil {
		settings = map[string]string{}
	}
	if key == "" {
		return c.write(settings)
	}
	v, ok := settings[key]
	if !ok {
		return c.write(nil)
	}
	return c.write(v)
}
