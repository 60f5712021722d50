package model

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"sort"
	"strings"

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

func (hc *hookContext) isBrokenHook(id int) bool {
	return hc.op.relID == id && strings.HasSuffix(hc.op.hook, "-relation-broken")
}

// relationLocked returns a relation the hook may address: one the unit has
// created, or the hook's own.
func (hc *hookContext) relationLocked(id int) (*relation, bool) {
	r := hc.m.relations[id]
	if r == nil {
		return nil, false
	}
	if _, ok := r.endpointOf(hc.u.app.name); !ok {
		return nil, false
	}
	if lr := hc.u.rels[id]; (lr != nil && lr.created) || hc.op.relID == id {
		return r, true
	}
	return nil, false
}

func (hc *hookContext) Relation(id int) (hooktools.RelationInfo, bool) {
	defer hc.lock()()
	r, ok := hc.relationLocked(id)
	if !ok {
		return hooktools.RelationInfo{}, false
	}
	ep, _ := r.endpointOf(hc.u.app.name)
	info := hooktools.RelationInfo{ID: id, Endpoint: ep.name, RemoteApp: r.remoteApp(hc.u.app.name), Peer: r.peer(), Units: []string{}}
	if hc.isBrokenHook(id) {
		return info, true
	}
	members := map[string]bool{}
	if lr := hc.u.rels[id]; lr != nil {
		for name := range lr.members {
			members[name] = true
		}
	}
	if hc.op.relID == id && hc.op.remoteUnit != "" {
		switch {
		case strings.HasSuffix(hc.op.hook, "-relation-joined"):
			members[hc.op.remoteUnit] = true
		case strings.HasSuffix(hc.op.hook, "-relation-departed"):
			delete(members, hc.op.remoteUnit)
		}
	}
	info.Units = sortedKeys(members)
	return info, true
}

func (hc *hookContext) RelationIDs(endpoint string) []int {
	defer hc.lock()()
	var ids []int
	for id, lr := range hc.u.rels {
		r := hc.m.relations[id]
		if r == nil || !lr.created {
			continue
		}
		// Juju leaves a relation out only when it is broken: not a peer
		// relation, no longer alive, and without members
		// (internal/worker/uniter/runner/context/contextfactory.go,
		// getContextRelations). A unit that is going away still sees
		// the relations it leaves, even in their relation-broken hooks.
		if !r.peer() && r.life != alive && len(lr.members) == 0 {
			continue
		}
		if ep, _ := r.endpointOf(hc.u.app.name); ep.name == endpoint {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids
}

func appOf(unit string) string {
	if k := strings.IndexByte(unit, '/'); k >= 0 {
		return unit[:k]
	}
	return unit
}

func (hc *hookContext) ReadSettings(id int, name string, app bool) (map[string]string, error) {
	defer hc.lock()()
	r, ok := hc.relationLocked(id)
	if !ok {
		return nil, fmt.Errorf("relation %d not found", id)
	}
	own := hc.u.app.name
	remote := r.remoteApp(own)
	if app {
		switch {
		case name == own:
			if !r.peer() && !hc.u.isLeader() {
				return nil, errPermission
			}
			return hc.ownAppLocked(r), nil
		case name == remote:
			return hc.cachedLocked(r, "app:"+name, r.appS[name]), nil
		}
		return nil, errPermission
	}
	if name == hc.u.name {
		return hc.ownUnitLocked(r), nil
	}
	if appOf(name) != remote {
		return nil, errPermission
	}
	s := r.units[name]
	if s == nil {
		return nil, fmt.Errorf("cannot read settings for unit %q in relation %q: unit %q: settings not found", name, r.key(), name)
	}
	return hc.cachedLocked(r, name, s), nil
}

func (hc *hookContext) cachedLocked(r *relation, key string, s *settings) map[string]string {
	k := fmt.Sprintf("%d/%s", r.id, key)
	if c, ok := hc.cache[k]; ok {
		return maps.Clone(c)
	}
	var data map[string]string
	if s != nil {
		data = maps.Clone(s.data)
	}
	if data == nil {
		data = map[string]string{}
	}
	hc.cache[k] = data
	return maps.Clone(data)
}

func (hc *hookContext) ownUnitLocked(r *relation) map[string]string {
	if staged, ok := hc.relUnit[r.id]; ok {
		return maps.Clone(staged)
	}
	if s := r.units[hc.u.name]; s != nil {
		return maps.Clone(s.data)
	}
	return map[string]string{}
}

func (hc *hookContext) ownAppLocked(r *relation) map[string]string {
	if staged, ok := hc.relApp[r.id]; ok {
		return maps.Clone(staged)
	}
	if s := r.appS[hc.u.app.name]; s != nil {
		return maps.Clone(s.data)
	}
	return map[string]string{}
}

func (hc *hookContext) WriteSettings(id int, app bool, changes map[string]string) error {
	defer hc.lock()()
	r, ok := hc.relationLocked(id)
	if !ok {
		return fmt.Errorf("relation %d not found", id)
	}
	if app && !hc.u.isLeader() {
		return errors.New("cannot write relation settings")
	}
	var bag map[string]string
	if app {
		bag = hc.ownAppLocked(r)
	} else {
		bag = hc.ownUnitLocked(r)
	}
	for k, v := range changes {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
	if app {
		hc.relApp[id] = bag
	} else {
		hc.relUnit[id] = bag
	}
	return nil
}

func (hc *hookContext) Network(binding string) (hooktools.NetworkInfo, error) {
	defer hc.lock()()
	if binding != "" && binding != "juju-info" {
		if _, ok := hc.u.app.charm.Endpoint(binding); !ok {
			return hooktools.NetworkInfo{}, fmt.Errorf("no network config found for binding %q", binding)
		}
	}
	addr := hc.u.address
	// There is no Kubernetes Service (and so no ClusterIP) here: ingress
	// and egress use the pod IP, as Juju does when no service address exists.
	return hooktools.NetworkInfo{
		BindAddresses:    []string{addr},
		IngressAddresses: []string{addr},
		EgressSubnets:    []string{addr + "/32"},
	}, nil
}

func (hc *hookContext) PrivateAddress() string {
	defer hc.lock()()
	return hc.u.address
}

func (hc *hookContext) OpenPort(p hooktools.Port) error {
	defer hc.lock()()
	if hc.portsClose[p] {
		delete(hc.portsClose, p)
	} else {
		hc.portsOpen[p] = true
	}
	return nil
}

func (hc *hookContext) ClosePort(p hooktools.Port) error {
	defer hc.lock()()
	if hc.portsOpen[p] {
		delete(hc.portsOpen, p)
	} else {
		hc.portsClose[p] = true
	}
	return nil
}

func (hc *hookContext) openedPortsLocked() []hooktools.Port {
	set := map[hooktools.Port]bool{}
	for _, p := range hc.u.ports {
		set[p] = true
	}
	for p := range hc.portsOpen {
		set[p] = true
	}
	for p := range hc.portsClose {
		delete(set, p)
	}
	var out []hooktools.Port
	for p := range set {
		out = append(out, p)
	}
	sortPorts(out)
	return out
}

func sortPorts(ps []hooktools.Port) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Protocol != ps[j].Protocol {
			return ps[i].Protocol < ps[j].Protocol
		}
		return ps[i].Number < ps[j].Number
	})
}

func (hc *hookContext) OpenedPorts() []hooktools.Port {
	defer hc.lock()()
	return hc.openedPortsLocked()
}

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
