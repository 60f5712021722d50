package hooktools

import "errors"

// leaderSet follows internal/worker/uniter/runner/jujuc/leader-set.go: it
// has no --file, only key=value arguments, and a minion's write fails
// with the annotations of the command and of the leadership context
// (runner/context/leader.go, WriteLeaderSettings: errIsMinion "not the
// leader").
func leaderSet(c *inv) error {
	pos, err := c.parse()
	if err != nil {
		return err
	}
	kvs, err := parseKeyValues(pos)
	if err != nil {
		return err
	}
	if !c.ctx.IsLeader() {
		return errors.New("cannot write leadership settings: cannot write settings: not the leader")
	}
	return c.ctx.LeaderSet(kvs)
}
