package model

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// TerminationGrace is how long a deleted pod's containers get between
// SIGTERM and SIGKILL: Juju leaves Kubernetes' default of 30 s on the
// pods it makes (TerminationGracePeriodSeconds in
// internal/provider/kubernetes/application/application.go).
const TerminationGrace = 30 * time.Second

// CharmContainer names the charm container in RestartContainer.
const CharmContainer = "charm"

// churnKind is what happens to a unit's pod.
type churnKind int

const (
	// churnPod deletes the pod and creates a new one in its place, as a
	// StatefulSet does on `kubectl delete pod` and on a rolling update.
	churnPod churnKind = iota
	// churnAgent restarts the charm container: the unit agent.
	churnAgent
	// churnWorkload restarts one workload container.
	churnWorkload
)

type churnReq struct {
	kind      churnKind
	container string
	done      chan error
}

// DeletePod deletes a unit's pod, as `kubectl delete pod` does; its
// StatefulSet makes a new one with the same name. wait returns once the
// new pod exists (its hooks may still be running).
func (m *Model) DeletePod(unitName string) (wait func(context.Context) error, err error) {
	return m.churn(unitName, churnReq{kind: churnPod})
}

// RestartContainer restarts one container of a unit's pod, as Kubernetes
// does when its process dies or its liveness probe fails: CharmContainer
// restarts the unit agent, any other name that workload container.
func (m *Model) RestartContainer(unitName, container string) (wait func(context.Context) error, err error) {
	m.mu.Lock()
	u := m.unitLocked(unitName)
	ok := u != nil && (container == CharmContainer || slices.Contains(u.app.charm.ContainerNames(), container))
	m.mu.Unlock()
	if u != nil && !ok {
		return nil, fmt.Errorf("unit %q has no container %q", unitName, container)
	}
	kind := churnWorkload
	if container == CharmContainer {
		kind = churnAgent
	}
	return m.churn(unitName, churnReq{kind: kind, container: container})
}

func (m *Model) churn(unitName string, c churnReq) (func(context.Context) error, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unitLocked(unitName)
	if u == nil || u.life == dead {
		return nil, fmt.Errorf("unit %q not found", unitName)
	}
	if u.pod == nil {
		return nil, fmt.Errorf("unit %q has no pod yet", unitName)
	}
	u.requestChurnLocked(&c)
	return func(ctx context.Context) error {
		select {
		case err := <-c.done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}, nil
}

// requestChurnLocked queues a churn for the unit's agent to carry out.
func (u *unit) requestChurnLocked(c *churnReq) {
	c.done = make(chan error, 1)
	u.churns = append(u.churns, c)
	u.wake()
}

// nextChurnLocked takes the unit's next pending churn.
func (u *unit) nextChurnLocked() *churnReq {
	if len(u.churns) == 0 || u.life == dead || u.pod == nil {
		return nil
	}
	c := u.churns[0]
	u.churns = u.churns[1:]
	return c
}

// doChurn carries out one churn between two of the agent's operations.
func (u *unit) doChurn(ctx context.Context, c *churnReq) error {
	switch c.kind {
	case churnWorkload:
		u.m.mu.Lock()
		pod := u.pod
		u.m.mu.Unlock()
		return pod.RestartContainer(ctx, c.container)
	case churnAgent:
		return u.restartAgent(ctx)
	default:
		return u.recreatePod(ctx)
	}
}

// shutdown is what the unit agent does on SIGTERM: run stop if the unit
// started and has not stopped (uniter.Terminate, then the resolver's
// remoteState.Shutdown case in internal/worker/uniter/resolver.go). The
// hook is killed when ctx, the grace period, ends.
func (u *unit) shutdown(ctx context.Context) {
	m := u.m
	m.mu.Lock()
	if !u.installed || !u.started || u.stopped {
		m.mu.Unlock()
		return
	}
	o := u.hookOp("stop", nil)
	m.mu.Unlock()
	u.runOp(ctx, o)
	m.mu.Lock()
	defer m.mu.Unlock()
	// The agent goes either way; a stop that failed is not retried by
	// the one that comes next, which starts afresh.
	u.stopped = true
	u.agentReady = false
	u.agentStatus, u.agentMessage = "idle", ""
	if u.failed == o {
		u.clearError()
	}
}

// recreatePod deletes the pod and makes its successor: SIGTERM to every
// container at once (the agent runs stop meanwhile), SIGKILL after the
// grace period; then a new pod with a new IP, an empty /var/lib/juju (an
// emptyDir) into which the charm is unpacked again, and workloads fresh
// from their images. The agent's state lives in the controller and
// survives: it runs upgrade-charm, config-changed, start and, on a
// non-leader, leader-settings-changed, then pebble-ready as its Pebble
// poller finds the new boot ids.
func (u *unit) recreatePod(ctx context.Context) error {
	m := u.m
	m.mu.Lock()
	old := u.pod
	// A terminating pod leaves its Services' endpoints at once.
	u.terminating = true
	m.syncServicesLocked()
	m.mu.Unlock()

	gctx, cancel := context.WithTimeout(ctx, u.m.cfg.TerminationGrace)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- old.StopWorkloads(gctx) }()
	u.shutdown(gctx)
	if err := <-stopped; err != nil {
		m.logf(unitTag(u.name), "WARNING", "juju.worker.uniter", "killed after the grace period: %v", err)
	}
	u.stopAgent()
	if err := old.Delete(ctx); err != nil {
		m.logf(unitTag(u.name), "WARNING", "juju.worker.uniter", "cannot delete pod: %v", err)
	}
	m.mu.Lock()
	u.pod, u.address, u.ready, u.terminating = nil, "", false, false
	u.bootNow, u.bootSeen = map[string]string{}, map[string]string{}
	m.updateHostsLocked()
	m.mu.Unlock()

	if err := u.provision(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u.charmRev = u.app.rev
	// The agent publishes the new pod's addresses in every relation it
	// is in (uniter: UpdateNetworkInfo on start), which the other side
	// sees as relation-changed.
	for _, r := range m.relations {
		if r.scope[u.name] {
			u.enterScope(r)
		}
	}
	u.queue = append(u.queue, u.hookOp("upgrade-charm", func() {
		u.queue = append(u.queue, u.hookOp("config-changed", func() {
			u.configHash = u.configHashLocked()
			u.queue = append(u.queue, u.startOpThen(func() {
				if !u.isLeader() {
					v := u.app.leaderVersion
					u.queue = append(u.queue, u.hookOp("leader-settings-changed", func() { u.leaderSeen = v }))
				}
			}))
		}))
	}))
	return nil
}

// restartAgent restarts the charm container: the agent runs stop (it got
// SIGTERM), then a new agent starts in the same pod with the same
// /var/lib/juju. A sidecar agent always assumes a reboot and runs start
// (reboot.NewResolver with rebootDetected in internal/worker/uniter/
// uniter.go), its Pebble poller fires pebble-ready for every container
// and its notice watcher replays Pebble's notices from the start.
func (u *unit) restartAgent(ctx context.Context) error {
	gctx, cancel := context.WithTimeout(ctx, u.m.cfg.TerminationGrace)
	u.shutdown(gctx)
	cancel()
	u.stopAgent()
	m := u.m
	m.mu.Lock()
	u.bootSeen = map[string]string{}
	pod := u.pod
	u.queue = append(u.queue, u.startOp())
	m.mu.Unlock()
	return u.startAgent(ctx, pod)
}

// stopAgent ends the agent's goroutines that belong to its process: the
// hook-tool server and the Pebble watchers.
func (u *unit) stopAgent() {
	m := u.m
	m.mu.Lock()
	cancel := u.agentCancel
	u.agentCancel = nil
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// rollRefresh is the StatefulSet's rolling update after a refresh: one pod
// at a time, the highest ordinal first, each recreated and waited for
// until Ready (its start hook committed, which is what the charm
// container's readiness check reports, and every workload Pebble ready)
// before the next.
func (m *Model) rollRefresh(ctx context.Context, a *application, rev int) {
	defer m.wg.Done()
	for ctx.Err() == nil {
		m.mu.Lock()
		if a.rev != rev {
			// A newer refresh rolls on from here.
			m.mu.Unlock()
			return
		}
		var next *unit
		for _, u := range a.units {
			if u.life == alive && u.charmRev != rev && u.pod != nil && (next == nil || u.ordinal > next.ordinal) {
				next = u
			}
		}
		if next == nil {
			m.mu.Unlock()
			return
		}
		c := &churnReq{kind: churnPod}
		next.requestChurnLocked(c)
		m.mu.Unlock()
		select {
		case err := <-c.done:
			if err != nil {
				m.logf("model", "ERROR", "juju.kubernetes.provider", "cannot recreate pod %s: %v", next.podName(), err)
				return
			}
		case <-ctx.Done():
			return
		}
		for {
			m.mu.Lock()
			ready := next.podReadyLocked() || next.life != alive
			m.mu.Unlock()
			if ready {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// podReadyLocked is Kubernetes' pod readiness: every container ready.
func (u *unit) podReadyLocked() bool {
	return u.pod != nil && !u.terminating && u.agentReady && u.ready
}
