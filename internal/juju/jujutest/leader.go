package jujutest

import "strings"

// isLeader follows is-leader.go.
func (m *Model) isLeader(argv []string) ([]byte, error) {
	const name = "is-leader"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	return output(a.flags["format"], m.state.Leader)
}

// leaderGet follows leader-get.go.
func (m *Model) leaderGet(argv []string) ([]byte, error) {
	const name = "leader-get"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	key := ""
	if len(a.pos) > 0 {
		key = a.pos[0]
		if key == "-" {
			key = ""
		} else if strings.Contains(key, "=") {
			return nil, usage(name, "invalid key %q", key)
		}
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
		}
	}
	settings := map[string]string{}
	for k, v := range m.state.LeaderSettings {
		settings[k] = v
	}
	if key == "" {
		return output(a.flags["format"], settings)
	}
	if v, ok := settings[key]; ok {
		return output(a.flags["format"], v)
	}
	return output(a.flags["format"], nil)
}

// leaderSet follows leader-set.go and runner/context/leader.go: the
// settings go to the controller at once (they are not staged with the
// hook), an empty value deletes a key, and a minion is refused.
func (m *Model) leaderSet(argv []string) ([]byte, error) {
	const name = "leader-set"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	kvs, err := keyValues(name, a.pos)
	if err != nil {
		return nil, err
	}
	if !m.state.Leader {
		return nil, failure(name, "cannot write leadership settings: cannot write settings: not the leader")
	}
	if m.state.LeaderSettings == nil {
		m.state.LeaderSettings = map[string]string{}
	}
	for k, v := range kvs {
		if v == "" {
			delete(m.state.LeaderSettings, k)
		} else {
			m.state.LeaderSettings[k] = v
		}
	}
	return nil, nil
}
