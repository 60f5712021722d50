package model

import (
	"sort"
	"time"
)

// Juju runs an owner's secret-expired again this long after the last
// time while the expiring revision still exists, and secret-rotate again
// this long after the last time when it made no new revision
// (core/secrets/rotate.go).
const (
	ExpireRetryDelay = 5 * time.Minute
	RotateRetryDelay = 5 * time.Minute
)

// nextRotateTime is core/secrets' RotatePolicy.NextRotateTime: zero for
// never (or no policy).
func nextRotateTime(policy string, last time.Time) time.Time {
	switch policy {
	case "hourly":
		return last.Add(time.Hour)
	case "daily":
		return last.AddDate(0, 0, 1)
	case "weekly":
		return last.AddDate(0, 0, 7)
	case "monthly":
		return last.AddDate(0, 1, 0)
	case "quarterly":
		return last.AddDate(0, 3, 0)
	case "yearly":
		return last.AddDate(1, 0, 0)
	}
	return time.Time{}
}

// ownsLocked reports whether the unit gets the owner's secret hooks: its
// own secrets, and its application's while it leads (the uniter watches
// both owners then, internal/worker/uniter/uniter.go).
func (u *unit) ownsLocked(s *secret) bool {
	if s.ownerKind == "unit" {
		return s.owner == u.name
	}
	return s.owner == u.app.name && u.isLeader()
}

// ownedSecretsLocked are the secrets the unit owns, by id.
func (u *unit) ownedSecretsLocked() []*secret {
	var out []*secret
	for _, id := range sortedKeys(u.m.secrets) {
		if s := u.m.secrets[id]; u.ownsLocked(s) {
			out = append(out, s)
		}
	}
	return out
}

func (u *unit) ownerHookOp(hook string, s *secret, rev int, onSuccess func()) *op {
	o := u.hookOp(hook, onSuccess)
	o.secretID = s.uri(u.m.cfg.UUID)
	// The owner's label (contextfactory.go: from the secret's metadata
	// when the hook has none).
	o.secretLbl = s.label
	o.secretRev = rev
	return o
}

// expireOp is the secrets resolver's first step
// (internal/worker/uniter/secrets/resolver.go): an owned revision whose
// expiry has passed runs secret-expired, and again every
// ExpireRetryDelay until the charm removes the revision
// (internal/worker/secretexpire). It returns when one is next due.
func (u *unit) expireOp(now time.Time) (*op, time.Time) {
	var next time.Time
	for _, s := range u.ownedSecretsLocked() {
		revs := make([]int, 0, len(s.expireAt))
		for rev := range s.expireAt {
			revs = append(revs, rev)
		}
		sort.Ints(revs)
		for _, rev := range revs {
			at := s.expireAt[rev]
			if now.Before(at) {
				next = earliest(next, at)
				continue
			}
			return u.ownerHookOp("secret-expired", s, rev, func() {
				if _, ok := s.expireAt[rev]; ok {
					s.expireAt[rev] = u.m.cfg.Clock.Now().Add(ExpireRetryDelay)
				}
			}), time.Time{}
		}
	}
	return nil, next
}

// rotateOp is the resolver's second step: secret-rotate once the
// rotation is due. Afterwards the controller schedules the next one
// (apiserver/facades/agent/secretsmanager/secrets.go, SecretsRotated):
// a policy period after the last due time, or RotateRetryDelay after it
// when the hook made no new revision, or when the latest revision would
// expire before the next rotation.
func (u *unit) rotateOp(now time.Time) (*op, time.Time) {
	var next time.Time
	for _, s := range u.ownedSecretsLocked() {
		if s.rotateAt.IsZero() {
			continue
		}
		if now.Before(s.rotateAt) {
			next = earliest(next, s.rotateAt)
			continue
		}
		original := s.latest
		return u.ownerHookOp("secret-rotate", s, 0, func() {
			last := s.rotateAt
			if last.IsZero() {
				// The policy was set to never during the hook.
				return
			}
			at := nextRotateTime(s.rotate, last)
			forced := last.Add(RotateRetryDelay)
			exp, expires := s.expires[s.latest]
			willExpire := expires && exp.Before(at)
			if willExpire && forced.Before(exp) || s.latest == original {
				at = forced
			}
			s.rotateAt = at
		}), time.Time{}
	}
	return nil, next
}

// removeOp is the resolver's last secrets step: each owned revision that
// is obsolete (not the latest, and tracked by no consumer:
// state/secrets.go, markObsoleteRevisionOps) runs secret-remove once.
func (u *unit) removeOp() *op {
	for _, s := range u.ownedSecretsLocked() {
		for _, rev := range s.obsoleteLocked(u.m) {
			if s.removeSent[rev] {
				continue
			}
			return u.ownerHookOp("secret-remove", s, rev, func() { s.removeSent[rev] = true })
		}
	}
	return nil
}

// obsoleteLocked lists the revisions no live consumer tracks, but the
// latest.
func (s *secret) obsoleteLocked(m *Model) []int {
	tracked := map[int]bool{s.latest: true}
	for name, c := range s.consumers {
		if u := m.unitLocked(name); u != nil && u.life != dead {
			tracked[c.current] = true
		}
	}
	var out []int
	for rev := range s.revisions {
		if !tracked[rev] {
			out = append(out, rev)
		}
	}
	sort.Ints(out)
	return out
}

// earliest is the earlier of two times, where zero is no time.
func earliest(a, b time.Time) time.Time {
	if b.IsZero() || (!a.IsZero() && a.Before(b)) {
		return a
	}
	return b
}
