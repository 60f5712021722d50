package jujutest

// secretRemove follows secret-remove.go and runner/context/context.go
// (RemoveSecret): only a secret this unit manages may be removed, and the
// removal is staged with the hook. Removing a single revision is not
// modelled: the charm removes whole secrets.
func (m *Model) secretRemove(argv []string) ([]byte, error) {
	const name = "secret-remove"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 {
		return nil, usage(name, "missing secret URI")
	}
	uri, ok := parseSecretURI(a.pos[0])
	if !ok {
		return nil, usage(name, "secret URI %q not valid", a.pos[0])
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	s := m.secretByXID(xid(uri))
	if s == nil || !m.manages(s) {
		return nil, failure(name, "secret %q not found", xid(uri))
	}
	m.pendingRemoves = append(m.pendingRemoves, xid(uri))
	return nil, nil
}
