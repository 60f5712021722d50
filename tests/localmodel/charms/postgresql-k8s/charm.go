// Package postgresql is a stand-in for the postgresql-k8s charm, for the
// local model: a real PostgreSQL server in its workload container, and the
// provider side of the postgresql_client interface.
package postgresql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/inject"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

// Names from metadata.yaml, and where things live in the workload.
const (
	ContainerName = "postgresql"
	Endpoint      = "database"
	ServiceName   = "postgresql"
	StorageDir    = "/var/lib/postgresql/data"
	DataDir       = StorageDir + "/pgdata"
	SocketDir     = StorageDir + "/run"
	Port          = 5432
	// OSUser runs the server; peer authentication maps it to the
	// database superuser of the same name.
	OSUser = "postgres"
)

// MsgPrimary is the status message of a ready unit, as postgresql-k8s
// shows it.
const MsgPrimary = "Primary"

// pgHBA lets local processes in as their own OS user and everyone else in
// with a password.
const pgHBA = `# Written by the postgresql-k8s charm.
local all all peer
host  all all 0.0.0.0/0 scram-sha-256
host  all all ::/0      scram-sha-256
`

// Charm handles one event.
type Charm struct {
	juju      *juju.Client
	event     juju.Event
	container *workload.Container
	db        database
	binDir    string
	maxConns  int
	// tls serves TLS with a certificate the stand-in issues itself;
	// tlsCA is its CA once this hook has read or issued it.
	tls   bool
	tlsCA string
	// track is the real charm's track whose roles it grants.
	track string
	// configRead is set once readConfig has run.
	configRead bool
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, container, err := workload.Hook(getenv, ContainerName)
	if err != nil {
		return err
	}
	c := &Charm{juju: juju.NewClient(juju.ExecRunner{}), event: ev, container: container}
	c.db = workloadDB{c}
	return c.run(ctx)
}

func (c *Charm) run(ctx context.Context) error {
	switch c.event.Kind {
	case juju.Action:
		if err := c.readConfig(ctx); err != nil {
			return err
		}
		switch c.event.Name {
		case "rotate-password":
			return c.rotatePassword(ctx)
		case inject.Action:
			return inject.Run(ctx, c.juju, Endpoint, c.reconcile)
		}
		return c.juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", c.event.Name))
	case juju.Stop:
		return c.stop(ctx)
	case juju.Remove:
		return nil
	case juju.RelationCreated, juju.RelationJoined, juju.RelationChanged, juju.RelationDeparted, juju.RelationBroken:
		if c.event.Relation == Endpoint {
			return c.relationHook(ctx)
		}
	}
	return c.reconcile(ctx)
}

func (c *Charm) readConfig(ctx context.Context) error {
	if c.configRead {
		return nil
	}
	cfg, err := c.juju.ConfigGet(ctx)
	if err != nil {
		return err
	}
	c.binDir, _ = cfg["postgresql-bin-dir"].(string)
	c.maxConns = 500
	if n, ok := cfg["max-connections"].(interface{ String() string }); ok {
		if v, err := strconv.Atoi(n.String()); err == nil && v > 0 {
			c.maxConns = v
		}
	}
	c.tls, _ = cfg["tls"].(bool)
	c.track, _ = cfg["track"].(string)
	if c.track != Track16 {
		c.track = Track14
	}
	c.configRead = true
	return nil
}

func (c *Charm) logf(ctx context.Context, format string, a ...any) {
	// Logging is best effort: a hook must not fail because of it.
	_ = c.juju.Log(ctx, juju.LogInfo, fmt.Sprintf(format, a...))
}

func (c *Charm) status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}

// readyPoll is how often waitStarted asks the server: PostgreSQL takes
// connections well before Pebble's one-second start check has passed.
const readyPoll = 100 * time.Millisecond

// reconcile handles every hook but the database relation's: it starts
// the server (or applies a changed configuration), keeps the port open
// and the version shown, tries the deferred requests again and sets the
// status. It touches no relation otherwise.
func (c *Charm) reconcile(ctx context.Context) error {
	if !c.container.Ready() {
		return c.status(ctx, juju.StatusWaiting, "waiting for Pebble in the "+ContainerName+" container")
	}
	if err := c.readConfig(ctx); err != nil {
		return err
	}
	if !c.running() {
		// Only while starting: a status that flips on every hook would
		// make the unit look unsettled.
		if err := c.status(ctx, juju.StatusMaintenance, "starting PostgreSQL"); err != nil {
			return err
		}
	}
	started, err := c.ensureServer(ctx)
	if err != nil {
		return err
	}
	// Clients connect through the <app>-primary Service, which the model
	// makes forward what the app opened.
	if err := c.juju.OpenPort(ctx, juju.Port{Number: Port, Protocol: "tcp"}); err != nil {
		return err
	}
	st, err := c.loadState(ctx)
	if err != nil {
		return err
	}
	before := st.clone()
	if started || st.Version == "" {
		// The version changes only with the binaries, and so the layer.
		version, err := c.version(ctx)
		if err != nil {
			return err
		}
		if err := c.juju.ApplicationVersionSet(ctx, version); err != nil {
			return err
		}
		st.Version = version
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if leader {
		if err := c.serveDeferred(ctx, &st); err != nil {
			return err
		}
	}
	if err := c.saveState(ctx, before, st); err != nil {
		return err
	}
	if msg := st.BlockedMessage(); leader && msg != "" {
		return c.status(ctx, juju.StatusBlocked, msg)
	}
	return c.status(ctx, juju.StatusActive, MsgPrimary)
}

// relationHook handles the database relation's hooks as postgresql-k8s
// does: a request is answered in its relation's relation-changed, or
// deferred to later hooks while the server cannot take it; every hook
// first tries the deferred ones again. Nothing else reads or changes a
// relation.
func (c *Charm) relationHook(ctx context.Context) error {
	id := c.event.RelationID
	if c.event.Kind == juju.RelationBroken {
		if err := c.dropUser(ctx); err != nil {
			// The database server may already be going away with the
			// model; a leftover user is harmless.
			c.logf(ctx, "cannot remove the user of %s: %v", id, err)
		}
	}
	st, err := c.loadState(ctx)
	if err != nil {
		return err
	}
	before := st.clone()
	if c.event.Kind == juju.RelationBroken {
		st.done(id)
	}
	var ids []string
	for d := range st.Deferred {
		if c.event.Kind != juju.RelationChanged || d != id {
			ids = append(ids, d)
		}
	}
	sortRelationIDs(ids)
	if c.event.Kind == juju.RelationChanged {
		// Last: the deferred requests came first.
		ids = append(ids, id)
	}
	if len(ids) > 0 {
		leader, err := c.juju.IsLeader(ctx)
		if err != nil {
			return err
		}
		if leader {
			event := ""
			if c.event.Kind == juju.RelationChanged {
				event = id
			}
			if err := c.serve(ctx, &st, ids, event); err != nil {
				return err
			}
		}
	}
	if err := c.saveState(ctx, before, st); err != nil {
		return err
	}
	if msg := st.BlockedMessage(); msg != before.BlockedMessage() {
		if msg != "" {
			return c.status(ctx, juju.StatusBlocked, msg)
		}
		return c.status(ctx, juju.StatusActive, MsgPrimary)
	}
	return nil
}

// RelationNumber is N in "database:N".
func RelationNumber(id string) (int, error) {
	_, num, _ := strings.Cut(id, ":")
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, fmt.Errorf("cannot parse relation id %q", id)
	}
	return n, nil
}

// Secret labels, as the provider side of data_interfaces names them.
func userSecretLabel(num int) string { return fmt.Sprintf("database.%d.user.secret", num) }
func tlsSecretLabel(num int) string  { return fmt.Sprintf("database.%d.tls.secret", num) }

// URI is the connection string carried in the user secret.
func URI(user, password, host string, port int, database string) string {
	return fmt.Sprintf("postgresql://%s:%s@%s:%d/%s", user, password, host, port, database)
}

// wantsSecrets reports whether the requirer asked for credentials in
// secrets (requested-secrets); old requirers get them in plain text.
func wantsSecrets(remote map[string]string) bool {
	return strings.TrimSpace(remote["requested-secrets"]) != ""
}

// requested reports whether requested-secrets names field. The library
// writes the list with Python's json.dumps (data_interfaces.py,
// set_encoded_field), spaces after commas included; a list that does not
// parse names nothing, as get_encoded_list then returns None.
func requested(remote map[string]string, field string) bool {
	var fields []string
	if err := json.Unmarshal([]byte(remote["requested-secrets"]), &fields); err != nil {
		return false
	}
	return slices.Contains(fields, field)
}

func (c *Charm) addSecret(ctx context.Context, relID string, content map[string]string, label string) (string, error) {
	uri, err := c.juju.SecretAdd(ctx, content, juju.SecretOptions{Label: label})
	if err != nil {
		return "", err
	}
	if err := c.juju.SecretGrant(ctx, uri, relID); err != nil {
		return "", err
	}
	return uri, nil
}

func changed(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return true
		}
	}
	return false
}
