package hooktools

import (
	"fmt"
	"strings"
)

var logLevels = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARNING": true, "ERROR": true, "CRITICAL": true}

func jujuLog(c *inv) error {
	var debug bool
	var level, format string
	c.fs.Bool(&debug, "debug")
	c.fs.String(&level, "INFO", "l", "log-level")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", "juju-log")
	}
	if len(pos) == 0 {
		return usagef("no message specified")
	}
	level = strings.ToUpper(level)
	if debug {
		level = "DEBUG"
	}
	if !logLevels[level] {
		c.ctx.Log("WARNING", fmt.Sprintf("Specified log level of %q is not valid", level))
		level = "INFO"
	}
	msg := strings.Join(pos, " ")
	if id, ok := c.ctx.HookRelation(); ok {
		if r, ok := c.ctx.Relation(id); ok {
			msg = fmt.Sprintf("%s:%d: %s", r.Endpoint, id, msg)
		}
	}
	c.ctx.Log(level, msg)
	return nil
}
