package charm_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// running starts a leader with every relation in place and checks it
// serves; the relations are, in order, peer, db, visibility and admin.
func running(t testing.TB) *fixture {
	f := newFixture(t, ready(true, nil))
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	f.box.Writes()
	f.model.Calls()
	return f
}

func (f *fixture) serverState(t testing.TB) string {
	services, err := f.box.Services(context.Background(), temporal.ServiceName)
	require.NoError(t, err)
	require.Len(t, services, 1)
	return services[0].Current
}

var adminChanged = juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s"}

// Only an explicit version mismatch stops a running server; whatever else
// the admin says (a failed migration, garbage) is reported, and the
// server keeps serving.
func TestAdminAnswersOtherThanAMismatchKeepTheServerRunning(t *testing.T) {
	t.Parallel()
	for _, data := range []map[string]string{
		{"schema_status": "failed"},
		{"schema_status": "failed", "migrated_workload_version": "1.31.2"},
		{"schema_status": "migrating"},
		{"schema_status": "\x00garbage\u202e"},
		{"schema_status": "ready", "migrated_workload_version": "not-a-version"},
		{"schema_status": strings.Repeat("x", 10_000)},
		{},
	} {
		t.Run(fmt.Sprint(len(data), admin.Schema(data, "1.31.2").Reason[:min(20, len(admin.Schema(data, "1.31.2").Reason))]), func(t *testing.T) {
			t.Parallel()
			f := running(t)
			f.model.Update(func(s *jujutest.State) { s.Relations[3].RemoteAppData = data })
			f.mustRun(t, adminChanged)
			require.Equal(t, workload.ServiceActive, f.serverState(t))
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
			require.Zero(t, f.box.Writes().Total())
			st := f.status()
			require.Equal(t, juju.StatusActive, st.Name)
			require.True(t, strings.HasPrefix(st.Message, "the admin relation reports: schema is") ||
				strings.HasPrefix(st.Message, "the admin relation reports: cannot parse the schema version"), st.Message)
			require.Less(t, len(st.Message), 200)

			// A password rotated meanwhile still reaches the server.
			f.model.Update(func(s *jujutest.State) {
				s.Secrets[0].Revisions = append(s.Secrets[0].Revisions, map[string]string{"username": "relation_id_3", "password": "rotated"})
			})
			f.mustRun(t, juju.Event{Kind: juju.SecretChanged, SecretID: secretURI("db-user")})
			require.Equal(t, "rotated", f.file(t, temporal.DBPasswordPath))
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
		})
	}
}

func TestAdminFailureNeverStartsAServer(t *testing.T) {
	t.Parallel()
	s := ready(true, nil)
	s.Relations[3].RemoteAppData = map[string]string{"schema_status": "failed"}
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the schema on the admin relation: schema is failed"}, f.status())
	require.Zero(t, f.box.Starts(temporal.ServiceName))
}

// Malformed provider data blocks, naming the relation and the key, and the
// running server keeps its configuration.
func TestMalformedProviderDataKeepsTheRunningServer(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("h", 10_000)
	tests := []struct {
		name string
		edit func(s *jujutest.State)
		want string
	}{
		{"unclosed bracket", func(s *jujutest.State) { s.Relations[1].RemoteAppData["endpoints"] = "[::1" },
			`cannot use the db relation (db:3): invalid endpoints "[::1": not host:port`},
		{"port out of range", func(s *jujutest.State) { s.Relations[2].RemoteAppData["endpoints"] = "host:99999" },
			`cannot use the visibility relation (visibility:4): invalid endpoints "host:99999": the port must be 1-65535`},
		{"10 kB host", func(s *jujutest.State) { s.Relations[1].RemoteAppData["endpoints"] = long },
			`cannot use the db relation (db:3): invalid endpoints "` + long[:64] + `… (10000 bytes)": the host must be 1-253 characters`},
		{"bogus user secret", func(s *jujutest.State) { s.Relations[1].RemoteAppData["secret-user"] = "secret:bogus" },
			`cannot use the db relation (db:3): invalid secret-user "secret:bogus": not a Juju secret URI`},
		{"bogus TLS secret", func(s *jujutest.State) { s.Relations[2].RemoteAppData["secret-tls"] = "secret://model/x" },
			`cannot use the visibility relation (visibility:4): invalid secret-tls "secret://model/x": not a Juju secret URI`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := running(t)
			before := f.configFile(t)
			f.model.Update(tt.edit)
			// Every retry of a hook error would fail the same way: the
			// hook itself must succeed.
			f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s"})
			require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: tt.want}, f.status())
			require.Zero(t, f.box.Writes().Total())
			require.Equal(t, before, f.configFile(t))
			require.Equal(t, workload.ServiceActive, f.serverState(t))
			for _, c := range f.model.Calls() {
				if c.Name == "relation-set" {
					require.NotContains(t, c.Stdin, "database_connections", "unusable data is never passed on to admin")
				}
			}
		})
	}
}

// Only secret-get itself can refuse a URI our check lets through; its
// usage error is the provider's fault, not a hook error.
func TestSecretGetUsageErrorBlocks(t *testing.T) {
	t.Parallel()
	f := running(t)
	f.model.FailTool("secret-get", &juju.ToolError{Tool: "secret-get", Code: 2, Stderr: `ERROR secret URI "x" not valid` + "\n"})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	st := f.status()
	require.Equal(t, juju.StatusBlocked, st.Name)
	require.Contains(t, st.Message, `invalid secret-user "`+secretURI("db-user")+`": secret URI "x" not valid`)
	require.Equal(t, workload.ServiceActive, f.serverState(t))

	// A runtime failure of the tool is still a hook error, to be retried.
	f.model.FailTool("secret-get", &juju.ToolError{Tool: "secret-get", Code: 1, Stderr: "ERROR connection is shut down\n"})
	require.Error(t, f.run(t, juju.Event{Kind: juju.UpdateStatus}))
}

func TestDatabaseNamesAreLockedOnceUsed(t *testing.T) {
	t.Parallel()
	for _, option := range []string{"db-name", "visibility-db-name"} {
		t.Run(option, func(t *testing.T) {
			t.Parallel()
			f := running(t)
			locked := map[string]string{"db-name": "temporal-k8s_db", "visibility-db-name": "temporal-k8s_visibility"}[option]
			f.model.Update(func(s *jujutest.State) { s.Config[option] = "other_db" })
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf(
				"%s is locked at %q and cannot change to %q: set it back to %q", option, locked, "other_db", locked)}, f.status())
			require.Zero(t, f.box.Writes().Total(), "the server keeps its database")
			require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
			for _, c := range f.model.Calls() {
				require.NotContains(t, c.Stdin, "other_db", "a refused name is never requested from the provider")
			}

			f.model.Update(func(s *jujutest.State) { s.Config[option] = locked })
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			require.Equal(t, active, f.status())
			require.Zero(t, f.box.Writes().Total())
		})
	}
}

// A cluster the Python charm deployed has only the shard lock: the
// database names are locked on the first hook after the refresh, and a
// non-leader follows the leader's lock.
func TestDatabaseLockAddedToAPythonCharmLock(t *testing.T) {
	t.Parallel()
	s := ready(true, nil)
	s.Relations[0].LocalAppData = map[string]string{"num_history_shards": "512"}
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	require.Equal(t, map[string]string{
		"num_history_shards": "512", "db_name": `"temporal-k8s_db"`, "visibility_db_name": `"temporal-k8s_visibility"`,
	}, f.model.State().Relations[0].LocalAppData)

	follower := ready(false, map[string]any{"db-name": "elsewhere"})
	follower.Relations[0].LocalAppData = map[string]string{"num_history_shards": "512", "db_name": `"temporal-k8s_db"`}
	g := newFixture(t, follower)
	g.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.StatusBlocked, g.status().Name)
	require.Contains(t, g.status().Message, `db-name is locked at "temporal-k8s_db"`)
	require.Zero(t, g.box.Starts(temporal.ServiceName))
}

// statusAt records the unit's status each time the charm stops or
// replans, to show what an operator sees while the port is closed.
type statusAt struct {
	workload.Container
	model *jujutest.Model
	mu    sync.Mutex
	seen  []juju.Status
}

func (s *statusAt) record() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, s.model.State().UnitStatus)
}

func (s *statusAt) Replan(ctx context.Context) error {
	s.record()
	return s.Container.Replan(ctx)
}

func (s *statusAt) Restart(ctx context.Context, services ...string) error {
	s.record()
	return s.Container.Restart(ctx, services...)
}

func (s *statusAt) Stop(ctx context.Context, services ...string) error {
	s.record()
	return s.Container.Stop(ctx, services...)
}

func TestMaintenanceBeforeTheServerGoesAway(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// fresh is a unit whose server has not run yet.
		fresh bool
		do    func(f *fixture) juju.Event
		want  juju.Status
	}{
		{"first start", true, func(f *fixture) juju.Event { return juju.Event{Kind: juju.ConfigChanged} },
			juju.Status{Name: juju.StatusMaintenance, Message: "starting temporal-server"}},
		{"option needing a restart", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
			return juju.Event{Kind: juju.ConfigChanged}
		}, juju.Status{Name: juju.StatusMaintenance, Message: "restarting temporal-server with a new configuration"}},
		// A rotated password takes nothing away: no maintenance at all.
		{"password rotation", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) {
				s.Secrets[2].Revisions = append(s.Secrets[2].Revisions, map[string]string{"username": "relation_id_4", "password": "new"})
			})
			return juju.Event{Kind: juju.SecretChanged, SecretID: secretURI("visibility-user")}
		}, juju.Status{}},
		{"schema mismatch", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) {
				s.Relations[3].RemoteAppData = map[string]string{"schema_status": "ready", "migrated_workload_version": "1.32.0"}
			})
			return adminChanged
		}, juju.Status{Name: juju.StatusMaintenance, Message: "stopping temporal-server: the admin relation says the schema does not fit server 1.31.2"}},
		{"restart action", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
			return juju.Event{Kind: juju.Action, Name: "restart"}
		}, juju.Status{Name: juju.StatusMaintenance, Message: "restarting temporal-server: the restart action"}},
		{"forced restart action", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{"force": true} })
			return juju.Event{Kind: juju.Action, Name: "restart"}
		}, juju.Status{Name: juju.StatusMaintenance, Message: "restarting temporal-server: the restart action"}},
		{"stop hook of a unit being removed", false, func(f *fixture) juju.Event {
			f.model.Update(func(s *jujutest.State) { s.Dying = true })
			return juju.Event{Kind: juju.Stop}
		},
			juju.Status{Name: juju.StatusMaintenance, Message: "stopping temporal-server: the unit is stopping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, ready(true, nil))
			if !tt.fresh {
				f = running(t)
			}
			rec := &statusAt{Container: f.box, model: f.model}
			f.container = rec
			f.mustRun(t, tt.do(f))
			if tt.want == (juju.Status{}) {
				require.Empty(t, rec.seen)
				return
			}
			require.Equal(t, []juju.Status{tt.want}, rec.seen)
		})
	}
}

func TestInvalidRolesAreNeverPublished(t *testing.T) {
	t.Parallel()
	f := running(t)
	f.model.Update(func(s *jujutest.State) { s.Config["db-extra-user-roles"] = "nosuchrole" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, `invalid db-extra-user-roles "nosuchrole": unknown role "nosuchrole"`)
	st := f.model.State()
	require.Equal(t, "admin", st.Relations[1].LocalAppData["extra-user-roles"])
	require.Equal(t, "admin", st.Relations[2].LocalAppData["extra-user-roles"])
}

// FuzzRelationData drives what partners write (endpoints, secret URIs,
// the admin's keys) into a running unit: no panic, no hook error, and the
// server keeps running unless the admin named a schema that does not fit.
func FuzzRelationData(f *testing.F) {
	f.Add("10.1.0.2:5432", secretURI("db-user"), "ready", "1.31.2")
	f.Add("[::1", "secret:bogus", "failed", "")
	f.Add("host:99999", "secret://model/x", "\x00", "latest")
	f.Add(strings.Repeat("a", 300), "", "migrating", "1.30.0")
	f.Fuzz(func(t *testing.T, endpoints, secretUser, schemaStatus, version string) {
		fx := running(t)
		before := fx.configFile(t)
		fx.model.Update(func(s *jujutest.State) {
			s.Relations[1].RemoteAppData["endpoints"] = endpoints
			s.Relations[1].RemoteAppData["secret-user"] = secretUser
			s.Relations[3].RemoteAppData = map[string]string{"schema_status": schemaStatus, "migrated_workload_version": version}
		})
		require.NoError(t, fx.run(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s"}))
		st := fx.status()
		require.NotEmpty(t, st.Name)
		require.Less(t, len(st.Message), 1024, "messages quote values truncated")
		schema := admin.Schema(map[string]string{"schema_status": schemaStatus, "migrated_workload_version": version}, "1.31.2")
		if !schema.Mismatch {
			require.Equal(t, workload.ServiceActive, fx.serverState(t))
		}
		if _, _, err := postgresql.ParseEndpoint(endpoints); err != nil {
			require.NotEqual(t, juju.StatusActive, st.Name)
			require.Equal(t, before, fx.configFile(t), "bad endpoints never reach the server")
		}
	})
}

// fakeCluster answers DescribeCluster from a description it can change.
type fakeCluster struct {
	mu    sync.Mutex
	d     cluster.Description
	err   error
	addrs []string
	// tls is each call's TLS config, nil for none.
	tls []*tls.Config
}

func (c *fakeCluster) describe(_ context.Context, addr string, cfg *tls.Config) (cluster.Description, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addrs = append(c.addrs, addr)
	c.tls = append(c.tls, cfg)
	return c.d, c.err
}

func (c *fakeCluster) set(d cluster.Description, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.d, c.err = d, err
}

func (c *fakeCluster) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.addrs...)
}

var fullRings = map[string]int{"frontend": 1, "history": 1, "matching": 1, "worker": 1, "internal-frontend": 1}

// A frontend app whose shard count differs from the one its cluster's
// database was set up with: the servers use the database's, the unit
// says so, and the lock follows the database so the option can be fixed.
func TestShardCountThatDiffersFromTheCluster(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: fullRings}}
	f := newFixture(t, ready(true, map[string]any{"services": "frontend", "num-history-shards": 1024}))
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: `num-history-shards is 1024 but the cluster in database "temporal-k8s_db" has 512 shards, which every server uses: set num-history-shards to 512`}, f.status())
	require.Equal(t, []string{"127.0.0.1:7236"}, cl.calls(), "internal-frontend, which no client TLS affects")
	require.Equal(t, workload.ServiceActive, f.serverState(t), "the server runs on, with the database's count")
	require.Equal(t, "512", f.model.State().Relations[0].LocalAppData["num_history_shards"])

	f.model.Update(func(s *jujutest.State) { s.Config["num-history-shards"] = 512 })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())
	require.Contains(t, f.configFile(t), "numHistoryShards: 512")
}

// Only the leader moves the shard lock to the cluster's count: a
// non-leader frontend that sees the difference says so and writes nothing.
func TestShardCountThatDiffersFromTheClusterOnANonLeader(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: fullRings}}
	s := ready(false, map[string]any{"services": "frontend", "num-history-shards": 1024})
	f := newFixture(t, s)
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, "has 512 shards")
	require.Empty(t, f.model.State().Relations[0].LocalAppData["num_history_shards"])
}

func TestClusterChecksOnlyWhereAFrontendRuns(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 4}}
	f := newFixture(t, ready(true, map[string]any{"services": "history"}))
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())
	require.Empty(t, cl.calls())
}

func TestEmptyRingsAreReportedFromUpdateStatusToUpdateStatus(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: map[string]int{"frontend": 1, "matching": 1}}}
	f := newFixture(t, ready(true, map[string]any{"services": "frontend"}))
	f.describe = cl.describe
	// Right after a start, rings are still filling: nothing said.
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())

	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	want := juju.Status{Name: juju.StatusActive, Message: `the cluster in database "temporal-k8s_db" has no history, worker members: are all apps related to the same database (db-name)?`}
	require.Equal(t, want, f.status())
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, want, f.status(), "kept until update-status looks again")
	// A hook that cannot reach Pebble looks at nothing, and forgets
	// nothing.
	f.box.SetDown(true)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	f.box.SetDown(false)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, want, f.status(), "kept across a Pebble outage")

	cl.set(cluster.Description{HistoryShardCount: 512, Rings: fullRings}, nil)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())

	// A frontend that cannot answer changes nothing.
	cl.set(cluster.Description{}, errors.New("connection refused"))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())
}

func TestDescribeClusterAction(t *testing.T) {
	t.Parallel()
	t.Run("a frontend unit reports every ring", func(t *testing.T) {
		t.Parallel()
		cl := &fakeCluster{d: cluster.Description{ClusterID: "c-1", HistoryShardCount: 512,
			Rings:   map[string]int{"frontend": 1, "history": 2},
			Members: map[string][]string{"frontend": {"10.1.0.7:7233"}, "history": {"10.1.0.8:7234", "10.1.0.9:7234"}}}}
		s := ready(false, map[string]any{"services": "frontend"})
		s.ActionParams = map[string]any{}
		f := newFixture(t, s)
		f.describe = cl.describe
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "describe-cluster"})
		results, failed := f.model.ActionResults()
		require.Nil(t, failed)
		require.Equal(t, map[string]string{
			"cluster-id": "c-1", "history-shard-count": "512",
			"rings.frontend.count": "1", "rings.frontend.members": "10.1.0.7:7233",
			"rings.history.count": "2", "rings.history.members": "10.1.0.8:7234,10.1.0.9:7234",
		}, results)
		require.Equal(t, []string{"127.0.0.1:7236"}, cl.calls(), "internal-frontend, which no client TLS affects")
	})
	t.Run("elsewhere it says where to run it", func(t *testing.T) {
		t.Parallel()
		s := ready(false, map[string]any{"services": "history"})
		s.ActionParams = map[string]any{}
		f := newFixture(t, s)
		f.describe = (&fakeCluster{}).describe
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "describe-cluster"})
		_, failed := f.model.ActionResults()
		require.NotNil(t, failed)
		require.Contains(t, *failed, "runs on units of an application with the frontend service")
	})
	t.Run("a frontend that does not answer fails the action", func(t *testing.T) {
		t.Parallel()
		s := ready(false, map[string]any{"services": "frontend"})
		s.ActionParams = map[string]any{}
		f := newFixture(t, s)
		f.describe = (&fakeCluster{err: errors.New("connection refused")}).describe
		f.mustRun(t, juju.Event{Kind: juju.Action, Name: "describe-cluster"})
		_, failed := f.model.ActionResults()
		require.NotNil(t, failed)
		require.Contains(t, *failed, "connection refused")
	})
}

// Juju flushes relation data after the charm exits; when that fails the
// hook fails and is retried. The retry must write again, whatever the
// charm remembers of the first try.
func TestPublishSurvivesAFailedCommit(t *testing.T) {
	t.Parallel()
	s := ready(true, nil)
	f := newFixture(t, s)
	f.runCommitFails(t, juju.Event{Kind: juju.ConfigChanged})
	st := f.model.State()
	require.Empty(t, st.Relations[3].LocalAppData["database_connections"], "nothing was flushed")

	// The retry, and then steady state.
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	st = f.model.State()
	require.NotEmpty(t, st.Relations[3].LocalAppData["database_connections"])
	require.Equal(t, "temporal-k8s_db", st.Relations[1].LocalAppData["database"])

	// A hook that finds the data there stops reading it back.
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	for _, c := range f.model.Calls() {
		require.False(t, c.Name == "relation-get" && len(c.Args) > 3 && c.Args[3] == "temporal-k8s", "own data re-read in steady state: %v", c)
	}
}
