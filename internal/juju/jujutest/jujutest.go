// Package jujutest is an in-memory model of the hook tools, following the
// Juju 3.6 contract closely enough for state-in, event, state-out tests:
// JSON output formats, "ERROR ..." texts and exit codes, staged writes that
// commit only when the hook succeeds, and the leader and secret permission
// rules.
//
// The suite in tests/localmodel/conformance runs the same hook-tool
// scenarios against this fake and against the local model's hook tools,
// and pins both to Juju 3.6.25's source
// (internal/worker/uniter/runner/jujuc/*.go): a change here that makes the
// two disagree fails it.
//
// As in Juju, argument errors (a tool's Init) exit 2 and errors running
// the tool exit 1 (github.com/juju/cmd/v3 cmd.go, Main).
package jujutest

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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

// Secret owners, as secret-add's --owner names them.
const (
	OwnerApplication = "application"
	OwnerUnit        = "unit"
)

// Secret is a secret visible to the unit. Revisions[i] is revision i+1.
type Secret struct {
	URI       string
	Revisions []map[string]string
	// Tracked is the revision this unit has seen (0: never read).
	Tracked int
	Granted bool
	// Owner is OwnerApplication when this unit's application owns the
	// secret, OwnerUnit when this unit does, and "" when someone else
	// does. The owner (for an application, its leader) manages the
	// secret and reads its latest revision; a unit of the owning
	// application may read it too.
	Owner       string
	Label       string
	Description string
}

// Call is one hook-tool invocation.
type Call struct {
	Name  string
	Args  []string
	Stdin string
}

// DefaultModelUUID is the model UUID when State.ModelUUID is empty.
const DefaultModelUUID = "9f2c1e6a-7d4b-4c3e-8a5f-2b6d0e1c3a47"

// State is everything the hook tools expose to one unit.
type State struct {
	Unit   string
	Leader bool
	// ModelUUID names the model in secret URIs (default
	// DefaultModelUUID).
	ModelUUID    string
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
	// LeaderSettings are the application's leader settings (leader-get,
	// leader-set).
	LeaderSettings map[string]string
	// Dying is set while the unit is being removed: goal-state says so.
	Dying bool
	// PendingRelations are relations the model has (endpoint: remote
	// app) whose relation-created hook has not run on this unit yet:
	// goal-state lists them, relation-ids does not.
	PendingRelations map[string]string
}

// secretUpdate is one staged secret-set.
type secretUpdate struct {
	xid         string
	content     map[string]string
	label       *string
	description *string
}

// Model runs hook tools against a State. It is safe for concurrent use.
type Model struct {
	mu    sync.Mutex
	state State
	// since is when the statuses goal-state reports were set.
	since time.Time
	// pending holds writes of the running hook, committed by Commit.
	pendingPorts   []string
	pendingRel     map[string]map[string]string // relID + "/app" or "/unit"
	pendingState   map[string]string            // unit state, nil until state-set
	pendingCreates []*Secret
	pendingUpdates []secretUpdate
	calls          []Call
	logs           []string
	results        map[string]string
	failMessage    *string
	// Errors forces a tool to fail, for error-path tests.
	errs map[string]*juju.ToolError
}

// New returns a Model over a deep copy of s.
func New(s State) *Model {
	m := &Model{state: clone(s), errs: map[string]*juju.ToolError{}, results: map[string]string{}, since: time.Now().UTC()}
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
	m.pendingCreates = nil
	m.pendingUpdates = nil
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
// Like Juju's flush, it is all or nothing: a staged change the controller
// refuses (secret-set of a secret this unit does not manage, which the
// tool itself accepts) fails the commit, and nothing is kept.
func (m *Model) Commit() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, up := range m.pendingUpdates {
		if s := m.secretByXID(up.xid); s == nil || !m.manages(s) {
			m.reset()
			return fmt.Errorf("cannot commit hook changes: secret %q: permission denied", up.xid)
		}
	}
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
	m.state.Secrets = append(m.state.Secrets, m.pendingCreates...)
	for _, up := range m.pendingUpdates {
		s := m.secretByXID(up.xid)
		if up.content != nil && !equalContent(up.content, s.Revisions[len(s.Revisions)-1]) {
			s.Revisions = append(s.Revisions, up.content)
		}
		if up.label != nil {
			s.Label = *up.label
		}
		if up.description != nil {
			s.Description = *up.description
		}
	}
	m.reset()
	return nil
}

func equalContent(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
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

// ActionResults returns what action-set and action-fail recorded. A
// nested key (action-set a.b=c) is recorded as "a.b".
func (m *Model) ActionResults() (results map[string]string, failed *string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := map[string]string{}
	for k, v := range m.results {
		res[k] = v
	}
	return res, m.failMessage
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

func usage(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 2, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

func failure(tool, format string, a ...any) *juju.ToolError {
	return &juju.ToolError{Tool: tool, Code: 1, Stderr: "ERROR " + fmt.Sprintf(format, a...) + "\n"}
}

// unrecognized is cmd.CheckEmpty's error (github.com/juju/cmd/v3 cmd.go).
func unrecognized(tool string, rest []string) *juju.ToolError {
	return usage(tool, "unrecognized args: %q", rest)
}

// args is a small gnuflag-style parser: flags may follow positionals,
// "--" ends option parsing, "--flag=value" and "--flag value" both work,
// and a flag is called an "option" in errors, as in Juju's hook tools.
type args struct {
	flags map[string]string
	pos   []string
}

// valueCheck validates a valued flag, as a gnuflag.Value's Set does.
type valueCheck func(string) error

func parse(tool string, in []string, valued, boolean []string) (args, error) {
	return parseChecked(tool, in, valued, boolean, nil)
}

func parseChecked(tool string, in []string, valued, boolean []string, checks map[string]valueCheck) (args, error) {
	a := args{flags: map[string]string{}}
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
		long := strings.HasPrefix(s, "--")
		name, val, hasVal := strings.Cut(strings.TrimLeft(s, "-"), "=")
		given := "--" + name
		if !long {
			given = "-" + name
		}
		switch {
		case contains(valued, name):
			if !hasVal {
				if i+1 >= len(in) {
					return a, usage(tool, "option needs an argument: %s", given)
				}
				i++
				val = in[i]
			}
			if check := checks[name]; check != nil {
				if err := check(val); err != nil {
					return a, usage(tool, "invalid value %q for option %s: %v", val, given, err)
				}
			}
			a.flags[name] = val
		case contains(boolean, name):
			a.flags[name] = "true"
		default:
			return a, usage(tool, "option provided but not defined: %s", given)
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
		return m.configGet(argv)
	case "is-leader":
		a, err := parse(name, argv, []string{"format"}, nil)
		if err != nil {
			return nil, err
		}
		if len(a.pos) > 0 {
			return nil, unrecognized(name, a.pos)
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
	case "secret-add":
		return m.secretAdd(argv)
	case "secret-set":
		return m.secretSet(argv)
	case "secret-grant":
		return m.secretGrant(argv)
	case "state-get":
		return m.stateGet(argv)
	case "state-set":
		return m.stateSet(argv, stdin)
	case "state-delete":
		return m.stateDelete(argv)
	case "leader-get":
		return m.leaderGet(argv)
	case "leader-set":
		return m.leaderSet(argv)
	case "goal-state":
		return m.goalState(argv)
	case "network-get":
		return m.networkGet(argv)
	case "opened-ports":
		return m.openedPorts(argv)
	case "open-port", "close-port":
		return m.port(name, argv)
	case "status-set":
		return m.statusSet(argv)
	case "application-version-set":
		// application-version-set.go: Init.
		a, err := parse(name, argv, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(a.pos) < 1 {
			return nil, usage(name, "no version specified")
		}
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
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
		return m.actionGet(argv)
	case "action-set":
		return m.actionSet(argv)
	case "action-fail":
		return m.actionFail(argv)
	case "action-log":
		a, err := parse(name, argv, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(a.pos) == 0 {
			return nil, usage(name, "no message specified")
		}
		if m.state.ActionParams == nil {
			return nil, failure(name, "not running an action")
		}
		return nil, nil
	}
	return nil, &juju.ToolError{Tool: name, Code: 127, Stderr: name + ": command not found\n"}
}

// configGet follows config-get.go: without a key, options that are unset
// and have no default are left out unless --all is given.
func (m *Model) configGet(argv []string) ([]byte, error) {
	const name = "config-get"
	a, err := parse(name, argv, []string{"format"}, []string{"all", "a"})
	if err != nil {
		return nil, err
	}
	all := a.flags["all"] == "true" || a.flags["a"] == "true"
	if len(a.pos) > 0 {
		if a.pos[0] != "" && all {
			return nil, usage(name, "cannot use argument --all together with key %q", a.pos[0])
		}
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
		}
		if a.pos[0] != "" {
			return output(a.flags["format"], m.state.Config[a.pos[0]])
		}
	}
	settings := map[string]any{}
	for k, v := range m.state.Config {
		if v != nil || all {
			settings[k] = v
		}
	}
	return output(a.flags["format"], settings)
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

// keyValues is github.com/juju/utils/v3/keyvalues.Parse with empty values
// allowed, which relation-set, state-set and leader-set use: empty
// arguments are skipped, keys and values are trimmed, a key may appear
// once.
func keyValues(tool string, src []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range src {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usage(tool, "expected \"key=value\", got %q", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, usage(tool, "expected \"key=value\", got \"%s=%s\"", k, v)
		}
		if _, dup := out[k]; dup {
			return nil, usage(tool, "key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

// readFile reads a --file argument: "-" is stdin.
func readFile(path string, stdin []byte) ([]byte, error) {
	if path == "-" {
		return stdin, nil
	}
	return os.ReadFile(path)
}

// settingsFile reads the YAML map of a *-set tool's --file (relation-set.go,
// readSettings), to be overridden by its key=value arguments.
func settingsFile(tool string, a args, stdin []byte, kvs map[string]string) (map[string]string, error) {
	settings := map[string]string{}
	if f, ok := a.flags["file"]; ok {
		data, err := readFile(f, stdin)
		if err != nil {
			return nil, failure(tool, "%v", err)
		}
		if err := yaml.Unmarshal(data, &settings); err != nil {
			return nil, failure(tool, "%v", err)
		}
		if settings == nil {
			settings = map[string]string{}
		}
	}
	for k, v := range kvs {
		settings[k] = v
	}
	return settings, nil
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

func xid(uri string) string {
	return uri[strings.LastIndexAny(uri, ":/")+1:]
}

// goalStatus is one goal-state entry as goal-state.go prints it.
type goalStatus struct {
	Status string `json:"status"`
	Since  string `json:"since,omitempty"`
}

// goalState follows goal-state.go and the controller's goal state
// (apiserver/facades/agent/uniter/uniter.go, goalStateUnits and
// goalStateRelations): every unit of this application (a dying one as
// "dying"), and per endpoint of each non-peer relation the remote
// application and its units. Statuses are workload statuses; a unit whose
// charm never set one is "unknown" (the uniter sets that after the start
// hook: internal/worker/uniter/operation/runhook.go). This fake knows only
// this unit's
// status: other units are "active". "since" uses common.FormatTime's ISO
// form.
func (m *Model) goalState(argv []string) ([]byte, error) {
	const name = "goal-state"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	since := m.since.UTC().Format("2006-01-02 15:04:05Z")
	self := string(m.state.UnitStatus.Name)
	if self == "" {
		self = "unknown"
	}
	if m.state.Dying {
		self = "dying"
	}
	type contents map[string]goalStatus
	gs := struct {
		Units     contents            `json:"units"`
		Relations map[string]contents `json:"relations"`
	}{
		Units:     contents{m.state.Unit: {Status: self, Since: since}},
		Relations: map[string]contents{},
	}
	add := func(endpoint, app string, units []string) {
		if gs.Relations[endpoint] == nil {
			gs.Relations[endpoint] = contents{}
		}
		gs.Relations[endpoint][app] = goalStatus{Status: "joined", Since: since}
		for _, u := range units {
			gs.Relations[endpoint][u] = goalStatus{Status: "active", Since: since}
		}
	}
	for _, r := range m.state.Relations {
		if r.RemoteApp == m.localApp() {
			// Peer relations are left out, but their units are the
			// application's other units.
			for _, u := range r.RemoteUnits {
				gs.Units[u] = goalStatus{Status: "active", Since: since}
			}
			continue
		}
		add(r.Endpoint(), r.RemoteApp, r.RemoteUnits)
	}
	for endpoint, app := range m.state.PendingRelations {
		add(endpoint, app, nil)
	}
	return output(a.flags["format"], gs)
}

// networkGet follows network-get.go for a unit whose binding has one
// address: the pod IP on Kubernetes.
func (m *Model) networkGet(argv []string) ([]byte, error) {
	const name = "network-get"
	a, _, err := m.relationArgs(name, argv, nil, []string{"bind-address", "ingress-address", "egress-subnets", "primary-address"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 {
		return nil, usage(name, "no arguments specified")
	}
	if a.pos[0] == "" {
		return nil, usage(name, "no binding name specified")
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	addr, ok := m.state.BindAddress[a.pos[0]]
	if !ok {
		return nil, failure(name, "no network config found for binding %q", a.pos[0])
	}
	var keys []string
	for _, k := range []string{"bind-address", "ingress-address", "egress-subnets"} {
		if a.flags[k] == "true" {
			keys = append(keys, k)
		}
	}
	values := map[string]any{"bind-address": addr, "ingress-address": addr, "egress-subnets": []string{addr + "/32"}}
	switch {
	case a.flags["primary-address"] == "true":
		if len(keys) > 0 {
			return nil, failure(name, "--primary-address must be the only flag specified")
		}
		return output(a.flags["format"], addr)
	case len(keys) == 0:
		type address struct {
			Hostname string `json:"hostname"`
			Value    string `json:"value"`
			CIDR     string `json:"cidr"`
		}
		type info struct {
			MAC       string    `json:"mac-address"`
			Interface string    `json:"interface-name"`
			Addresses []address `json:"addresses"`
		}
		return output(a.flags["format"], struct {
			Bind    []info   `json:"bind-addresses,omitempty"`
			Egress  []string `json:"egress-subnets,omitempty"`
			Ingress []string `json:"ingress-addresses,omitempty"`
		}{
			Bind:    []info{{Addresses: []address{{Value: addr}}}},
			Egress:  []string{addr + "/32"},
			Ingress: []string{addr},
		})
	case len(keys) == 1:
		return output(a.flags["format"], values[keys[0]])
	}
	selected := map[string]any{}
	for _, k := range keys {
		selected[k] = values[k]
	}
	return output(a.flags["format"], selected)
}

// secretXIDEncoding is the xid alphabet (github.com/rs/xid).
var secretXIDEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

var (
	secretXIDRE = regexp.MustCompile(`^[0-9a-v]{20}$`)
	modelUUIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// parseSecretURI accepts what core/secrets.ParseURI does: secret:<id>,
// secret://<model-uuid>/<id> and a bare <id>, where the id is an xid (20
// characters of lower-case base32hex whose last one carries no padding
// bits, github.com/rs/xid: decode). It returns the URI as Juju prints it
// (URI.String): secret:<id> without a model.
func parseSecretURI(s string) (string, bool) {
	rest, scheme := strings.CutPrefix(s, "secret:")
	source := ""
	if after, ok := strings.CutPrefix(rest, "//"); ok && scheme {
		model, id, found := strings.Cut(after, "/")
		if !found || !modelUUIDRE.MatchString(model) {
			return "", false
		}
		source, rest = model, id
	} else if strings.Contains(rest, ":") || strings.HasPrefix(rest, "//") {
		return "", false
	}
	if !secretXIDRE.MatchString(rest) {
		return "", false
	}
	if last := rest[19]; last != '0' && last != 'g' {
		return "", false
	}
	if source == "" {
		return "secret:" + rest, true
	}
	return "secret://" + source + "/" + rest, true
}

func (m *Model) modelUUID() string {
	if m.state.ModelUUID != "" {
		return m.state.ModelUUID
	}
	return DefaultModelUUID
}

func (m *Model) secretByXID(id string) *Secret {
	for _, s := range m.pendingCreates {
		if xid(s.URI) == id {
			return s
		}
	}
	for _, s := range m.state.Secrets {
		if xid(s.URI) == id {
			return s
		}
	}
	return nil
}

// manages reports whether this unit manages s: it owns it, or leads the
// application that does.
func (m *Model) manages(s *Secret) bool {
	return s.Owner == OwnerUnit || (s.Owner == OwnerApplication && m.state.Leader)
}

// secretGet follows secret-get.go: Init parses the URI, then needs a URI
// or label, then refuses --peek with --refresh. A secret this unit
// manages reads its latest revision (a pending secret-add or secret-set
// of the hook included: runner/context/context.go, GetSecret); any other
// reader gets the revision it tracks, the latest on its first read, until
// --refresh (--peek reads the latest once). A missing secret is reported
// by the controller with the URI as given (state/secrets.go,
// checkExists); a missing key as core/secrets' KeyValue does.
func (m *Model) secretGet(argv []string) ([]byte, error) {
	const name = "secret-get"
	a, err := parse(name, argv, []string{"format", "label"}, []string{"refresh", "peek"})
	if err != nil {
		return nil, err
	}
	pos := a.pos
	uri := ""
	if len(pos) > 0 {
		var ok bool
		if uri, ok = parseSecretURI(pos[0]); !ok {
			return nil, usage(name, "secret URI %q not valid", pos[0])
		}
		pos = pos[1:]
	}
	label := a.flags["label"]
	if uri == "" && label == "" {
		return nil, usage(name, "require either a secret URI or label")
	}
	if a.flags["refresh"] == "true" && a.flags["peek"] == "true" {
		return nil, usage(name, "specify one of --peek or --refresh but not both")
	}
	key := ""
	if len(pos) > 0 {
		key = pos[0]
		if len(pos) > 1 {
			return nil, unrecognized(name, pos[1:])
		}
	}
	var sec *Secret
	if uri != "" {
		sec = m.secretByXID(xid(uri))
		if sec == nil {
			return nil, failure(name, "secret %q not found", uri)
		}
	} else {
		for _, s := range append(append([]*Secret{}, m.pendingCreates...), m.state.Secrets...) {
			if s.Label == label && s.Owner != "" {
				sec = s
				break
			}
		}
		if sec == nil {
			return nil, failure(name, "consumer label %q not found", label)
		}
	}
	var content map[string]string
	switch {
	case m.manages(sec):
		content = m.ownerContent(sec, a.flags["refresh"] == "true" || a.flags["peek"] == "true")
	case sec.Granted || sec.Owner == OwnerApplication:
		latest := len(sec.Revisions)
		rev := sec.Tracked
		switch {
		case a.flags["peek"] == "true":
			rev = latest
		case a.flags["refresh"] == "true" || rev == 0:
			sec.Tracked = latest
			rev = latest
		}
		content = sec.Revisions[rev-1]
	default:
		return nil, failure(name, "permission denied")
	}
	if key == "" {
		return output(a.flags["format"], content)
	}
	k := strings.TrimSuffix(key, "#base64")
	v, ok := content[k]
	if !ok {
		return nil, failure(name, "secret key value %q not found", k)
	}
	if k != key {
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return output(a.flags["format"], v)
}

// ownerContent is the owner's view: the latest revision, or what a
// secret-set of this hook staged when asked with --refresh or --peek
// (runner/context/context.go, getPendingSecretValue: a pending update is
// only seen that way).
func (m *Model) ownerContent(s *Secret, latest bool) map[string]string {
	content := s.Revisions[len(s.Revisions)-1]
	if !latest {
		return content
	}
	for _, up := range m.pendingUpdates {
		if up.xid == xid(s.URI) && up.content != nil {
			content = up.content
		}
	}
	return content
}

// secretKeyRE is core/secrets' keyRegExp.
var secretKeyRE = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

// secretContent parses the content arguments of secret-add and secret-set
// as core/secrets.CreateSecretData and ReadSecretData do: key=value
// (padding "=" at the end is not a separator), key#base64=value and
// key#file=path, then the --file YAML or JSON map, which wins.
func secretContent(tool string, pos []string, file string) (map[string]string, error) {
	raw := map[string]string{}
	for _, val := range pos {
		stripped := strings.TrimRight(val, "=")
		idx := strings.Index(stripped, "=")
		if idx < 1 {
			return nil, usage(tool, "key value %q not valid", val)
		}
		key, value := val[:idx], val[idx+1:]
		if k, ok := strings.CutSuffix(key, "#file"); ok {
			data, err := os.ReadFile(value)
			if err != nil {
				return nil, usage(tool, "reading content for secret key %q: %v", k, err)
			}
			key, value = k, string(data)
		}
		raw[key] = value
	}
	if file != "" {
		// A path, read by the tool: "-" is not stdin.
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usage(tool, "%v", err)
		}
		fromFile := map[string]string{}
		if err := json.Unmarshal(data, &fromFile); err != nil {
			fromFile = map[string]string{}
			if err := yaml.Unmarshal(data, &fromFile); err != nil {
				return nil, usage(tool, "%v", err)
			}
		}
		for k, v := range fromFile {
			raw[k] = v
		}
	}
	content := map[string]string{}
	for key, value := range raw {
		if k, ok := strings.CutSuffix(key, "#base64"); ok {
			// Juju stores it as given and decodes it on secret-get.
			decoded, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return nil, usage(tool, "%v", err)
			}
			key, value = k, string(decoded)
		}
		if !secretKeyRE.MatchString(key) {
			return nil, usage(tool, "key %q not valid", key)
		}
		content[key] = value
	}
	return content, nil
}

// secretFlags are secret-add's and secret-set's options (secret-add.go,
// SetFlags and Init).
func secretFlags(tool string, argv []string) (args, error) {
	a, err := parse(tool, argv, []string{"expire", "rotate", "description", "label", "file", "owner"}, nil)
	if err != nil {
		return a, err
	}
	if e, ok := a.flags["expire"]; ok && e != "" {
		if _, err := time.Parse(time.RFC3339, e); err != nil {
			if _, err := time.Parse("2006-01-02T15:04:05", e); err != nil {
				d, err := time.ParseDuration(e)
				if err != nil {
					return a, usage(tool, "expire time or duration %q not valid", e)
				}
				if d <= 0 {
					return a, usage(tool, "negative expire duration %q not valid", e)
				}
			}
		}
	}
	if r, ok := a.flags["rotate"]; ok && r != "" {
		switch r {
		case "never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly":
		default:
			return a, usage(tool, "rotate policy %q not valid", r)
		}
	}
	if o, ok := a.flags["owner"]; ok && o != OwnerApplication && o != OwnerUnit {
		return a, usage(tool, "secret owner %q not valid", o)
	}
	return a, nil
}

func (m *Model) newSecretURI() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "secret://" + m.modelUUID() + "/" + secretXIDEncoding.EncodeToString(b[:])
}

// secretAdd follows secret-add.go and runner/context/context.go
// (CreateSecret): an application-owned secret needs the leader; the new
// secret is staged with the hook, its URI printed at once.
func (m *Model) secretAdd(argv []string) ([]byte, error) {
	const name = "secret-add"
	a, err := secretFlags(name, argv)
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 && a.flags["file"] == "" {
		return nil, usage(name, "missing secret value or filename")
	}
	content, err := secretContent(name, a.pos, a.flags["file"])
	if err != nil {
		return nil, err
	}
	owner := OwnerApplication
	if o := a.flags["owner"]; o != "" {
		owner = o
	}
	if len(content) == 0 {
		return nil, failure(name, "empty secret value not valid")
	}
	if owner == OwnerApplication && !m.state.Leader {
		return nil, failure(name, "this unit is not the leader")
	}
	s := &Secret{
		URI: m.newSecretURI(), Revisions: []map[string]string{content}, Owner: owner,
		Label: a.flags["label"], Description: a.flags["description"],
	}
	m.pendingCreates = append(m.pendingCreates, s)
	return []byte(s.URI + "\n"), nil
}

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

// portRange is core/network.PortRange.
type portRange struct {
	from, to int
	proto    string
}

func (p portRange) String() string {
	if p.proto == "icmp" {
		return "icmp"
	}
	if p.from == p.to {
		return fmt.Sprintf("%d/%s", p.from, p.proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.from, p.to, p.proto)
}

// validate is PortRange.Validate (core/network/portrange.go).
func (p portRange) validate() error {
	switch p.proto {
	case "tcp", "udp":
	case "icmp":
		if p.from == p.to && p.from == -1 {
			return nil
		}
		return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.from)
	default:
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, p.proto)
	}
	if p.from > p.to {
		return fmt.Errorf("invalid port range %s", p)
	}
	if p.from < 0 || p.from > 65535 || p.to < 0 || p.to > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", p.from, p.to)
	}
	return nil
}

// parsePortRange is network.ParsePortRange (core/network/portrange.go).
func parsePortRange(s string) (portRange, error) {
	proto := "tcp"
	if ports, p, ok := strings.Cut(s, "/"); ok {
		s, proto = ports, p
	}
	var p portRange
	parts := strings.Split(s, "-")
	switch len(parts) {
	case 1:
		if parts[0] == "icmp" {
			p.from, p.to = -1, -1
			break
		}
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return p, fmt.Errorf("invalid port %q: %v", s, err)
		}
		p.from, p.to = n, n
	case 2:
		var err error
		if p.from, err = strconv.Atoi(parts[0]); err != nil {
			return p, fmt.Errorf("invalid port %q: %v", parts[0], err)
		}
		if p.to, err = strconv.Atoi(parts[1]); err != nil {
			return p, fmt.Errorf("invalid port %q: %v", parts[1], err)
		}
	default:
		return p, fmt.Errorf("invalid port range %q", s)
	}
	p.proto = proto
	if p.from == -1 {
		p.proto = "icmp"
	}
	return p, p.validate()
}

// sortPorts orders port specs as network.SortPortRanges does: by
// protocol, then by port.
func sortPorts(specs []string) {
	key := func(s string) portRange {
		p, _ := parsePortRange(s)
		return p
	}
	sort.Slice(specs, func(i, j int) bool {
		a, b := key(specs[i]), key(specs[j])
		if a.proto != b.proto {
			return a.proto < b.proto
		}
		if a.from != b.from {
			return a.from < b.from
		}
		return a.to < b.to
	})
}

func (m *Model) openedPorts(argv []string) ([]byte, error) {
	const name = "opened-ports"
	a, err := parse(name, argv, []string{"format"}, []string{"endpoints"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	ports := append([]string{}, m.pendingPorts...)
	sortPorts(ports)
	if a.flags["endpoints"] == "true" {
		for i := range ports {
			ports[i] += " (*)"
		}
	}
	return output(a.flags["format"], ports)
}

// port follows ports.go: Init parses the range (lower-cased) and exits 2
// on a bad one; Run refuses a range on Kubernetes
// (runner/context/ports.go, validatePortRangeForCAAS).
func (m *Model) port(name string, argv []string) ([]byte, error) {
	a, err := parse(name, argv, []string{"endpoints", "format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "no port or range specified")
	}
	p, err := parsePortRange(strings.ToLower(a.pos[0]))
	if err != nil {
		return nil, usage(name, "%v", err)
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	if p.from != p.to {
		return nil, failure(name, "port ranges are not supported for k8s applications, please specify a single port")
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
	st := juju.StatusName(a.pos[0])
	switch st {
	case juju.StatusActive, juju.StatusBlocked, juju.StatusMaintenance, juju.StatusWaiting:
	default:
		return nil, usage(name, "invalid status %q, expected one of [maintenance blocked waiting active]", a.pos[0])
	}
	if len(a.pos) > 2 {
		return nil, unrecognized(name, a.pos[2:])
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
	m.since = time.Now().UTC()
	return nil, nil
}

// actionGet follows action-get.go: a dotted key walks nested maps; a
// missing one prints null.
func (m *Model) actionGet(argv []string) ([]byte, error) {
	const name = "action-get"
	a, err := parse(name, argv, []string{"format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	if len(a.pos) == 0 {
		return output(a.flags["format"], m.state.ActionParams)
	}
	var cur any = m.state.ActionParams
	for _, k := range strings.Split(a.pos[0], ".") {
		mp, ok := cur.(map[string]any)
		if !ok {
			return output(a.flags["format"], nil)
		}
		if cur, ok = mp[k]; !ok {
			return output(a.flags["format"], nil)
		}
	}
	return output(a.flags["format"], cur)
}

// actionKeyRE is charm.GetActionNameRule (github.com/juju/charm/v12).
var actionKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// actionSet follows action-set.go: Init checks every key=value argument,
// each dotted part of a key against the action name rule and the
// reserved keys; no argument at all is fine. Run needs an action.
func (m *Model) actionSet(argv []string) ([]byte, error) {
	const name = "action-set"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	results := map[string]string{}
	for _, kv := range a.pos {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usage(name, "argument %q must be of the form key...=value", kv)
		}
		for _, part := range strings.Split(k, ".") {
			if !actionKeyRE.MatchString(part) {
				return nil, usage(name, "key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", part)
			}
			switch part {
			case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
				return nil, usage(name, "cannot set reserved action key \"%s\"", part)
			}
		}
		results[k] = v
	}
	if len(results) == 0 {
		return nil, nil
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	for k, v := range results {
		m.results[k] = v
	}
	return nil, nil
}

// actionFail follows action-fail.go.
func (m *Model) actionFail(argv []string) ([]byte, error) {
	const name = "action-fail"
	a, err := parse(name, argv, nil, nil)
	if err != nil {
		return nil, err
	}
	msg := "action failed without reason given, check action for errors"
	if len(a.pos) > 0 {
		msg = a.pos[0]
		if len(a.pos) > 1 {
			return nil, unrecognized(name, a.pos[1:])
		}
	}
	if m.state.ActionParams == nil {
		return nil, failure(name, "not running an action")
	}
	m.failMessage = &msg
	return nil, nil
}
