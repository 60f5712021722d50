package hooktools

import (
	"errors"
	"fmt"
)

func relationSet(c *inv) error {
	var id int
	var app bool
	var file, format string
	c.relationFlag(&id)
	c.fs.Bool(&app, "app")
	c.fs.String(&file, "", "file")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", "relation-set")
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	if _, err := c.needRelation(id); err != nil {
		return err
	}
	settings, err := c.mergeSettings(file, kvs, "settings")
	if err != nil {
		return err
	}
	if app && !c.ctx.IsLeader() {
		return errors.New("cannot write relation settings")
	}
	return c.ctx.WriteSettings(id, app, settings)
}
