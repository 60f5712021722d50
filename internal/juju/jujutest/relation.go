package jujutest

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Relation is one relation as seen from the local unit.
type Relation struct {
	ID        string // "db:3"
	RemoteApp string
	// RemoteUnits are the remote units in scope.
	RemoteUnits    []string
	RemoteAppData  map[string]string
	RemoteUnitData map[string]map[string]string
	LocalAppData   map[string]string
	LocalUnitData  map[string]string
}

// Endpoint is the endpoint part of the relation id.
func (r *Relation) Endpoint() string {
	ep, _, _ := strings.Cut(r.ID, ":")
	return ep
}

func relNum(id string) string { return id[strings.LastIndexByte(id, ':')+1:] }

func (m *Model) relation(id string) *Relation {
	// Like Juju, only the digits after the last ":" matter.
	for _, r := range m.state.Relations {
		if relNum(r.ID) == relNum(id) {
			return r
		}
	}
	return nil
}

func (m *Model) relationIDs(argv []string) ([]byte, error) {
	const name = "relation-ids"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	// relation-ids.go, Init: outside a relation hook the endpoint is
	// required.
	if len(a.pos) == 0 {
		return nil, usage(name, "no endpoint name specified")
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	ids := []string{}
	for _, r := range m.state.Relations {
		if r.Endpoint() == a.pos[0] {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return output(a.flags["format"], ids)
}

// relationFlag checks -r as Juju's relationIdValue.Set does (jujuc
// context.go): the digits after the last ":", a relation of this unit.
func (m *Model) relationFlag(s string) error {
	if _, err := strconv.Atoi(relNum(s)); err != nil {
		return errors.New("invalid relation id")
	}
	if m.relation(s) == nil {
		return errors.New("relation not found")
	}
	return nil
}

// relationArgs parses a relation tool's flags; rel is nil when -r was
// not given, which each tool's Init refuses in its own order.
func (m *Model) relationArgs(tool string, argv, valued, boolean []string) (args, *Relation, error) {
	a, err := parseChecked(tool, argv, append(valued, "format", "r", "relation"), boolean,
		map[string]valueCheck{"r": m.relationFlag, "relation": m.relationFlag})
	if err != nil {
		return a, nil, err
	}
	id, ok := a.flags["r"]
	if v, set := a.flags["relation"]; set {
		id, ok = v, true
	}
	if !ok {
		return a, nil, nil
	}
	return a, m.relation(id), nil
}

func (m *Model) relationList(argv []string) ([]byte, error) {
	const name = "relation-list"
	a, rel, err := m.relationArgs(name, argv, nil, []string{"app"})
	if err != nil {
		return nil, err
	}
	// relation-list.go, Init.
	if rel == nil {
		return nil, usage(name, "no relation id specified")
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	if a.flags["app"] == "true" {
		return output(a.flags["format"], rel.RemoteApp)
	}
	units := append([]string{}, rel.RemoteUnits...)
	sort.Strings(units)
	return output(a.flags["format"], units)
}

func (m *Model) localApp() string {
	app, _, _ := strings.Cut(m.state.Unit, "/")
	return app
}

// staged returns the hook's view of a local databag, pending writes included.
func (m *Model) staged(rel *Relation, bag string) map[string]string {
	if data, ok := m.pendingRel[rel.ID+"/"+bag]; ok {
		return data
	}
	src := rel.LocalUnitData
	if bag == "app" {
		src = rel.LocalAppData
	}
	data := map[string]string{}
	for k, v := range src {
		data[k] = v
	}
	return data
}

// Unit and application names as github.com/juju/names/v5 validates them.
var (
	appNameRE  = regexp.MustCompile(`^(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)$`)
	unitNameRE = regexp.MustCompile(`^(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)/(?:0|[1-9][0-9]*)$`)
)

// relationGet follows relation-get.go: Init checks -r, then the key, then
// the unit or application name (determineUnitOrAppName).
func (m *Model) relationGet(argv []string) ([]byte, error) {
	const name = "relation-get"
	a, rel, err := m.relationArgs(name, argv, nil, []string{"app"})
	if err != nil {
		return nil, err
	}
	if rel == nil {
		return nil, usage(name, "no relation id specified")
	}
	pos := a.pos
	key := ""
	if len(pos) > 0 {
		if key = pos[0]; key == "-" {
			key = ""
		}
		pos = pos[1:]
	}
	// There is no remote unit or application to default to outside a
	// relation hook.
	if len(pos) == 0 {
		return nil, usage(name, "no unit or application specified")
	}
	target := pos[0]
	pos = pos[1:]
	app := a.flags["app"] == "true"
	if app {
		if !appNameRE.MatchString(target) && unitNameRE.MatchString(target) {
			target, _, _ = strings.Cut(target, "/")
		}
	} else if !unitNameRE.MatchString(target) {
		if appNameRE.MatchString(target) {
			return nil, usage(name, "expected unit name, got application name %q", target)
		}
		return nil, usage(name, "invalid unit name %q", target)
	}
	if len(pos) > 0 {
		return nil, unrecognized(name, pos)
	}
	var data map[string]string
	peer := rel.RemoteApp == m.localApp()
	switch {
	case app && target == m.localApp():
		// A non-leader asks the controller, which lets it read its own
		// application's bag on a peer relation only.
		if !m.state.Leader && !peer {
			return nil, failure(name, "permission denied")
		}
		data = m.staged(rel, "app")
	case app && target == rel.RemoteApp:
		data = rel.RemoteAppData
	case !app && target == m.state.Unit:
		data = m.staged(rel, "unit")
	case !app:
		d, ok := rel.RemoteUnitData[target]
		if !ok {
			return nil, failure(name, "permission denied")
		}
		data = d
	default:
		return nil, failure(name, "permission denied")
	}
	if data == nil {
		data = map[string]string{}
	}
	if key != "" {
		v, ok := data[key]
		if !ok {
			return output(a.flags["format"], nil)
		}
		return output(a.flags["format"], v)
	}
	return output(a.flags["format"], data)
}

// relationSet follows relation-set.go: Init checks -r and parses the
// key=value arguments; Run reads --file, then refuses --app to a
// non-leader.
func (m *Model) relationSet(argv []string, stdin []byte) ([]byte, error) {
	const name = "relation-set"
	a, rel, err := m.relationArgs(name, argv, []string{"file"}, []string{"app"})
	if err != nil {
		return nil, err
	}
	if rel == nil {
		return nil, usage(name, "no relation id specified")
	}
	kvs, err := keyValues(name, a.pos)
	if err != nil {
		return nil, err
	}
	settings, err := settingsFile(name, a, stdin, kvs)
	if err != nil {
		return nil, err
	}
	bag := "unit"
	if a.flags["app"] == "true" {
		if !m.state.Leader {
			return nil, failure(name, "cannot write relation settings")
		}
		bag = "app"
	}
	data := m.staged(rel, bag)
	for k, v := range settings {
		if v == "" {
			delete(data, k)
		} else {
			data[k] = v
		}
	}
	m.pendingRel[rel.ID+"/"+bag] = data
	return nil, nil
}
