package hooktools

import (
	"errors"
	"fmt"
)

// secretAdd follows internal/worker/uniter/runner/jujuc/secret-add.go:
// Init needs content or a file and checks the options and content; Run
// refuses empty content, then an application-owned secret from a
// non-leader (runner/context/context.go, CreateSecret).
func secretAdd(c *inv) error {
	var o secretOpts
	c.secretFlags(&o)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 && o.file == "" {
		return usagef("missing secret value or filename")
	}
	a, err := c.secretArgs(&o, pos)
	if err != nil {
		return err
	}
	if len(a.Content) == 0 {
		return errors.New("empty secret value not valid")
	}
	if a.Owner == "application" && !c.ctx.IsLeader() {
		return errors.New("this unit is not the leader")
	}
	uri, err := c.ctx.SecretAdd(a)
	if err != nil {
		return err
	}
	fmt.Fprintln(&c.stdout, uri)
	return nil
}
