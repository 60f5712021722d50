package jujutest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

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
	// pendingRemoves are the ids secret-remove staged.
	pendingRemoves []string
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
	m.pendingRemoves = nil
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
	for _, id := range m.pendingRemoves {
		m.state.Secrets = slices.DeleteFunc(m.state.Secrets, func(s *Secret) bool { return xid(s.URI) == id })
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

// ClearActionResults forgets what earlier actions set or failed with: each
// action Juju runs has results of its own.
func (m *Model) ClearActionResults() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results, m.failMessage = map[string]string{}, nil
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
		return m.isLeader(argv)
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
	case "secret-remove":
		return m.secretRemove(argv)
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
		return m.applicationVersionSet(argv)
	case "juju-log":
		return m.jujuLog(argv)
	case "action-get":
		return m.actionGet(argv)
	case "action-set":
		return m.actionSet(argv)
	case "action-fail":
		return m.actionFail(argv)
	case "action-log":
		return m.actionLog(argv)
	}
	return nil, &juju.ToolError{Tool: name, Code: 127, Stderr: name + ": command not found\n"}
}
