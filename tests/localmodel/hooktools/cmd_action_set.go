package hooktools

import (
	"regexp"
	"strings"
)

// actionKeyRE is charm.GetActionNameRule (github.com/juju/charm/v12).
var actionKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// actionSet follows internal/worker/uniter/runner/jujuc/action-set.go:
// Init checks every argument, each dotted part of a key against the
// action name rule and then the reserved keys; Run needs a running action
// only to record something, so no argument at all is fine anywhere.
func actionSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	results := map[string]any{}
	for _, arg := range pos {
		k := strings.IndexByte(arg, '=')
		if k < 0 {
			return usagef("argument %q must be of the form key...=value", arg)
		}
		keys := strings.Split(arg[:k], ".")
		for _, key := range keys {
			if !actionKeyRE.MatchString(key) {
				return usagef("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", key)
			}
			switch key {
			case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
				return usagef("cannot set reserved action key \"%s\"", key)
			}
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
	if len(pos) == 0 {
		return nil
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Set(results)
	return nil
}
