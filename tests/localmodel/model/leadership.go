package model

import (
	"sort"
)

// electLeaderLocked gives leadership to a live unit picked at random: in
// Juju whichever agent's claim on the lease lands first wins
// (internal/worker/leadership), which may be any unit.
func (m *Model) electLeaderLocked(a *application) {
	var live []*unit
	for _, u := range a.units {
		if u.life == alive {
			live = append(live, u)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].ordinal < live[j].ordinal })
	a.leader = ""
	a.electing = false
	if len(live) > 0 {
		best := live[m.rng.IntN(len(live))]
		if m.cfg.Elect != nil {
			names := make([]string, len(live))
			for i, u := range live {
				names[i] = u.name
			}
			best = a.units[m.cfg.Elect(names)]
		}
		a.leader = best.name
		best.leaderNotified = false
	}
	a.leaderVersion++
}

// ElectLowest elects the unit with the lowest ordinal.
func ElectLowest(units []string) string { return units[0] }

// ElectHighest elects the unit with the highest ordinal: on Kubernetes
// the only leader that remove-unit can take.
func ElectHighest(units []string) string { return units[len(units)-1] }

// leaderGoneLocked starts the leaderless gap after the leader's unit was
// removed: its lease is revoked and another unit's claim lands
// (Config.ClaimDelay).
func (m *Model) leaderGoneLocked(a *application) {
	a.leader = ""
	if a.electing {
		return
	}
	a.electing = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		select {
		case <-m.ctx.Done():
			return
		case <-m.cfg.Clock.After(m.cfg.ClaimDelay):
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed || m.apps[a.name] != a || !a.electing {
			return
		}
		m.electLeaderLocked(a)
		m.logf("model", "INFO", "juju.worker.leadership", "%s elected leader of %s", a.leader, a.name)
		m.wakeAll()
	}()
}
