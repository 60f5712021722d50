// Package temporaladmin is a stand-in for the temporal-admin-k8s charm,
// for the local model: it migrates the Temporal schemas of every server
// related on admin and answers admin queries.
package temporaladmin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Names from metadata.yaml.
const (
	ContainerName = "temporal-admin"
	Endpoint      = "admin"
)

// Keys of the admin relation's application databags.
const (
	KeyConnections     = "database_connections"
	KeySchemaStatus    = "schema_status"
	KeyMigratedVersion = "migrated_workload_version"
)

// Messages shown when the schema cannot be set up.
const (
	MsgNoConnections = "admin:temporal relation: database connections info not available"
	MsgUnreachable   = "waiting for the database to be reachable"
	// MsgNoHostInfo is the current track's cli failure without the
	// temporal-host-info relation.
	MsgNoHostInfo = "temporal-host-info relation not established"
)

// HostInfoEndpoint is where current revisions learn the server's address.
const HostInfoEndpoint = "temporal-host-info"

// CAEndpoint is where current revisions receive the CA of a frontend that
// serves TLS.
const CAEndpoint = "receive-ca-cert"

// How temporal-admin-k8s sets up the schema (src/charm.py, tracks
// 1.27-1.30): install, pebble-ready, upgrade-charm, admin-relation-changed
// and admin-relation-broken are observed, nothing else; relation-created
// and relation-joined do nothing. The leader's _setup_db_schemas runs
// temporal-sql-tool setup-schema and update-schema for the db and
// visibility stores of the admin relations, trying the next relation's
// user on a permission error, and then publishes schema_status=ready and
// migrated_workload_version on every admin relation. A database that
// refuses connections makes it set Waiting and defer the event, which ops
// runs again before every later hook; any other failure blocks until the
// next admin-relation-changed or the setup-schema action. It re-migrates
// every relation on every admin-relation-changed (the one after
// relation-joined, and each change of the server's data), and on
// pebble-ready only until the first success.
//
// The stand-in migrates a relation's stores only when that relation's
// database_connections changed since it last published ready for this
// version, or was never migrated (or failed), whatever the hook; it keeps
// what it migrated in Juju's unit state (state-get, state-set), which
// commits with the hook. It waits for an unreachable database in the hook,
// polling every retryEvery up to unreachableWait, and then defers: every
// later hook, relation-created and relation-joined included, tries again.

// stateKey is the stand-in's key in Juju's unit state.
const stateKey = "temporal-admin-k8s"

// Retrying a database that refuses connections: every unreachableRetry
// within one hook, for at most unreachableWait, after which the hook
// defers the rest to the next hook.
const (
	unreachableRetry = 500 * time.Millisecond
	unreachableWait  = 2 * time.Minute
)

// unitState is what the stand-in keeps between hooks.
type unitState struct {
	// BootID is the workload Pebble's boot the Version was read in: the
	// version is read once per boot of the workload.
	BootID  string `json:"boot-id,omitempty"`
	Version string `json:"version,omitempty"`
	// Migrated are the relations published ready, by relation id.
	Migrated map[string]migration `json:"migrated,omitempty"`
	// Deferred is set while a database was unreachable: every later hook
	// tries again, as ops re-emits a deferred event.
	Deferred bool `json:"deferred,omitempty"`
	// UpgradePending is set by upgrade-charm on the current track, until
	// every store is migrated again (the real charm's peer key
	// upgrade_schema_pending).
	UpgradePending bool `json:"upgrade-pending,omitempty"`
}

// migration is what a relation was migrated for.
type migration struct {
	// Connections is the SHA-256 of its database_connections value (which
	// holds passwords).
	Connections string `json:"connections"`
	Version     string `json:"version"`
}

func (s unitState) encode() string {
	data, _ := json.Marshal(s)
	return string(data)
}

// fingerprint identifies a database_connections value without keeping it.
func fingerprint(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Workload is what the charm needs of its workload container.
type Workload interface {
	// BootID is the boot id of the workload's Pebble; an error means
	// Pebble does not answer.
	BootID() (string, error)
	Exec(ctx context.Context, cmd workload.Cmd) (string, error)
}

// pebbleWorkload is the workload container through its Pebble.
type pebbleWorkload struct{ *workload.Container }

func (w pebbleWorkload) BootID() (string, error) {
	info, err := w.Client.SysInfo()
	if err != nil {
		return "", err
	}
	return info.BootID, nil
}

// Charm handles one event.
type Charm struct {
	juju     *juju.Client
	event    juju.Event
	workload Workload
	// retryEvery and retryFor are unreachableRetry and unreachableWait,
	// shortened by tests.
	retryEvery, retryFor time.Duration
	// settings are the options, read at the start of every hook.
	settings Settings
	// dial reaches a database for pre-upgrade-check.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, container, err := workload.Hook(getenv, ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{
		juju: juju.NewClient(juju.ExecRunner{}), event: ev, workload: pebbleWorkload{container},
		retryEvery: unreachableRetry, retryFor: unreachableWait,
		dial: (&net.Dialer{}).DialContext,
	}
	return c.run(ctx)
}

// loadSettings reads the options when a hook first needs them, as ops
// reads config lazily: a hook with nothing to do reads nothing.
func (c *Charm) loadSettings(ctx context.Context) error {
	cfg, err := c.juju.ConfigGet(ctx)
	if err != nil {
		return err
	}
	c.settings, err = ParseSettings(cfg)
	return err
}

func (c *Charm) run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Action:
		return c.action(ctx)
	case juju.Stop, juju.Remove:
		return nil
	case juju.RelationCreated, juju.RelationJoined:
		// The real charm observes neither; only a deferred migration runs.
		return c.reconcile(ctx, modeDeferred)
	case juju.UpgradeCharm:
		return c.beginUpgrade(ctx)
	case juju.RelationChanged:
		if c.event.Relation == "admin" {
			// The real charm's _on_admin_relation_changed runs
			// _setup_db_schemas: every store again, changed or not.
			return c.reconcile(ctx, modeAll)
		}
	}
	return c.reconcile(ctx, modeChanged)
}

func (c *Charm) logf(ctx context.Context, format string, a ...any) {
	// Logging is best effort: a hook must not fail because of it.
	_ = c.juju.Log(ctx, juju.LogInfo, fmt.Sprintf(format, a...))
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

func (c *Charm) loadState(ctx context.Context) (unitState, error) {
	v, ok, err := c.juju.StateGet(ctx, stateKey)
	if err != nil {
		return unitState{}, err
	}
	var st unitState
	if ok {
		if err := json.Unmarshal([]byte(v), &st); err != nil {
			// A state this code cannot read costs one migration, no more.
			c.logf(ctx, "ignoring the unit state: %v", err)
			return unitState{}, nil
		}
	}
	return st, nil
}

// saveState writes the state if it changed.
func (c *Charm) saveState(ctx context.Context, before string, after unitState) error {
	if after.encode() == before {
		return nil
	}
	return c.juju.StateSet(ctx, map[string]string{stateKey: after.encode()})
}

// version is the rock's server version, read with temporal-server
// --version once per boot of the workload and set as the application
// version then.
func (c *Charm) version(ctx context.Context, st *unitState, boot string) (string, error) {
	if st.Version != "" && st.BootID == boot && boot != "" {
		return st.Version, nil
	}
	out, err := c.workload.Exec(ctx, workload.Cmd{Args: []string{"/usr/bin/temporal-server", "--version"}, WorkingDir: "/", Timeout: time.Minute})
	if err != nil {
		return "", fmt.Errorf("cannot read the server version: %w", err)
	}
	version, err := ParseServerVersion(out)
	if err != nil {
		return "", err
	}
	if err := c.juju.ApplicationVersionSet(ctx, version); err != nil {
		return "", err
	}
	st.BootID, st.Version = boot, version
	return version, nil
}

// relationData is one admin relation as the leader sees it.
type relationData struct {
	id          string
	app         string
	connections Connections
	// raw is the database_connections value the connections came from.
	raw       string
	hasData   bool
	published map[string]string
}

func (c *Charm) relations(ctx context.Context) ([]relationData, error) {
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return nil, err
	}
	var rels []relationData
	for _, id := range ids {
		app, err := c.juju.RelationApp(ctx, id)
		if err != nil {
			return nil, err
		}
		rel := relationData{id: id, app: app}
		if app == "" {
			rels = append(rels, rel)
			continue
		}
		remote, err := c.juju.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, err
		}
		if raw := remote[KeyConnections]; raw != "" {
			if c.settings.Track == Track123 && hasNullStore(raw) {
				// track/1.23's _setup_db_schemas subscripts each store.
				return nil, fmt.Errorf("TypeError: 'NoneType' object is not subscriptable (%s of %s has a null store)", KeyConnections, app)
			}
			conns, err := ParseConnections(raw)
			if err != nil {
				c.logf(ctx, "ignoring %s from %s (%s): %v", KeyConnections, app, id, err)
			} else {
				rel.connections, rel.raw, rel.hasData = conns, raw, true
			}
		}
		rel.published, err = c.juju.RelationGet(ctx, id, c.event.App, true)
		if err != nil {
			return nil, err
		}
		rels = append(rels, rel)
	}
	return rels, nil
}

// mode is what a reconcile migrates.
type mode int

const (
	// modeChanged migrates the relations whose database_connections
	// changed since they were published ready for this version.
	modeChanged mode = iota
	// modeDeferred does so only if an earlier hook deferred a migration,
	// and otherwise nothing at all.
	modeDeferred
	// modeAll migrates every relation (the setup-schema action).
	modeAll
)

// reconcile migrates the databases the admin relations name, as mode
// says, and publishes the outcome.
func (c *Charm) reconcile(ctx context.Context, m mode) error {
	st, err := c.loadState(ctx)
	if err != nil {
		return err
	}
	if m == modeDeferred && !st.Deferred && !st.UpgradePending {
		return nil
	}
	if err := c.loadSettings(ctx); err != nil {
		var te *juju.ToolError
		if errors.As(err, &te) {
			return err
		}
		return c.status(ctx, juju.StatusBlocked, err.Error())
	}
	before := st.encode()
	boot, err := c.workload.BootID()
	if err != nil {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	version, err := c.version(ctx, &st, boot)
	if err != nil {
		return err
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		if err := c.saveState(ctx, before, st); err != nil {
			return err
		}
		return c.status(ctx, juju.StatusActive, "")
	}
	rels, err := c.relations(ctx)
	if err != nil {
		return err
	}
	dirty := func(rel relationData) bool {
		if m == modeAll || st.UpgradePending {
			return true
		}
		done, ok := st.Migrated[rel.id]
		return !ok || done.Connections != fingerprint(rel.raw) || done.Version != version
	}
	outcome := c.migrate(ctx, rels, dirty)
	migrated := map[string]migration{}
	for _, rel := range rels {
		if !rel.hasData {
			continue
		}
		data := publication(rel.connections, outcome, version, c.settings.Track)
		switch {
		case data == nil:
			// Unreachable: what was published stands, and so does what
			// was migrated. (A failure publishes nothing new and is not
			// migrated: a later hook tries again.)
			if done, ok := st.Migrated[rel.id]; ok {
				migrated[rel.id] = done
			}
		case data[KeySchemaStatus] == "ready":
			migrated[rel.id] = migration{Connections: fingerprint(rel.raw), Version: version}
		}
		if data == nil || unchanged(rel.published, data) {
			continue
		}
		if err := c.juju.RelationSet(ctx, rel.id, true, data); err != nil {
			return err
		}
	}
	st.Migrated = migrated
	if len(st.Migrated) == 0 {
		st.Migrated = nil
	}
	st.Deferred = false
	pending := st.UpgradePending
	st.UpgradePending = false
	for _, res := range outcome {
		if res == resultUnreachable {
			st.Deferred = true
		}
		// What failed after a refresh is tried again with the rest.
		st.UpgradePending = st.UpgradePending || (pending && res != resultOK)
	}
	if err := c.saveState(ctx, before, st); err != nil {
		return err
	}
	name, msg := summarize(outcome)
	return c.status(ctx, name, msg)
}

const (
	resultOK result = iota + 1
	resultUnreachable
	resultPermission
	resultFailed
)
