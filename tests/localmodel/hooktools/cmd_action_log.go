package hooktools

import "strings"

func actionLog(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no message specified")
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Log(strings.Join(pos, " "))
	return nil
}
