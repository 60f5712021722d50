// Package jujutest is an in-memory model of the hook tools, following the
// Juju 3.6 contract closely enough for state-in, event, state-out tests:
// JSON output formats, "ERROR ..." texts and exit codes, staged writes that
// commit only when the hook succeeds, and the leader and secret permission
// rules.
package jujutest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
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

// Secret is a secret visible to the unit. Revisions[i] is revision i+1.
type Secret struct {
	URI       string
	Revisions []map[string]string
	// Tracked is the revision this unit has seen (0: never read).
	Tracked int
	Granted bool
}

// Call is one hook-tool invocation.
type Call struct {
	Name  string
	Args  []string
	Stdin string
}

// State is everything the hook tools expose to one unit.
type State struct {
	Unit         string
	Leader       bool
	Config       map[string]any
	Relations    []*Relation
	Secrets      []*Secret
	BindAddress  map[string]string // binding -> address
	OpenedPorts  []string
	UnitStatus   juju.Status
	AppStatus    juju.Status
	Version      string
	ActionParams map[string]any
	// UnitState is the unit's server-side state (state-get, state-set).
	UnitState map[string]string
	// Dying is set while the unit is being removed: goal-state says so.
	Dying bool
	// PendingRelations are relations the model has (endpoint: remote
	// app) whose relation-created hook has not run on this unit yet:
	// goal-state lists them, relation-ids does not.
	PendingRelations map[string]string
}

// Model runs hook tools against a State. It is safe for concurrent use.
type Model struct {
	mu    sync.Mutex
	state State
	// pending holds writes of the running hook, committed by Commit.
	pendingPorts []string
	pendingRel   map[string]map[string]string // relID + "/app" or "/unit"
	pendingState map[string]string            // unit state, nil until state-set
	calls        []Call
	logs         []string
	results      map[string]string
	failMessage  *string
	// Errors forces a tool to fail, for error-path tests.
	errs map[string]*juju.ToolError
}

// New returns a Model over a deep copy of s.
func New(s State) *Model {
	m := &Model{state: clone(s), errs: map[string]*juju.ToolError{}, results: map[string]string{}}
	m.reset()
	return m
}

func clone(s State) State {
	var out State
	data, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

func (m *Model) reset() {
	m.pendingPorts = append([]string(nil), m.state.OpenedPorts...)
	m.pendingRel = map[string]map[string]string{}
	m.pendingState = nil
}

// FailTool makes every later call of tool fail with err.
func (m *Model) FailTool(tool string, err *juju.ToolError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs[tool] = err
}

// FailToolWith makes every later call of tool with the argument arg fail
// with err (nil: succeed again), e.g. status-set --application.
func (m *Model) FailToolWith(tool, arg string, err *juju.ToolError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		delete(m.errs, tool+"\x00"+arg)
		return
	}
	m.errs[tool+"\x00"+arg] = err
}

// Commit applies the hook's staged writes, as Juju does when it exits 0.
func (m *Model) Commit() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state.OpenedPorts = m.pendingPorts
	for key, data := range m.pendingRel {
		relID, bag, _ := strings.Cut(key, "/")
		rel := m.relation(relID)
		if rel == nil {
			continue
		}
		if bag == "app" {
			rel.LocalAppData = data
		} else {
			rel.LocalUnitData = data
		}
	}
	if m.pendingState != nil {
		m.state.UnitState = m.pendingState
	}
	m.reset()
}

// Rollback discards the staged writes, as Juju does when the hook fails.
func (m *Model) Rollback() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reset()
}

// State returns a copy of the committed state.
func (m *Model) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return clone(m.state)
}

// Update changes the committed state between hooks.
func (m *Model) Update(fn func(s *State)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(&m.state)
	m.reset()
}

// Calls returns the tool calls so far and forgets them.
func (m *Model) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	calls := m.calls
	m.calls = nil
	return calls
}

// Logs returns the juju-log messages so far.
func (m *Model) Logs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.logs...)
}

// ActionResults returns what action-set and action-fail recorded.
func (m *Model) ActionResults() (results map[string]string, failed *string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := map[string]string{}
	for k, v := range m.results {
		res[k] = v
	}
	return res, m.failMessage
}

func (m *Model) relation(id string) *Relation {
	// Like Juju, only the digits after the last ":" matter.
	num := id[strings.LastIndexByte(id, ':')+1:]
	for _, r := range m.state.Relations {
		if r.ID[strings.LastIndexByte(r.ID, ':')+1:] == num {
			return r
		}
	}
	return nil
}

func usage(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 2, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

func failure(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 1, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

// args is a small GNU-style parser: flags may follow positionals, "--"
// ends option parsing, and "--flag=value" and "--flag value" both work.
type args struct {
	flags map[string]string
	pos   []string
}

func parse(tool string, in []string, valued, boolean []string) (args, error) {
	a := args{flags: map[string]string{}}
	isValued := func(f string) bool { return contains(valued, f) }
	for i := 0; i < len(in); i++ {
		s := in[i]
		if s == "--" {
			a.pos = append(a.pos, in[i+1:]...)
			break
		}
		if !strings.HasPrefix(s, "-") || s == "-" {
			a.pos = append(a.pos, s)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(s, "-"), "=")
		switch {
		case isValued(name):
			if !hasVal {
				if i+1 >= len(in) {
					return a, usage(tool, "option needs an argument: %s", s)
				}
				i++
				val = in[i]
			}
			a.flags[name] = val
		case contains(boolean, name):
			a.flags[name] = "true"
		default:
			return a, usage(tool, "option provided but not defined: %s", s)
		}
	}
	return a, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func output(format string, v any) ([]byte, error) {
	if format != "json" {
		return nil, fmt.Errorf("jujutest supports only --format=json, got %q", format)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Run implements juju.Runner.
func (m *Model) Run(_ context.Context, stdin []byte, name string, argv ...string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, Call{Name: name, Args: append([]string(nil), argv...), Stdin: string(stdin)})
	if err, ok := m.errs[name]; ok {
		return nil, err
	}
	for _, a := range argv {
		if err, ok := m.errs[name+"\x00"+a]; ok {
			return nil, err
		}
	}
	switch name {
	case "config-get":
		a, err := parse(name, argv, []string{"format"}, []string{"all", "a"})
		if err != nil {
			return nil, err
		}
		if len(a.pos) == 1 {
			return output(a.flags["format"], m.state.Config[a.pos[0]])
		}
		return output(a.flags["format"], m.state.Config)
	case "is-leader":
		a, err := parse(name, argv, []string{"format"}, nil)
		if err != nil {
			return nil, err
		}
		return output(a.flags["format"], m.state.Leader)
	case "relation-ids":
		return m.relationIDs(argv)
	case "relation-list":
		return m.relationList(argv)
	case "relation-get":
		return m.relationGet(argv)
	case "relation-set":
		return m.relationSet(argv, stdin)
	case "secret-get":
		return m.secretGet(argv)
	case "state-get":
		return m.stateGet(argv)
	case "state-set":
		return m.stateSet(argv, stdin)
	case "goal-state":
		return m.goalState(argv)
	case "network-get":
		a, err := parse(name, argv, []string{"format", "r"}, []string{"bind-address"})
		if err != nil {
			return nil, err
		}
		if len(a.pos) != 1 {
			return nil, usage(name, "no arguments specified")
		}
		addr, ok := m.state.BindAddress[a.pos[0]]
		if !ok {
			return nil, failure(name, "no network config found for binding %q", a.pos[0])
		}
		return output(a.flags["format"], addr)
	case "opened-ports":
		a, err := parse(name, argv, []string{"format"}, nil)
		if err != nil {
			return nil, err
		}
		ports := append([]string{}, m.pendingPorts...)
		sort.Strings(ports)
		return output(a.flags["format"], ports)
	case "open-port", "close-port":
		return m.port(name, argv)
	case "status-set":
		return m.statusSet(argv)
	case "application-version-set":
		a, err := parse(name, argv, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(a.pos) != 1 {
			return nil, usage(name, "no version specified")
		}
		m.state.Version = a.pos[0]
		return nil, nil
	case "juju-log":
		a, err := parse(name, argv, []string{"log-level", "l"}, []string{"debug"})
		if err != nil {
			return nil, err
		}
		if len(a.pos) == 0 {
			return nil, usage(name, "no message specified")
		}
		m.logs = append(m.logs, strings.Join(a.pos, " "))
		return nil, nil
	case "action-get":
		if m.state.ActionParams == nil {
			return nil, failure(name, "not running an action")
		}
		a, err := parse(name, argv, []string{"format"}, nil)
		if err != nil {
			return nil, err
		}
		return output(a.flags["format"], m.state.ActionParams)
	case "action-set":
		if m.state.ActionParams == nil {
			return nil, failure(name, "not running an action")
		}
		for _, kv := range argv {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, usage(name, "argument %q must be of the form key...=value", kv)
			}
			if k == "stdout" || k == "stderr" {
				return nil, usage(name, "cannot set reserved action key %q", k)
			}
			m.results[k] = v
		}
		return nil, nil
	case "action-fail":
		if m.state.ActionParams == nil {
			return nil, failure(name, "not running an action")
		}
		a, _ := parse(name, argv, nil, nil)
		msg := "action failed without reason given, check action for errors"
		if len(a.pos) > 0 {
			msg = a.pos[0]
		}
		m.failMessage = &msg
		return nil, nil
	case "action-log":
		return nil, nil
	}
	return nil, &juju.ToolError{Tool: name, Code: 127, Stderr: name + ": command not found\n"}
}

func (m *Model) relationIDs(argv []string) ([]byte, error) {
	const name = "relation-ids"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) != 1 {
		return nil, usage(name, "no endpoint name specified")
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

func (m *Model) lookupRelation(tool string, a args) (*Relation, error) {
	id, ok := a.flags["r"]
	if !ok {
		return nil, usage(tool, "no relation id specified")
	}
	rel := m.relation(id)
	if rel == nil {
		return nil, usage(tool, "invalid value %q for option -r: relation not found", id)
	}
	return rel, nil
}

// relationArgs parses a relation tool's flags and finds its -r relation.
func (m *Model) relationArgs(tool string, argv, valued, boolean []string) (args, *Relation, error) {
	a, err := parse(tool, argv, append(valued, "format", "r"), boolean)
	if err != nil {
		return a, nil, err
	}
	rel, err := m.lookupRelation(tool, a)
	return a, rel, err
}

func (m *Model) relationList(argv []string) ([]byte, error) {
	const name = "relation-list"
	a, rel, err := m.relationArgs(name, argv, nil, []string{"app"})
	if err != nil {
		return nil, err
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

func (m *Model) relationGet(argv []string) ([]byte, error) {
	const name = "relation-get"
	a, rel, err := m.relationArgs(name, argv, nil, []string{"app"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) != 2 {
		return nil, usage(name, "no unit or application specified")
	}
	key, target := a.pos[0], a.pos[1]
	app := a.flags["app"] == "true"
	if app {
		target, _, _ = strings.Cut(target, "/")
	} else if !strings.Contains(target, "/") {
		return nil, usage(name, "expected unit name, got application name %q", target)
	}
	var data map[string]string
	peer := rel.RemoteApp == m.localApp()
	switch {
	case app && target == m.localApp():
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
	if key != "-" {
		v, ok := data[key]
		if !ok {
			return output(a.flags["format"], nil)
		}
		return output(a.flags["format"], v)
	}
	return output(a.flags["format"], data)
}

// settingsArgs reads the settings of a *-set tool: a YAML map from
// --file (stdin only), overridden by key=value arguments.
func settingsArgs(tool string, a args, stdin []byte) (map[string]string, error) {
	settings := map[string]string{}
	if f, ok := a.flags["file"]; ok {
		if f != "-" {
			return nil, fmt.Errorf("jujutest reads %s --file only from stdin", tool)
		}
		if err := yaml.Unmarshal(stdin, &settings); err != nil {
			return nil, failure(tool, "cannot parse settings: %v", err)
		}
	}
	for _, kv := range a.pos {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usage(tool, "expected \"key=value\", got %q", kv)
		}
		settings[k] = v
	}
	return settings, nil
}

func (m *Model) relationSet(argv []string, stdin []byte) ([]byte, error) {
	const name = "relation-set"
	a, rel, err := m.relationArgs(name, argv, []string{"file"}, []string{"app"})
	if err != nil {
		return nil, err
	}
	settings, err := settingsArgs(name, a, stdin)
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

func (m *Model) stateGet(argv []string) ([]byte, error) {
	const name = "state-get"
	a, err := parse(name, argv, []string{"format"}, []string{"strict"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 1 {
		return nil, usage(name, "unrecognized args: %q", a.pos[1:])
	}
	data := m.stagedState()
	if len(a.pos) == 0 || a.pos[0] == "-" {
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
	settings, err := settingsArgs(name, a, stdin)
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

func xid(uri string) string {
	return uri[strings.LastIndexAny(uri, ":/")+1:]
}

func (m *Model) goalState(argv []string) ([]byte, error) {
	a, err := parse("goal-state", argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	unit := juju.GoalStatus{Status: string(m.state.UnitStatus.Name)}
	if m.state.Dying {
		unit.Status = "dying"
	}
	gs := juju.GoalState{
		Units:     map[string]juju.GoalStatus{m.state.Unit: unit},
		Relations: map[string]map[string]juju.GoalStatus{},
	}
	add := func(endpoint, app string, units []string) {
		if gs.Relations[endpoint] == nil {
			gs.Relations[endpoint] = map[string]juju.GoalStatus{}
		}
		gs.Relations[endpoint][app] = juju.GoalStatus{Status: "joined"}
		for _, u := range units {
			gs.Relations[endpoint][u] = juju.GoalStatus{Status: "active"}
		}
	}
	for _, r := range m.state.Relations {
		// Juju leaves peer relations out of goal-state.
		if r.RemoteApp != m.appName() {
			add(r.Endpoint(), r.RemoteApp, r.RemoteUnits)
		}
	}
	for endpoint, app := range m.state.PendingRelations {
		add(endpoint, app, nil)
	}
	return output(a.flags["format"], gs)
}

func (m *Model) appName() string {
	app, _, _ := strings.Cut(m.state.Unit, "/")
	return app
}

func (m *Model) secretGet(argv []string) ([]byte, error) {
	const name = "secret-get"
	a, err := parse(name, argv, []string{"format", "label"}, []string{"refresh", "peek"})
	if err != nil {
		return nil, err
	}
	if a.flags["refresh"] == "true" && a.flags["peek"] == "true" {
		return nil, usage(name, "specify one of --peek or --refresh but not both")
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "require either a secret URI or label")
	}
	// Juju's secrets.ParseURI refuses anything else; secret-get exits 2.
	if !juju.ValidSecretURI(a.pos[0]) {
		return nil, usage(name, "secret URI %q not valid", a.pos[0])
	}
	var sec *Secret
	for _, s := range m.state.Secrets {
		if xid(s.URI) == xid(a.pos[0]) {
			sec = s
		}
	}
	if sec == nil {
		return nil, failure(name, "secret %q not found", a.pos[0])
	}
	if !sec.Granted {
		return nil, failure(name, "permission denied")
	}
	latest := len(sec.Revisions)
	rev := sec.Tracked
	switch {
	case a.flags["peek"] == "true":
		rev = latest
	case a.flags["refresh"] == "true" || rev == 0:
		sec.Tracked = latest
		rev = latest
	}
	content := sec.Revisions[rev-1]
	if len(a.pos) > 1 {
		return output(a.flags["format"], content[a.pos[1]])
	}
	return output(a.flags["format"], content)
}

func (m *Model) port(name string, argv []string) ([]byte, error) {
	a, err := parse(name, argv, []string{"endpoints", "format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) != 1 {
		return nil, usage(name, "no port specified")
	}
	if strings.Contains(a.pos[0], "-") {
		return nil, failure(name, "port ranges are not supported for k8s applications, please specify a single port")
	}
	p, err := juju.ParsePort(a.pos[0])
	if err != nil {
		return nil, usage(name, "%v", err)
	}
	spec := p.String()
	var out []string
	for _, q := range m.pendingPorts {
		if q != spec {
			out = append(out, q)
		}
	}
	if name == "open-port" {
		out = append(out, spec)
	}
	m.pendingPorts = out
	return nil, nil
}

func (m *Model) statusSet(argv []string) ([]byte, error) {
	const name = "status-set"
	a, err := parse(name, argv, nil, []string{"application"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "invalid args, require <status> [message]")
	}
	if len(a.pos) > 2 {
		return nil, usage(name, "unrecognized args: %q", a.pos[2:])
	}
	st := juju.StatusName(a.pos[0])
	switch st {
	case juju.StatusActive, juju.StatusBlocked, juju.StatusMaintenance, juju.StatusWaiting:
	default:
		return nil, usage(name, "invalid status %q, expected one of [maintenance blocked waiting active]", a.pos[0])
	}
	s := juju.Status{Name: st}
	if len(a.pos) == 2 {
		s.Message = a.pos[1]
	}
	if a.flags["application"] == "true" {
		if !m.state.Leader {
			return nil, failure(name, "this unit is not the leader")
		}
		m.state.AppStatus = s
		return nil, nil
	}
	m.state.UnitStatus = s
	return nil, nil
}
