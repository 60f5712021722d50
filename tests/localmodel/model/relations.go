package model

import (
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

func (e endpoint) String() string { return e.app + ":" + e.name }

func (r *relation) peer() bool { return len(r.eps) == 1 }

// key is Juju's relation key: requirer first.
func (r *relation) key() string {
	if r.peer() {
		return r.eps[0].String()
	}
	a, b := r.eps[0], r.eps[1]
	if a.role == charmdir.RoleProvider {
		a, b = b, a
	}
	return a.String() + " " + b.String()
}

// endpointOf returns the endpoint of app in the relation.
func (r *relation) endpointOf(app string) (endpoint, bool) {
	for _, e := range r.eps {
		if e.app == app {
			return e, true
		}
	}
	return endpoint{}, false
}

func (r *relation) remoteApp(app string) string {
	for _, e := range r.eps {
		if e.app != app {
			return e.app
		}
	}
	return app
}

// Relate adds a relation between two endpoints ("app" or "app:endpoint").
func (m *Model) Relate(a, b string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ea, eb, err := m.inferEndpoints(a, b)
	if err != nil {
		return 0, err
	}
	for _, r := range m.relations {
		if r.life != alive || r.peer() {
			continue
		}
		if (r.eps[0] == ea && r.eps[1] == eb) || (r.eps[0] == eb && r.eps[1] == ea) {
			return 0, fmt.Errorf("relation %s already exists", r.key())
		}
	}
	for _, e := range []endpoint{ea, eb} {
		if err := m.checkLimitLocked(e); err != nil {
			return 0, fmt.Errorf("cannot add relation %q: %w", ea.String()+" "+eb.String(), err)
		}
	}
	r := m.addRelationLocked([]endpoint{ea, eb})
	m.logf("model", "INFO", "juju.model", "added relation %d: %s", r.id, r.key())
	m.wakeAll()
	return r.id, nil
}

// checkLimitLocked enforces an endpoint's relation limit from metadata.
func (m *Model) checkLimitLocked(e endpoint) error {
	info, ok := m.apps[e.app].charm.Endpoint(e.name)
	if !ok || info.Limit == 0 {
		return nil
	}
	n := 0
	for _, r := range m.relations {
		if r.life != alive || r.peer() {
			continue
		}
		if x, ok := r.endpointOf(e.app); ok && x.name == e.name {
			n++
		}
	}
	if n >= info.Limit {
		return fmt.Errorf("establishing a new relation for %s would exceed its maximum relation limit of %d", e, info.Limit)
	}
	return nil
}

func (m *Model) addRelationLocked(eps []endpoint) *relation {
	r := &relation{
		id: m.nextRelID, eps: eps, scope: map[string]bool{},
		units: map[string]*settings{}, appS: map[string]*settings{},
		since: m.cfg.Clock.Now(),
	}
	m.nextRelID++
	for _, e := range eps {
		r.appS[e.app] = &settings{data: map[string]string{}}
	}
	m.relations[r.id] = r
	return r
}

func splitEndpoint(s string) (string, string) {
	if k := strings.IndexByte(s, ':'); k >= 0 {
		return s[:k], s[k+1:]
	}
	return s, ""
}

func (m *Model) inferEndpoints(a, b string) (endpoint, endpoint, error) {
	appA, epA := splitEndpoint(a)
	appB, epB := splitEndpoint(b)
	aa, ok := m.apps[appA]
	if !ok || aa.life != alive {
		return endpoint{}, endpoint{}, fmt.Errorf("application %q not found", appA)
	}
	ab, ok := m.apps[appB]
	if !ok || ab.life != alive {
		return endpoint{}, endpoint{}, fmt.Errorf("application %q not found", appB)
	}
	var matches [][2]endpoint
	for _, x := range aa.charm.Endpoints() {
		if epA != "" && x.Name != epA {
			continue
		}
		for _, y := range ab.charm.Endpoints() {
			if epB != "" && y.Name != epB {
				continue
			}
			if x.Interface != y.Interface || x.Role == charmdir.RolePeer || y.Role == charmdir.RolePeer {
				continue
			}
			if x.Role == y.Role {
				continue
			}
			matches = append(matches, [2]endpoint{
				{app: appA, name: x.Name, role: x.Role, iface: x.Interface},
				{app: appB, name: y.Name, role: y.Role, iface: y.Interface},
			})
		}
	}
	switch len(matches) {
	case 0:
		return endpoint{}, endpoint{}, fmt.Errorf("no relations found between %q and %q", a, b)
	case 1:
		return matches[0][0], matches[0][1], nil
	}
	var names []string
	for _, mt := range matches {
		names = append(names, mt[0].String()+" "+mt[1].String())
	}
	return endpoint{}, endpoint{}, fmt.Errorf("ambiguous relation: %q could refer to %s", a+" "+b, strings.Join(names, "; "))
}

// RemoveRelation removes the relation between two endpoints.
func (m *Model) RemoveRelation(a, b string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	appA, epA := splitEndpoint(a)
	appB, epB := splitEndpoint(b)
	var found []*relation
	for _, r := range m.relations {
		if r.peer() || r.life != alive {
			continue
		}
		match := func(e endpoint, app, ep string) bool { return e.app == app && (ep == "" || e.name == ep) }
		if (match(r.eps[0], appA, epA) && match(r.eps[1], appB, epB)) || (match(r.eps[1], appA, epA) && match(r.eps[0], appB, epB)) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("relation %q not found", a+" "+b)
	case 1:
	default:
		return fmt.Errorf("ambiguous relation: specify the endpoints")
	}
	m.killRelationLocked(found[0])
	m.wakeAll()
	return nil
}

// killRelationLocked marks a relation dying: every unit leaves scope, so
// remote units see departed, and then broken.
func (m *Model) killRelationLocked(r *relation) {
	r.life = dying
	for u := range r.scope {
		delete(r.scope, u)
	}
	m.maybeRemoveRelationLocked(r)
}

// maybeRemoveRelationLocked deletes a dying relation once no unit still has
// to run its broken hook.
func (m *Model) maybeRemoveRelationLocked(r *relation) {
	if r.life == alive {
		return
	}
	for _, e := range r.eps {
		a := m.apps[e.app]
		if a == nil {
			continue
		}
		for _, u := range a.units {
			if lr := u.rels[r.id]; lr != nil && lr.created {
				return
			}
		}
	}
	delete(m.relations, r.id)
	for _, s := range m.secrets {
		s.dropGrants(r.id)
	}
}
