package model

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

var errPermission = errors.New("permission denied")

// hookContext is one hook's view of the model. Reads of the unit's own
// data see the hook's staged writes; everything staged is applied by
// commitLocked only when the hook succeeds.
type hookContext struct {
	m    *Model
	u    *unit
	op   *op
	id   string
	done bool
	// tools are the hook tools the charm called, by command name, in the
	// order they arrived.
	tools []string

	config map[string]any
	// relUnit and relApp hold the full staged databags the hook wrote.
	relUnit map[int]map[string]string
	relApp  map[int]map[string]string
	// cache keeps remote databags read once per hook, as Juju does.
	cache map[string]map[string]string

	portsOpen  map[hooktools.Port]bool
	portsClose map[hooktools.Port]bool

	state      map[string]string
	stateDirty bool

	sec secretTx

	actionResults map[string]any
	actionFailed  bool
	actionMessage string
}

func (m *Model) newHookContextLocked(u *unit, o *op) *hookContext {
	var b [8]byte
	rand.Read(b[:])
	name := o.hook
	if o.action != nil {
		name = "run-action-" + o.action.name
	}
	hc := &hookContext{
		m: m, u: u, op: o,
		id:            fmt.Sprintf("%s-%s-%s", u.name, name, hex.EncodeToString(b[:])),
		config:        resolvedConfig(u.app),
		relUnit:       map[int]map[string]string{},
		relApp:        map[int]map[string]string{},
		cache:         map[string]map[string]string{},
		portsOpen:     map[hooktools.Port]bool{},
		portsClose:    map[hooktools.Port]bool{},
		state:         maps.Clone(u.state),
		actionResults: map[string]any{},
	}
	hc.sec.init()
	return hc
}

func (hc *hookContext) lock() func() {
	hc.m.mu.Lock()
	return hc.m.mu.Unlock
}

func (hc *hookContext) UnitName() string { return hc.u.name }

func (hc *hookContext) IsLeader() bool {
	defer hc.lock()()
	return hc.u.isLeader()
}

func (hc *hookContext) ConfigSettings() map[string]any { return maps.Clone(hc.config) }

func (hc *hookContext) HookRelation() (int, bool) {
	return hc.op.relID, hc.op.relID >= 0
}

func (hc *hookContext) RemoteUnit() string { return hc.op.remoteUnit }
func (hc *hookContext) RemoteApp() string  { return hc.op.remoteApp }

func (hc *hookContext) SetStatus(app bool, st hooktools.Status) error {
	defer hc.lock()()
	st.Since = hc.m.cfg.Clock.Now()
	if app {
		if !hc.u.isLeader() {
			return errors.New("this unit is not the leader")
		}
		hc.u.app.status = &st
	} else {
		hc.u.status = st
		hc.u.statusByHook = true
	}
	hc.m.persistLocked()
	return nil
}

func (hc *hookContext) UnitStatus() hooktools.Status {
	defer hc.lock()()
	return hc.u.status
}

func (hc *hookContext) AppStatus() (hooktools.Status, map[string]hooktools.Status, error) {
	defer hc.lock()()
	if !hc.u.isLeader() {
		return hooktools.Status{}, nil, errors.New("this unit is not the leader")
	}
	st := hooktools.Status{Status: "unknown"}
	if hc.u.app.status != nil {
		st = *hc.u.app.status
	}
	units := map[string]hooktools.Status{}
	for name, u := range hc.u.app.units {
		units[name] = u.status
	}
	return st, units, nil
}

func (hc *hookContext) SetVersion(v string) {
	defer hc.lock()()
	hc.u.app.version = v
	hc.m.persistLocked()
}

func (hc *hookContext) Log(level, msg string) {
	hc.m.logf(unitTag(hc.u.name), level, "unit."+hc.u.name+".juju-log", "%s", msg)
}

func (hc *hookContext) Action() (hooktools.Action, error) {
	if hc.op.action == nil {
		return nil, hooktools.ErrNotAction
	}
	return actionHandle{hc}, nil
}

func (hc *hookContext) StateGet() map[string]string {
	defer hc.lock()()
	return maps.Clone(hc.state)
}

func (hc *hookContext) StateSet(kv map[string]string) error {
	defer hc.lock()()
	if hc.state == nil {
		hc.state = map[string]string{}
	}
	for k, v := range kv {
		hc.state[k] = v
	}
	hc.stateDirty = true
	return nil
}

func (hc *hookContext) StateDelete(key string) error {
	defer hc.lock()()
	delete(hc.state, key)
	hc.stateDirty = true
	return nil
}

func (hc *hookContext) LeaderGet() map[string]string {
	defer hc.lock()()
	return maps.Clone(hc.u.app.leaderSettings)
}

// LeaderSet writes the application's leader settings at once: Juju sends
// them to the controller when leader-set runs, not with the hook's other
// changes, so a hook that then fails keeps them
// (internal/worker/uniter/runner/context/leader.go, WriteLeaderSettings:
// accessor.Merge). An empty value deletes a key.
func (hc *hookContext) LeaderSet(kv map[string]string) error {
	defer hc.lock()()
	u := hc.u
	changed := false
	for k, v := range kv {
		if v == "" {
			if _, ok := u.app.leaderSettings[k]; ok {
				delete(u.app.leaderSettings, k)
				changed = true
			}
		} else if u.app.leaderSettings[k] != v {
			u.app.leaderSettings[k] = v
			changed = true
		}
	}
	if changed {
		u.app.leaderVersion++
		u.leaderSeen = u.app.leaderVersion
		hc.m.wakeAll()
	}
	return nil
}

func (hc *hookContext) ModelUUID() string { return hc.m.cfg.UUID }

func (hc *hookContext) GoalState() hooktools.GoalState {
	defer hc.lock()()
	gs := hooktools.GoalState{Units: map[string]hooktools.GoalStatus{}, Relations: map[string]map[string]hooktools.GoalStatus{}}
	for name, u := range hc.u.app.units {
		if u.life == dead {
			continue
		}
		st := u.status.Status
		if u.life == dying {
			st = "dying"
		}
		gs.Units[name] = hooktools.GoalStatus{Status: st, Since: u.status.Since}
	}
	for _, r := range hc.m.relations {
		ep, ok := r.endpointOf(hc.u.app.name)
		if !ok || r.peer() || r.life != alive {
			continue
		}
		remote := hc.m.apps[r.remoteApp(hc.u.app.name)]
		if remote == nil {
			continue
		}
		entry := gs.Relations[ep.name]
		if entry == nil {
			entry = map[string]hooktools.GoalStatus{}
			gs.Relations[ep.name] = entry
		}
		entry[remote.name] = hooktools.GoalStatus{Status: "joined", Since: r.since}
		for name, ru := range remote.units {
			st := ru.status.Status
			if ru.life == dying {
				st = "dying"
			}
			entry[name] = hooktools.GoalStatus{Status: st, Since: ru.status.Since}
		}
	}
	return gs
}

func (hc *hookContext) Storage() []hooktools.StorageInfo {
	inCharm, _ := hc.u.pod.DataDir()
	var out []hooktools.StorageInfo
	for _, s := range hc.u.app.charm.StorageNames() {
		out = append(out, hooktools.StorageInfo{
			ID: s + "/0", Kind: "filesystem", Location: filepath.Join(inCharm, "storage", s, "0"),
		})
	}
	return out
}

// commitLocked applies everything the hook staged, in one step.
func (hc *hookContext) commitLocked() error {
	if err := hc.validateSecretsLocked(); err != nil {
		return err
	}
	m, u := hc.m, hc.u
	for id, bag := range hc.relUnit {
		r := m.relations[id]
		if r == nil {
			continue
		}
		s := r.units[u.name]
		if s == nil {
			s = &settings{data: map[string]string{}}
			r.units[u.name] = s
		}
		if !maps.Equal(s.data, bag) {
			s.data = bag
			s.version++
		}
	}
	for id, bag := range hc.relApp {
		r := m.relations[id]
		if r == nil {
			continue
		}
		s := r.appS[u.app.name]
		if !maps.Equal(s.data, bag) {
			s.data = bag
			s.version++
		}
	}
	u.ports = hc.openedPortsLocked()
	if hc.stateDirty {
		u.state = maps.Clone(hc.state)
	}
	hc.commitSecretsLocked()
	return nil
}
