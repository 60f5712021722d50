package charm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// database is what one postgresql_client relation gave us.
type database struct {
	relID     string
	remoteApp string
	// app is the provider's app data.
	app  map[string]string
	conn postgresql.Connection
	// err is why conn is unusable; postgresql.ErrNotReady while the
	// provider has not answered.
	err error
}

// inputs is everything a hook reads, each fact read once.
type inputs struct {
	leader bool
	// rawConfig is config-get's answer, which the cache keeps.
	rawConfig map[string]any
	cfg       config.Config
	problems  []config.Problem

	peerID  string
	peerApp map[string]string
	// grant is the restart lock; request this unit's own restart request
	// (read only when it may matter); peerUnits the other units'
	// requests, read by a leader only while some unit may ask.
	grant     peer.Grant
	request   string
	peerUnits map[string]string
	// peerStages are the other units' stages of internode TLS as their
	// data says them, read with peerUnits.
	peerStages map[string]string

	db, visibility database

	adminID  string
	adminApp map[string]string

	// hostInfoIDs are the temporal-host-info relations, read only by the
	// leader of a frontend app: nobody else writes them.
	hostInfoIDs []string

	// goal is goal-state, read only when a required relation is missing;
	// nil if it was not needed or could not be read.
	goal *juju.GoalState

	bindAddress string

	// frontendCert is the frontend-certificates relation, nil when there
	// is none.
	frontendCert *certRel
	// servesTLS is set while the running plan serves TLS on the frontend.
	servesTLS bool
	// internodeCert is the internode-certificates relation, nil when
	// there is none; servesInternodeTLS is set while the running plan
	// runs internode mutual TLS.
	internodeCert      *certRel
	servesInternodeTLS bool
	// internodeClient is the TLS a client of the server's internode
	// services needs, once read (hookInternodeClient).
	internodeClient *tls.Config
	// stage is where the running plan is in the switch of internode
	// TLS; target where the relation sends it (rollout.TLS with a
	// certificate to use); cluster the stages of the whole cluster, as
	// far as this unit knows them, read only when the unit may move
	// (unknown otherwise, with why it is not known).
	stage, target rollout.Stage
	// proxyDefined is set when the plan defines the proxy's service,
	// serving or idle.
	proxyDefined bool
	cluster      clusterView
	// members is what the hub's members say, once read.
	members *memberSum
	// held is the internode certificate the container holds, read when
	// the relation gives none but the unit still needs one to step
	// down.
	held *temporal.Cert

	// pebbleErr is set when the workload's Pebble does not answer; the
	// workload fields below are then empty.
	pebbleErr error
	bootID    string
	version   string
	plan      workload.Layer
	service   *workload.ServiceInfo
	check     *workload.CheckInfo
}

func (c *Charm) gather(ctx context.Context, ca *cache) (*inputs, error) {
	in := &inputs{}
	raw, err := c.Juju.ConfigGet(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %w", err)
	}
	in.rawConfig = raw
	in.cfg, in.problems = config.Parse(raw)
	if in.leader, err = c.Juju.IsLeader(ctx); err != nil {
		return nil, fmt.Errorf("cannot read leadership: %w", err)
	}
	// Published hashes describe what this unit wrote as leader; after a
	// spell as non-leader another unit may have written since.
	// So does the application status.
	if !in.leader || !ca.Leader || c.event.Kind == juju.LeaderElected {
		ca.Published = map[string]string{}
		ca.AppStatus = juju.Status{}
	}
	ca.Leader = in.leader

	if in.peerID, err = c.firstRelation(ctx, PeerEndpoint); err != nil {
		return nil, err
	}
	if in.peerID != "" {
		if in.peerApp, err = c.Juju.RelationGet(ctx, in.peerID, c.event.App, true); err != nil {
			return nil, fmt.Errorf("cannot read peer data: %w", err)
		}
	}
	if in.db, err = c.readDatabase(ctx, ca, DBEndpoint, in.cfg.DBName); err != nil {
		return nil, err
	}
	if in.visibility, err = c.readDatabase(ctx, ca, VisibilityEndpoint, in.cfg.VisibilityDBName); err != nil {
		return nil, err
	}
	if in.adminID, err = c.firstRelation(ctx, AdminEndpoint); err != nil {
		return nil, err
	}
	if in.adminID != "" {
		app, err := c.remoteApp(ctx, ca, in.adminID)
		if err != nil {
			return nil, err
		}
		if in.adminApp, err = c.Juju.RelationGet(ctx, in.adminID, app, true); err != nil {
			return nil, fmt.Errorf("cannot read admin data: %w", err)
		}
	}
	if in.leader && in.cfg.Has(config.Frontend) {
		if in.hostInfoIDs, err = c.Juju.RelationIDs(ctx, hostinfo.Endpoint); err != nil {
			return nil, fmt.Errorf("cannot list %s relations: %w", hostinfo.Endpoint, err)
		}
	}
	if err := c.listSide(ctx, ca); err != nil {
		return nil, err
	}
	if ca.BindAddress == "" {
		if ca.BindAddress, err = c.Juju.BindAddress(ctx, PeerEndpoint); err != nil {
			return nil, fmt.Errorf("cannot read the peer bind address: %w", err)
		}
	}
	in.bindAddress = ca.BindAddress
	if in.db.relID == "" || in.visibility.relID == "" || in.adminID == "" {
		// Only then does it matter whether Juju knows of more.
		if gs, err := c.Juju.GoalState(ctx); err == nil {
			in.goal = &gs
		} else {
			c.logf(ctx, juju.LogWarning, "Cannot read goal-state: %v", err)
		}
	}
	c.gatherWorkload(ctx, ca, in)
	if in.frontendCert, err = c.gatherCert(ctx, ca, in, c.frontendCerts()); err != nil {
		return nil, err
	}
	if in.internodeCert, err = c.gatherCert(ctx, ca, in, c.internodeCerts()); err != nil {
		return nil, err
	}
	if err := c.removeExpired(ctx); err != nil {
		return nil, err
	}
	if err := c.gatherRollout(ctx, ca, in); err != nil {
		return nil, err
	}
	return in, nil
}

func (c *Charm) firstRelation(ctx context.Context, endpoint string) (string, error) {
	ids, err := c.Juju.RelationIDs(ctx, endpoint)
	if err != nil {
		return "", fmt.Errorf("cannot list %s relations: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	// Every endpoint the charm requires has limit 1.
	return ids[0], nil
}

func (c *Charm) remoteApp(ctx context.Context, ca *cache, relID string) (string, error) {
	if c.event.RelationID == relID && c.event.RemoteApp != "" {
		ca.RemoteApps[relID] = c.event.RemoteApp
	}
	if app, ok := ca.RemoteApps[relID]; ok {
		return app, nil
	}
	app, err := c.Juju.RelationApp(ctx, relID)
	if err != nil {
		return "", fmt.Errorf("cannot find the application of %s: %w", relID, err)
	}
	ca.RemoteApps[relID] = app
	return app, nil
}

func (c *Charm) readDatabase(ctx context.Context, ca *cache, endpoint, name string) (database, error) {
	relID, err := c.firstRelation(ctx, endpoint)
	if err != nil || relID == "" {
		return database{}, err
	}
	db := database{relID: relID}
	if db.remoteApp, err = c.remoteApp(ctx, ca, relID); err != nil {
		return db, err
	}
	if db.app, err = c.Juju.RelationGet(ctx, relID, db.remoteApp, true); err != nil {
		err = fmt.Errorf("cannot read %s data of %s: %w", relID, db.remoteApp, err)
	} else {
		db.conn, err = postgresql.Connect(ctx, c.Juju, db.app, name)
	}
	switch {
	case err == nil:
	case errors.Is(err, juju.ErrPermissionDenied), errors.Is(err, juju.ErrNotFound):
		// A secret not granted yet, or replaced: the provider's next
		// write will bring us back here.
		db.err = fmt.Errorf("%w: %v", postgresql.ErrNotReady, err)
	case errors.As(err, new(*juju.ToolError)):
		return db, err
	default:
		db.err = err
	}
	return db, nil
}

// gatherWorkload reads Pebble. Its failures are not hook errors: the
// container may simply not be up yet.
func (c *Charm) gatherWorkload(ctx context.Context, ca *cache, in *inputs) {
	var err error
	defer func() { in.pebbleErr = err }()
	if in.bootID, err = c.Container.BootID(ctx); err != nil {
		return
	}
	if ca.BootID != in.bootID || ca.Version == "" {
		var out string
		if out, err = c.Container.Exec(ctx, temporal.Binary, "--version"); err != nil {
			return
		}
		// "temporal-server version 1.31.2"
		fields := strings.Fields(out)
		if len(fields) == 0 {
			err = fmt.Errorf("cannot parse %s --version output %q", temporal.Binary, out)
			return
		}
		ca.BootID, ca.Version = in.bootID, fields[len(fields)-1]
	}
	in.version = ca.Version
	if in.plan, err = c.Container.Plan(ctx); err != nil {
		return
	}
	in.servesTLS = temporal.ServesTLS(in.plan)
	in.servesInternodeTLS = temporal.ServesInternodeTLS(in.plan)
	var mode []byte
	if temporal.ServesProxy(in.plan) && in.servesInternodeTLS {
		// Unreadable, it reads as accepting plaintext: the proxy
		// reads it the same way.
		mode, _ = c.Container.Pull(ctx, temporal.ProxyModePath)
	}
	in.stage = temporal.ProxyStage(in.plan, mode)
	in.proxyDefined = temporal.DefinesProxy(in.plan)
	in.service, in.check, err = c.serverState(ctx)
}

// serverState reads the server's service and health check; either is nil
// when the plan does not define it yet. Pebble lists only the names asked
// for (pinned by internal/workload's scenarios, against a real Pebble).
func (c *Charm) serverState(ctx context.Context) (*workload.ServiceInfo, *workload.CheckInfo, error) {
	services, err := c.Container.Services(ctx, temporal.ServiceName)
	if err != nil {
		return nil, nil, err
	}
	var service *workload.ServiceInfo
	if len(services) > 0 {
		service = &services[0]
	}
	checks, err := c.Container.Checks(ctx, temporal.CheckName)
	if err != nil {
		return nil, nil, err
	}
	var check *workload.CheckInfo
	if len(checks) > 0 {
		check = &checks[0]
	}
	return service, check, nil
}
