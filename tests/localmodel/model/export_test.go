package model

import (
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

// RemoveUnitForTest tears one unit down, as Kubernetes would when its pod
// is deleted for good.
func (m *Model) RemoveUnitForTest(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(name)
	if u == nil {
		return fmt.Errorf("unit %q not found", name)
	}
	m.destroyUnitLocked(u)
	m.wakeAll()
	return nil
}

// TestContext is a hook context run in-process, for hook-tool tests.
type TestContext struct {
	hc *hookContext
}

// TestHook describes the hook a TestContext pretends to be.
type TestHook struct {
	Unit       string
	Hook       string
	RelationID int
	RemoteUnit string
	Action     string
	Params     map[string]any
}

// NewTestContext makes a context for unit as if hook were running.
func (m *Model) NewTestContext(h TestHook) (*TestContext, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(h.Unit)
	if u == nil {
		return nil, fmt.Errorf("unit %q not found", h.Unit)
	}
	o := &op{hook: h.Hook, relID: -1}
	if h.Hook != "" && strings.Contains(h.Hook, "-relation-") {
		o.relID = h.RelationID
		o.remoteUnit = h.RemoteUnit
		if r := m.relations[h.RelationID]; r != nil {
			o.remoteApp = r.remoteApp(u.app.name)
		}
		if strings.HasSuffix(h.Hook, "-relation-departed") {
			o.departing = h.RemoteUnit
		}
	}
	if h.Action != "" {
		o.action = &actionRun{name: h.Action, params: h.Params, done: make(chan struct{})}
	}
	return &TestContext{hc: m.newHookContextLocked(u, o)}, nil
}

// Run runs one hook tool in the context.
func (c *TestContext) Run(stdin string, args ...string) (int, string, string) {
	resp := hooktools.Run(c.hc, hooktools.Request{ContextID: c.hc.id, Command: args[0], Args: args[1:], Stdin: []byte(stdin)})
	return resp.Code, string(resp.Stdout), string(resp.Stderr)
}

// RunWithFiles runs a tool with files it names on its command line.
func (c *TestContext) RunWithFiles(files map[string][]byte, args ...string) (int, string, string) {
	resp := hooktools.Run(c.hc, hooktools.Request{ContextID: c.hc.id, Command: args[0], Args: args[1:], Files: files})
	return resp.Code, string(resp.Stdout), string(resp.Stderr)
}

// Commit applies the context's staged changes, as a successful hook does.
func (c *TestContext) Commit() error {
	c.hc.m.mu.Lock()
	defer c.hc.m.mu.Unlock()
	err := c.hc.commitLocked()
	c.hc.m.wakeAll()
	return err
}

// ActionResults returns what action-set and action-fail recorded.
func (c *TestContext) ActionResults() (map[string]any, bool, string) {
	c.hc.m.mu.Lock()
	defer c.hc.m.mu.Unlock()
	return c.hc.actionResults, c.hc.actionFailed, c.hc.actionMessage
}

// ModelUUID returns the model's UUID.
func (c *TestContext) ModelUUID() string { return c.hc.m.cfg.UUID }
