package charm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// assessment is what the inputs allow, before anything is written.
type assessment struct {
	st statuses
	// out is set when everything needed to run the server is at hand.
	out *temporal.Output
	// locks are the peer locks (shards, database names), zero until set.
	locks peer.Locks
	// schemaMismatch is set when the admin charm named a schema version
	// that does not fit this server: a running server must stop. Nothing
	// else the admin says stops a server.
	schemaMismatch bool
	// configOK is set when the options are valid and agree with the locks.
	configOK bool
	// clusterShards is the shard count the cluster's database holds, as
	// the local frontend reports it; 0 when not known.
	clusterShards int
	// need is why the running server must restart (see restartNeed),
	// and mayRestart whether it may now: it holds the restart lock, or
	// need not restart at all.
	need       string
	mayRestart bool
	// serving is set once the server was seen serving in this hook;
	// restarted once this hook restarted it.
	serving   bool
	restarted bool
}

// running reports whether Pebble runs (or keeps restarting) the server.
func (in *inputs) running() bool {
	return in.service != nil && in.service.Running()
}

func (c *Charm) assess(in *inputs) assessment {
	var a assessment
	if len(in.problems) > 0 {
		msgs := make([]string, len(in.problems))
		for i, p := range in.problems {
			msgs[i] = p.String()
		}
		a.st.add(juju.StatusBlocked, strings.Join(msgs, "; "))
	}
	locks, err := peer.ReadLocks(in.peerApp)
	switch {
	case err != nil:
		a.st.add(juju.StatusBlocked, err.Error())
	default:
		// With an invalid option the first problem is the status: a
		// conflict found with what it parsed to would never be shown.
		a.locks = locks
		if conflicts := locks.Conflicts(wantLocks(in)); len(conflicts) > 0 {
			a.st.add(juju.StatusBlocked, strings.Join(conflicts, "; "))
		}
	}
	a.configOK = a.st.ok()
	if in.peerID == "" {
		a.st.add(juju.StatusWaiting, "waiting for the peer relation")
	}
	c.assessDatabase(&a.st, in, DBEndpoint, in.db)
	c.assessDatabase(&a.st, in, VisibilityEndpoint, in.visibility)
	if in.adminID == "" {
		c.assessMissing(&a.st, in, AdminEndpoint)
	} else if in.pebbleErr == nil {
		schema := admin.Schema(in.adminApp, in.version)
		switch {
		case schema.Ready:
		case schema.Mismatch:
			a.st.add(juju.StatusWaiting, "waiting for the schema on the admin relation: "+schema.Reason)
			a.schemaMismatch = true
		case in.running():
			// The schema this server started on has not gone away: a
			// failed migration or an odd value is news, not a reason
			// for an outage.
			a.st.add(juju.StatusActive, "the admin relation reports: "+schema.Reason)
		default:
			a.st.add(juju.StatusWaiting, "waiting for the schema on the admin relation: "+schema.Reason)
		}
	}
	switch {
	case errors.Is(in.pebbleErr, workload.ErrCannotConnect):
		a.st.add(juju.StatusWaiting, "waiting for Pebble in the temporal container")
	case in.pebbleErr != nil:
		// Pebble answers, but not as it should: say what failed.
		a.st.add(juju.StatusWaiting, "cannot read the temporal container: "+in.pebbleErr.Error())
	}
	if !a.st.ok() {
		return a
	}
	stage, internodeCert, note, ok := internodeStage(in)
	if !ok {
		a.st.add(note.Name, note.Message)
		return a
	}
	out, err := temporal.Render(temporal.Inputs{
		Config:           in.cfg,
		DB:               in.db.conn,
		Visibility:       in.visibility.conn,
		BroadcastAddress: in.bindAddress,
		FrontendTLS:      in.frontendCert.served(),
		InternodeTLS:     internodeCert,
		InternodeStage:   stage,
		ProxyDefined:     in.proxyDefined,
	})
	if err != nil {
		a.st.add(juju.StatusBlocked, err.Error())
		return a
	}
	a.out = &out
	// What the certificate relation lacks never keeps the server from
	// running: it serves as it did without.
	for _, cr := range []*certRel{in.frontendCert, in.internodeCert} {
		if cr != nil && cr.note.Name != "" {
			a.st.add(cr.note.Name, cr.note.Message)
		}
	}
	if note.Name != "" {
		a.st.add(note.Name, note.Message)
	}
	return a
}

// checkCluster compares what the apps were told with what the cluster in
// their database is, through the frontend this unit runs: a cluster's
// shard count is fixed when its database is set up and every server uses
// it, whatever its option says; and an app related to another database
// forms a cluster of its own, whose rings are missing from this one.
// Rings fill over seconds after a start, so they are looked at on
// update-status only, and the finding is kept until the next one.
func (c *Charm) checkCluster(ctx context.Context, ca *cache, in *inputs, a *assessment) {
	// Running before this hook, or started and serving in it.
	serving := in.running() || (a.out != nil && a.st.ok())
	if c.Describe == nil || !in.cfg.Has(config.Frontend) || !serving {
		ca.EmptyRings = nil
		return
	}
	// internal-frontend answers the same AdminService, without the TLS
	// the frontend may serve to clients; with internode TLS it asks for
	// the unit's certificate.
	client, err := c.hookInternodeClient(ctx, in)
	if err != nil {
		return
	}
	d, err := c.Describe(ctx, temporal.LocalGRPC(temporal.InternalFrontend), client)
	if err != nil {
		// Not serving yet, or restarting: the status already says so.
		return
	}
	if d.HistoryShardCount > 0 {
		a.clusterShards = d.HistoryShardCount
		if len(in.problems) == 0 && d.HistoryShardCount != in.cfg.NumHistoryShards {
			a.st.add(juju.StatusBlocked, fmt.Sprintf(
				"num-history-shards is %d but the cluster in database %q has %d shards, which every server uses: set num-history-shards to %d",
				in.cfg.NumHistoryShards, in.cfg.DBName, d.HistoryShardCount, d.HistoryShardCount))
		}
	}
	if c.event.Kind == juju.UpdateStatus {
		ca.EmptyRings = nil
		for _, role := range config.AllServices {
			if d.Rings[role] == 0 {
				ca.EmptyRings = append(ca.EmptyRings, role)
			}
		}
	}
	if len(ca.EmptyRings) > 0 {
		a.st.add(juju.StatusActive, fmt.Sprintf(
			"the cluster in database %q has no %s members: are all apps related to the same database (db-name)?",
			in.cfg.DBName, strings.Join(ca.EmptyRings, ", ")))
	}
}

// lock writes the peer locks: the shard count and the databases are fixed
// forever once a server has used them, and the shard lock follows what the
// cluster's database holds when the frontend reports it, so that the
// option can be set to the value the servers really use.
func (c *Charm) lock(ctx context.Context, in *inputs, a *assessment) error {
	data := map[string]string{}
	if a.out != nil && a.st.ok() {
		data = a.locks.Missing(wantLocks(in))
	}
	if a.clusterShards != 0 && a.locks.Shards != a.clusterShards {
		data[peer.ShardsKey] = strconv.Itoa(a.clusterShards)
	}
	// A refresh from the Python charm leaves its passwords in plain
	// text here.
	maps.Copy(data, peer.Scrub(in.peerApp))
	if len(data) == 0 {
		return nil
	}
	c.wrote = true
	if err := c.Juju.RelationSet(ctx, in.peerID, true, data); err != nil {
		return fmt.Errorf("cannot write the peer locks: %w", err)
	}
	return nil
}

// wantLocks is what the options would lock.
func wantLocks(in *inputs) peer.Locks {
	return peer.Locks{Shards: in.cfg.NumHistoryShards, DBName: in.cfg.DBName, VisibilityDBName: in.cfg.VisibilityDBName}
}

// assessMissing explains a required relation this unit cannot see. Juju
// runs relation-created for the relations a new unit joins before start,
// so one it knows about (goal-state) is only not here yet; a unit being
// removed loses its relations one by one and is not blocked by that.
func (c *Charm) assessMissing(st *statuses, in *inputs, endpoint string) {
	switch {
	case in.goal == nil:
		// goal-state could not be read: say what is true either way.
		st.add(juju.StatusWaiting, fmt.Sprintf("waiting for the %s relation", endpoint))
	case in.goal.Units[c.event.Unit].Status == goalDying:
		st.add(juju.StatusMaintenance, "the unit is being removed")
	case len(in.goal.Relations[endpoint]) > 0:
		st.add(juju.StatusWaiting, fmt.Sprintf("waiting for the %s relation to be set up on this unit", endpoint))
	default:
		remote := "postgresql-k8s:database"
		if endpoint == AdminEndpoint {
			remote = "temporal-admin-k8s:admin"
		}
		st.add(juju.StatusBlocked, fmt.Sprintf("missing %s relation: juju integrate %s:%s %s", endpoint, c.event.App, endpoint, remote))
	}
}

// goalDying is goal-state's status of a unit that is being removed
// (apiserver/facades/agent/uniter/uniter.go, goalStateUnits).
const goalDying = "dying"

func (c *Charm) assessDatabase(st *statuses, in *inputs, endpoint string, db database) {
	switch {
	case db.relID == "":
		c.assessMissing(st, in, endpoint)
	case errors.Is(db.err, postgresql.ErrNotReady):
		st.add(juju.StatusWaiting, fmt.Sprintf("waiting for database credentials on the %s relation", endpoint))
	case db.err != nil:
		st.add(juju.StatusBlocked, fmt.Sprintf("cannot use the %s relation (%s): %v", endpoint, db.relID, db.err))
	}
}

func (c *Charm) reconcile(ctx context.Context) error {
	ca := c.beginHook(ctx)
	if err := c.followLoki(ctx, ca); err != nil {
		return err
	}
	done, err := c.observe(ctx, ca)
	if err != nil {
		return err
	}
	if !done {
		if err := c.reconcileAll(ctx, ca); err != nil {
			return err
		}
	}
	c.endHook(ctx, ca)
	return nil
}

// beginHook loads the cache and leaves on disk what a hook that does not
// finish must leave (see cache).
func (c *Charm) beginHook(ctx context.Context) *cache {
	ca := loadCache(c.Cache, c.Build)
	// Before the copy a failing hook leaves: a hook skipped after it
	// failed (resolved --no-retry) still brought its relation's news.
	c.followSide(&ca)
	if err := ca.begin(c.Cache); err != nil {
		c.logf(ctx, juju.LogWarning, "Cannot save cache %s: %v", c.Cache, err)
		// What it holds could outlive this hook's failure: trust none.
		ca = loadCache("", c.Build)
	}
	c.statuses = &ca
	return &ca
}

// endHook saves the cache of a hook that returns without error.
func (c *Charm) endHook(ctx context.Context, ca *cache) {
	if err := ca.save(c.Cache); err != nil {
		c.logf(ctx, juju.LogWarning, "Cannot save cache %s: %v", c.Cache, err)
	}
}

// reconcileAll reads every input, secrets included, and brings the
// relations, ports and workload to what they call for.
func (c *Charm) reconcileAll(ctx context.Context, ca *cache) error {
	_, _, err := c.reconcileInputs(ctx, ca)
	return err
}

// reconcileInputs is reconcileAll, returning what it read and decided for
// the restart action to report on.
func (c *Charm) reconcileInputs(ctx context.Context, ca *cache) (*inputs, *assessment, error) {
	in, err := c.gather(ctx, ca)
	if err != nil {
		return nil, nil, err
	}
	a := c.assess(in)
	// What the inputs said, before the workload had its say; empty
	// when they found nothing to say.
	assessed := a.st.best
	if in.leader {
		if err := c.publish(ctx, ca, in, a.configOK); err != nil {
			return nil, nil, err
		}
	}
	if a.configOK {
		if err := c.applyPorts(ctx, in); err != nil {
			return nil, nil, err
		}
	}
	if in.pebbleErr == nil {
		if err := c.applyVersion(ctx, ca, in); err != nil {
			return nil, nil, err
		}
		// Without a peer relation the unit renders nothing (assess
		// waits for it): there is no server to restart, and nobody to
		// take turns with.
		if in.peerID != "" {
			if err := c.roll(ctx, ca, in, &a); err != nil {
				return nil, nil, err
			}
		}
		gathered := in.stage
		c.applyWorkload(ctx, in, &a)
		// Only roll reads a request, so without one this does nothing.
		if err := c.release(ctx, ca, in, &a); err != nil {
			return nil, nil, err
		}
		if in.peerID != "" {
			if err := c.publishStage(ctx, ca, in, gathered); err != nil {
				return nil, nil, err
			}
		}
		c.checkCluster(ctx, ca, in, &a)
	}
	if in.leader {
		if err := c.lock(ctx, in, &a); err != nil {
			return nil, nil, err
		}
	}
	if err := c.report(ctx, ca, in, &a.st); err != nil {
		return nil, nil, err
	}
	c.remember(ca, in, &a, assessed)
	return in, &a, nil
}

// remember keeps what an observing hook needs to know that nothing
// changed since this one.
func (c *Charm) remember(ca *cache, in *inputs, a *assessment, assessed juju.Status) {
	ca.Config = in.rawConfig
	ca.PeerID, ca.PeerApp = in.peerID, in.peerApp
	ca.Seen = map[string]string{}
	ok := true
	see := func(relID string, data map[string]string) {
		if relID == "" {
			return
		}
		h, cacheable := seenHash(data)
		if !cacheable {
			ok = false
			return
		}
		ca.Seen[relID] = h
	}
	see(in.peerID, in.peerApp)
	see(in.db.relID, in.db.app)
	see(in.visibility.relID, in.visibility.app)
	see(in.adminID, in.adminApp)
	for _, id := range in.hostInfoIDs {
		ca.Seen[id] = ""
	}
	for id, ep := range ca.Side {
		// What the rollout endpoints say moves this unit's stage:
		// their relation-changed runs in full.
		if ep != rollout.HubEndpoint && ep != rollout.MemberEndpoint {
			ca.Seen[id] = ""
		}
	}
	// The provider's certificates are read: a change to them must send
	// relation-changed to the full reconcile.
	for _, cr := range []*certRel{in.frontendCert, in.internodeCert} {
		if cr != nil {
			see(cr.relID, cr.app)
		}
	}
	ca.Assessed = assessed
	ca.Rendered = ""
	if a.out != nil {
		ca.Rendered = a.out.Hash
	}
	// A restart that waits or runs is finished by a later hook, whatever
	// its event: the leader hands the lock on (or times it out), the
	// unit withdraws its request once it serves.
	waits := in.request != "" || in.leader && in.grant.Held()
	ca.Settled = ok && a.out != nil && !c.wrote && !waits
}

// publish writes the leader's app data: the database requests and the
// connections the admin charm needs to set up the schema.
func (c *Charm) publish(ctx context.Context, ca *cache, in *inputs, configOK bool) error {
	if !configOK {
		// An invalid option, or one its lock refuses, is never
		// published: what the relations hold was valid when written.
		return nil
	}
	for _, db := range []struct {
		relID, name string
	}{{in.db.relID, in.cfg.DBName}, {in.visibility.relID, in.cfg.VisibilityDBName}} {
		if db.relID == "" || db.name == "" {
			continue
		}
		if err := c.ensureAppData(ctx, ca, db.relID, postgresql.Request(db.name, in.cfg.DBExtraUserRoles)); err != nil {
			return err
		}
	}
	// Clients find the server through the Service, whatever its pods do.
	for _, id := range in.hostInfoIDs {
		if err := c.ensureAppData(ctx, ca, id, hostinfo.Data(c.event.App, c.event.Model, in.servesTLS)); err != nil {
			return err
		}
	}
	if in.adminID == "" {
		return nil
	}
	// Only both stores at once, as the Python charm publishes them: the
	// track-1.23 admin fails its hook on a null one.
	if in.db.relID == "" || in.db.err != nil || in.visibility.relID == "" || in.visibility.err != nil {
		return nil
	}
	return c.ensureAppData(ctx, ca, in.adminID, map[string]string{admin.ConnectionsKey: admin.Connections(&in.db.conn, &in.visibility.conn)})
}

// ensureAppData writes data to this app's databag unless it is known to be
// there already.
func (c *Charm) ensureAppData(ctx context.Context, ca *cache, relID string, data map[string]string) error {
	return c.ensureData(ctx, ca.Published, relID, true, data)
}

// ensureUnitData writes data to this unit's databag unless it is known to
// be there already.
func (c *Charm) ensureUnitData(ctx context.Context, ca *cache, relID string, data map[string]string) error {
	return c.ensureData(ctx, ca.PublishedUnit, relID, false, data)
}

// ensureData writes data to this app's or unit's databag unless published,
// the hashes of what each databag is known to hold, says it is there.
func (c *Charm) ensureData(ctx context.Context, published map[string]string, relID string, app bool, data map[string]string) error {
	sum := dataHash(data)
	if published[relID] == sum {
		return nil
	}
	owner := c.event.App
	if !app {
		owner = c.event.Unit
	}
	// Not known to be there, or written by a hook whose commit may have
	// failed: read it back.
	current, err := c.Juju.RelationGet(ctx, relID, owner, app)
	if err != nil {
		return fmt.Errorf("cannot read own data on %s: %w", relID, err)
	}
	changed := false
	for k, v := range data {
		changed = changed || current[k] != v
	}
	if !changed {
		published[relID] = sum
		return nil
	}
	c.wrote = true
	if err := c.Juju.RelationSet(ctx, relID, app, data); err != nil {
		return fmt.Errorf("cannot publish data on %s: %w", relID, err)
	}
	// Juju flushes relation data after the charm exits, and a failed
	// flush fails the hook: what this hook wrote counts as published
	// only once a later hook has read it back.
	delete(published, relID)
	return nil
}

func (c *Charm) applyPorts(ctx context.Context, in *inputs) error {
	want := temporal.OpenPorts(in.cfg)
	opened, err := c.Juju.OpenedPorts(ctx)
	if err != nil {
		return fmt.Errorf("cannot list opened ports: %w", err)
	}
	for _, p := range opened {
		if !slices.Contains(want, p) {
			c.wrote = true
			if err := c.Juju.ClosePort(ctx, p); err != nil {
				return fmt.Errorf("cannot close port %s: %w", p, err)
			}
		}
	}
	for _, p := range want {
		if !slices.Contains(opened, p) {
			c.wrote = true
			if err := c.Juju.OpenPort(ctx, p); err != nil {
				return fmt.Errorf("cannot open port %s: %w", p, err)
			}
		}
	}
	return nil
}

func (c *Charm) applyVersion(ctx context.Context, ca *cache, in *inputs) error {
	if in.version == "" || in.version == ca.VersionSet {
		return nil
	}
	if err := c.Juju.ApplicationVersionSet(ctx, in.version); err != nil {
		return fmt.Errorf("cannot set the workload version: %w", err)
	}
	ca.VersionSet = in.version
	return nil
}

// applyWorkload brings Pebble to the assessed state and adds the
// workload's own status. Pebble failures become statuses, not hook
// errors: the next event will try again.
func (c *Charm) applyWorkload(ctx context.Context, in *inputs, a *assessment) {
	if a.out == nil {
		if a.schemaMismatch && in.running() {
			reason := fmt.Sprintf("the admin relation says the schema does not fit server %s", in.version)
			c.logf(ctx, juju.LogWarning, "Stopping %s: %s", temporal.ServiceName, reason)
			c.maintenance(ctx, "stopping temporal-server: "+reason)
			if err := c.Container.Stop(ctx, temporal.ServiceName); err != nil {
				a.st.add(juju.StatusMaintenance, fmt.Sprintf("cannot stop %s: %v", temporal.ServiceName, err))
			}
		}
		return
	}
	started, err := c.applyFiles(ctx, in, a)
	if err != nil {
		c.logf(ctx, juju.LogError, "Cannot apply the workload configuration: %v", err)
		a.st.add(juju.StatusWaiting, "temporal-server did not start: "+err.Error())
		return
	}
	c.workloadStatus(ctx, in, a, started)
}

// applyFiles pushes what changed and replans when the files or the layer
// changed, or when the service is not running; a running server restarts
// only when a.mayRestart. It reports whether it started or restarted the
// server.
func (c *Charm) applyFiles(ctx context.Context, in *inputs, a *assessment) (bool, error) {
	out := a.out
	// The server polls the dynamic config: writing it never restarts. A
	// file that cannot be read is written: Pebble 1.26's client reports a
	// missing file as a malformed response rather than not-found.
	// Passwords and certificates go first too: the server reads them
	// again by itself, and a start finds them there.
	svc := in.plan.Services[temporal.ServiceName]
	dynamic := out.DynamicConfig
	if in.running() && svc.Environment[temporal.HashEnv] != out.Hash && !a.mayRestart {
		// A server that waits for its restart keeps the membership TLS
		// it started with, should Pebble start it again meanwhile.
		dynamic = temporal.DynamicConfig(in.cfg, in.servesInternodeTLS)
	}
	for _, f := range append([]workload.File{dynamic}, out.LiveFiles...) {
		current, err := c.Container.Pull(ctx, f.Path)
		if err != nil || !bytes.Equal(current, f.Content) {
			if err := c.Container.Push(ctx, f); err != nil {
				return false, err
			}
		}
	}
	reason := "starting temporal-server"
	if svc.Environment[temporal.HashEnv] == out.Hash {
		// The proxy's mode file is pushed: the stage is the one
		// rendered.
		in.stage = out.InternodeStage
		if !in.running() {
			return true, c.start(ctx, reason)
		}
		if a.need != peer.ActionRequest || !a.mayRestart {
			return false, nil
		}
		c.maintenance(ctx, "restarting temporal-server: the restart action")
		a.restarted = true
		return true, c.Container.Restart(ctx, temporal.ServiceName)
	}
	if in.running() {
		if !a.mayRestart {
			// Its turn comes with the restart lock.
			return false, nil
		}
		reason = "restarting temporal-server with a new configuration"
		a.restarted = true
	}
	// The layer's check runs this charm's binary: it goes with
	// every layer, as a new Pebble boot has neither.
	exe, err := c.HealthCheck()
	if err != nil {
		return false, err
	}
	files := append([]workload.File{{Path: temporal.HealthPath, Content: exe, Permissions: 0o755}}, out.Files...)
	for _, f := range files {
		if err := c.Container.Push(ctx, f); err != nil {
			return false, err
		}
	}
	if err := c.Container.AddLayer(ctx, temporal.LayerLabel, out.Layer); err != nil {
		return false, err
	}
	in.servesTLS = out.FrontendTLS
	in.servesInternodeTLS = out.InternodeTLS
	in.stage = out.InternodeStage
	return true, c.start(ctx, reason)
}

// start replans, which starts the server or restarts it with a new layer.
func (c *Charm) start(ctx context.Context, reason string) error {
	// Say so before the port closes: a restart takes the server away
	// for its drain and start, and status must not claim active then.
	c.maintenance(ctx, reason)
	return c.Container.Replan(ctx)
}

// maintenance sets the unit's status before an operation that takes the
// server away. Failing to say so must not stop the operation.
func (c *Charm) maintenance(ctx context.Context, msg string) {
	s := juju.Status{Name: juju.StatusMaintenance, Message: msg}
	if err := c.Juju.StatusSet(ctx, s, false); err != nil {
		c.logf(ctx, juju.LogWarning, "Cannot set maintenance status: %v", err)
		return
	}
	c.statuses.UnitStatus = s
}

// startPoll is how often a hook that started the server looks whether it
// answers: a dial to localhost costs nothing, and the unit goes active
// that much sooner.
const startPoll = 100 * time.Millisecond

// workloadStatus decides whether the server is really serving. After a
// start it waits a bounded time for the port to answer, so that a healthy
// unit goes active in the same hook.
func (c *Charm) workloadStatus(ctx context.Context, in *inputs, a *assessment, started bool) {
	deadline := c.Clock.Now().Add(c.StartTimeout)
	for {
		serving, name, why := c.serving(ctx, in, started)
		if serving {
			a.serving = true
			return
		}
		// A blocked server will not serve by waiting.
		if !started || name == juju.StatusBlocked || !c.Clock.Now().Before(deadline) {
			a.st.add(name, why)
			return
		}
		if err := c.Clock.Sleep(ctx, startPoll); err != nil {
			a.st.add(name, why)
			return
		}
	}
}

// serving reports whether the server runs and each selected service says
// it serves, and if not, why not: blocked when waiting cannot help.
func (c *Charm) serving(ctx context.Context, in *inputs, refresh bool) (bool, juju.StatusName, string) {
	service, check := in.service, in.check
	if refresh {
		var err error
		if service, check, err = c.serverState(ctx); err != nil {
			return false, juju.StatusWaiting, "cannot read the temporal-server state: " + err.Error()
		}
	}
	if why, ok := c.whyExiting(ctx, in, service); ok {
		return false, juju.StatusBlocked, why
	}
	if service == nil || service.Current != workload.ServiceActive {
		current := "missing"
		if service != nil {
			current = service.Current
		}
		return false, juju.StatusWaiting, "temporal-server is " + current
	}
	if check != nil && check.Status == "down" {
		return false, juju.StatusWaiting, fmt.Sprintf("temporal-server is not serving (check %s is down)", temporal.CheckName)
	}
	targets, err := c.probeTargets(ctx, in)
	if err == nil {
		err = c.Probe(ctx, targets)
	}
	if err != nil {
		return false, juju.StatusWaiting, "temporal-server is not serving yet: " + err.Error()
	}
	return true, "", ""
}

// probeTargets are the services the charm asks: with internode mutual
// TLS, showing the certificate the server itself holds.
func (c *Charm) probeTargets(ctx context.Context, in *inputs) ([]grpchealth.Target, error) {
	targets := temporal.HealthTargets(in.cfg.Services, in.servesTLS, in.servesInternodeTLS)
	for i, t := range targets {
		if !t.TLS || t.Role == config.Frontend {
			continue
		}
		client, err := c.hookInternodeClient(ctx, in)
		if err != nil {
			return nil, err
		}
		targets[i].Cert = &client.Certificates[0]
	}
	return targets, nil
}
