package charm_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
	"github.com/temporal-k8s/temporal-k8s/internal/workload/workloadtest"
)

func TestRealClockProbeAndExecutable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, charm.RealClock{}.Sleep(ctx, time.Hour), context.Canceled)
	require.NoError(t, charm.RealClock{}.Sleep(context.Background(), time.Millisecond))
	require.WithinDuration(t, time.Now(), charm.RealClock{}.Now(), time.Second)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	err = charm.GRPCProbe(context.Background(), []grpchealth.Target{{Role: "history", Addr: addr}})
	require.ErrorContains(t, err, "history is not healthy: cannot ask "+addr)

	exe, err := charm.Executable()
	require.NoError(t, err)
	self, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	require.Equal(t, self, exe, "the running binary")
}

// StartTimeout bounds the wait for a started server; unset, it is 30 s.
func TestStartTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		set, want time.Duration
	}{{0, 30 * time.Second}, {5 * time.Second, 5 * time.Second}} {
		f := newFixture(t, ready(true, nil))
		f.dialFailures = 1_000_000
		f.startTimeout = tt.set
		start := f.clock.Now()
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		waited := f.clock.Now().Sub(start)
		require.GreaterOrEqual(t, waited, tt.want)
		require.Less(t, waited, tt.want+time.Second)
	}
}

// Leadership gained without leader-elected first (a lost event, a cache
// from the unit's earlier spell as leader): what it once published is
// checked again, as another leader may have written since.
func TestLeadershipRegainedWithoutLeaderElected(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.model.Update(func(s *jujutest.State) { s.Leader = false })
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Update(func(s *jujutest.State) {
		s.Leader = true
		for _, r := range s.Relations {
			r.LocalAppData = nil
		}
	})
	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.NotEmpty(t, f.relation(t, "admin:5").LocalAppData["database_connections"])
	require.Equal(t, "7233", f.relation(t, "temporal-host-info:9").LocalAppData["port"])
	require.Equal(t, active, f.model.State().AppStatus)
}

// The exact calls of full reconciles, so that a change in their cost
// shows: a unit with every relation, and a new unit's first hook on the
// admin relation (its remote application comes from the event).
func TestFullReconcileCalls(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.mustRun(t, juju.Event{Kind: juju.SecretChanged, Name: "secret-changed", SecretID: secretURI("db-user")})
	require.Equal(t, []string{
		"config-get", "is-leader", "relation-ids", "relation-get", "relation-ids", "relation-get", "secret-get", "secret-get",
		"relation-ids", "relation-get", "secret-get", "secret-get", "relation-ids", "relation-get", "relation-ids",
		"opened-ports",
	}, callNames(f.model.Calls()), "no network-get (cached), no goal-state (nothing missing)")

	g := newFixture(t, everyRelation(false))
	g.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s", RemoteUnit: "temporal-admin-k8s/0"})
	names := callNames(g.model.Calls())
	require.Equal(t, 2, countOf(names, "relation-list"), "db and visibility: the admin's app came with the event")
	require.Equal(t, 1, countOf(names, "network-get"))
	require.Zero(t, countOf(names, "goal-state"), "nothing missing: goal-state is not needed")
}

// goal-state only refines what a missing relation means: when it cannot
// be read, the status says what is true either way and the operator is
// told why.
func TestGoalStateUnreadable(t *testing.T) {
	t.Parallel()
	s := ready(true, nil)
	s.Relations = append(s.Relations[:1], s.Relations[2:]...)
	f := newFixture(t, s)
	logs := newLogs(f)
	f.model.FailTool("goal-state", &juju.ToolError{Tool: "goal-state", Code: 1, Stderr: "ERROR connection is shut down\n"})
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the db relation"}, f.status())
	require.Contains(t, logs(), "Cannot read goal-state: goal-state failed (exit 1): connection is shut down")
}

// An observing hook never waits for the server: only a hook that started
// it does.
func TestObservingHookDoesNotWait(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.dialFailures = 1_000_000
	start := f.clock.Now()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, start, f.clock.Now())
	require.Equal(t, juju.StatusWaiting, f.status().Name)
}

// A hook that does nothing succeeds through Main's path too.
func TestRunSucceeds(t *testing.T) {
	t.Parallel()
	env := map[string]string{"JUJU_DISPATCH_PATH": "hooks/db-relation-joined", "JUJU_UNIT_NAME": "temporal-k8s/0", "JUJU_CHARM_DIR": t.TempDir()}
	err := charm.RunWith(context.Background(), func(k string) string { return env[k] }, "/nonexistent.socket", time.Second, jujutest.New(jujutest.State{Unit: "temporal-k8s/0"}))
	require.NoError(t, err)
}

// An observing hook's own writes fail it: moving the shard lock, and a
// status that changed.
func TestObservingHookWritesFail(t *testing.T) {
	t.Parallel()
	broken := &juju.ToolError{Tool: "x", Code: 1, Stderr: "ERROR connection is shut down\n"}
	t.Run("shard lock", func(t *testing.T) {
		t.Parallel()
		cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: fullRings}}
		f := newFixture(t, everyRelation(true))
		f.describe = cl.describe
		settle(f)
		cl.set(cluster.Description{HistoryShardCount: 1024, Rings: fullRings}, nil)
		f.model.FailTool("relation-set", broken)
		require.ErrorIs(t, f.run(t, juju.Event{Kind: juju.UpdateStatus}), broken)
	})
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.box.SetCheck(workload.CheckInfo{Name: "temporal-server-running", Status: "down", Failures: 3})
		f.model.FailTool("status-set", broken)
		err := f.run(t, juju.Event{Kind: juju.UpdateStatus})
		require.True(t, errors.Is(err, broken), "%v", err)
	})
}

// Leadership lost and won back between two hooks of this unit: the
// leader-elected hook checks again what it once published.
func TestLeaderElectedChecksWhatItPublished(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.model.Update(func(s *jujutest.State) {
		for _, r := range s.Relations {
			r.LocalAppData = nil // the leader in between wrote elsewhere
		}
	})
	f.mustRun(t, juju.Event{Kind: juju.LeaderElected})
	require.NotEmpty(t, f.relation(t, "admin:5").LocalAppData["database_connections"])
	require.Equal(t, "7233", f.relation(t, "temporal-host-info:9").LocalAppData["port"])
}

// What assess says about the peer relation and its locks.
func TestPeerStatuses(t *testing.T) {
	t.Parallel()
	t.Run("garbage locks block", func(t *testing.T) {
		t.Parallel()
		s := ready(true, nil)
		s.Relations[0].LocalAppData = map[string]string{"num_history_shards": "four"}
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.StatusBlocked, f.status().Name)
		require.Contains(t, f.status().Message, `cannot parse peer num_history_shards "four"`)
	})
	t.Run("no peer relation yet", func(t *testing.T) {
		t.Parallel()
		s := ready(true, nil)
		s.Relations = s.Relations[1:]
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for the peer relation"}, f.status())
	})
	t.Run("an invalid option is not also a lock conflict", func(t *testing.T) {
		t.Parallel()
		s := ready(true, map[string]any{"num-history-shards": 100})
		s.Relations[0].LocalAppData = map[string]string{"num_history_shards": "512"}
		f := newFixture(t, s)
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.StatusBlocked, f.status().Name)
		require.Contains(t, f.status().Message, "must be a power of 2")
		require.NotContains(t, f.status().Message, "locked at")
	})
}

// Locks and cluster checks wait for a server that serves.
func TestNothingIsLockedOrAskedBeforeTheServerServes(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: fullRings}}
	f := newFixture(t, ready(true, map[string]any{"services": "frontend"}))
	f.describe = cl.describe
	f.dialFailures = 1_000_000
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	require.Empty(t, f.model.State().Relations[0].LocalAppData["num_history_shards"])
	require.Empty(t, cl.calls())
}

// A cluster that reports no shard count yet (its database still being set
// up) says nothing about the option.
func TestClusterWithoutShardCount(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{Rings: fullRings}}
	f := newFixture(t, ready(true, map[string]any{"services": "frontend"}))
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())
}

// A unit with no option set observes its config-changed like any other.
func TestNoOptionsSetStillObserves(t *testing.T) {
	t.Parallel()
	s := ready(false, nil)
	f := settled(t, s)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, []string{"config-get"}, callNames(f.model.Calls()))
}

// A server Pebble keeps restarting is named as such, not as a port that
// does not answer.
func TestServerInBackoffIsSaid(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.box.SetCurrent("temporal-server", workload.ServiceBackoff)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is backoff"}, f.status())
	f.box.SetCurrent("temporal-server", workload.ServiceActive)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())
}

// A server that keeps exiting because the schema is older than it needs
// (an admin charm that migrated with an older Temporal's tools), or
// because the database's certificate does not verify, blocks the unit
// with what to do, in the same hook that started it; other exits stay
// "backoff", and a server that runs again is active.
func TestWhyTheServerExitsBlocks(t *testing.T) {
	t.Parallel()
	const jsonLine = `{"level":"fatal","ts":"2026-11-30T18:00:00.000Z","msg":"Unable to start server","error":"unable to initialize persistence: version mismatch for keyspace/database: \"temporal-k8s_db\". Expected version: 1.19 cannot be greater than Actual version: 1.11"}`
	// The last line temporal-server 1.31.2 writes, as Pebble's logs give it.
	const plainLine = `Unable to create server. Error: could not build arguments for function "go.uber.org/fx".(*module).installEventLogger.func2: failed to build log.Logger: sql schema version compatibility check failed: version mismatch for keyspace/database: "temporal-k8s_db". Expected version: 1.19 cannot be greater than Actual version: 1.11.`
	want := juju.Status{Name: juju.StatusBlocked, Message: `database "temporal-k8s_db" has Temporal schema 1.11 but temporal-server 1.31.2 needs 1.19: the admin charm (temporal-admin-k8s) set up an older schema; refresh it to a revision for Temporal 1.31 and run its setup-schema action`}
	for _, tt := range []struct {
		name, line, state string
		want              juju.Status
	}{
		{"json log, backoff", jsonLine, workload.ServiceBackoff, want},
		{"plain log", plainLine, workload.ServiceBackoff, want},
		{"running: past the check", jsonLine, workload.ServiceActive, active},
		{"another failure", `{"level":"fatal","msg":"Unable to start server","error":"dial tcp: connection refused"}`, workload.ServiceBackoff,
			juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is backoff"}},
		// As temporal-server 1.31.2 logs a certificate without the name it
		// connects by.
		{"database certificate", `{"level":"error","ts":"2026-11-30T19:22:07.662Z","msg":"sql handle: unable to refresh database connection pool","error":"tls: failed to verify certificate: x509: certificate is valid for postgresql-k8s-replicas, not postgresql-k8s-primary.lm.svc.cluster.local"}`, workload.ServiceBackoff,
			juju.Status{Name: juju.StatusBlocked, Message: "the database's TLS certificate is not valid for postgresql-k8s-primary.lm.svc.cluster.local, the host its relation names"}},
		{"unknown authority", `{"level":"error","msg":"sql handle: unable to refresh database connection pool","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority"}`, workload.ServiceBackoff,
			juju.Status{Name: juju.StatusBlocked, Message: "cannot verify the database's TLS certificate with the CA from its relation: x509: certificate signed by unknown authority"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := settled(t, everyRelation(true))
			f.box.AddLogs("temporal-server", "starting", tt.line, "exiting")
			f.box.SetCurrent("temporal-server", tt.state)
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
			require.Equal(t, tt.want, f.status())
		})
	}
	// The error may be all the log holds; a version the unit could not
	// read is not made up.
	box := workloadtest.New("boot-1")
	box.AddLogs("temporal-server", plainLine)
	why, ok := charm.WhyExiting(context.Background(), charm.New(charm.Deps{Container: box}, juju.Event{}), "")
	require.True(t, ok)
	require.Equal(t, `database "temporal-k8s_db" has Temporal schema 1.11 but temporal-server needs 1.19: the admin charm (temporal-admin-k8s) set up an older schema; refresh it to a revision for this server's Temporal and run its setup-schema action`, why)

	// Logs Pebble cannot give leave the server's state as the status.
	f := settled(t, everyRelation(true))
	f.box.AddLogs("temporal-server", jsonLine)
	f.box.SetCurrent("temporal-server", workload.ServiceBackoff)
	f.box.FailNext("Logs", errors.New("cannot read the logs"))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is backoff"}, f.status())
}
