package jujutest

// stagedState returns the hook's view of the unit state, pending writes
// included.
func (m *Model) stagedState() map[string]string {
	if m.pendingState != nil {
		return m.pendingState
	}
	data := map[string]string{}
	for k, v := range m.state.UnitState {
		data[k] = v
	}
	return data
}

// stateGet follows state-get.go; the whole state of a unit that has none
// is nil (runner/context/context.go, GetCharmState), which JSON prints as
// null.
func (m *Model) stateGet(argv []string) ([]byte, error) {
	const name = "state-get"
	a, err := parse(name, argv, []string{"format"}, []string{"strict"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	data := m.stagedState()
	if len(a.pos) == 0 || a.pos[0] == "-" {
		if len(data) == 0 {
			return output(a.flags["format"], nil)
		}
		return output(a.flags["format"], data)
	}
	v, ok := data[a.pos[0]]
	if !ok && a.flags["strict"] == "true" {
		return nil, failure(name, "%q not found", a.pos[0])
	}
	// Without --strict a missing key prints "".
	return output(a.flags["format"], v)
}

func (m *Model) stateSet(argv []string, stdin []byte) ([]byte, error) {
	const name = "state-set"
	a, err := parse(name, argv, []string{"file"}, nil)
	if err != nil {
		return nil, err
	}
	kvs, err := keyValues(name, a.pos)
	if err != nil {
		return nil, err
	}
	settings, err := settingsFile(name, a, stdin, kvs)
	if err != nil {
		return nil, err
	}
	data := m.stagedState()
	for k, v := range settings {
		data[k] = v
	}
	m.pendingState = data
	return nil, nil
}

// stateDelete follows state-delete.go: deleting a missing key is a no-op.
func (m *Model) stateDelete(argv []string) ([]byte, error) {
	const name = "state-delete"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, nil
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	data := m.stagedState()
	delete(data, a.pos[0])
	m.pendingState = data
	return nil, nil
}
