package model

import (
	"sort"
	"strings"
)

// sortedRelations returns the unit's relations, non-peer ones first, in
// a shuffled order within each group: Juju's relation resolver ranges
// over a map of relations and defers the peer ones
// (internal/worker/uniter/relation/resolver.go, NextOp), so a charm may
// not count on an order. Units within a relation go in sorted order
// there, and here too.
func (u *unit) sortedRelations() []*relation {
	var rels []*relation
	for _, r := range u.m.relations {
		if _, ok := r.endpointOf(u.app.name); ok {
			rels = append(rels, r)
		}
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].id < rels[j].id })
	u.m.rng.Shuffle(len(rels), func(i, j int) { rels[i], rels[j] = rels[j], rels[i] })
	sort.SliceStable(rels, func(i, j int) bool { return !rels[i].peer() && rels[j].peer() })
	return rels
}

func (u *unit) relHook(r *relation, kind string) *op {
	ep, _ := r.endpointOf(u.app.name)
	return &op{hook: ep.name + "-relation-" + kind, relID: r.id, remoteApp: r.remoteApp(u.app.name)}
}

func (u *unit) relationCreatedOp() *op {
	// Peers first: they exist from the start.
	rels := u.sortedRelations()
	sort.SliceStable(rels, func(i, j int) bool { return rels[i].peer() && !rels[j].peer() })
	for _, r := range rels {
		if r.life != alive || u.rels[r.id] != nil {
			continue
		}
		o := u.relHook(r, "created")
		o.onSuccess = func() {
			u.rels[r.id] = &unitRel{created: true, members: map[string]int64{}}
			u.enterScope(r)
		}
		return o
	}
	return nil
}

// enterScope puts the unit in the relation's scope with the address keys
// Juju writes for it.
func (u *unit) enterScope(r *relation) {
	if u.life != alive || r.life != alive {
		return
	}
	r.scope[u.name] = true
	s := r.units[u.name]
	if s == nil {
		s = &settings{data: map[string]string{}}
		r.units[u.name] = s
	}
	// No Kubernetes Service exists here, so the ingress address is the pod
	// IP rather than a ClusterIP.
	s.data["private-address"] = u.address
	s.data["ingress-address"] = u.address
	s.data["egress-subnets"] = u.address + "/32"
	s.version++
}

// relationOp picks the next relation hook: departs, broken, the app-data
// changed, joined (each followed by changed), then unit changes.
func (u *unit) relationOp() *op {
	for _, r := range u.sortedRelations() {
		lr := u.rels[r.id]
		if lr == nil || !lr.created {
			continue
		}
		if r.life != alive {
			if o := u.departOrBreak(r, lr, ""); o != nil {
				return o
			}
			continue
		}
		remote := r.remoteApp(u.app.name)
		current := map[string]bool{}
		for name := range r.scope {
			if name != u.name && strings.HasPrefix(name, remote+"/") {
				current[name] = true
			}
		}
		for _, name := range sortedKeys(lr.members) {
			if !current[name] {
				o := u.relHook(r, "departed")
				o.remoteUnit, o.departing = name, name
				o.onSuccess = func() { delete(lr.members, name) }
				return o
			}
		}
		// A unit watches the app data of its counterpart applications,
		// which on a peer relation is its own: the leader that wrote it
		// gets relation-changed too (state/relationunit.go,
		// counterpartApplicationSettingsKeys).
		if as := r.appS[remote]; as != nil && as.version > lr.appVersion {
			v := as.version
			o := u.relHook(r, "changed")
			o.onSuccess = func() { lr.appVersion = v }
			return o
		}
		var joining []string
		for name := range current {
			if _, ok := lr.members[name]; !ok {
				joining = append(joining, name)
			}
		}
		sort.Strings(joining)
		if len(joining) > 0 {
			name := joining[0]
			o := u.relHook(r, "joined")
			o.remoteUnit = name
			o.onSuccess = func() {
				lr.members[name] = -1
				ch := u.relHook(r, "changed")
				ch.remoteUnit = name
				var v int64
				if s := r.units[name]; s != nil {
					v = s.version
				}
				ch.onSuccess = func() { lr.members[name] = v }
				u.queue = append(u.queue, ch)
			}
			return o
		}
		for _, name := range sortedKeys(lr.members) {
			s := r.units[name]
			if s != nil && s.version > lr.members[name] {
				v := s.version
				o := u.relHook(r, "changed")
				o.remoteUnit = name
				o.onSuccess = func() { lr.members[name] = v }
				return o
			}
		}
		// A RunHook for this endpoint's relation-changed: as if its
		// first member had changed data the charm may not read.
		if ep, _ := r.endpointOf(u.app.name); u.requestedLocked(ep.name + "-relation-changed") {
			if names := sortedKeys(lr.members); len(names) > 0 {
				o := u.relHook(r, "changed")
				o.remoteUnit = names[0]
				return o
			}
		}
	}
	return nil
}

// departOrBreak tears down the unit's side of a relation: departed for each
// member it knows (departing is the local unit when it is the one going),
// then broken, never for peers.
func (u *unit) departOrBreak(r *relation, lr *unitRel, departing string) *op {
	members := sortedKeys(lr.members)
	if len(members) > 0 {
		name := members[0]
		o := u.relHook(r, "departed")
		o.remoteUnit = name
		o.departing = name
		if departing != "" {
			o.departing = departing
		}
		o.onSuccess = func() { delete(lr.members, name) }
		return o
	}
	done := func() {
		delete(u.rels, r.id)
		delete(r.scope, u.name)
		u.m.maybeRemoveRelationLocked(r)
	}
	if r.peer() {
		done()
		return nil
	}
	o := u.relHook(r, "broken")
	o.onSuccess = done
	return o
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
