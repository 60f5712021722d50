package model

import (
	"context"
	"fmt"
	"time"
)

// CutNetwork cuts a unit's pod off the network for d, as a partitioned
// node or a dead link would: its workloads and agent keep running but
// reach nothing and nobody reaches them (its database, for a
// postgresql-k8s unit). The model's own hook tools still work, as a real
// agent keeps its state and talks to the controller once it can again;
// here the charm container's socket to its agent is local.
func (m *Model) CutNetwork(unitName string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("invalid duration %s: want more than 0", d)
	}
	m.mu.Lock()
	u := m.unitLocked(unitName)
	if u == nil || u.life == dead || u.pod == nil {
		m.mu.Unlock()
		return fmt.Errorf("unit %q not found", unitName)
	}
	pod := u.pod
	m.mu.Unlock()
	if err := pod.SetNetwork(m.ctx, false); err != nil {
		return err
	}
	m.logf("model", "INFO", "juju.model", "network of %s cut for %s", unitName, d)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		select {
		case <-m.ctx.Done():
		case <-m.cfg.Clock.After(d):
		}
		// A pod deleted meanwhile has a network of its own.
		m.mu.Lock()
		same := u.pod == pod
		m.mu.Unlock()
		if !same {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := pod.SetNetwork(ctx, true); err != nil {
			m.logf("model", "ERROR", "juju.model", "cannot reconnect %s: %v", unitName, err)
			return
		}
		m.logf("model", "INFO", "juju.model", "network of %s back", unitName)
	}()
	return nil
}

// FailCommits makes the next n hooks of a unit that exit 0 fail to
// commit, as when Juju cannot flush what they staged.
func (m *Model) FailCommits(unitName string, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil || u.life == dead {
		return fmt.Errorf("unit %q not found", unitName)
	}
	u.failCommits = n
	return nil
}

// Resolved clears a unit's hook error: the failed hook is retried at once,
// or skipped with noRetry.
func (m *Model) Resolved(unitName string, noRetry bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil {
		return fmt.Errorf("unit %q not found", unitName)
	}
	if u.failed == nil {
		return fmt.Errorf("unit %q is not in an error state", unitName)
	}
	if noRetry {
		f := u.failed
		u.clearError()
		if f.onSuccess != nil {
			f.onSuccess()
		}
	} else {
		u.retryAt = time.Time{}
	}
	m.wakeAll()
	return nil
}
