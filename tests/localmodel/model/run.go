package model

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

// runOp runs one hook or action: build its context, run the charm, then
// commit the staged changes if it succeeded or put the unit in error.
func (u *unit) runOp(ctx context.Context, o *op) {
	m := u.m
	if o.prepare != nil {
		started := m.cfg.Clock.Now()
		if err := o.prepare(ctx); err != nil {
			m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "cannot prepare %s: %v", o, err)
			m.mu.Lock()
			if ctx.Err() == nil {
				// The hook failed without its charm process running.
				u.recordLocked(HookRecord{
					Unit: u.name, Hook: o.hook, Started: started, ExitCode: -1, Tools: []string{},
					Error: fmt.Sprintf("cannot prepare %s: %v", o, err),
				}, nil)
			}
			u.fail(o)
			m.mu.Unlock()
			return
		}
		o.prepare = nil
	}
	m.mu.Lock()
	hc := m.newHookContextLocked(u, o)
	reqs := u.claimRequestsLocked(o)
	if o.before != nil {
		o.before()
	}
	if o.hook == "install" && !u.statusByHook {
		u.status = hooktools.Status{Status: "maintenance", Message: "installing charm software", Since: m.cfg.Clock.Now()}
	}
	if o.action != nil {
		o.action.status = "running"
		o.action.started = m.cfg.Clock.Now()
	}
	prevAgent, prevMsg := u.agentStatus, u.agentMessage
	if !o.quiet {
		u.agentStatus = "executing"
		if o.action != nil {
			u.agentMessage = fmt.Sprintf("running action %s", o.action.name)
		} else {
			u.agentMessage = fmt.Sprintf("running %s hook", o.hook)
		}
	}
	m.contexts[hc.id] = hc
	env := hc.envLocked()
	pod := u.pod
	m.persistLocked()
	m.mu.Unlock()

	started := m.cfg.Clock.Now()
	code, stdout, stderr, err := u.dispatch(ctx, pod, o, env)
	elapsed := m.cfg.Clock.Now().Sub(started)

	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.contexts, hc.id)
	hc.done = true
	if ctx.Err() != nil {
		failRequests(reqs, fmt.Errorf("%s on unit %q was interrupted: model is shutting down", o.hook, u.name))
		return
	}
	rec := HookRecord{
		Unit: u.name, Hook: o.hook, Started: started, ExitCode: code,
		DurationMS: float64(elapsed) / float64(time.Millisecond),
		Tools:      append([]string{}, hc.tools...),
	}
	if err != nil {
		m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "cannot run %s: %v", o, err)
	}
	if o.action != nil {
		u.finishAction(hc, code, err, stdout, stderr)
		rec.Hook, rec.Action = "", o.action.name
		if o.action.status != "completed" {
			rec.Error = o.action.message
		}
		u.recordLocked(rec, reqs)
		if u.failed != nil {
			u.agentStatus, u.agentMessage = prevAgent, prevMsg
		} else {
			u.agentStatus, u.agentMessage = "idle", ""
		}
		m.wakeAll()
		return
	}
	if err == nil && code == 0 && o.action == nil && u.failCommits > 0 {
		// Juju flushes what the hook staged after the charm exits; when
		// that fails, nothing is kept, the hook fails and is retried
		// (internal/worker/uniter/runner/context: Flush after the
		// process; internal/worker/uniter/operation/runhook.go).
		u.failCommits--
		err = fmt.Errorf("cannot commit %q hook: injected fault", o.hook)
		m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "%v", err)
	} else if err == nil && code == 0 {
		if cerr := hc.commitLocked(); cerr != nil {
			m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter", "cannot commit %q hook: %v", o.hook, cerr)
			err = cerr
		}
		// Opened ports reach the Service (Juju's sidecar firewaller).
		m.syncServicesLocked()
	}
	if err != nil || code != 0 {
		if err == nil {
			m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter.operation", "hook %q (via hook dispatching script: dispatch) failed: exit status %d", o.hook, code)
			rec.Error = fmt.Sprintf("exit status %d", code)
		} else {
			rec.Error = err.Error()
		}
		u.recordLocked(rec, reqs)
		u.fail(o)
		m.wakeAll()
		return
	}
	if len(u.queue) > 0 && u.queue[0] == o {
		u.queue = u.queue[1:]
	}
	if u.failed == o {
		u.clearError()
	}
	u.agentStatus, u.agentMessage = "idle", ""
	if o.onSuccess != nil {
		o.onSuccess()
	}
	// start and stop change the charm container's readiness.
	m.syncServicesLocked()
	u.recordLocked(rec, reqs)
	m.wakeAll()
}

// fail puts the unit in error and schedules the retry, as Juju's retry
// strategy does (apiserver/facades/agent/retrystrategy: 5 s doubling up to
// 5 min, with jitter).
func (u *unit) fail(o *op) {
	m := u.m
	backoff := RetryBackoff(u.retries, m.cfg.RetryMin, m.cfg.RetryMax, rand.Float64)
	u.retries++
	u.failed = o
	u.retryAt = m.cfg.Clock.Now().Add(backoff)
	u.agentStatus = "error"
	u.agentMessage = fmt.Sprintf("hook failed: %q", o.hook)
}

// dispatch runs the charm for o and returns its exit code and output.
func (u *unit) dispatch(ctx context.Context, pod Pod, o *op, env []string) (int, string, string, error) {
	m := u.m
	inCharm, onHost := pod.DataDir()
	tag := unitTag(u.name)
	charmIn := filepath.Join(inCharm, "agents", tag, "charm")
	charmHost := filepath.Join(onHost, "agents", tag, "charm")
	name := o.hook
	rel := "dispatch"
	if o.action != nil {
		name = o.action.name
	}
	if _, err := os.Stat(filepath.Join(charmHost, "dispatch")); err != nil {
		rel = filepath.Join("hooks", o.hook)
		if o.action != nil {
			rel = filepath.Join("actions", o.action.name)
		}
		if _, err := os.Stat(filepath.Join(charmHost, rel)); err != nil {
			m.logf(tag, "INFO", "juju.worker.uniter.operation", "skipped %q hook (missing)", name)
			return 0, "", "", nil
		}
	}
	logger := fmt.Sprintf("unit.%s.%s", u.name, name)
	var outBuf, errBuf bytes.Buffer
	stdout := &lineLogger{m: m, entity: tag, level: "DEBUG", logger: logger, buf: &outBuf}
	stderr := &lineLogger{m: m, entity: tag, level: "WARNING", logger: logger, buf: &errBuf}
	m.logf(tag, "DEBUG", "juju.worker.uniter.operation", "running %s", describe(o))
	code, err := pod.RunCharm(ctx, CharmProcess{
		Path: filepath.Join(charmIn, rel), Dir: charmIn, Env: env, Stdout: stdout, Stderr: stderr,
	})
	stdout.flush()
	stderr.flush()
	return code, outBuf.String(), errBuf.String(), err
}

func describe(o *op) string {
	if o.action != nil {
		return fmt.Sprintf("action %q", o.action.name)
	}
	s := fmt.Sprintf("%q hook", o.hook)
	if o.remoteUnit != "" {
		s += " for " + o.remoteUnit
	}
	return s
}

// lineLogger copies a hook's output to the debug log line by line and
// keeps it for action results.
type lineLogger struct {
	m      *Model
	entity string
	level  string
	logger string
	buf    *bytes.Buffer
	mu     sync.Mutex
	part   []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.part = append(l.part, p...)
	for {
		k := bytes.IndexByte(l.part, '\n')
		if k < 0 {
			break
		}
		l.m.logf(l.entity, l.level, l.logger, "%s", l.part[:k])
		l.part = l.part[k+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.part) > 0 {
		l.m.logf(l.entity, l.level, l.logger, "%s", l.part)
		l.part = nil
	}
}

// envLocked builds the hook's environment from scratch, as Juju does.
func (hc *hookContext) envLocked() []string {
	u, o, m := hc.u, hc.op, hc.m
	inCharm, _ := u.pod.DataDir()
	tag := unitTag(u.name)
	charmDir := filepath.Join(inCharm, "agents", tag, "charm")
	env := map[string]string{
		"CHARM_DIR":                 charmDir,
		"JUJU_CHARM_DIR":            charmDir,
		"JUJU_CONTEXT_ID":           hc.id,
		"JUJU_AGENT_SOCKET_ADDRESS": filepath.Join(inCharm, "agents", tag, "agent.socket"),
		"JUJU_AGENT_SOCKET_NETWORK": "unix",
		"JUJU_UNIT_NAME":            u.name,
		"JUJU_MODEL_UUID":           m.cfg.UUID,
		"JUJU_MODEL_NAME":           m.cfg.Name,
		"JUJU_API_ADDRESSES":        "127.0.0.1:17070",
		"JUJU_SLA":                  "unsupported",
		"JUJU_MACHINE_ID":           "",
		"JUJU_PRINCIPAL_UNIT":       "",
		"JUJU_AVAILABILITY_ZONE":    "",
		"JUJU_VERSION":              m.cfg.JujuVersion,
		"CLOUD_API_VERSION":         "",
		"JUJU_CHARM_HTTP_PROXY":     "",
		"JUJU_CHARM_HTTPS_PROXY":    "",
		"JUJU_CHARM_FTP_PROXY":      "",
		"JUJU_CHARM_NO_PROXY":       "",
		"APT_LISTCHANGES_FRONTEND":  "none",
		"DEBIAN_FRONTEND":           "noninteractive",
		"LANG":                      "C.UTF-8",
		"TERM":                      "tmux-256color",
		"PATH":                      filepath.Join(inCharm, "tools", tag) + ":/usr/sbin:/usr/bin:/sbin:/bin",
	}
	if o.action != nil {
		env["JUJU_HOOK_NAME"] = ""
		env["JUJU_DISPATCH_PATH"] = "actions/" + o.action.name
		env["JUJU_ACTION_NAME"] = o.action.name
		env["JUJU_ACTION_UUID"] = strconv.Itoa(o.action.id)
		env["JUJU_ACTION_TAG"] = "action-" + strconv.Itoa(o.action.id)
	} else {
		env["JUJU_HOOK_NAME"] = o.hook
		env["JUJU_DISPATCH_PATH"] = "hooks/" + o.hook
	}
	if o.relID >= 0 {
		if r := m.relations[o.relID]; r != nil {
			ep, _ := r.endpointOf(u.app.name)
			env["JUJU_RELATION"] = ep.name
			env["JUJU_RELATION_ID"] = fmt.Sprintf("%s:%d", ep.name, r.id)
		}
		env["JUJU_REMOTE_APP"] = o.remoteApp
		env["JUJU_REMOTE_UNIT"] = o.remoteUnit
		if strings.HasSuffix(o.hook, "-relation-departed") {
			env["JUJU_DEPARTING_UNIT"] = o.departing
		}
	}
	if o.workload != "" {
		env["JUJU_WORKLOAD_NAME"] = o.workload
	}
	if o.checkName != "" {
		env["JUJU_PEBBLE_CHECK_NAME"] = o.checkName
	}
	if o.notice != nil {
		env["JUJU_NOTICE_ID"] = o.notice.id
		env["JUJU_NOTICE_TYPE"] = o.notice.typ
		env["JUJU_NOTICE_KEY"] = o.notice.key
	}
	if o.secretID != "" {
		env["JUJU_SECRET_ID"] = o.secretID
		env["JUJU_SECRET_LABEL"] = o.secretLbl
		if o.secretRev > 0 {
			env["JUJU_SECRET_REVISION"] = strconv.Itoa(o.secretRev)
		}
	}
	if o.storage != "" {
		env["JUJU_STORAGE_ID"] = o.storage + "/0"
		env["JUJU_STORAGE_LOCATION"] = filepath.Join(inCharm, "storage", o.storage, "0")
		env["JUJU_STORAGE_KIND"] = "filesystem"
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// RetryBackoff is the wait before retry number retries+1 of a failed hook:
// first, then each step doubled with ±3 % jitter, capped at limit (juju/utils
// BackoffTimer.increaseDuration). random returns a number in [0, 1).
func RetryBackoff(retries int, first, limit time.Duration, random func() float64) time.Duration {
	backoff := first
	for i := 0; i < retries && backoff < limit; i++ {
		backoff = time.Duration(float64(2*backoff) * (1 + (random()*2-1)*0.03))
	}
	return min(backoff, limit)
}
