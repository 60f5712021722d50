package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/charmdir"
)

// unit is a unit and its agent's local state: what it has already told the
// charm (installed, started, relation members seen, boot ids seen, ...).
// The agent compares that with the model to pick the next hook.
type unit struct {
	m       *Model
	name    string
	app     *application
	ordinal int
	life    life
	pod     Pod
	address string
	wakeCh  chan struct{}

	status       hooktools.Status
	statusByHook bool
	agentStatus  string
	agentMessage string
	ports        []hooktools.Port
	state        map[string]string

	installed      bool
	started        bool
	stopped        bool
	charmRev       int
	configHash     string
	leaderNotified bool
	leaderSeen     int
	rels           map[int]*unitRel
	bootSeen       map[string]string
	bootNow        map[string]string
	// ready is the workloads' readiness: every workload Pebble healthy
	// at level=ready, as Juju's readiness probes ask.
	ready bool
	// agentReady is the charm container's readiness: its agent has run
	// start and not stop since it started (the uniter's probe,
	// internal/worker/uniter/op_callbacks.go CommitHook).
	agentReady bool
	// terminating is set while the pod is being deleted.
	terminating bool
	// churns are pending pod deletions and container restarts.
	churns []*churnReq
	// agentCancel ends the agent process's goroutines: the hook-tool
	// server and the Pebble watchers.
	agentCancel context.CancelFunc
	// failCommits is how many of the next hooks that exit 0 fail to
	// commit (a fault a test injects).
	failCommits    int
	workloadQ      []*op
	secretsPending map[string]bool
	actions        []*actionRun
	storageDone    map[string]bool
	queue          []*op
	nextUpdate     time.Time

	failed  *op
	retryAt time.Time
	retries int

	// history is the latest hooks and actions run, oldest first.
	history []HookRecord
	// hookRequests are RunHook calls whose hook has not started yet.
	hookRequests []*hookRequest
}

type unitRel struct {
	created    bool
	members    map[string]int64
	appVersion int64
}

// op is one thing the agent runs: a hook or an action.
type op struct {
	hook       string
	relID      int
	remoteUnit string
	remoteApp  string
	departing  string
	workload   string
	checkName  string
	notice     *noticeInfo
	secretID   string
	secretLbl  string
	storage    string
	action     *actionRun
	// quiet ops (update-status) do not show as executing.
	quiet bool
	// prepare runs before the hook, outside the model lock.
	prepare func(ctx context.Context) error
	// before runs under the lock just before the hook starts.
	before func()
	// onSuccess updates the agent's local state once the hook committed.
	onSuccess func()
}

type noticeInfo struct {
	id, typ, key string
}

func (o *op) String() string {
	if o.action != nil {
		return "action " + o.action.name
	}
	return o.hook
}

func (m *Model) newUnitLocked(a *application, ord int) *unit {
	u := &unit{
		m: m, name: fmt.Sprintf("%s/%d", a.name, ord), app: a, ordinal: ord,
		wakeCh:         make(chan struct{}, 1),
		status:         hooktools.Status{Status: "waiting", Message: "installing agent", Since: m.cfg.Clock.Now()},
		agentStatus:    "allocating",
		state:          map[string]string{},
		leaderSeen:     -1,
		rels:           map[int]*unitRel{},
		bootSeen:       map[string]string{},
		bootNow:        map[string]string{},
		storageDone:    map[string]bool{},
		secretsPending: map[string]bool{},
		charmRev:       a.rev,
	}
	a.units[u.name] = u
	m.wg.Add(1)
	go u.run(m.ctx)
	return u
}

func (u *unit) wake() {
	select {
	case u.wakeCh <- struct{}{}:
	default:
	}
}

func (u *unit) podName() string { return fmt.Sprintf("%s-%d", u.app.name, u.ordinal) }

func (u *unit) isLeader() bool { return u.app.leader == u.name }

func (u *unit) clearError() {
	u.failed = nil
	u.retries = 0
	u.retryAt = time.Time{}
	u.agentStatus, u.agentMessage = "idle", ""
}

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

func (u *unit) configHashLocked() string {
	data, _ := json.Marshal(resolvedConfig(u.app))
	sum := sha256.Sum256(append(data, []byte(u.address)...))
	return hex.EncodeToString(sum[:])
}

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
	if o := u.secretOp(); o != nil {
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
	return nil, u.nextUpdate
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

func (u *unit) secretOp() *op {
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
		if as := r.appS[remote]; as != nil && as.version > lr.appVersion {
			v := as.version
			if r.peer() && u.isLeader() {
				lr.appVersion = v
			} else {
				o := u.relHook(r, "changed")
				o.onSuccess = func() { lr.appVersion = v }
				return o
			}
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
