package model

import (
	"fmt"
	"maps"
	"sort"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

func (hc *hookContext) SecretIDs() []string {
	defer hc.lock()()
	var ids []string
	seen := map[string]bool{}
	add := func(s *secret) {
		if !seen[s.xid] && hc.canManage(s) {
			seen[s.xid] = true
			ids = append(ids, s.xid)
		}
	}
	for _, s := range hc.sec.created {
		add(s)
	}
	for _, s := range hc.m.secrets {
		add(s)
	}
	sort.Strings(ids)
	return ids
}

func (hc *hookContext) SecretInfo(id, label string) (map[string]hooktools.SecretInfo, error) {
	defer hc.lock()()
	var s *secret
	if id != "" {
		xid, _ := hooktools.SecretXID(id)
		s = hc.lookupLocked(xid)
	} else {
		s = hc.findByOwnerLabelLocked(label)
	}
	if s == nil || !hc.canManage(s) {
		if id == "" {
			id = label
		}
		return nil, fmt.Errorf("secret %q not found", id)
	}
	_, lbl := hc.ownerView(s)
	info := hooktools.SecretInfo{Revision: s.latest, Label: lbl, Owner: s.ownerKind, Description: s.description}
	if t, ok := s.expires[s.latest]; ok {
		info.Expiry = &t
	}
	if s.rotate != "" && s.rotate != "never" {
		info.Rotation = s.rotate
	}
	if up := hc.sec.updates[s.xid]; up != nil {
		if up.description != nil {
			info.Description = *up.description
		}
		if up.rotate != nil {
			info.Rotation = *up.rotate
		}
		if up.expire != nil {
			info.Expiry = up.expire
		}
	}
	for _, g := range s.grants {
		target := "application-" + g.app
		if g.unit != "" {
			target = unitTag(g.unit)
		}
		info.Access = append(info.Access, hooktools.SecretAccess{Target: target, Scope: fmt.Sprintf("relation-%d", g.relID), Role: "view"})
	}
	return map[string]hooktools.SecretInfo{s.xid: info}, nil
}

func (hc *hookContext) SecretRemove(id string, revision int) error {
	defer hc.lock()()
	s, err := hc.managed(id)
	if err != nil {
		return err
	}
	if revision != 0 && s.revisions[revision] == nil {
		return fmt.Errorf("secret revision %d not found", revision)
	}
	hc.sec.removes = append(hc.sec.removes, removeOp{xid: s.xid, rev: revision})
	return nil
}

// validateSecretsLocked checks what can only be checked at commit: every
// update is of a secret the unit manages, and owner labels are unique per
// owner.
func (hc *hookContext) validateSecretsLocked() error {
	for _, xid := range sortedKeys(hc.sec.updates) {
		s := hc.lookupLocked(xid)
		if s == nil {
			return fmt.Errorf("secret %q not found", xid)
		}
		if !hc.canManage(s) {
			return errPermission
		}
	}
	labels := map[string]string{}
	for _, s := range hc.m.secrets {
		if s.label != "" {
			labels[s.ownerKind+"/"+s.owner+"/"+s.label] = s.xid
		}
	}
	check := func(s *secret, label string) error {
		k := s.ownerKind + "/" + s.owner + "/" + label
		if other, ok := labels[k]; ok && other != s.xid {
			return fmt.Errorf("secret with label %q already exists", label)
		}
		labels[k] = s.xid
		return nil
	}
	for _, s := range hc.sec.created {
		if s.label != "" {
			if err := check(s, s.label); err != nil {
				return err
			}
		}
	}
	for xid, up := range hc.sec.updates {
		if s := hc.lookupLocked(xid); s != nil && up.label != nil && *up.label != "" {
			if err := check(s, *up.label); err != nil {
				return err
			}
		}
	}
	return nil
}

func (hc *hookContext) commitSecretsLocked() {
	m := hc.m
	for xid, s := range hc.sec.created {
		m.secrets[xid] = s
	}
	for xid, up := range hc.sec.updates {
		s := m.secrets[xid]
		if s == nil {
			continue
		}
		if up.label != nil {
			s.label = *up.label
		}
		if up.description != nil {
			s.description = *up.description
		}
		if up.rotate != nil && *up.rotate != s.rotate {
			s.rotate = *up.rotate
			s.rotateAt = nextRotateTime(s.rotate, m.cfg.Clock.Now())
		}
		if up.content != nil && !maps.Equal(up.content, s.revisions[s.latest]) {
			// A new revision expires only if this update says so
			// (state/secrets.go, UpdateSecret); older revisions keep
			// theirs.
			s.latest++
			s.revisions[s.latest] = maps.Clone(up.content)
			m.notifyConsumersLocked(s)
		}
		if up.expire != nil {
			s.expires[s.latest], s.expireAt[s.latest] = *up.expire, *up.expire
		}
	}
	for _, g := range hc.sec.grants {
		s := m.secrets[g.xid]
		if s == nil {
			continue
		}
		if !g.revoke {
			if !containsGrant(s.grants, g.grant) {
				s.grants = append(s.grants, g.grant)
			}
			continue
		}
		kept := s.grants[:0]
		for _, x := range s.grants {
			match := (!g.byRel || x.relID == g.grant.relID) &&
				(!g.byApp || x.app == g.grant.app) &&
				(!g.byUnit || x.unit == g.grant.unit)
			if g.byRel && !g.byApp && !g.byUnit {
				match = x.relID == g.grant.relID
			}
			if !match {
				kept = append(kept, x)
			}
		}
		s.grants = kept
	}
	for _, r := range hc.sec.removes {
		s := m.secrets[r.xid]
		if s == nil {
			continue
		}
		if r.rev == 0 {
			delete(m.secrets, r.xid)
			continue
		}
		delete(s.revisions, r.rev)
		delete(s.expires, r.rev)
		delete(s.expireAt, r.rev)
		if len(s.revisions) == 0 {
			delete(m.secrets, r.xid)
		}
	}
}

func containsGrant(gs []grant, g grant) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// notifyConsumersLocked queues secret-changed for every unit tracking an
// older revision.
func (m *Model) notifyConsumersLocked(s *secret) {
	for name, c := range s.consumers {
		if c.current >= s.latest {
			continue
		}
		if u := m.unitLocked(name); u != nil && u.life == alive {
			u.secretsPending[s.xid] = true
		}
	}
}
