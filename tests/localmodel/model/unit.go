package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
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
	// secretRev is JUJU_SECRET_REVISION, for secret-expired and
	// secret-remove.
	secretRev int
	storage   string
	action    *actionRun
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

func (u *unit) configHashLocked() string {
	data, _ := json.Marshal(resolvedConfig(u.app))
	sum := sha256.Sum256(append(data, []byte(u.address)...))
	return hex.EncodeToString(sum[:])
}
