package model

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

// run is the unit agent: create the pod, then loop picking and running
// the next operation until the unit is dead.
func (u *unit) run(ctx context.Context) {
	m := u.m
	defer m.wg.Done()
	if err := u.provision(ctx); err != nil {
		m.mu.Lock()
		u.agentStatus, u.agentMessage = "error", err.Error()
		m.mu.Unlock()
		m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "cannot provision unit: %v", err)
		<-ctx.Done()
		u.cleanup(context.Background())
		return
	}
	for {
		m.mu.Lock()
		c := u.nextChurnLocked()
		m.mu.Unlock()
		if c != nil {
			err := u.doChurn(ctx, c)
			if err != nil {
				m.mu.Lock()
				u.agentStatus, u.agentMessage = "error", err.Error()
				m.mu.Unlock()
				m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "cannot restart: %v", err)
			}
			c.done <- err
			if ctx.Err() != nil {
				u.cleanup(context.Background())
				return
			}
			continue
		}
		m.mu.Lock()
		next, wait := u.nextOp(m.cfg.Clock.Now())
		isDead := u.life == dead
		m.mu.Unlock()
		if isDead {
			u.cleanup(ctx)
			return
		}
		if next != nil {
			u.runOp(ctx, next)
			if ctx.Err() != nil {
				u.cleanup(context.Background())
				return
			}
			continue
		}
		var timer <-chan time.Time
		if !wait.IsZero() {
			timer = m.cfg.Clock.After(wait.Sub(m.cfg.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			u.cleanup(context.Background())
			return
		case <-u.wakeCh:
		case <-timer:
		}
	}
}

// provision creates the pod, unpacks the charm, links the hook tools and
// serves them, then starts the workloads.
func (u *unit) provision(ctx context.Context) error {
	m := u.m
	m.mu.Lock()
	spec := PodSpec{Name: u.podName(), Storage: u.app.charm.StorageNames()}
	for _, c := range u.app.charm.ContainerNames() {
		cm := u.app.charm.Meta.Containers[c]
		cs := ContainerSpec{Name: c, Image: u.app.resources[cm.Resource]}
		for _, mt := range cm.Mounts {
			cs.Mounts = append(cs.Mounts, MountSpec{Storage: mt.Storage, Location: mt.Location})
		}
		spec.Containers = append(spec.Containers, cs)
	}
	charmPath := u.app.charm.Path
	m.mu.Unlock()

	pod, err := m.cfg.Backend.CreatePod(ctx, spec)
	if err != nil {
		return err
	}
	m.mu.Lock()
	u.pod = pod
	m.mu.Unlock()
	_, host := pod.DataDir()
	tag := unitTag(u.name)
	if err := installCharm(charmPath, filepath.Join(host, "agents", tag, "charm")); err != nil {
		return err
	}
	tools := filepath.Join(host, "tools", tag)
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return fmt.Errorf("cannot create tools directory: %w", err)
	}
	for _, name := range hooktools.Names() {
		if err := os.Symlink(pod.ToolPath(), filepath.Join(tools, name)); err != nil && !os.IsExist(err) {
			return fmt.Errorf("cannot link hook tool: %w", err)
		}
	}
	for _, s := range spec.Storage {
		if err := os.MkdirAll(filepath.Join(host, "storage", s, "0"), 0o755); err != nil {
			return fmt.Errorf("cannot create storage: %w", err)
		}
	}
	if err := pod.StartWorkloads(ctx); err != nil {
		return err
	}
	if err := u.startAgent(ctx, pod); err != nil {
		return err
	}
	m.mu.Lock()
	u.address = pod.Address()
	u.agentStatus = "idle"
	m.updateHostsLocked()
	m.wakeAll()
	m.mu.Unlock()
	m.logf(tag, "INFO", "juju.worker.uniter", "unit %q started, pod address %s", u.name, pod.Address())
	return nil
}

// startAgent starts what the unit agent's process runs beside the hooks:
// the hook-tool server on its socket and the Pebble watchers.
func (u *unit) startAgent(ctx context.Context, pod Pod) error {
	m := u.m
	_, host := pod.DataDir()
	sock := filepath.Join(host, "agents", unitTag(u.name), "agent.socket")
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("cannot listen for hook tools: %w", err)
	}
	// The socket outlives this agent for the next one in the same pod:
	// closing must not unlink what the next agent listens on.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	actx, cancel := context.WithCancel(ctx)
	go func() {
		<-actx.Done()
		l.Close()
	}()
	go m.serveTools(l, u)
	m.mu.Lock()
	// Stopping the agent closes its socket before it returns, so that
	// the next agent's listener is the only one.
	u.agentCancel = func() { cancel(); l.Close() }
	m.mu.Unlock()
	m.wg.Add(1)
	go u.watchPebble(actx)
	return nil
}

func installCharm(src, dest string) error {
	os.RemoveAll(dest)
	if _, err := charmdir.Unpack(src, dest); err != nil {
		return fmt.Errorf("cannot install charm: %w", err)
	}
	return nil
}

// cleanup stops the workloads and deletes the pod, then forgets the unit.
func (u *unit) cleanup(ctx context.Context) {
	m := u.m
	u.stopAgent()
	m.mu.Lock()
	pod := u.pod
	for _, c := range u.churns {
		c.done <- fmt.Errorf("unit %q was removed", u.name)
	}
	u.churns = nil
	m.mu.Unlock()
	if pod != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), m.cfg.TerminationGrace)
		if err := pod.StopWorkloads(stopCtx); err != nil {
			m.logf(unitTag(u.name), "WARNING", "juju.worker.uniter", "cannot stop workloads: %v", err)
		}
		cancel()
		if err := pod.Delete(context.Background()); err != nil {
			m.logf(unitTag(u.name), "WARNING", "juju.worker.uniter", "cannot delete pod: %v", err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u.failRequestsLocked(fmt.Errorf("unit %q was removed", u.name))
	if m.closed {
		return
	}
	delete(u.app.units, u.name)
	for _, s := range m.secrets {
		delete(s.consumers, u.name)
	}
	if u.app.leader == u.name {
		m.leaderGoneLocked(u.app)
	}
	for _, r := range m.relations {
		m.maybeRemoveRelationLocked(r)
	}
	m.maybeRemoveAppLocked(u.app)
	m.updateHostsLocked()
	m.logf(unitTag(u.name), "INFO", "juju.worker.uniter", "unit %q removed", u.name)
	m.wakeAll()
}
