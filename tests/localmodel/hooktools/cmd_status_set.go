package hooktools

import (
	"errors"
	"strings"
)

var validStatus = []string{"maintenance", "blocked", "waiting", "active"}

func statusSet(c *inv) error {
	var app bool
	c.fs.Bool(&app, "application")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return usagef("invalid args, require <status> [message]")
	}
	// Init checks the status before the number of arguments
	// (internal/worker/uniter/runner/jujuc/status-set.go).
	ok := false
	for _, s := range validStatus {
		ok = ok || s == pos[0]
	}
	if !ok {
		return usagef("invalid status %q, expected one of [%s]", pos[0], strings.Join(validStatus, " "))
	}
	if len(pos) > 2 {
		return unrecognized(pos[2:])
	}
	msg := ""
	if len(pos) == 2 {
		msg = pos[1]
	}
	if app && !c.ctx.IsLeader() {
		return errors.New("this unit is not the leader")
	}
	return c.ctx.SetStatus(app, Status{Status: pos[0], Message: msg})
}
