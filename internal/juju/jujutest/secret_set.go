package jujutest

// secretSet follows secret-set.go and runner/context/context.go
// (UpdateSecret): the leader check applies only to an application-owned
// secret whose metadata this unit has, which only a leader gets
// (apiserver/common/secrets/secrets.go, getSecretMetadata). Any other
// update is staged as it is: the controller refuses it when the hook
// commits (CanManage), failing the hook.
func (m *Model) secretSet(argv []string) ([]byte, error) {
	const name = "secret-set"
	a, err := secretFlags(name, argv)
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
	var content map[string]string
	if len(a.pos) > 1 || a.flags["file"] != "" {
		if content, err = secretContent(name, a.pos[1:], a.flags["file"]); err != nil {
			return nil, err
		}
	}
	up := secretUpdate{xid: xid(uri)}
	if len(content) > 0 {
		up.content = content
	}
	if l, ok := a.flags["label"]; ok && l != "" {
		up.label = &l
	}
	if d, ok := a.flags["description"]; ok && d != "" {
		up.description = &d
	}
	if up.content == nil && up.label == nil && up.description == nil && a.flags["expire"] == "" && a.flags["rotate"] == "" {
		return nil, nil
	}
	for i, p := range m.pendingUpdates {
		if p.xid == up.xid {
			if up.content == nil {
				up.content = p.content
			}
			m.pendingUpdates = append(m.pendingUpdates[:i], m.pendingUpdates[i+1:]...)
			break
		}
	}
	for _, s := range m.pendingCreates {
		if xid(s.URI) == up.xid {
			// A secret created in this hook: update what will be
			// created.
			if up.content != nil {
				s.Revisions[0] = up.content
			}
			if up.label != nil {
				s.Label = *up.label
			}
			if up.description != nil {
				s.Description = *up.description
			}
			return nil, nil
		}
	}
	m.pendingUpdates = append(m.pendingUpdates, up)
	return nil, nil
}
