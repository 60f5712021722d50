package jujutest

import "strings"

// secretGrant follows secret-grant.go and runner/context/context.go
// (GrantSecret): the secret must be one whose metadata this unit has (it
// manages it), else the error names its id.
func (m *Model) secretGrant(argv []string) ([]byte, error) {
	const name = "secret-grant"
	a, rel, err := m.relationArgs(name, argv, []string{"unit"}, nil)
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
	if rel == nil {
		return nil, usage(name, "no relation id specified")
	}
	if u := a.flags["unit"]; u != "" {
		if !unitNameRE.MatchString(u) {
			return nil, usage(name, "unit %q not valid", u)
		}
		if app, _, _ := strings.Cut(u, "/"); app != rel.RemoteApp {
			return nil, usage(name, "cannot specify unit %q in relation to application %q", u, rel.RemoteApp)
		}
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	s := m.secretByXID(xid(uri))
	if s == nil || s.Owner == "" || (s.Owner == OwnerApplication && !m.state.Leader) {
		return nil, failure(name, "secret %q not found", xid(uri))
	}
	return nil, nil
}
