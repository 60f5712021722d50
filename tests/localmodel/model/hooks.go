package model

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// HookRecord is one hook or action a unit ran, for measuring hooks in
// place: when it started, how long the charm process took, how it ended
// and which hook tools it called.
type HookRecord struct {
	Unit string `json:"unit"`
	// Hook is the hook's name; empty for an action.
	Hook string `json:"hook,omitempty"`
	// Action is the action's name; empty for a hook.
	Action  string    `json:"action,omitempty"`
	Started time.Time `json:"started"`
	// DurationMS is how long the charm process ran, in milliseconds.
	DurationMS float64 `json:"duration-ms"`
	// ExitCode is the charm process's exit code, -1 when none ran to an
	// exit (it could not be started, or its upgrade could not be prepared).
	ExitCode int `json:"exit-code"`
	// Error says why the hook or action failed, empty if it succeeded. A
	// hook that exits 0 can still fail: its changes may not commit.
	Error string `json:"error,omitempty"`
	// Tools are the hook tools called, by command name, in the order the
	// unit agent received them.
	Tools []string `json:"tools"`
}

// Name is the hook's name, or the action's.
func (r HookRecord) Name() string {
	if r.Action != "" {
		return r.Action
	}
	return r.Hook
}

// Failed reports whether the hook or action failed.
func (r HookRecord) Failed() bool { return r.Error != "" }

func (r HookRecord) clone() HookRecord {
	r.Tools = append([]string{}, r.Tools...)
	return r
}

// DefaultHookHistoryLimit is how many hook records a unit keeps unless
// Config.HookHistoryLimit says otherwise.
const DefaultHookHistoryLimit = 2000

// CheckRunHook says whether RunHook can fire hook: update-status and
// config-changed, which the model runs on its own (on the update-status
// interval, on a config change); ENDPOINT-relation-changed, as when a
// member of that relation changed unit data the charm may not read; and
// secret-changed, as when a secret the unit tracks got a new revision.
func CheckRunHook(hook string) error {
	switch {
	case hook == "update-status", hook == "config-changed", hook == "secret-changed":
	case strings.HasSuffix(hook, "-relation-changed") && hook != "-relation-changed":
	default:
		return fmt.Errorf("cannot run hook %q: only update-status, config-changed, secret-changed and ENDPOINT-relation-changed can be run", hook)
	}
	return nil
}

// runnableLocked says whether u can run hook now: a relation-changed needs
// a member on that endpoint, a secret-changed a secret the unit tracks.
func (u *unit) runnableLocked(hook string) error {
	switch {
	case hook == "secret-changed":
		if u.trackedSecretLocked() == nil {
			return fmt.Errorf("cannot run secret-changed on unit %q: it tracks no secret", u.name)
		}
	case strings.HasSuffix(hook, "-relation-changed"):
		for _, r := range u.sortedRelations() {
			if r.life != alive {
				continue
			}
			if ep, _ := r.endpointOf(u.app.name); ep.name+"-relation-changed" == hook {
				if lr := u.rels[r.id]; lr != nil && len(lr.members) > 0 {
					return nil
				}
			}
		}
		return fmt.Errorf("cannot run %s on unit %q: no relation of that endpoint has a member", hook, u.name)
	}
	return nil
}

// trackedSecretLocked is the first secret, by id, that u consumes.
func (u *unit) trackedSecretLocked() *secret {
	var ids []string
	for id, s := range u.m.secrets {
		if s.consumers[u.name] != nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	return u.m.secrets[ids[0]]
}

// hookRequest is a RunHook waiting for its hook: pending on the unit until
// an op of that hook starts, then held by that op until it is recorded.
type hookRequest struct {
	hook string
	done chan struct{}
	rec  HookRecord
	err  error
}

// requestedLocked reports whether a RunHook waits for hook to start.
func (u *unit) requestedLocked(hook string) bool {
	return slices.ContainsFunc(u.hookRequests, func(r *hookRequest) bool { return r.hook == hook })
}

// claimRequestsLocked hands the requests for o's hook to o: o is the hook
// they asked for, since it starts after they were made. A hook already
// running when a request came does not count.
func (u *unit) claimRequestsLocked(o *op) []*hookRequest {
	if o.action != nil {
		return nil
	}
	var claimed, rest []*hookRequest
	for _, r := range u.hookRequests {
		if r.hook == o.hook {
			claimed = append(claimed, r)
		} else {
			rest = append(rest, r)
		}
	}
	u.hookRequests = rest
	return claimed
}

// failRequestsLocked ends every pending request with err.
func (u *unit) failRequestsLocked(err error) {
	failRequests(u.hookRequests, err)
	u.hookRequests = nil
}

func failRequests(reqs []*hookRequest, err error) {
	for _, r := range reqs {
		r.err = err
		close(r.done)
	}
}

// recordLocked keeps rec in the unit's history, dropping the oldest record
// past the limit so that a long-lived model does not grow without bound,
// and hands it to the requests waiting for it.
func (u *unit) recordLocked(rec HookRecord, reqs []*hookRequest) {
	if limit := u.m.cfg.HookHistoryLimit; len(u.history) >= limit {
		copy(u.history, u.history[len(u.history)-limit+1:])
		u.history = append(u.history[:limit-1], rec)
	} else {
		u.history = append(u.history, rec)
	}
	for _, r := range reqs {
		r.rec = rec.clone()
		close(r.done)
	}
}

// HookHistory returns the hooks and actions a unit ran, oldest first: at
// most Config.HookHistoryLimit of the latest.
func (m *Model) HookHistory(unitName string) ([]HookRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil {
		return nil, fmt.Errorf("unit %q not found", unitName)
	}
	out := make([]HookRecord, len(u.history))
	for i, r := range u.history {
		out[i] = r.clone()
	}
	return out, nil
}

// RunHook fires update-status or config-changed on a unit now, as an
// operator would to measure it in place. The unit agent runs it the way it
// runs that hook on its own (same environment, same commit), in turn with
// the unit's other hooks. It returns a function that waits for that hook's
// record; a hook that failed is a record with Error set, not an error.
// Giving up on a hook that has not started withdraws it.
func (m *Model) RunHook(unitName, hook string) (func(ctx context.Context) (HookRecord, error), error) {
	if err := CheckRunHook(hook); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil || u.life != alive {
		return nil, fmt.Errorf("unit %q not found", unitName)
	}
	if err := u.runnableLocked(hook); err != nil {
		return nil, err
	}
	req := &hookRequest{hook: hook, done: make(chan struct{})}
	u.hookRequests = append(u.hookRequests, req)
	u.wake()
	wait := func(ctx context.Context) (HookRecord, error) {
		select {
		case <-req.done:
		case <-ctx.Done():
		case <-m.ctx.Done():
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		select {
		case <-req.done:
			return req.rec, req.err
		default:
		}
		pending := slices.Contains(u.hookRequests, req)
		if pending {
			u.hookRequests = slices.DeleteFunc(u.hookRequests, func(r *hookRequest) bool { return r == req })
		}
		cause := context.Cause(ctx)
		if m.ctx.Err() != nil {
			cause = fmt.Errorf("model is shutting down")
		}
		if pending {
			return HookRecord{}, fmt.Errorf("%s did not start on unit %q and is withdrawn: %w", hook, unitName, cause)
		}
		return HookRecord{}, fmt.Errorf("%s is still running on unit %q: %w", hook, unitName, cause)
	}
	return wait, nil
}
