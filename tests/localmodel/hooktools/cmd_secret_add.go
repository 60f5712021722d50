package hooktools

import (
	"errors"
	"fmt"
)

func secretAdd(c *inv) error {
	var a SecretArgs
	var file string
	c.secretFlags(&a, &file)
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 && file == "" {
		return usagef("missing secret value or filename")
	}
	a.Content, err = c.secretContent(pos, file)
	if err != nil {
		return err
	}
	if len(a.Content) == 0 {
		return usagef("missing secret value or filename")
	}
	if a.Owner == "" {
		a.Owner = "application"
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
