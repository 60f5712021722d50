package model

import (
	"math/rand/v2"
	"sort"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

// nextOp decides what the agent runs next, in the order of Juju's
// resolvers. It returns nil and the time to look again when idle.
func (u *unit) nextOp(now time.Time) (*op, time.Time) {
	if u.life == dead || u.pod == nil || u.address == "" {
		return nil, time.Time{}
	}
	if u.failed != nil {
		if a := u.nextAction(); a != nil {
			return a, time.Time{}
		}
		if !now.Before(u.retryAt) {
			return u.failed, time.Time{}
		}
		return nil, u.retryAt
	}
	if len(u.queue) > 0 {
		return u.queue[0], time.Time{}
	}
	if u.life == dying {
		return u.teardownOp(), time.Time{}
	}
	if !u.installed {
		return u.hookOp("install", func() { u.installed = true }), time.Time{}
	}
	if o := u.relationCreatedOp(); o != nil {
		return o, time.Time{}
	}
	if o := u.leadershipOp(); o != nil {
		return o, time.Time{}
	}
	if o := u.workloadOp(); o != nil {
		return o, time.Time{}
	}
	o, secretDue := u.secretOp(now)
	if o != nil {
		return o, time.Time{}
	}
	if a := u.nextAction(); a != nil {
		return a, time.Time{}
	}
	// A RunHook for config-changed takes the path a config change does.
	if h := u.configHashLocked(); h != u.configHash || u.requestedLocked("config-changed") {
		return u.hookOp("config-changed", func() {
			u.configHash = h
			if !u.started {
				u.queue = append(u.queue, u.startOp())
			}
		}), time.Time{}
	}
	if !u.started {
		return u.startOp(), time.Time{}
	}
	for _, s := range u.app.charm.StorageNames() {
		if !u.storageDone[s] {
			o := u.hookOp(s+"-storage-attached", func() { u.storageDone[s] = true })
			o.storage = s
			return o, time.Time{}
		}
	}
	if o := u.relationOp(); o != nil {
		return o, time.Time{}
	}
	if u.nextUpdate.IsZero() {
		u.scheduleUpdateStatus(now)
	}
	// A RunHook for update-status makes it due now.
	if !now.Before(u.nextUpdate) || u.requestedLocked("update-status") {
		o := u.hookOp("update-status", func() { u.scheduleUpdateStatus(u.m.cfg.Clock.Now()) })
		o.quiet = true
		return o, time.Time{}
	}
	return nil, earliest(u.nextUpdate, secretDue)
}

func (u *unit) scheduleUpdateStatus(now time.Time) {
	d := u.m.cfg.UpdateStatusInterval
	jitter := 0.8 + 0.4*rand.Float64()
	u.nextUpdate = now.Add(time.Duration(float64(d) * jitter))
}

func (u *unit) hookOp(hook string, onSuccess func()) *op {
	return &op{hook: hook, relID: -1, onSuccess: onSuccess}
}

func (u *unit) startOp() *op { return u.startOpThen(nil) }

// startOpThen is start, then what follows it on success.
func (u *unit) startOpThen(then func()) *op {
	return u.hookOp("start", func() {
		u.started = true
		u.stopped = false
		u.agentReady = true
		if !u.statusByHook {
			u.status = hooktools.Status{Status: "unknown", Since: u.m.cfg.Clock.Now()}
		}
		if then != nil {
			then()
		}
	})
}

func (u *unit) nextAction() *op {
	if len(u.actions) == 0 || !u.installed {
		return nil
	}
	a := u.actions[0]
	return &op{relID: -1, action: a, onSuccess: func() {}}
}

func (u *unit) leadershipOp() *op {
	if u.isLeader() {
		if !u.leaderNotified {
			v := u.app.leaderVersion
			return u.hookOp("leader-elected", func() { u.leaderNotified = true; u.leaderSeen = v })
		}
		return nil
	}
	u.leaderNotified = false
	if u.leaderSeen != u.app.leaderVersion {
		v := u.app.leaderVersion
		return u.hookOp("leader-settings-changed", func() { u.leaderSeen = v })
	}
	return nil
}

func (u *unit) workloadOp() *op {
	for _, c := range u.app.charm.ContainerNames() {
		boot := u.bootNow[c]
		if boot != "" && boot != u.bootSeen[c] {
			o := u.hookOp(c+"-pebble-ready", func() { u.bootSeen[c] = boot })
			o.workload = c
			return o
		}
	}
	if len(u.workloadQ) > 0 {
		o := u.workloadQ[0]
		o.onSuccess = func() {
			if len(u.workloadQ) > 0 && u.workloadQ[0] == o {
				u.workloadQ = u.workloadQ[1:]
			}
		}
		return o
	}
	return nil
}

// secretOp is Juju's secrets resolver: an owner's secret-expired, then
// secret-rotate, then a consumer's secret-changed, then an owner's
// secret-remove. It also returns when an expiry or rotation is next due.
func (u *unit) secretOp(now time.Time) (*op, time.Time) {
	o, expireDue := u.expireOp(now)
	if o != nil {
		return o, time.Time{}
	}
	o, rotateDue := u.rotateOp(now)
	if o != nil {
		return o, time.Time{}
	}
	if o = u.changedOp(); o == nil {
		o = u.removeOp()
	}
	return o, earliest(expireDue, rotateDue)
}

// changedOp runs secret-changed for a tracked secret with a newer
// revision.
func (u *unit) changedOp() *op {
	var ids []string
	for id := range u.secretsPending {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := u.m.secrets[id]
		if s == nil {
			delete(u.secretsPending, id)
			continue
		}
		c := s.consumers[u.name]
		label := ""
		if c != nil {
			label = c.label
		}
		o := u.hookOp("secret-changed", func() { delete(u.secretsPending, id) })
		o.secretID = s.uri(u.m.cfg.UUID)
		o.secretLbl = label
		return o
	}
	// A RunHook for secret-changed: as if the first secret the unit
	// tracks had a new revision.
	if u.requestedLocked("secret-changed") {
		if s := u.trackedSecretLocked(); s != nil {
			o := u.hookOp("secret-changed", nil)
			o.secretID = s.uri(u.m.cfg.UUID)
			o.secretLbl = s.consumers[u.name].label
			return o
		}
	}
	return nil
}

func (u *unit) teardownOp() *op {
	if !u.installed {
		u.life = dead
		return nil
	}
	for _, r := range u.sortedRelations() {
		lr := u.rels[r.id]
		if lr == nil {
			continue
		}
		if o := u.departOrBreak(r, lr, u.name); o != nil {
			return o
		}
	}
	// Relations the unit never got to create go with it.
	for id := range u.rels {
		delete(u.rels, id)
	}
	for _, s := range u.app.charm.StorageNames() {
		if u.storageDone[s] {
			o := u.hookOp(s+"-storage-detaching", func() { delete(u.storageDone, s) })
			o.storage = s
			return o
		}
	}
	if !u.stopped {
		o := u.hookOp("stop", func() {
			u.started = false
			u.stopped = true
			u.agentReady = false
			u.status = hooktools.Status{Status: "maintenance", Since: u.m.cfg.Clock.Now()}
		})
		o.before = func() {
			u.status = hooktools.Status{Status: "maintenance", Message: "stopping charm software", Since: u.m.cfg.Clock.Now()}
		}
		return o
	}
	o := u.hookOp("remove", func() {
		u.status = hooktools.Status{Status: "terminated", Since: u.m.cfg.Clock.Now()}
		u.life = dead
	})
	o.before = func() {
		u.status = hooktools.Status{Status: "maintenance", Message: "cleaning up prior to charm deletion", Since: u.m.cfg.Clock.Now()}
	}
	return o
}
