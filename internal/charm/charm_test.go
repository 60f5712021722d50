package charm_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
	"github.com/temporal-k8s/temporal-k8s/internal/workload/workloadtest"
)

const app = "temporal-k8s"

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// fixture is one unit: its hook tools, its workload container and its
// charm directory.
type fixture struct {
	model *jujutest.Model
	box   *workloadtest.Container
	clock *fakeClock
	// healthCheck, when set, stands for the charm's executable.
	healthCheck func() ([]byte, error)
	// sleeper, when set, is the charm's clock instead of clock.
	sleeper charm.Clock
	cache   string
	// build names the charm build the unit runs.
	build string
	// container, when set, stands between the charm and box.
	container workload.Container
	// describe, when set, answers DescribeCluster.
	describe cluster.Describer
	// runner, when set, stands between the charm and model.
	runner juju.Runner
	// startTimeout is Deps.StartTimeout.
	startTimeout time.Duration
	// rand, when set, is the charm's source of keys.
	rand io.Reader
	// dialFailures is how many probes fail before the port answers.
	mu           sync.Mutex
	dialFailures int
}

func newFixture(t testing.TB, s jujutest.State) *fixture {
	box := workloadtest.New("boot-1")
	box.SetExec(temporal.Binary+" --version", "temporal-server version 1.31.2\n")
	if s.Unit == "" {
		s.Unit = app + "/0"
	}
	if s.BindAddress == nil {
		s.BindAddress = map[string]string{"peer": "10.1.0.7"}
	}
	return &fixture{
		model: jujutest.New(s),
		box:   box,
		clock: &fakeClock{now: time.Unix(1_700_000_000, 0)},
		cache: filepath.Join(t.TempDir(), "cache.json"),
		build: "build-1",
	}
}

// showsPodCert checks a client certificate is the internode one the pod
// holds.
func (f *fixture) showsPodCert(ctx context.Context, cert *tls.Certificate) error {
	if cert == nil {
		return errors.New("remote error: tls: certificate required")
	}
	chain, err := f.box.Pull(ctx, temporal.InternodeCertPath)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(chain)
	if block == nil || !bytes.Equal(block.Bytes, cert.Certificate[0]) {
		return errors.New("remote error: tls: unknown certificate authority")
	}
	return nil
}

// probe answers as the workload's health services would: only when asked
// for exactly the selected services at their loopback gRPC addresses, only
// while Pebble runs the server, over TLS for a frontend whose plan serves
// it, and after dialFailures refusals.
func (f *fixture) probe(ctx context.Context, targets []grpchealth.Target) error {
	cfg, _ := config.Parse(f.model.State().Config)
	plan, err := f.box.Plan(ctx)
	if err != nil {
		return err
	}
	// With internode mutual TLS a service answers only a client that
	// shows the certificate the pod holds.
	asked := slices.Clone(targets)
	for i, t := range asked {
		if t.TLS && t.Role != config.Frontend {
			if err := f.showsPodCert(ctx, t.Cert); err != nil {
				return fmt.Errorf("%s is not healthy: cannot ask %s: %w", t.Role, t.Addr, err)
			}
		}
		asked[i].Cert = nil
	}
	if want := temporal.HealthTargets(cfg.Services, temporal.ServesTLS(plan), temporal.ServesInternodeTLS(plan)); len(want) == 0 || !slices.Equal(asked, want) {
		return fmt.Errorf("asked %v, the pod serves %v", targets, want)
	}
	infos, err := f.box.Services(ctx, temporal.ServiceName)
	if err != nil || len(infos) != 1 || infos[0].Current != workload.ServiceActive {
		return fmt.Errorf("%s is not healthy: cannot ask %s: connection refused", targets[0].Role, targets[0].Addr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dialFailures != 0 {
		f.dialFailures--
		return fmt.Errorf("%s is not healthy: NOT_SERVING at %s", targets[0].Role, targets[0].Addr)
	}
	return nil
}

// run handles one event the way the unit agent does: a hook that fails
// commits nothing.
func (f *fixture) run(t testing.TB, ev juju.Event) error {
	ev.Unit = f.model.State().Unit
	ev.App, _, _ = strings.Cut(ev.Unit, "/")
	if ev.Name == "" {
		ev.Name = string(ev.Kind)
	}
	var box workload.Container = f.box
	if f.container != nil {
		box = f.container
	}
	var runner juju.Runner = f.model
	if f.runner != nil {
		runner = f.runner
	}
	healthCheck := func() ([]byte, error) { return []byte("#!health"), nil }
	if f.healthCheck != nil {
		healthCheck = f.healthCheck
	}
	var clock charm.Clock = f.clock
	if f.sleeper != nil {
		clock = f.sleeper
	}
	c := charm.New(charm.Deps{
		Juju:        juju.NewClient(runner),
		Container:   box,
		Clock:       clock,
		Probe:       f.probe,
		HealthCheck: healthCheck,
		Describe:    f.describe,
		Cache:       f.cache,
		Build:       f.build,

		StartTimeout: f.startTimeout,
		Rand:         f.rand,
	}, ev)
	// The unit agent sets the unit's status around stop itself
	// (internal/worker/uniter/operation/runhook.go, beforeHook and
	// afterHook).
	if ev.Kind == juju.Stop {
		f.model.Update(func(s *jujutest.State) {
			s.UnitStatus = juju.Status{Name: juju.StatusMaintenance, Message: "stopping charm software"}
		})
		defer f.model.Update(func(s *jujutest.State) { s.UnitStatus = juju.Status{Name: juju.StatusMaintenance} })
	}
	err := c.Run(context.Background())
	if err != nil {
		f.model.Rollback()
	} else {
		f.model.Commit()
	}
	return err
}

// runCommitFails handles an event whose charm process succeeds but whose
// commit Juju then fails to flush (uniter: the hook errors, nothing the
// hook wrote to relations is kept, and the hook is retried).
func (f *fixture) runCommitFails(t testing.TB, ev juju.Event) {
	t.Helper()
	ev.Unit = f.model.State().Unit
	ev.App, _, _ = strings.Cut(ev.Unit, "/")
	if ev.Name == "" {
		ev.Name = string(ev.Kind)
	}
	c := charm.New(charm.Deps{Juju: juju.NewClient(f.model), Container: f.box, Clock: f.clock, Probe: f.probe, HealthCheck: func() ([]byte, error) { return []byte("#!health"), nil }, Describe: f.describe, Cache: f.cache, Build: f.build}, ev)
	require.NoError(t, c.Run(context.Background()))
	f.model.Rollback()
}

func (f *fixture) mustRun(t testing.TB, ev juju.Event) {
	t.Helper()
	require.NoError(t, f.run(t, ev))
}

func (f *fixture) status() juju.Status {
	return f.model.State().UnitStatus
}

func (f *fixture) configFile(t testing.TB) string {
	file, ok := f.box.File(temporal.ConfigPath)
	require.True(t, ok, "server config not pushed")
	return string(file.Content)
}

// secretURI is a valid Juju secret URI (secret:<xid>, 20 characters of
// base32hex) that names its purpose, so that tests read well. The last
// character stays "0": an xid's last character carries padding bits and
// must be "0" or "g" (juju.ValidSecretURI).
func secretURI(name string) string {
	id := []byte("00000000000000000000")
	for i, r := range strings.ToLower(name) {
		if i < len(id)-1 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'v') {
			id[i] = byte(r)
		}
	}
	return "secret:" + string(id)
}

// peerChanged is the peer-relation-changed that the leader's write of the
// peer app data brings every unit.
var peerChanged = juju.Event{Kind: juju.RelationChanged, Name: "peer-relation-changed", Relation: "peer", RelationID: "peer:0", RemoteApp: app}

// grantRestart gives this unit the restart lock, as the leader does when
// it asks and no other unit holds it.
func (f *fixture) grantRestart() {
	f.model.Update(func(s *jujutest.State) {
		for _, r := range s.Relations {
			if r.ID == "peer:0" {
				if r.LocalAppData == nil {
					r.LocalAppData = map[string]string{}
				}
				maps.Copy(r.LocalAppData, peer.Grant{Unit: s.Unit, At: f.clock.Now()}.Data())
			}
		}
	})
}

func peerRelation() *jujutest.Relation {
	return &jujutest.Relation{ID: "peer:0", RemoteApp: app, RemoteAppData: map[string]string{}}
}

func dbRelation(endpoint string, id int, password string) (*jujutest.Relation, []*jujutest.Secret) {
	uri, tlsURI := secretURI(endpoint+"-user"), secretURI(endpoint+"-tls")
	rel := &jujutest.Relation{
		ID: fmt.Sprintf("%s:%d", endpoint, id), RemoteApp: "postgresql-k8s",
		RemoteUnits: []string{"postgresql-k8s/0"},
		RemoteAppData: map[string]string{
			"endpoints": "10.1.0.2:5432", "secret-user": uri, "secret-tls": tlsURI, "database": "x", "version": "15.18",
		},
	}
	return rel, []*jujutest.Secret{
		{URI: uri, Granted: true, Revisions: []map[string]string{
			{"username": fmt.Sprintf("relation_id_%d", id), "password": password},
		}},
		{URI: tlsURI, Granted: true, Revisions: []map[string]string{{"tls": "False"}}},
	}
}

func adminRelation(data map[string]string) *jujutest.Relation {
	return &jujutest.Relation{
		ID: "admin:5", RemoteApp: "temporal-admin-k8s", RemoteUnits: []string{"temporal-admin-k8s/0"},
		RemoteAppData: data,
	}
}

var schemaReady = map[string]string{"schema_status": "ready", "migrated_workload_version": "1.31.2"}

// ready is a unit with every relation in place and the schema ready.
func ready(leader bool, config map[string]any) jujutest.State {
	db, dbSecret := dbRelation("db", 3, "db-pass")
	vis, visSecret := dbRelation("visibility", 4, "vis-pass")
	if config == nil {
		config = map[string]any{}
	}
	return jujutest.State{
		Leader:    leader,
		Config:    config,
		Relations: []*jujutest.Relation{peerRelation(), db, vis, adminRelation(schemaReady)},
		Secrets:   append(dbSecret, visSecret...),
	}
}

var active = juju.Status{Name: juju.StatusActive}

func TestFullyRelatedUnitGoesActiveInOneHook(t *testing.T) {
	t.Parallel()
	for _, leader := range []bool{true, false} {
		t.Run(fmt.Sprintf("leader=%v", leader), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, ready(leader, map[string]any{"services": "frontend"}))
			f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready", Workload: "temporal"})

			require.Equal(t, active, f.status())
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
			cfg := f.configFile(t)
			require.Contains(t, cfg, "broadcastAddress: 10.1.0.7")
			require.Equal(t, "db-pass", f.file(t, temporal.DBPasswordPath))
			require.Equal(t, "vis-pass", f.file(t, temporal.VisibilityPasswordPath))
			require.NotContains(t, cfg, "db-pass\n")
			require.Contains(t, cfg, "pluginName: postgres12")
			require.Equal(t, "1.31.2", f.model.State().Version)
			require.Equal(t, []string{"7233/tcp", "7236/tcp", "7243/tcp"}, f.model.State().OpenedPorts)
			// The check's command is the charm's own binary.
			health, ok := f.box.File(temporal.HealthPath)
			require.True(t, ok, "health check not pushed")
			require.Equal(t, "#!health", string(health.Content))
			require.Equal(t, uint32(0o755), health.Permissions)
			if leader {
				require.Equal(t, active, f.model.State().AppStatus)
			} else {
				require.Empty(t, f.model.State().AppStatus.Name)
			}
		})
	}
}

func TestRelationsArriveInAnyOrder(t *testing.T) {
	t.Parallel()
	orders := [][]string{
		{"db", "visibility", "admin"}, {"db", "admin", "visibility"},
		{"visibility", "db", "admin"}, {"visibility", "admin", "db"},
		{"admin", "db", "visibility"}, {"admin", "visibility", "db"},
	}
	for _, order := range orders {
		t.Run(strings.Join(order, "-"), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, jujutest.State{Leader: true, Config: map[string]any{"services": "history"}})
			for _, kind := range []juju.Kind{juju.Install, juju.LeaderElected, juju.ConfigChanged, juju.Start} {
				f.mustRun(t, juju.Event{Kind: kind})
			}
			f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, peerRelation()) })
			f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready"})
			require.Equal(t, juju.StatusBlocked, f.status().Name)
			require.Contains(t, f.status().Message, "missing")

			for i, ep := range order {
				f.model.Update(func(s *jujutest.State) {
					switch ep {
					case "admin":
						s.Relations = append(s.Relations, adminRelation(schemaReady))
					default:
						rel, sec := dbRelation(ep, 10+i, ep+"-pass")
						s.Relations = append(s.Relations, rel)
						s.Secrets = append(s.Secrets, sec...)
					}
				})
				f.mustRun(t, juju.Event{Kind: juju.RelationCreated, Name: ep + "-relation-created", Relation: ep})
				f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: ep + "-relation-changed", Relation: ep})
				if i < len(order)-1 {
					require.NotEqual(t, juju.StatusActive, f.status().Name, "active before %s", order[i+1])
					require.Zero(t, f.box.Starts(temporal.ServiceName), "no service may start before every relation is ready")
				}
			}
			require.Equal(t, active, f.status())
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
		})
	}
}

func TestLeaderPublishesRequestsAndConnections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, map[string]any{"services": "worker", "db-extra-user-roles": "charmed_admin"}))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	st := f.model.State()
	byID := map[string]*jujutest.Relation{}
	for _, r := range st.Relations {
		byID[r.ID] = r
	}
	require.Equal(t, map[string]string{
		"database": "temporal-k8s_db", "extra-user-roles": "charmed_admin",
		"requested-secrets": `["username","password","tls","tls-ca","uris"]`,
	}, byID["db:3"].LocalAppData)
	require.Equal(t, "temporal-k8s_visibility", byID["visibility:4"].LocalAppData["database"])

	var conns map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(byID["admin:5"].LocalAppData["database_connections"]), &conns))
	require.Equal(t, map[string]any{
		"dbname": "temporal-k8s_db", "host": "10.1.0.2", "port": "5432",
		"user": "relation_id_3", "password": "db-pass", "tls": false,
	}, conns["db"])
	require.Equal(t, "relation_id_4", conns["visibility"]["user"])
	// The peer databag holds the locks and nothing secret.
	require.Equal(t, map[string]string{
		"num_history_shards": "512", "db_name": `"temporal-k8s_db"`, "visibility_db_name": `"temporal-k8s_visibility"`,
	}, byID["peer:0"].LocalAppData)
}

// Each database is asked for as soon as its own relation is there.
func TestEachDatabaseIsRequestedOnItsOwn(t *testing.T) {
	t.Parallel()
	s := ready(true, nil)
	s.Relations = append(s.Relations[:1], s.Relations[2:]...) // no db
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, "temporal-k8s_visibility", f.relation(t, "visibility:4").LocalAppData["database"])
	require.Empty(t, f.relation(t, "admin:5").LocalAppData, "connections only for both stores")
}

// A request the leader wrote is not known to be there until read back: a
// value set and then set back is written again.
func TestARequestSetBackIsWrittenAgain(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	for _, roles := range []string{"charmed_admin", "admin"} {
		f.model.Update(func(s *jujutest.State) { s.Config["db-extra-user-roles"] = roles })
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, roles, f.relation(t, "db:3").LocalAppData["extra-user-roles"])
		require.Equal(t, roles, f.relation(t, "visibility:4").LocalAppData["extra-user-roles"])
	}
}

func TestNonLeaderWritesNoAppData(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(false, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	for _, r := range f.model.State().Relations {
		require.Empty(t, r.LocalAppData, r.ID)
	}
	for _, c := range f.model.Calls() {
		require.NotEqual(t, "relation-set", c.Name)
	}
	require.Equal(t, active, f.status())
}

// A rotated password goes to the file the server's passwordCommand reads
// for each new connection: the sessions already open keep working
// (PostgreSQL keeps them), new ones use the new password, and nothing
// restarts or waits for the restart lock.
func TestSecretRotationWritesThePasswordWithoutARestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(false, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	config := f.configFile(t)

	f.model.Update(func(s *jujutest.State) {
		s.Secrets[0].Revisions = append(s.Secrets[0].Revisions, map[string]string{"username": "relation_id_3", "password": "rotated"})
	})
	f.mustRun(t, juju.Event{Kind: juju.SecretChanged, SecretID: secretURI("db-user")})
	require.Equal(t, "rotated", f.file(t, temporal.DBPasswordPath))
	require.Equal(t, "vis-pass", f.file(t, temporal.VisibilityPasswordPath))
	require.Equal(t, config, f.configFile(t))
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	require.Equal(t, active, f.status())
	require.Empty(t, f.relation(t, "peer:0").LocalUnitData["restart-request"])
	for _, c := range f.model.Calls() {
		require.NotContains(t, strings.Join(c.Args, " "), "rotated", "password in argv of %s", c.Name)
	}
	plan, err := f.box.Plan(context.Background())
	require.NoError(t, err)
	require.NotContains(t, fmt.Sprint(plan), "rotated")
}

func TestAdminSchemaGate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		admin      map[string]string
		wantStatus juju.Status
		wantStarts int
	}{
		{"admin 1.23 protocol", map[string]string{"schema_status": "ready"}, active, 1},
		{"admin 1.24 schema_version", map[string]string{"schema_status": "ready", "schema_version": "1.31.2"}, active, 1},
		{"admin 1.27+ protocol", schemaReady, active, 1},
		{"nothing published", map[string]string{}, juju.Status{Name: juju.StatusWaiting,
			Message: "waiting for the schema on the admin relation: schema is not published yet"}, 0},
		{"migrating", map[string]string{"schema_status": "migrating"}, juju.Status{Name: juju.StatusWaiting,
			Message: "waiting for the schema on the admin relation: schema is migrating"}, 0},
		{"admin behind", map[string]string{"schema_status": "ready", "migrated_workload_version": "1.30.6"}, juju.Status{Name: juju.StatusWaiting,
			Message: "waiting for the schema on the admin relation: schema migrated for 1.30.6, server is 1.31.2"}, 0},
	}
	for _, tt := range tests {
		for _, services := range []string{"frontend", "history", "matching", "worker"} {
			t.Run(tt.name+"/"+services, func(t *testing.T) {
				t.Parallel()
				s := ready(true, map[string]any{"services": services})
				s.Relations[3].RemoteAppData = tt.admin
				f := newFixture(t, s)
				f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
				require.Equal(t, tt.wantStatus, f.status())
				require.Equal(t, tt.wantStarts, f.box.Starts(temporal.ServiceName))
			})
		}
	}
}

func TestRunningServerStopsWhenSchemaNoLongerFits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())

	// A refresh to a newer server before admin migrated the schema.
	f.box.Reboot("boot-2")
	f.box.SetExec(temporal.Binary+" --version", "temporal-server version 1.32.0\n")
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	require.Contains(t, f.status().Message, "schema migrated for 1.31.2, server is 1.32.0")
	services, err := f.box.Services(context.Background())
	require.NoError(t, err)
	require.Empty(t, services, "a new pod must not start the server")
	require.Equal(t, "1.32.0", f.model.State().Version)

	f.model.Update(func(s *jujutest.State) {
		s.Relations[3].RemoteAppData = map[string]string{"schema_status": "ready", "migrated_workload_version": "1.32.0"}
	})
	f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s"})
	require.Equal(t, active, f.status())

	// Admin migrating with no version named: the running server keeps
	// running.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[3].RemoteAppData = map[string]string{"schema_status": "migrating"}
	})
	f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin"})
	services, err = f.box.Services(context.Background())
	require.NoError(t, err)
	require.Equal(t, "active", services[0].Current)
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "the admin relation reports: schema is migrating"}, f.status())

	// Admin names a schema that does not fit: the running server stops.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[3].RemoteAppData = map[string]string{"schema_status": "ready", "migrated_workload_version": "1.31.2"}
	})
	f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin"})
	services, err = f.box.Services(context.Background())
	require.NoError(t, err)
	require.Equal(t, "inactive", services[0].Current)
	require.Contains(t, f.status().Message, "schema migrated for 1.31.2, server is 1.32.0")
}

func TestShardLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, map[string]any{"num-history-shards": 512}))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, "512", f.model.State().Relations[0].LocalAppData["num_history_shards"])
	f.box.Writes()

	f.model.Update(func(s *jujutest.State) { s.Config["num-history-shards"] = 1024 })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.Status{Name: juju.StatusBlocked,
		Message: "num-history-shards is locked at 512 and cannot change to 1024: set it back to 512"}, f.status())
	require.Zero(t, f.box.Writes().Total(), "a running server keeps its configuration")
	require.Contains(t, f.configFile(t), "numHistoryShards: 512")

	f.model.Update(func(s *jujutest.State) { s.Config["num-history-shards"] = 512 })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())
	require.Zero(t, f.box.Writes().Total())
}

func TestShardLockFromThePythonCharmBlocksOtherValues(t *testing.T) {
	t.Parallel()
	s := ready(false, nil)
	s.Relations[0].LocalAppData = map[string]string{"num_history_shards": "4"}
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, "locked at 4 and cannot change to 512")
	require.Zero(t, f.box.Starts(temporal.ServiceName))
}

func TestInvalidOptionsBlockAndKeepTheRunningServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		option string
		value  any
	}{
		{"services", "frontend,gateway"},
		{"services", " , "},
		{"services", ""},
		{"num-history-shards", 100},
		{"num-history-shards", -2},
		{"log-level", "chatty"},
		{"persistence-max-conns", 0},
		{"persistence-max-idle-conns", -1},
		{"persistence-max-conn-time", "forever"},
		{"visibility-max-conns", 0},
		{"visibility-max-idle-conns", 0},
		{"visibility-max-conn-time", "2d"},
		{"global-rps-limit", -5},
		{"namespace-rps-limit", "orders=5"},
		{"long-poll-interval", "0s"},
		{"db-name", "1st"},
		{"visibility-db-name", ""},
		{"db-extra-user-roles", "admin,;drop"},
		{"db-extra-user-roles", "nosuchrole"},
		{"persistence-max-conn-time", "99999999999h"},
		{"visibility-max-conn-time", "0.5s"},
		{"long-poll-interval", "1ns"},
		{"long-poll-interval", "10m"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.option, tt.value), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, ready(true, map[string]any{}))
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			require.Equal(t, active, f.status())
			before := f.configFile(t)
			f.box.Writes()
			f.model.Calls()

			f.model.Update(func(s *jujutest.State) { s.Config[tt.option] = tt.value })
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			st := f.status()
			require.Equal(t, juju.StatusBlocked, st.Name)
			require.Contains(t, st.Message, fmt.Sprintf("invalid %s %q", tt.option, fmt.Sprint(tt.value)))
			require.Zero(t, f.box.Writes().Total())
			require.Equal(t, before, f.configFile(t))
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
			for _, c := range f.model.Calls() {
				require.NotContains(t, []string{"open-port", "close-port"}, c.Name)
			}
		})
	}
}

func TestNoOpHooksWriteNothing(t *testing.T) {
	t.Parallel()
	for _, kind := range []juju.Kind{juju.ConfigChanged, juju.UpdateStatus, juju.PebbleReady, juju.LeaderSettingsChanged} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, ready(true, nil))
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			f.box.Writes()
			f.model.Calls()

			f.mustRun(t, juju.Event{Kind: kind})
			require.Zero(t, f.box.Writes().Total())
			for _, c := range f.model.Calls() {
				require.NotContains(t, []string{"relation-set", "open-port", "close-port", "application-version-set"}, c.Name)
			}
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
			require.Equal(t, active, f.status())
		})
	}
}

// TestHookToolCallCounts pins how many hook tools a steady-state hook
// runs, with every relation in place: the Python charm makes about 30-35
// on a leader config-changed. A leader asks is-leader (leadership is lost
// without an event); config-changed reads the config it announces.
func TestHookToolCallCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		leader bool
		ev     juju.Event
		want   []string
	}{
		{true, juju.Event{Kind: juju.UpdateStatus}, []string{"is-leader"}},
		{true, juju.Event{Kind: juju.ConfigChanged}, []string{"is-leader", "config-get"}},
		{false, juju.Event{Kind: juju.UpdateStatus}, nil},
		{false, juju.Event{Kind: juju.ConfigChanged}, []string{"config-get"}},
		// Not pinned by a limit, measured here so that a change shows.
		// The leader reads the unit's restart request, then the app
		// data.
		{true, juju.Event{Kind: juju.RelationChanged, Name: "peer-relation-changed", Relation: "peer", RelationID: "peer:0", RemoteApp: app, RemoteUnit: app + "/1"},
			[]string{"is-leader", "relation-get", "relation-get"}},
		{false, juju.Event{Kind: juju.RelationChanged, Name: "peer-relation-changed", Relation: "peer", RelationID: "peer:0", RemoteApp: app, RemoteUnit: app + "/1"},
			[]string{"relation-get"}},
		// Unchanged provider data is read and compared on every
		// endpoint the charm reads.
		{false, juju.Event{Kind: juju.RelationChanged, Name: "visibility-relation-changed", Relation: "visibility", RelationID: "visibility:4", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/0"},
			[]string{"relation-get"}},
		{false, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s", RemoteUnit: "temporal-admin-k8s/0"},
			[]string{"relation-get"}},
		{false, juju.Event{Kind: juju.RelationJoined, Name: "peer-relation-joined", Relation: "peer", RelationID: "peer:0", RemoteApp: app, RemoteUnit: app + "/2"}, nil},
		{false, juju.Event{Kind: juju.LeaderSettingsChanged}, nil},
		// A unit going changes nothing the charm reads.
		{false, juju.Event{Kind: juju.RelationDeparted, Name: "db-relation-departed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/1", DepartingUnit: "postgresql-k8s/1"}, nil},
		// The charm reads nothing of a temporal-host-info requirer.
		{true, juju.Event{Kind: juju.RelationChanged, Name: "temporal-host-info-relation-changed", Relation: "temporal-host-info", RelationID: "temporal-host-info:9", RemoteApp: "temporal-ui-k8s", RemoteUnit: "temporal-ui-k8s/0"}, []string{"is-leader"}},
		{false, juju.Event{Kind: juju.RelationChanged, Name: "temporal-host-info-relation-changed", Relation: "temporal-host-info", RelationID: "temporal-host-info:9", RemoteApp: "temporal-ui-k8s", RemoteUnit: "temporal-ui-k8s/0"}, nil},
		// Nor of the ui requirer: the leader's server_status follows the
		// status it sets.
		{true, juju.Event{Kind: juju.RelationChanged, Name: "ui-relation-changed", Relation: "ui", RelationID: "ui:10", RemoteApp: "temporal-ui-k8s", RemoteUnit: "temporal-ui-k8s/0"}, []string{"is-leader"}},
		{false, juju.Event{Kind: juju.RelationChanged, Name: "ui-relation-changed", Relation: "ui", RelationID: "ui:10", RemoteApp: "temporal-ui-k8s", RemoteUnit: "temporal-ui-k8s/0"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("leader=%v/%s", tt.leader, tt.ev.Name+string(tt.ev.Kind)), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, everyRelation(tt.leader))
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			// The hook after a write reads it back: steady state starts
			// with the one after that.
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
			f.model.Calls()
			f.mustRun(t, tt.ev)
			names := callNames(f.model.Calls())
			require.Equal(t, tt.want, names)
			require.LessOrEqual(t, len(names), 6, "the issue's limit")
			require.Equal(t, active, f.status())
		})
	}
}

// everyRelation is a frontend unit with every relation in place.
func everyRelation(leader bool) jujutest.State {
	// A number among the options: config-get gives it as json.Number,
	// and the cache must keep it that way to compare.
	s := ready(leader, map[string]any{"services": "frontend", "num-history-shards": 512})
	s.Relations[0].RemoteUnits = []string{app + "/1"}
	s.Relations[0].RemoteUnitData = map[string]map[string]string{app + "/1": {}}
	s.Relations = append(s.Relations, &jujutest.Relation{
		ID: "temporal-host-info:9", RemoteApp: "temporal-ui-k8s",
		RemoteUnits: []string{"temporal-ui-k8s/0"}, RemoteAppData: map[string]string{},
	}, &jujutest.Relation{
		ID: "ui:10", RemoteApp: "temporal-ui-k8s",
		RemoteUnits: []string{"temporal-ui-k8s/0"}, RemoteAppData: map[string]string{},
	})
	return s
}

func callNames(calls []jujutest.Call) []string {
	var names []string
	for _, c := range calls {
		names = append(names, c.Name)
	}
	return names
}

func TestDynamicOnlyChangesDoNotRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	f.box.Writes()

	f.model.Update(func(s *jujutest.State) {
		s.Config["global-rps-limit"] = 50
		s.Config["namespace-rps-limit"] = "orders:10"
		s.Config["long-poll-interval"] = "20s"
	})
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, workloadtest.Writes{Push: 1}, f.box.Writes())
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	dyn, ok := f.box.File(temporal.DynamicConfigPath)
	require.True(t, ok)
	require.Contains(t, string(dyn.Content), "namespace: orders")
	require.Contains(t, string(dyn.Content), "value: 20s")

	// A static option does restart.
	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
}

func TestPortsFollowServices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(false, map[string]any{"services": "frontend"}))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, []string{"7233/tcp", "7236/tcp", "7243/tcp"}, f.model.State().OpenedPorts)

	f.model.Update(func(s *jujutest.State) { s.Config["services"] = "history" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Empty(t, f.model.State().OpenedPorts)
}

func TestWorkloadProblemsAreStatusesNotErrors(t *testing.T) {
	t.Parallel()
	t.Run("pebble not answering", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.box.SetDown(true)
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for Pebble in the temporal container"}, f.status())
	})
	t.Run("replan fails", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.box.FailNext("Replan", errors.New("cannot start service: exited quickly"))
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.StatusWaiting, f.status().Name)
		require.Contains(t, f.status().Message, "exited quickly")
		// The next hook tries again.
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.Equal(t, active, f.status())
	})
	t.Run("port answers after a while", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.dialFailures = 6
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, active, f.status())
	})
	t.Run("port never answers within the bound", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.dialFailures = 1000
		start := f.clock.Now()
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is not serving yet: frontend is not healthy: NOT_SERVING at 127.0.0.1:7233"}, f.status())
		require.LessOrEqual(t, f.clock.Now().Sub(start), 31*time.Second)
	})
	t.Run("check down", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		f.box.SetCheck(workload.CheckInfo{Name: temporal.CheckName, Status: "down", Failures: 3})
		f.mustRun(t, juju.Event{Kind: juju.PebbleCheckFailed, Name: "temporal-pebble-check-failed", CheckName: temporal.CheckName})
		require.Equal(t, juju.StatusWaiting, f.status().Name)
		require.Contains(t, f.status().Message, "check temporal-server-running is down")
		f.box.SetCheck(workload.CheckInfo{Name: temporal.CheckName, Status: "up"})
		f.mustRun(t, juju.Event{Kind: juju.PebbleCheckRecovered, Name: "temporal-pebble-check-recovered", CheckName: temporal.CheckName})
		require.Equal(t, active, f.status())
	})
	t.Run("hook tool failure fails the hook and commits nothing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.model.FailTool("opened-ports", &juju.ToolError{Tool: "opened-ports", Code: 1, Stderr: "ERROR connection is shut down\n"})
		err := f.run(t, juju.Event{Kind: juju.ConfigChanged})
		require.ErrorContains(t, err, "connection is shut down")
		for _, r := range f.model.State().Relations {
			require.Empty(t, r.LocalAppData)
		}
	})
}

func TestMissingAndPendingRelations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(s *jujutest.State)
		want juju.Status
	}{
		{"no db", func(s *jujutest.State) { s.Relations = append(s.Relations[:1], s.Relations[2:]...) },
			juju.Status{Name: juju.StatusBlocked, Message: "missing db relation: juju integrate temporal-k8s:db postgresql-k8s:database"}},
		{"no admin", func(s *jujutest.State) { s.Relations = s.Relations[:3] },
			juju.Status{Name: juju.StatusBlocked, Message: "missing admin relation: juju integrate temporal-k8s:admin temporal-admin-k8s:admin"}},
		{"visibility not answered", func(s *jujutest.State) { s.Relations[2].RemoteAppData = map[string]string{} },
			juju.Status{Name: juju.StatusWaiting, Message: "waiting for database credentials on the visibility relation"}},
		{"secret not granted yet", func(s *jujutest.State) { s.Secrets[0].Granted = false },
			juju.Status{Name: juju.StatusWaiting, Message: "waiting for database credentials on the db relation"}},
		{"garbage endpoints", func(s *jujutest.State) { s.Relations[1].RemoteAppData["endpoints"] = "host:port" },
			juju.Status{Name: juju.StatusBlocked, Message: `cannot use the db relation (db:3): invalid endpoints "host:port": the port must be 1-65535`}},
		// Juju runs relation-created for a new unit's relations before
		// start; until then goal-state knows them and relation-ids not.
		{"admin known to Juju, not created here yet", func(s *jujutest.State) {
			s.Relations = s.Relations[:3]
			s.PendingRelations = map[string]string{"admin": "temporal-admin-k8s"}
		}, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the admin relation to be set up on this unit"}},
		{"db known to Juju, not created here yet", func(s *jujutest.State) {
			s.Relations = append(s.Relations[:1], s.Relations[2:]...)
			s.PendingRelations = map[string]string{"db": "postgresql-k8s"}
		}, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the db relation to be set up on this unit"}},
		// A unit being removed loses its relations one broken hook at a
		// time: that is no reason to block.
		{"departing unit after db is broken", func(s *jujutest.State) {
			s.Relations = append(s.Relations[:1], s.Relations[2:]...)
			s.Dying = true
		}, juju.Status{Name: juju.StatusMaintenance, Message: "the unit is being removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := ready(true, nil)
			tt.edit(&s)
			f := newFixture(t, s)
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			require.Equal(t, tt.want, f.status())
			require.Zero(t, f.box.Starts(temporal.ServiceName))
		})
	}
}

// The restart action's outcomes, in its turn with the restart lock (free
// here, as the unit is alone) and forced.
func TestRestartAction(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force=%v", force), func(t *testing.T) {
			t.Parallel()
			testRestartAction(t, map[string]any{"force": force})
		})
	}
}

func testRestartAction(t *testing.T, params map[string]any) {
	t.Run("restarts a healthy unit", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		f.model.Update(func(s *jujutest.State) { s.ActionParams = params })
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
		results, failed := f.model.ActionResults()
		require.Nil(t, failed)
		require.Equal(t, map[string]string{"result": "temporal-server restarted and serving"}, results)
		require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	})
	t.Run("refuses when the unit is blocked", func(t *testing.T) {
		t.Parallel()
		s := ready(true, map[string]any{"log-level": "loud"})
		s.ActionParams = params
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
		_, failed := f.model.ActionResults()
		require.NotNil(t, failed)
		require.Contains(t, *failed, `invalid log-level "loud"`)
		require.Zero(t, f.box.Starts(temporal.ServiceName))
	})
	t.Run("starts a unit that was not running, once", func(t *testing.T) {
		t.Parallel()
		s := ready(false, nil)
		s.ActionParams = params
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
		results, failed := f.model.ActionResults()
		require.Nil(t, failed)
		require.Equal(t, "temporal-server restarted and serving", results["result"])
		require.Equal(t, 1, f.box.Starts(temporal.ServiceName), "the start was the restart")
		require.Equal(t, active, f.status(), "a non-leader sets its unit status only")
		require.Empty(t, f.model.State().AppStatus.Name)
	})
	t.Run("an unknown action fails", func(t *testing.T) {
		t.Parallel()
		s := ready(true, nil)
		s.ActionParams = params
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "bogus"})
		_, failed := f.model.ActionResults()
		require.NotNil(t, failed)
		require.Equal(t, `unknown action "bogus"`, *failed)
		require.Zero(t, f.box.Writes().Total())
	})
	t.Run("reports a server that does not come back", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		f.model.Update(func(s *jujutest.State) { s.ActionParams = params })
		f.dialFailures = 1000
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
		_, failed := f.model.ActionResults()
		require.NotNil(t, failed)
		require.Contains(t, *failed, "not serving")
	})
}

func TestStopDrainsTheServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	logs := newLogs(f)
	f.model.Update(func(s *jujutest.State) { s.Dying = true })
	f.mustRun(t, juju.Event{Kind: juju.Stop})
	services, err := f.box.Services(context.Background())
	require.NoError(t, err)
	require.Equal(t, "inactive", services[0].Current)
	require.Empty(t, logs(), "a clean stop logs nothing")

	// A server Pebble cannot stop: the hook goes on (the pod goes
	// anyway) and the operator is told.
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	logs()
	f.box.FailNext("Stop", errors.New("cannot stop service: timed out"))
	require.NoError(t, f.run(t, juju.Event{Kind: juju.Stop}))
	require.Equal(t, []string{"Cannot stop temporal-server: cannot stop service: timed out"}, logs())

	f.box.SetDown(true)
	require.NoError(t, f.run(t, juju.Event{Kind: juju.Stop}), "stop must not fail once Pebble is gone")
	got := logs()
	require.Len(t, got, 1)
	require.Contains(t, got[0], "Cannot reach Pebble to stop temporal-server")
	require.NoError(t, f.run(t, juju.Event{Kind: juju.Remove}))
}

// stop also runs when the pod is deleted or the charm container restarts
// while the unit lives on: the server keeps running (Pebble stops it
// itself in a deleted pod), and so it does when goal-state cannot say.
func TestStopLeavesTheServerOfALivingUnit(t *testing.T) {
	t.Parallel()
	for _, goalFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("goal-state fails=%v", goalFails), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, ready(true, nil))
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			logs := newLogs(f)
			if goalFails {
				f.model.FailTool("goal-state", &juju.ToolError{Tool: "goal-state", Code: 1, Stderr: "ERROR connection is shut down\n"})
			}
			f.mustRun(t, juju.Event{Kind: juju.Stop})
			services, err := f.box.Services(context.Background())
			require.NoError(t, err)
			require.Equal(t, "active", services[0].Current)
			if goalFails {
				require.Equal(t, []string{"Cannot read goal-state, leaving temporal-server running: goal-state failed (exit 1): connection is shut down"}, logs())
			} else {
				require.Empty(t, logs())
			}
		})
	}
}

// newLogs returns a function giving the juju-log messages since its last
// call.
func newLogs(f *fixture) func() []string {
	seen := len(f.model.Logs())
	return func() []string {
		all := f.model.Logs()
		out := all[seen:]
		seen = len(all)
		return out
	}
}

func BenchmarkSteadyStateReconcile(b *testing.B) {
	f := newFixture(b, ready(true, nil))
	f.mustRun(b, juju.Event{Kind: juju.ConfigChanged})
	b.ReportAllocs()
	for b.Loop() {
		f.mustRun(b, juju.Event{Kind: juju.UpdateStatus})
		f.model.Calls()
	}
}

func TestHostInfoPointsClientsAtTheService(t *testing.T) {
	t.Parallel()
	hostInfo := func() *jujutest.Relation {
		return &jujutest.Relation{ID: "temporal-host-info:9", RemoteApp: "temporal-ui-k8s", RemoteUnits: []string{"temporal-ui-k8s/0"}, RemoteAppData: map[string]string{}}
	}
	tests := []struct {
		name     string
		leader   bool
		services string
		want     map[string]string
	}{
		{"frontend leader", true, "frontend", map[string]string{"host": "temporal-k8s.dev.svc.cluster.local", "port": "7233", "tls": "false"}},
		{"all services", true, "frontend,history,matching,worker", map[string]string{"host": "temporal-k8s.dev.svc.cluster.local", "port": "7233", "tls": "false"}},
		{"frontend non-leader", false, "frontend", nil},
		{"history leader", true, "history", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := ready(tt.leader, map[string]any{"services": tt.services})
			s.Relations = append(s.Relations, hostInfo())
			f := newFixture(t, s)
			ev := juju.Event{Kind: juju.RelationChanged, Name: "temporal-host-info-relation-changed", Relation: "temporal-host-info", RelationID: "temporal-host-info:9", RemoteApp: "temporal-ui-k8s", Model: "dev"}
			f.mustRun(t, ev)
			require.Equal(t, tt.want, f.model.State().Relations[4].LocalAppData)
			require.Equal(t, active, f.status())
		})
	}
}
