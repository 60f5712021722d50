package hooktools

import "strings"

// secretGrant follows internal/worker/uniter/runner/jujuc/secret-grant.go:
// Init needs a valid URI, then a relation, then checks --unit (a unit of
// the relation's remote application), then refuses extra arguments.
func secretGrant(c *inv) error {
	var id int
	var unit string
	c.relationFlag(&id)
	c.fs.String(&unit, "", "unit")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	uri, pos, err := c.secretID(pos)
	if err != nil {
		return err
	}
	r, err := c.needRelation(id)
	if err != nil {
		return err
	}
	if unit != "" {
		if !unitNameRE.MatchString(unit) {
			return usagef("unit %q not valid", unit)
		}
		if app, _, _ := strings.Cut(unit, "/"); app != r.RemoteApp {
			return usagef("cannot specify unit %q in relation to application %q", unit, r.RemoteApp)
		}
	}
	if len(pos) > 0 {
		return unrecognized(pos)
	}
	return c.ctx.SecretGrant(uri, id, unit)
}
