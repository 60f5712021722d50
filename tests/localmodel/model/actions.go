package model

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// actionRun is one queued or finished action.
type actionRun struct {
	id        int
	unit      string
	name      string
	params    map[string]any
	status    string
	message   string
	results   map[string]any
	logs      []string
	enqueued  time.Time
	started   time.Time
	completed time.Time
	done      chan struct{}
}

// ActionResult is what `run` reports.
type ActionResult struct {
	ID        string         `json:"id"`
	Unit      string         `json:"unit"`
	Action    string         `json:"action"`
	Status    string         `json:"status"`
	Message   string         `json:"message,omitempty"`
	Results   map[string]any `json:"results"`
	Log       []string       `json:"log,omitempty"`
	Enqueued  time.Time      `json:"enqueued"`
	Started   time.Time      `json:"started"`
	Completed time.Time      `json:"completed"`
}

func (a *actionRun) result() ActionResult {
	res := map[string]any{}
	for k, v := range a.results {
		res[k] = v
	}
	return ActionResult{
		ID: strconv.Itoa(a.id), Unit: a.unit, Action: a.name, Status: a.status,
		Message: a.message, Results: res, Log: append([]string(nil), a.logs...),
		Enqueued: a.enqueued, Started: a.started, Completed: a.completed,
	}
}

func (u *unit) finishAction(hc *hookContext, code int, err error, stdout, stderr string) {
	a := hc.op.action
	res := map[string]any{}
	for k, v := range hc.actionResults {
		res[k] = v
	}
	res["return-code"] = code
	if stdout != "" {
		res["stdout"] = stdout
	}
	if stderr != "" {
		res["stderr"] = stderr
	}
	a.status, a.message = "completed", ""
	switch {
	case err != nil:
		a.status, a.message = "failed", err.Error()
	case code != 0:
		a.status, a.message = "failed", fmt.Sprintf("exit status %d", code)
	default:
		if cerr := hc.commitLocked(); cerr != nil {
			a.status, a.message = "failed", "committing requested changes failed"
		} else if hc.actionFailed {
			a.status, a.message = "failed", hc.actionMessage
		}
	}
	a.results = res
	a.completed = u.m.cfg.Clock.Now()
	for i, x := range u.actions {
		if x == a {
			u.actions = append(u.actions[:i], u.actions[i+1:]...)
			break
		}
	}
	close(a.done)
}

// RunAction queues an action on a unit and returns a function that waits
// for its result.
func (m *Model) RunAction(unitName, name string, params map[string]any) (func(ctx context.Context) (ActionResult, error), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil || u.life == dead {
		return nil, fmt.Errorf("unit %q not found", unitName)
	}
	spec, ok := u.app.charm.Actions[name]
	if !ok {
		return nil, fmt.Errorf("action %q not defined on unit %q", name, unitName)
	}
	typed := map[string]any{}
	for k, v := range params {
		p, ok := spec.Params[k]
		if !ok {
			return nil, fmt.Errorf("validation failed: (root) : additional property %q is not allowed, given %v", k, params)
		}
		if t, _ := p["type"].(string); t == "string" {
			if _, isStr := v.(string); !isStr {
				v = fmt.Sprint(v)
			}
		}
		typed[k] = v
	}
	for k, p := range spec.Params {
		if _, ok := typed[k]; !ok {
			if d, ok := p["default"]; ok {
				typed[k] = d
			}
		}
	}
	for _, k := range spec.Required {
		if _, ok := typed[k]; !ok {
			return nil, fmt.Errorf("validation failed: (root) : %q property is missing and required, given %v", k, params)
		}
	}
	m.nextActionID++
	a := &actionRun{
		id: m.nextActionID, unit: unitName, name: name, params: typed, status: "pending",
		enqueued: m.cfg.Clock.Now(), done: make(chan struct{}),
	}
	u.actions = append(u.actions, a)
	u.wake()
	wait := func(ctx context.Context) (ActionResult, error) {
		select {
		case <-a.done:
		case <-ctx.Done():
			m.mu.Lock()
			defer m.mu.Unlock()
			return a.result(), fmt.Errorf("timed out waiting for action %d", a.id)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return a.result(), nil
	}
	return wait, nil
}

type actionHandle struct {
	hc *hookContext
}

func (h actionHandle) Params() map[string]any {
	h.hc.m.mu.Lock()
	defer h.hc.m.mu.Unlock()
	return h.hc.op.action.params
}

func (h actionHandle) Set(results map[string]any) {
	h.hc.m.mu.Lock()
	defer h.hc.m.mu.Unlock()
	mergeResults(h.hc.actionResults, results)
}

func mergeResults(dst, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if cur, ok := dst[k].(map[string]any); ok {
				mergeResults(cur, sub)
				continue
			}
			cp := map[string]any{}
			mergeResults(cp, sub)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

func (h actionHandle) Fail(msg string) {
	h.hc.m.mu.Lock()
	defer h.hc.m.mu.Unlock()
	h.hc.actionFailed = true
	h.hc.actionMessage = msg
}

func (h actionHandle) Log(msg string) {
	h.hc.m.mu.Lock()
	a := h.hc.op.action
	a.logs = append(a.logs, fmt.Sprintf("%s %s", h.hc.m.cfg.Clock.Now().Format(time.RFC3339), msg))
	h.hc.m.mu.Unlock()
	h.hc.m.logf(unitTag(h.hc.u.name), "INFO", "unit."+h.hc.u.name+".action-log", "%s", msg)
}
