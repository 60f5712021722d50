package charm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// assessment is what the inputs allow, before anything is written.
type assessment struct {
	st statuses
	// out is set when everything needed to run the server is at hand.
	out *temporal.Output
	// lockedShards is the peer shard lock, 0 when not locked yet.
	lockedShards int
	// schemaRefused is set when the admin charm said the schema is not
	// fit for this server: a running server must stop.
	schemaRefused bool
	// configOK is set when the options are valid and agree with the lock.
	configOK bool
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
	locked, isLocked, err := peer.LockedShards(in.peerApp)
	switch {
	case err != nil:
		a.st.add(juju.StatusBlocked, err.Error())
	case isLocked:
		a.lockedShards = locked
		if len(in.problems) == 0 && in.cfg.NumHistoryShards != locked {
			a.st.add(juju.StatusBlocked, fmt.Sprintf(
				"num-history-shards is locked at %d and cannot change to %d: set it back to %d", locked, in.cfg.NumHistoryShards, locked))
		}
	}
	a.configOK = a.st.ok()
	if in.peerID == "" {
		a.st.add(juju.StatusWaiting, "waiting for the peer relation")
	}
	c.assessDatabase(&a.st, DBEndpoint, in.db)
	c.assessDatabase(&a.st, VisibilityEndpoint, in.visibility)
	if in.adminID == "" {
		a.st.add(juju.StatusBlocked, fmt.Sprintf("missing admin relation: juju integrate %s:admin temporal-admin-k8s:admin", c.event.App))
	} else if in.pebbleErr == nil {
		schema := admin.Schema(in.adminApp, in.version)
		if !schema.Ready {
			a.st.add(juju.StatusWaiting, "waiting for the schema on the admin relation: "+schema.Reason)
			a.schemaRefused = in.adminApp["schema_status"] != ""
		}
	}
	if in.pebbleErr != nil {
		a.st.add(juju.StatusWaiting, "waiting for Pebble in the temporal container")
	}
	if !a.st.ok() {
		return a
	}
	out, err := temporal.Render(temporal.Inputs{
		Config:           in.cfg,
		DB:               in.db.conn,
		Visibility:       in.visibility.conn,
		BroadcastAddress: in.bindAddress,
	})
	if err != nil {
		a.st.add(juju.StatusBlocked, err.Error())
		return a
	}
	a.out = &out
	return a
}

func (c *Charm) assessDatabase(st *statuses, endpoint string, db database) {
	switch {
	case db.relID == "":
		st.add(juju.StatusBlocked, fmt.Sprintf("missing %s relation: juju integrate %s:%s postgresql-k8s:database", endpoint, c.event.App, endpoint))
	case errors.Is(db.err, postgresql.ErrNotReady):
		st.add(juju.StatusWaiting, fmt.Sprintf("waiting for database credentials on the %s relation", endpoint))
	case db.err != nil:
		st.add(juju.StatusBlocked, fmt.Sprintf("cannot use the %s relation: %v", endpoint, db.err))
	}
}

func (c *Charm) reconcile(ctx context.Context) error {
	ca := loadCache(c.Cache)
	in, err := c.gather(ctx, &ca)
	if err != nil {
		return err
	}
	a := c.assess(in)
	if in.leader {
		if err := c.publish(ctx, &ca, in); err != nil {
			return err
		}
	}
	if a.configOK {
		if err := c.applyPorts(ctx, in); err != nil {
			return err
		}
	}
	if in.pebbleErr == nil {
		if err := c.applyVersion(ctx, &ca, in); err != nil {
			return err
		}
		c.applyWorkload(ctx, in, &a)
	}
	if in.leader && a.lockedShards == 0 && a.out != nil && a.st.ok() {
		// The shard count is fixed forever once a server has used it.
		if err := c.Juju.RelationSet(ctx, in.peerID, true, peer.LockShards(in.cfg.NumHistoryShards)); err != nil {
			return fmt.Errorf("cannot lock num-history-shards: %w", err)
		}
	}
	status := a.st.result()
	if err := c.Juju.StatusSet(ctx, status, false); err != nil {
		return fmt.Errorf("cannot set unit status: %w", err)
	}
	if in.leader {
		if err := c.Juju.StatusSet(ctx, status, true); err != nil {
			return fmt.Errorf("cannot set application status: %w", err)
		}
	}
	if err := ca.save(c.Cache); err != nil {
		c.logf(ctx, juju.LogWarning, "Cannot save cache %s: %v", c.Cache, err)
	}
	return nil
}

// publish writes the leader's app data: the database requests and the
// connections the admin charm needs to set up the schema.
func (c *Charm) publish(ctx context.Context, ca *cache, in *inputs) error {
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
	if in.adminID == "" {
		return nil
	}
	var dbConn, visConn *postgresql.Connection
	if in.db.relID != "" && in.db.err == nil {
		dbConn = &in.db.conn
	}
	if in.visibility.relID != "" && in.visibility.err == nil {
		visConn = &in.visibility.conn
	}
	if dbConn == nil && visConn == nil {
		return nil
	}
	return c.ensureAppData(ctx, ca, in.adminID, map[string]string{admin.ConnectionsKey: admin.Connections(dbConn, visConn)})
}

// ensureAppData writes data to this app's databag unless it is known to be
// there already.
func (c *Charm) ensureAppData(ctx context.Context, ca *cache, relID string, data map[string]string) error {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", k, data[k])
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if ca.Published[relID] == sum {
		return nil
	}
	current, err := c.Juju.RelationGet(ctx, relID, c.event.App, true)
	if err != nil {
		return fmt.Errorf("cannot read own data on %s: %w", relID, err)
	}
	changed := false
	for k, v := range data {
		changed = changed || current[k] != v
	}
	if changed {
		if err := c.Juju.RelationSet(ctx, relID, true, data); err != nil {
			return fmt.Errorf("cannot publish data on %s: %w", relID, err)
		}
	}
	ca.Published[relID] = sum
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
			if err := c.Juju.ClosePort(ctx, p); err != nil {
				return fmt.Errorf("cannot close port %s: %w", p, err)
			}
		}
	}
	for _, p := range want {
		if !slices.Contains(opened, p) {
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
	running := in.service != nil && in.service.Current != "inactive"
	if a.out == nil {
		if a.schemaRefused && running {
			c.logf(ctx, juju.LogWarning, "Stopping %s: the admin relation says the schema does not fit server %s", temporal.ServiceName, in.version)
			if err := c.Container.Stop(ctx, temporal.ServiceName); err != nil {
				a.st.add(juju.StatusMaintenance, fmt.Sprintf("cannot stop %s: %v", temporal.ServiceName, err))
			}
		}
		return
	}
	started, err := c.applyFiles(ctx, in, a.out)
	if err != nil {
		c.logf(ctx, juju.LogError, "Cannot apply the workload configuration: %v", err)
		a.st.add(juju.StatusWaiting, "temporal-server did not start: "+err.Error())
		return
	}
	c.workloadStatus(ctx, in, a, started)
}

// applyFiles pushes what changed and replans when the files or the layer
// changed, or when the service is not running. It reports whether it
// started or restarted the server.
func (c *Charm) applyFiles(ctx context.Context, in *inputs, out *temporal.Output) (bool, error) {
	// The server polls the dynamic config: writing it never restarts. A
	// file that cannot be read is written: Pebble 1.26's client reports a
	// missing file as a malformed response rather than not-found.
	current, err := c.Container.Pull(ctx, out.DynamicConfig.Path)
	if err != nil || !bytes.Equal(current, out.DynamicConfig.Content) {
		if err := c.Container.Push(ctx, out.DynamicConfig); err != nil {
			return false, err
		}
	}
	svc := in.plan.Services[temporal.ServiceName]
	if svc.Environment[temporal.HashEnv] == out.Hash {
		if in.service != nil && (in.service.Current == "active" || in.service.Current == "backoff") {
			return false, nil
		}
	} else {
		for _, f := range out.Files {
			if err := c.Container.Push(ctx, f); err != nil {
				return false, err
			}
		}
		if err := c.Container.AddLayer(ctx, temporal.LayerLabel, out.Layer); err != nil {
			return false, err
		}
	}
	return true, c.Container.Replan(ctx)
}

// workloadStatus decides whether the server is really serving. After a
// start it waits a bounded time for the port to answer, so that a healthy
// unit goes active in the same hook.
func (c *Charm) workloadStatus(ctx context.Context, in *inputs, a *assessment, started bool) {
	port := temporal.Ports[in.cfg.Services[0]].GRPC
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := c.Clock.Now().Add(c.StartTimeout)
	for {
		serving, why := c.serving(ctx, in, addr, started)
		if serving {
			return
		}
		if !started || !c.Clock.Now().Before(deadline) {
			a.st.add(juju.StatusWaiting, why)
			return
		}
		if err := c.Clock.Sleep(ctx, 500*time.Millisecond); err != nil {
			a.st.add(juju.StatusWaiting, why)
			return
		}
	}
}

func (c *Charm) serving(ctx context.Context, in *inputs, addr string, refresh bool) (bool, string) {
	service, check := in.service, in.check
	if refresh {
		var err error
		if service, check, err = c.serverState(ctx); err != nil {
			return false, "cannot read the temporal-server state: " + err.Error()
		}
	}
	if service == nil || service.Current != "active" {
		current := "missing"
		if service != nil {
			current = service.Current
		}
		return false, "temporal-server is " + current
	}
	if check != nil && check.Status == "down" {
		return false, fmt.Sprintf("temporal-server does not answer on %s (check %s is down)", addr, temporal.CheckName)
	}
	if err := c.Dial(ctx, addr); err != nil {
		return false, fmt.Sprintf("temporal-server does not answer on %s yet", addr)
	}
	return true, ""
}
