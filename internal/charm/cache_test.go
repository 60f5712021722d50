package charm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// The tests below pin the cache rule (internal/charm/cache.go): a hook
// reads again only what its event announces, and a lost, stale or foreign
// cache never makes a hook wrong.

// settled is a unit past its first hooks: what it wrote has been read
// back, so the next hook of a steady-state event only observes.
func settled(t *testing.T, s jujutest.State) *fixture {
	t.Helper()
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.LessOrEqual(t, len(f.model.Calls()), 1, "not settled")
	require.Equal(t, active, f.status())
	return f
}

// fullCount is how many tools a hook that reads everything calls at least:
// config, leadership, and every relation's ids and data.
const fullCount = 10

func requireFull(t *testing.T, f *fixture) {
	t.Helper()
	names := callNames(f.model.Calls())
	require.GreaterOrEqual(t, len(names), fullCount, "expected a full reconcile, got %v", names)
	require.Contains(t, names, "secret-get")
}

func TestStatusIsSetOnlyWhenItChanges(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))

	f.box.SetCheck(workload.CheckInfo{Name: temporal.CheckName, Status: "down", Failures: 3})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	require.Equal(t, juju.StatusWaiting, f.model.State().AppStatus.Name)
	// The ui relation hears that the server is not ready.
	require.Equal(t, []string{"is-leader", "relation-get", "relation-set", "status-set", "status-set"}, callNames(f.model.Calls()))

	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader", "relation-get"}, callNames(f.model.Calls()), "same status, not set again; the ui data read back")
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader"}, callNames(f.model.Calls()))

	f.box.SetCheck(workload.CheckInfo{Name: temporal.CheckName, Status: "up"})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, active, f.status())
	require.Equal(t, active, f.model.State().AppStatus)
}

func TestChangedInputsAreReadOnTheirEvent(t *testing.T) {
	t.Parallel()
	t.Run("config", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		requireFull(t, f)
		require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
		require.Contains(t, f.configFile(t), "level: debug")
	})
	t.Run("remote app data", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.model.Update(func(s *jujutest.State) { s.Relations[1].RemoteAppData["endpoints"] = "10.1.0.99:5432" })
		f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s"})
		requireFull(t, f)
		require.Contains(t, f.configFile(t), "10.1.0.99:5432")
	})
	t.Run("unchanged remote app data", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(false))
		f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/0"})
		require.Equal(t, []string{"relation-get"}, callNames(f.model.Calls()))
	})
	t.Run("peer app data", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(false))
		// Another leader locked other database names.
		f.model.Update(func(s *jujutest.State) { s.Relations[0].LocalAppData = map[string]string{"db_name": `"other"`} })
		f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "peer-relation-changed", Relation: "peer", RelationID: "peer:0", RemoteApp: app})
		require.Equal(t, juju.StatusBlocked, f.status().Name)
		require.Contains(t, f.status().Message, "other")
	})
	t.Run("secret rotated", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.model.Update(func(s *jujutest.State) {
			s.Secrets[0].Revisions = append(s.Secrets[0].Revisions, map[string]string{"username": "relation_id_3", "password": "rotated"})
		})
		f.mustRun(t, juju.Event{Kind: juju.SecretChanged, Name: "secret-changed", SecretID: secretURI("db-user")})
		requireFull(t, f)
		require.Equal(t, "rotated", f.file(t, temporal.DBPasswordPath))
		require.Equal(t, active, f.status())
	})
	t.Run("relation added", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.model.Update(func(s *jujutest.State) {
			s.Relations = append(s.Relations, &jujutest.Relation{ID: "temporal-host-info:12", RemoteApp: "temporal-worker-k8s", RemoteAppData: map[string]string{}})
		})
		f.mustRun(t, juju.Event{Kind: juju.RelationCreated, Name: "temporal-host-info-relation-created", Relation: "temporal-host-info", RelationID: "temporal-host-info:12", RemoteApp: "temporal-worker-k8s"})
		requireFull(t, f)
		require.Equal(t, "7233", f.relation(t, "temporal-host-info:12").LocalAppData["port"])
	})
	t.Run("relation removed", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(false))
		f.model.Update(func(s *jujutest.State) { s.Relations = s.Relations[:3] }) // admin gone
		f.mustRun(t, juju.Event{Kind: juju.RelationBroken, Name: "admin-relation-broken", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s"})
		require.Equal(t, juju.StatusBlocked, f.status().Name)
		require.Contains(t, f.status().Message, "missing admin relation")
	})
	t.Run("a relation the cache does not know", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(false))
		f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:77", RemoteApp: "postgresql-k8s"})
		requireFull(t, f)
	})
}

func TestLeadershipMoves(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))

	// Deposed without an event: the next hook finds out and stops acting
	// as leader.
	f.model.Update(func(s *jujutest.State) {
		s.Leader = false
		s.AppStatus = juju.Status{Name: juju.StatusWaiting, Message: "set by the new leader"}
	})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	requireFull(t, f)
	require.Equal(t, "set by the new leader", f.model.State().AppStatus.Message)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Empty(t, callNames(f.model.Calls()), "a settled non-leader reads nothing")

	// Elected again: what it published and the app status it set are
	// checked and set again, whatever it cached before.
	f.model.Update(func(s *jujutest.State) {
		s.Leader = true
		for _, r := range s.Relations {
			r.LocalAppData = nil // another leader's writes went elsewhere
		}
	})
	f.mustRun(t, juju.Event{Kind: juju.LeaderElected})
	requireFull(t, f)
	require.Equal(t, active, f.model.State().AppStatus)
	require.Equal(t, "7233", f.relation(t, "temporal-host-info:9").LocalAppData["port"])
	require.NotEmpty(t, f.relation(t, "admin:5").LocalAppData["database_connections"])
}

func TestLostForeignOrBrokenCacheMeansAFullHook(t *testing.T) {
	t.Parallel()
	for name, spoil := range map[string]func(f *fixture){
		"lost":          func(f *fixture) { require.NoError(t, os.Remove(f.cache)) },
		"garbage":       func(f *fixture) { require.NoError(t, os.WriteFile(f.cache, []byte("{not json"), 0o600)) },
		"another build": func(f *fixture) { f.build = "build-2" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := settled(t, everyRelation(true))
			// Meanwhile the unit's status changed behind the charm's back
			// (a recreated pod starts with Juju's own statuses).
			f.model.Update(func(s *jujutest.State) { s.UnitStatus = juju.Status{Name: juju.StatusMaintenance} })
			spoil(f)
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
			requireFull(t, f)
			require.Equal(t, active, f.status())
		})
	}
}

// A hook that fails leaves a cache that the next hook does not trust: the
// status the failed hook set is not what the cache says.
func TestCacheFromBeforeAFailedHook(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	// A restart the server is slow to answer: waiting, then the hook
	// fails setting the app status.
	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
	f.mu.Lock()
	f.dialFailures = 1000
	f.mu.Unlock()
	f.model.FailToolWith("status-set", "--application", &juju.ToolError{Tool: "status-set", Code: 1, Stderr: "ERROR connection is shut down\n"})
	require.Error(t, f.run(t, juju.Event{Kind: juju.ConfigChanged}))
	require.Equal(t, juju.StatusWaiting, f.status().Name)

	// Retried once the server answers: the unit must say active again.
	f.model.FailToolWith("status-set", "--application", nil)
	f.mu.Lock()
	f.dialFailures = 0
	f.mu.Unlock()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())
	require.Equal(t, active, f.model.State().AppStatus)
}

// Juju drops relation data and ports when it fails to commit a hook: the
// hook after reads them back rather than trusting the cache.
func TestWritesOfAHookWhoseCommitFailedAreMadeAgain(t *testing.T) {
	t.Parallel()
	t.Run("relation data", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(true))
		f.model.Update(func(s *jujutest.State) {
			s.Relations = append(s.Relations, &jujutest.Relation{ID: "temporal-host-info:12", RemoteApp: "temporal-worker-k8s", RemoteAppData: map[string]string{}})
		})
		f.runCommitFails(t, juju.Event{Kind: juju.RelationCreated, Name: "temporal-host-info-relation-created", Relation: "temporal-host-info", RelationID: "temporal-host-info:12", RemoteApp: "temporal-worker-k8s"})
		require.Empty(t, f.relation(t, "temporal-host-info:12").LocalAppData)

		// Not the same event: an update-status would only have observed,
		// were the cache trusted.
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.Equal(t, "7233", f.relation(t, "temporal-host-info:12").LocalAppData["port"])
	})
	t.Run("ports", func(t *testing.T) {
		t.Parallel()
		f := settled(t, everyRelation(false))
		// The hook that read the new services is not the one after.
		f.model.Update(func(s *jujutest.State) { s.Config["services"] = "history" })
		f.runCommitFails(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, []string{"7233/tcp", "7236/tcp", "7243/tcp"}, f.model.State().OpenedPorts)

		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.Empty(t, f.model.State().OpenedPorts)
	})
	t.Run("opened ports", func(t *testing.T) {
		t.Parallel()
		s := everyRelation(false)
		s.Config["services"] = "history"
		f := settled(t, s)
		require.Empty(t, f.model.State().OpenedPorts)
		f.model.Update(func(s *jujutest.State) { s.Config["services"] = "frontend" })
		f.runCommitFails(t, juju.Event{Kind: juju.ConfigChanged})
		require.Empty(t, f.model.State().OpenedPorts)

		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.Equal(t, []string{"7233/tcp", "7236/tcp", "7243/tcp"}, f.model.State().OpenedPorts)
	})
}

// The unit agent sets the unit's status around stop; a charm container
// that restarts then runs start in the same pod with the same cache.
func TestStatusAfterStopIsSetAgain(t *testing.T) {
	t.Parallel()
	for _, pebbleUp := range []bool{true, false} {
		t.Run(fmt.Sprintf("pebble up at stop=%v", pebbleUp), func(t *testing.T) {
			t.Parallel()
			f := settled(t, everyRelation(false))
			// Without Pebble, stop has nothing to drain and says nothing.
			f.box.SetDown(!pebbleUp)
			f.mustRun(t, juju.Event{Kind: juju.Stop})
			require.Equal(t, juju.StatusMaintenance, f.status().Name)
			f.box.SetDown(false)
			f.mustRun(t, juju.Event{Kind: juju.Start})
			require.Equal(t, active, f.status())
		})
	}
}

// An observing hook that writes (the shard lock following the cluster)
// leaves the next hook to read back what it wrote, once, not to write it
// on every hook.
func TestAnObservingHookWritesOnce(t *testing.T) {
	t.Parallel()
	cl := &fakeCluster{d: cluster.Description{HistoryShardCount: 512, Rings: fullRings}}
	s := everyRelation(true)
	f := newFixture(t, s)
	f.describe = cl.describe
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader"}, callNames(f.model.Calls()))

	// The database's cluster was set up with 1024 shards after all.
	cl.set(cluster.Description{HistoryShardCount: 1024, Rings: fullRings}, nil)
	f.runCommitFails(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, "512", f.relation(t, "peer:0").LocalAppData["num_history_shards"])
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, "1024", f.relation(t, "peer:0").LocalAppData["num_history_shards"])
	f.model.Calls()
	for i := 0; i < 2; i++ {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.NotContains(t, callNames(f.model.Calls()), "relation-set")
	}
	require.Equal(t, juju.StatusBlocked, f.status().Name)
}

// A provider without Juju secrets sends the password in its app data: a
// hash of it never reaches the cache, and its relation is always read.
func TestPasswordsInRelationDataStayOutOfTheCache(t *testing.T) {
	t.Parallel()
	s := everyRelation(false)
	s.Relations[1].RemoteAppData = map[string]string{"endpoints": "10.1.0.2:5432", "username": "relation_id_3", "password": "plain-pass"}
	f := newFixture(t, s)
	for i := 0; i < 3; i++ {
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	}
	require.Equal(t, active, f.status())
	requireFull(t, f)
	data, err := os.ReadFile(f.cache)
	require.NoError(t, err)
	require.NotContains(t, string(data), "plain-pass")
	require.NotContains(t, string(data), "db-pass")
	require.False(t, strings.Contains(string(data), `"settled":true`))
}

func (f *fixture) relation(t *testing.T, id string) *jujutest.Relation {
	t.Helper()
	for _, r := range f.model.State().Relations {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no relation %s", id)
	return nil
}

// A workload that is not what the last hook left (its container restarted,
// its server stopped) is put back by the next hook, whatever the event.
func TestWorkloadNotAsLeftMeansAFullHook(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(f *fixture){
		"container restarted": func(f *fixture) { f.box.Reboot("boot-2") },
		"server stopped": func(f *fixture) {
			require.NoError(t, f.box.Stop(context.Background(), temporal.ServiceName))
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := settled(t, everyRelation(false))
			change(f)
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
			requireFull(t, f)
			require.Equal(t, workload.ServiceActive, f.serverState(t))
			require.Equal(t, active, f.status())
		})
	}
}

// relation-joined is always followed at once by relation-changed for the
// same unit, which reconciles: joined itself does nothing, settled or not.
func TestRelationJoinedLeavesTheWorkToRelationChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, everyRelation(true))
	f.model.Update(func(s *jujutest.State) { s.Relations = s.Relations[:1] }) // peer only
	f.mustRun(t, juju.Event{Kind: juju.Start})
	f.model.Calls()
	before := f.status()

	f.model.Update(func(s *jujutest.State) { s.Relations = everyRelation(true).Relations })
	f.mustRun(t, juju.Event{Kind: juju.RelationJoined, Name: "db-relation-joined", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/0"})
	require.Empty(t, callNames(f.model.Calls()))
	require.Equal(t, before, f.status())
	require.Zero(t, f.box.Starts(temporal.ServiceName))
}

// What a leader published and has read back stays known across hooks: a
// full reconcile for another reason (a changed option that publishes
// nothing new) reads none of its own app data again.
func TestPublishedDataIsNotReadBackAgain(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(true))
	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	calls := f.model.Calls()
	require.Contains(t, callNames(calls), "secret-get", "a full reconcile")
	ownReads := 0
	for _, c := range calls {
		// The peer bag is an input (the locks), read by every full hook.
		args := strings.Join(c.Args, " ")
		if c.Name == "relation-get" && strings.Contains(args, "--app - "+app) && !strings.Contains(args, "peer:") {
			ownReads++
		}
	}
	require.Zero(t, ownReads, "own app data read back again")
	require.Contains(t, f.configFile(t), "level: debug")
}

// A cache that cannot be written is no cache: every hook reads everything
// and is right.
func TestUnwritableCacheMeansEveryHookInFull(t *testing.T) {
	t.Parallel()
	f := newFixture(t, everyRelation(true))
	f.cache = filepath.Join(t.TempDir(), "no-such-dir", "cache.json")
	logs := newLogs(f)
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, active, f.status())
	got := logs()
	require.Len(t, got, 2, "begin and end each say they could not save")
	require.Contains(t, got[0], "Cannot save cache "+f.cache)
	for range 2 {
		f.model.Calls()
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		requireFull(t, f)
		require.Equal(t, active, f.status())
	}
}

// A cache that lacks part of what it should hold (here the remote
// applications) sends the hook to the full reconcile rather than reading
// a databag of nobody.
func TestPartialCacheMeansAFullHook(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(false))
	data, err := os.ReadFile(f.cache)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
	delete(raw, "remote-apps")
	data, err = json.Marshal(raw)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.cache, data, 0o600))
	f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/0"})
	requireFull(t, f)
	require.Equal(t, active, f.status())
}
