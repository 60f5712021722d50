package hooktools

import (
	"regexp"
	"strings"
)

var actionKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

func actionSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no key=value pairs specified")
	}
	results := map[string]any{}
	for _, arg := range pos {
		k := strings.IndexByte(arg, '=')
		if k <= 0 {
			return usagef("argument %q must be of the form key...=value", arg)
		}
		keys := strings.Split(arg[:k], ".")
		for _, key := range keys {
			if !actionKeyRE.MatchString(key) {
				return usagef("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods", key)
			}
		}
		switch keys[0] {
		case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
			return usagef("cannot set reserved action key %q", keys[0])
		}
		cur := results
		for _, key := range keys[:len(keys)-1] {
			next, ok := cur[key].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[key] = next
			}
			cur = next
		}
		cur[keys[len(keys)-1]] = arg[k+1:]
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Set(results)
	return nil
}
