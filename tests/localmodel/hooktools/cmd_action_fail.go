package hooktools

func actionFail(c *inv) error {
	pos, err := c.parseAtMost(1)
	if err != nil {
		return err
	}
	msg := "action failed without reason given, check action for errors"
	if len(pos) == 1 {
		msg = pos[0]
	}
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Fail(msg)
	return nil
}
