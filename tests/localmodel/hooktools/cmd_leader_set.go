package hooktools

import "errors"

func leaderSet(c *inv) error {
	var file string
	c.fs.String(&file, "", "file")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	if !c.ctx.IsLeader() {
		return errors.New("cannot write settings: not the leader")
	}
	return c.ctx.LeaderSet(kvs)
}
