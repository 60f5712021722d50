package model

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

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
	// The unit joins a relation (its relationer exists, so the hook
	// context lists it) before its relation-created hook runs: Juju's
	// SynchronizeScopes calls joinRelation for a relation not yet created
	// (internal/worker/uniter/relation/statetracker.go), and
	// getContextRelations lists every relationer
	// (runner/context/contextfactory.go).
	if r := hc.m.relations[hc.op.relID]; r != nil && strings.HasSuffix(hc.op.hook, "-relation-created") && hc.u.rels[hc.op.relID] == nil {
		if ep, _ := r.endpointOf(hc.u.app.name); ep.name == endpoint {
			ids = append(ids, hc.op.relID)
		}
	}
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
