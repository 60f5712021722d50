package model

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
)

// watchPebble is the agent's Pebble poller and notice watcher: a new boot
// id means pebble-ready, check changes mean check-failed/-recovered, and
// custom notices mean custom-notice (Juju 3.6 uniter behaviour).
func (u *unit) watchPebble(ctx context.Context) {
	m := u.m
	defer m.wg.Done()
	m.mu.Lock()
	containers := u.app.charm.ContainerNames()
	pod := u.pod
	m.mu.Unlock()
	clients := map[string]*client.Client{}
	for _, c := range containers {
		cl, err := client.New(&client.Config{Socket: pod.PebbleSocket(c)})
		if err != nil {
			m.logf(unitTag(u.name), "ERROR", "juju.worker.uniter.pebble", "cannot create Pebble client for %q: %v", c, err)
			continue
		}
		clients[c] = cl
		// A Pebble client is not safe for concurrent use: the notice
		// watcher gets its own.
		ncl, err := client.New(&client.Config{Socket: pod.PebbleSocket(c)})
		if err != nil {
			continue
		}
		m.wg.Add(1)
		go u.watchNotices(ctx, c, ncl, pod.PebbleSocket(c))
	}
	// failures counts each container's failed liveness probes in a row.
	failures := map[string]int{}
	for {
		// Readiness, as Juju's probe asks each workload Pebble for
		// /v1/health?level=ready every 5 s, one failure enough
		// (internal/provider/kubernetes/application/application.go).
		ready := len(clients) == len(containers)
		for c, cl := range clients {
			// The client retries a missing socket for seconds without
			// honouring a context, so look before asking.
			if _, err := os.Stat(pod.PebbleSocket(c)); err != nil {
				ready = false
				continue
			}
			if healthy, err := cl.Health(&client.HealthOptions{Level: client.ReadyLevel}); err != nil || !healthy {
				ready = false
			}
			if u.livenessFailed(ctx, pod, c, cl, failures) {
				ready = false
				continue
			}
			info, err := cl.SysInfo()
			if err != nil || info.BootID == "" {
				continue
			}
			m.mu.Lock()
			if u.bootNow[c] != info.BootID {
				u.bootNow[c] = info.BootID
				u.wake()
			}
			m.mu.Unlock()
		}
		m.mu.Lock()
		if u.ready != ready {
			u.ready = ready
			m.syncServicesLocked()
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(m.cfg.PebblePollInterval):
		}
	}
}

// watchNotices watches one container's notices through socket, the
// container's of the pod this watcher was started for: a pod recreated
// meanwhile (churn) gets watchers of its own, and u.pod is not read
// here, where it would race with the recreation.
func (u *unit) watchNotices(ctx context.Context, container string, cl *client.Client, socket string) {
	m := u.m
	defer m.wg.Done()
	var after time.Time
	fired := map[string]bool{}
	for ctx.Err() == nil {
		if _, err := os.Stat(socket); err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(m.cfg.PebblePollInterval):
			}
			continue
		}
		notices, err := cl.WaitNotices(ctx, 30*time.Second, &client.NoticesOptions{
			Users: client.NoticesUsersAll,
			Types: []client.NoticeType{client.CustomNotice, client.ChangeUpdateNotice},
			After: after,
		})
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(m.cfg.PebblePollInterval):
			}
			// A restarted Pebble starts its notices afresh.
			after = time.Time{}
			continue
		}
		for _, n := range notices {
			if n.LastRepeated.After(after) {
				after = n.LastRepeated
			}
			o := u.noticeOp(container, cl, n, fired)
			if o == nil {
				continue
			}
			m.mu.Lock()
			u.workloadQ = append(u.workloadQ, o)
			u.wake()
			m.mu.Unlock()
		}
	}
}

func (u *unit) noticeOp(container string, cl *client.Client, n *client.Notice, fired map[string]bool) *op {
	switch n.Type {
	case client.CustomNotice:
		o := u.hookOp(container+"-pebble-custom-notice", nil)
		o.workload = container
		o.notice = &noticeInfo{id: n.ID, typ: string(n.Type), key: n.Key}
		return o
	case client.ChangeUpdateNotice:
		kind := n.LastData["kind"]
		if kind != "perform-check" && kind != "recover-check" {
			return nil
		}
		status := ""
		if ch, err := cl.Change(n.Key); err == nil {
			status = ch.Status
		}
		hook := ""
		switch {
		case kind == "perform-check" && (status == "Error" || status == ""):
			hook = "-pebble-check-failed"
		case kind == "recover-check" && (status == "Done" || status == ""):
			hook = "-pebble-check-recovered"
		default:
			return nil
		}
		key := n.Key + hook
		if fired[key] {
			return nil
		}
		fired[key] = true
		o := u.hookOp(container+hook, nil)
		o.workload = container
		o.checkName = n.LastData["check-name"]
		return o
	}
	return nil
}

// serveTools answers the hook tools of one unit.
func (m *Model) serveTools(l net.Listener, u *unit) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go m.handleTool(conn, u)
	}
}

func (m *Model) handleTool(conn net.Conn, u *unit) {
	defer conn.Close()
	var req hooktools.Request
	if err := json.NewDecoder(conn).Decode(&req); err != nil {
		return
	}
	m.mu.Lock()
	hc := m.contexts[req.ContextID]
	if hc != nil && hc.u == u {
		// Counted as it arrives, so the record keeps the charm's order.
		hc.tools = append(hc.tools, req.Command)
	}
	m.mu.Unlock()
	var resp hooktools.Response
	if hc == nil || hc.u != u {
		resp = hooktools.Response{Code: 1, Stderr: []byte("ERROR bad request: unknown context \"" + req.ContextID + "\"\n")}
	} else {
		resp = hooktools.Run(hc, req)
	}
	json.NewEncoder(conn).Encode(resp)
}

// LivenessFailures is how many failed liveness probes in a row restart a
// workload container (containerLivenessProbeFailure in
// internal/provider/kubernetes/application/application.go).
const LivenessFailures = 3

// livenessFailed is the kubelet's liveness probe of one workload
// container: Pebble's /v1/health?level=alive, asked once a poll, counted
// only once the container has started (its Pebble answered: the startup
// probe). After LivenessFailures failures in a row the container is
// restarted, and livenessFailed reports true.
func (u *unit) livenessFailed(ctx context.Context, pod Pod, c string, cl *client.Client, failures map[string]int) bool {
	m := u.m
	m.mu.Lock()
	started := u.bootNow[c] != ""
	m.mu.Unlock()
	if !started {
		return false
	}
	if healthy, err := cl.Health(&client.HealthOptions{Level: client.AliveLevel}); err == nil && healthy {
		failures[c] = 0
		return false
	}
	failures[c]++
	if failures[c] < LivenessFailures {
		return false
	}
	failures[c] = 0
	m.logf(unitTag(u.name), "WARNING", "kubelet", "container %q failed its liveness probe %d times: restarting it", c, LivenessFailures)
	m.mu.Lock()
	u.bootNow[c] = ""
	m.mu.Unlock()
	if err := pod.RestartContainer(ctx, c); err != nil {
		m.logf(unitTag(u.name), "ERROR", "kubelet", "cannot restart container %q: %v", c, err)
	}
	return true
}
