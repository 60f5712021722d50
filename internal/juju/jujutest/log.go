package jujutest

import "strings"

// jujuLog follows juju-log.go: the message is recorded for Logs.
func (m *Model) jujuLog(argv []string) ([]byte, error) {
	const name = "juju-log"
	a, err := parse(name, argv, []string{"log-level", "l"}, []string{"debug"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "no message specified")
	}
	m.logs = append(m.logs, strings.Join(a.pos, " "))
	return nil, nil
}
