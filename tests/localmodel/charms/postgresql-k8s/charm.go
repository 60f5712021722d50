// Package postgresql is a stand-in for the postgresql-k8s charm, for the
// local model: a real PostgreSQL server in its workload container, and the
// provider side of the postgresql_client interface.
package postgresql

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canonical/pebble/client"

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
	// configRead is set once readConfig has run.
	configRead bool
}

// Dispatch runs the event named by the environment.
func Dispatch(ctx context.Context, getenv func(string) string) error {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	container, err := workload.Connect(ContainerName)
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

// bin returns the path of a PostgreSQL program, finding the newest
// installed version unless configured.
func (c *Charm) bin(name string) string {
	return path.Join(c.binDir, name)
}

func (c *Charm) findBinDir() error {
	if c.binDir != "" {
		return nil
	}
	entries, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: "/usr/lib/postgresql"})
	if err != nil {
		return fmt.Errorf("cannot find PostgreSQL in the workload: %w", err)
	}
	var versions []string
	for _, e := range entries {
		if e.Mode().IsDir() {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return errors.New("cannot find PostgreSQL in the workload: /usr/lib/postgresql is empty")
	}
	c.binDir = path.Join("/usr/lib/postgresql", NewestVersion(versions), "bin")
	return nil
}

// NewestVersion picks the highest numeric version ("9.6" < "15").
func NewestVersion(versions []string) string {
	sorted := append([]string(nil), versions...)
	sort.Slice(sorted, func(i, j int) bool { return versionLess(sorted[i], sorted[j]) })
	return sorted[len(sorted)-1]
}

func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			return a < b
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// Layer is the workload's Pebble layer.
func Layer(binDir string, maxConns int) string {
	return fmt.Sprintf(`summary: PostgreSQL
services:
  %[1]s:
    override: replace
    summary: PostgreSQL server
    command: %[2]s/postgres -D %[3]s -c listen_addresses=* -c port=%[4]d -c unix_socket_directories=%[5]s -c max_connections=%[6]d
    startup: enabled
    user: %[7]s
    group: %[7]s
checks:
  %[1]s-ready:
    override: replace
    level: ready
    tcp:
      port: %[4]d
`, ServiceName, binDir, DataDir, Port, SocketDir, maxConns, OSUser)
}

// exists reports whether a path exists in the workload.
func (c *Charm) exists(p string) (bool, error) {
	_, err := c.container.Client.ListFiles(&client.ListFilesOptions{Path: p, Itself: true})
	if err == nil {
		return true, nil
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
		return false, nil
	}
	return false, err
}

// ensureServer initialises the data directory once and starts the
// server, or applies a changed layer to the running one. It reports
// whether the server was started or restarted: a running server with an
// unchanged layer costs two Pebble calls and no command.
func (c *Charm) ensureServer(ctx context.Context) (bool, error) {
	if err := c.findBinDir(); err != nil {
		return false, err
	}
	if !c.running() {
		if err := c.initialise(ctx); err != nil {
			return false, err
		}
	}
	layer := Layer(c.binDir, c.maxConns)
	if err := c.container.Client.AddLayer(&client.AddLayerOptions{Combine: true, Label: ServiceName, LayerData: []byte(layer)}); err != nil {
		return false, fmt.Errorf("cannot add the Pebble layer: %w", err)
	}
	changeID, err := c.container.Client.Replan(&client.ServiceOptions{})
	if err != nil {
		return false, fmt.Errorf("cannot start PostgreSQL: %w", err)
	}
	change, err := c.container.Client.Change(changeID)
	if err != nil {
		return false, fmt.Errorf("cannot start PostgreSQL: %w", err)
	}
	if len(change.Tasks) == 0 {
		// Nothing to start or restart: Pebble marks such a change done.
		return false, nil
	}
	return true, c.waitStarted(ctx, changeID, 2*time.Minute)
}

// initialise creates the data directory unless it holds a cluster.
func (c *Charm) initialise(ctx context.Context) error {
	initialised, err := c.exists(path.Join(DataDir, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("cannot inspect the data directory: %w", err)
	}
	for _, dir := range []string{DataDir, SocketDir} {
		// The storage is created by root; initdb wants a private directory
		// owned by the server's user.
		if err := c.container.Client.MakeDir(&client.MakeDirOptions{Path: dir, MakeParents: true, Permissions: 0o700, User: OSUser, Group: OSUser}); err != nil && !isExists(err) {
			return fmt.Errorf("cannot create %s: %w", dir, err)
		}
	}
	if initialised {
		return nil
	}
	c.logf(ctx, "initialising %s", DataDir)
	_, err = c.container.Exec(ctx, workload.Cmd{
		Args: []string{c.bin("initdb"), "-D", DataDir, "-U", OSUser, "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions"},
		User: OSUser, WorkingDir: StorageDir, Timeout: 5 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("cannot initialise the database: %w", err)
	}
	if err := c.container.Client.Push(&client.PushOptions{Source: strings.NewReader(pgHBA), Path: path.Join(DataDir, "pg_hba.conf"), Permissions: 0o600, User: OSUser, Group: OSUser}); err != nil {
		return fmt.Errorf("cannot write pg_hba.conf: %w", err)
	}
	return nil
}

// running reports whether Pebble runs the server (starting counts).
func (c *Charm) running() bool {
	svcs, err := c.container.Client.Services(&client.ServicesOptions{Names: []string{ServiceName}})
	return err == nil && len(svcs) == 1 && svcs[0].Current == client.StatusActive
}

func isExists(err error) bool {
	return err != nil && strings.Contains(err.Error(), "exists")
}

// readyPoll is how often waitStarted asks the server: PostgreSQL takes
// connections well before Pebble's one-second start check has passed.
const readyPoll = 100 * time.Millisecond

// waitStarted waits until the server takes connections, or Pebble's
// start change fails.
func (c *Charm) waitStarted(ctx context.Context, changeID string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ready, err := c.isReady(ctx)
		if ready {
			return nil
		}
		if change, cerr := c.container.Client.Change(changeID); cerr == nil && change.Ready && change.Err != "" {
			return fmt.Errorf("cannot start PostgreSQL: %s", change.Err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL is not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(readyPoll):
		}
	}
}

// isReady asks pg_isready whether the server takes connections.
func (c *Charm) isReady(ctx context.Context) (bool, error) {
	_, err := c.container.Exec(ctx, workload.Cmd{
		Args: []string{c.bin("pg_isready"), "-q", "-h", SocketDir, "-p", strconv.Itoa(Port)},
		User: OSUser, Timeout: 30 * time.Second,
	})
	return err == nil, err
}

// psql runs a script as the database superuser. The script goes on stdin,
// so passwords in it never show in a process listing.
func (c *Charm) psql(ctx context.Context, script string) (string, error) {
	return c.container.Exec(ctx, workload.Cmd{
		Args:  []string{c.bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", SocketDir, "-p", strconv.Itoa(Port), "-U", OSUser, "-d", "postgres", "-f", "-"},
		User:  OSUser,
		Stdin: script,
	})
}

func (c *Charm) version(ctx context.Context) (string, error) {
	out, err := c.container.Exec(ctx, workload.Cmd{Args: []string{c.bin("postgres"), "--version"}, Timeout: time.Minute})
	if err != nil {
		return "", fmt.Errorf("cannot read the PostgreSQL version: %w", err)
	}
	return ParseVersion(out)
}

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

// stop stops the server before the pod goes, so it shuts down cleanly.
func (c *Charm) stop(ctx context.Context) error {
	if !c.container.Ready() {
		return nil
	}
	changeID, err := c.container.Client.Stop(&client.ServiceOptions{Names: []string{ServiceName}})
	if err != nil {
		c.logf(ctx, "cannot stop PostgreSQL: %v", err)
		return nil
	}
	_, _ = c.container.Client.WaitChange(changeID, &client.WaitChangeOptions{Timeout: time.Minute})
	return nil
}

// dropUser removes the user of the relation being broken (leader only).
func (c *Charm) dropUser(ctx context.Context) error {
	leader, err := c.juju.IsLeader(ctx)
	if err != nil || !leader || !c.db.Available() {
		return err
	}
	num, err := RelationNumber(c.event.RelationID)
	if err != nil {
		return err
	}
	own, err := c.juju.RelationGet(ctx, c.event.RelationID, c.event.App, true)
	if err != nil {
		return err
	}
	_, err = c.db.Run(ctx, DropUserSQL(UserName(num), own["database"]))
	return err
}

func (c *Charm) rotatePassword(ctx context.Context) error {
	params, err := c.juju.ActionGet(ctx)
	if err != nil {
		return err
	}
	only := -1
	if v, ok := params["relation-id"]; ok && v != nil {
		n, err := strconv.Atoi(fmt.Sprint(v))
		if err != nil {
			return c.juju.ActionFail(ctx, fmt.Sprintf("invalid relation-id %v", v))
		}
		only = n
	}
	leader, err := c.juju.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return c.juju.ActionFail(ctx, "rotate-password must run on the leader unit")
	}
	ids, err := c.juju.RelationIDs(ctx, Endpoint)
	if err != nil {
		return err
	}
	address := c.primaryAddress()
	var rotated []string
	for _, id := range ids {
		if num, err := RelationNumber(id); err != nil || (only >= 0 && num != only) {
			continue
		}
		rel, err := c.readRelation(ctx, id, "")
		if err != nil {
			return err
		}
		database := rel.own["database"]
		if database == "" {
			continue
		}
		user := UserName(rel.num)
		password, err := NewPassword()
		if err != nil {
			return err
		}
		if _, err := c.db.Run(ctx, SetPasswordSQL(user, password)); err != nil {
			return c.juju.ActionFail(ctx, fmt.Sprintf("cannot change the password of %s: %v", user, err))
		}
		content := map[string]string{"username": user, "password": password, "uris": URI(user, password, address, Port, database)}
		if uri := rel.own["secret-user"]; uri != "" {
			err = c.juju.SecretSet(ctx, uri, content)
		} else {
			err = c.juju.RelationSet(ctx, rel.id, true, content)
		}
		if err != nil {
			return err
		}
		rotated = append(rotated, user)
	}
	if only >= 0 && len(rotated) == 0 {
		return c.juju.ActionFail(ctx, fmt.Sprintf("no database relation %d with a user", only))
	}
	return c.juju.ActionSet(ctx, map[string]string{"rotated-users": strings.Join(rotated, ",")})
}
