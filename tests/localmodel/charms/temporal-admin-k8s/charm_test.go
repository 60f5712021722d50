package temporaladmin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

const (
	testUnit    = "temporal-admin-k8s/0"
	testApp     = "temporal-admin-k8s"
	testVersion = "1.31.2"
)

var ready = map[string]string{KeySchemaStatus: "ready", KeyMigratedVersion: testVersion}

func TestHookUnchangedRelationCostsNoMigration(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, append([]string{"version"}, migrationRuns("relation_id_3")...), h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)

	// admin-relation-changed migrates every store again, changed or not,
	// as the real charm's _setup_db_schemas does; nothing new to write.
	calls := h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
	require.NotContains(t, calls, "relation-set")

	// Every other hook: no command, no write.
	for _, run := range []func() []string{
		func() []string { return h.hook(juju.UpdateStatus) },
		func() []string { return h.hook(juju.ConfigChanged) },
		func() []string { return h.hook(juju.LeaderElected) },
		func() []string { return h.hook(juju.PebbleReady) },
	} {
		calls := run()
		require.Empty(t, h.wl.take())
		require.NotContains(t, calls, "relation-set")
		require.NotContains(t, calls, "state-set")
		require.NotContains(t, calls, "application-version-set")
		require.Equal(t, ready, h.published("admin:3"))
		require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)
	}
}

func TestHookChangedConnectionsMigrateAgain(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.wl.take()

	// A new password: the relation's stores are migrated again.
	h.setRemote("admin:3", conns("relation_id_3", "rotated"))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
	h.hook(juju.UpdateStatus)
	require.Empty(t, h.wl.take())

	// A new workload version (a new boot of a new image): again, and the
	// new version is published.
	h.wl.boot, h.wl.version = "boot-2", "1.32.0"
	h.hook(juju.PebbleReady)
	require.Equal(t, append([]string{"version"}, migrationRuns("relation_id_3")...), h.wl.take())
	require.Equal(t, map[string]string{KeySchemaStatus: "ready", KeyMigratedVersion: "1.32.0"}, h.published("admin:3"))
	require.Equal(t, "1.32.0", h.m.State().Version)
}

func TestHookRelationCreatedAndJoinedDoNoSchemaWork(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	for _, kind := range []juju.Kind{juju.RelationCreated, juju.RelationJoined} {
		calls := h.relationHook(kind, "admin:3", "temporal-k8s")
		require.Equal(t, []string{"state-get"}, calls, kind)
		require.Empty(t, h.wl.take(), kind)
		require.Empty(t, h.published("admin:3"), kind)
	}
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, append([]string{"version"}, migrationRuns("relation_id_3")...), h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))

	// A second relation's created and joined leave the first alone too.
	h.m.Update(func(s *jujutest.State) {
		s.Relations = append(s.Relations, rel(4, "temporal-k8s-history", ""))
	})
	for _, kind := range []juju.Kind{juju.RelationCreated, juju.RelationJoined} {
		require.Equal(t, []string{"state-get"}, h.relationHook(kind, "admin:4", "temporal-k8s-history"), kind)
		require.Empty(t, h.wl.take(), kind)
	}
}

func TestHookVersionReadOncePerBoot(t *testing.T) {
	for _, leader := range []bool{true, false} {
		t.Run(fmt.Sprintf("leader=%v", leader), func(t *testing.T) {
			h := newHarness(t, leader, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
			versionSets := func(calls []string) int {
				n := 0
				for _, c := range calls {
					if c == "application-version-set" {
						n++
					}
				}
				return n
			}
			calls := h.hook(juju.PebbleReady)
			require.Equal(t, 1, versionSets(calls))
			require.Equal(t, testVersion, h.m.State().Version)
			reads := 0
			count := func() {
				for _, c := range h.wl.take() {
					if c == "version" {
						reads++
					}
				}
			}
			count()
			for _, kind := range []juju.Kind{juju.UpdateStatus, juju.ConfigChanged, juju.LeaderElected} {
				require.Zero(t, versionSets(h.hook(kind)), kind)
			}
			require.Zero(t, versionSets(h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")))
			count()
			require.Equal(t, 1, reads)

			// The workload restarted: its version is read again, once.
			h.wl.boot, h.wl.version = "boot-2", "1.31.3"
			require.Equal(t, 1, versionSets(h.hook(juju.PebbleReady)))
			h.hook(juju.UpdateStatus)
			count()
			require.Equal(t, 2, reads)
			require.Equal(t, "1.31.3", h.m.State().Version)
		})
	}
}

func TestHookUnreachableDatabaseRetriedWithinTheHook(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.wl.unreachable = 2
	start := time.Now()
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	// Two refusals, retried every half second, not seconds apart.
	require.Less(t, time.Since(start), 2500*time.Millisecond)
	runs := h.wl.take()
	require.Equal(t, append([]string{"version", "setup-schema temporal-k8s_db relation_id_3", "setup-schema temporal-k8s_db relation_id_3"}, migrationRuns("relation_id_3")...), runs)
	require.Equal(t, ready, h.published("admin:3"))
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)
	require.False(t, h.unitState().Deferred)
}

func TestHookUnreachableDatabaseDeferredToTheNextHook(t *testing.T) {
	for _, next := range []juju.Kind{juju.RelationCreated, juju.RelationJoined, juju.UpdateStatus} {
		t.Run(string(next), func(t *testing.T) {
			h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
			h.retryEvery, h.retryFor = time.Millisecond, 20*time.Millisecond
			h.wl.unreachable = 1 << 30
			h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
			require.NotEmpty(t, h.wl.take())
			require.Empty(t, h.published("admin:3"))
			require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: MsgUnreachable}, h.m.State().UnitStatus)
			require.True(t, h.unitState().Deferred)

			// The database comes up; whatever the next hook is, it
			// migrates.
			h.wl.unreachable = 0
			if next == juju.UpdateStatus {
				h.hook(next)
			} else {
				h.m.Update(func(s *jujutest.State) {
					s.Relations = append(s.Relations, rel(4, "temporal-k8s-history", ""))
				})
				h.relationHook(next, "admin:4", "temporal-k8s-history")
			}
			require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
			require.Equal(t, ready, h.published("admin:3"))
			require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)
			require.False(t, h.unitState().Deferred)

			// Nothing is deferred any more.
			require.Equal(t, []string{"state-get"}, h.relationHook(juju.RelationJoined, "admin:3", "temporal-k8s"))
			require.Empty(t, h.wl.take())
		})
	}
}

func TestHookSharedDatabasesAndPermissions(t *testing.T) {
	// Four apps share the databases, each with its own user; only
	// relation_id_4's may change the schema (PG16: it owns the tables).
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	denied := &workload.ExecError{Args: []string{SQLTool}, ExitCode: 1, Stderr: "pq: must be owner of table executions"}
	h.wl.fail = map[string]error{"relation_id_3": denied}
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, []string{"version", "setup-schema temporal-k8s_db relation_id_3", "setup-schema temporal-k8s_visibility relation_id_3"}, h.wl.take())
	require.Empty(t, h.published("admin:3"), "neither real track publishes failed")
	require.Equal(t, juju.StatusBlocked, h.m.State().UnitStatus.Name)

	// The next app's user may: both relations are ready.
	h.m.Update(func(s *jujutest.State) {
		s.Relations = append(s.Relations, rel(4, "temporal-k8s-history", conns("relation_id_4", "pw4")))
	})
	h.relationHook(juju.RelationChanged, "admin:4", "temporal-k8s-history")
	require.Equal(t, []string{
		"setup-schema temporal-k8s_db relation_id_3", "setup-schema temporal-k8s_db relation_id_4", "update-schema temporal-k8s_db relation_id_4",
		"setup-schema temporal-k8s_visibility relation_id_3", "setup-schema temporal-k8s_visibility relation_id_4", "update-schema temporal-k8s_visibility relation_id_4",
	}, h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
	require.Equal(t, ready, h.published("admin:4"))
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)

	// Both are settled: hooks other than admin-relation-changed do no
	// schema work.
	h.hook(juju.UpdateStatus)
	h.relationHook(juju.RelationJoined, "admin:4", "temporal-k8s-history")
	require.Empty(t, h.wl.take())
}

func TestHookFailedMigrationIsTriedAgain(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.wl.fail = map[string]error{"relation_id_3": &workload.ExecError{Args: []string{SQLTool}, ExitCode: 1, Stderr: "syntax error"}}
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Empty(t, h.published("admin:3"), "neither real track publishes failed")
	st := h.m.State().UnitStatus
	require.Equal(t, juju.StatusBlocked, st.Name)
	require.True(t, strings.HasPrefix(st.Message, "schema migration failed for: db (10.1.0.5:5432/temporal-k8s_db), visibility"), st.Message)
	h.wl.take()

	// Not published ready: a later hook tries again.
	h.wl.fail = nil
	h.hook(juju.UpdateStatus)
	require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)
}

func TestHookBadConnections(t *testing.T) {
	for _, bad := range []string{"null", "{", `{"db": {}}`} {
		t.Run(bad, func(t *testing.T) {
			h := newHarness(t, true, rel(3, "temporal-k8s", bad))
			h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
			require.Equal(t, []string{"version"}, h.wl.take())
			require.Empty(t, h.published("admin:3"))
			require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: MsgNoConnections}, h.m.State().UnitStatus)

			h.setRemote("admin:3", conns("relation_id_3", "pw3"))
			h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
			require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
			require.Equal(t, ready, h.published("admin:3"))

			// Bad again: ignored, what was published stands; good again
			// with the same value: migrated again, as a changed value.
			h.setRemote("admin:3", bad)
			h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
			require.Empty(t, h.wl.take())
			require.Equal(t, ready, h.published("admin:3"))
			h.setRemote("admin:3", conns("relation_id_3", "pw3"))
			h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
			require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
		})
	}
}

func TestHookNonLeaderWritesNothing(t *testing.T) {
	h := newHarness(t, false, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	calls := h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, []string{"version"}, h.wl.take())
	require.NotContains(t, calls, "relation-set")
	require.NotContains(t, calls, "relation-get")
	require.Empty(t, h.published("admin:3"))
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)
}

func TestHookPebbleDown(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.wl.down = true
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Empty(t, h.wl.take())
	require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "waiting for Pebble in the temporal-admin container"}, h.m.State().UnitStatus)
	h.wl.down = false
	h.hook(juju.PebbleReady)
	require.Equal(t, append([]string{"version"}, migrationRuns("relation_id_3")...), h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
}

func TestHookRepublishesOverwrittenStatusWithoutMigrating(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.wl.take()
	// As the inject-relation-data action does.
	h.m.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData[KeySchemaStatus] = "failed"
	})
	calls := h.hook(juju.UpdateStatus)
	require.Empty(t, h.wl.take())
	require.Contains(t, calls, "relation-set")
	require.Equal(t, ready, h.published("admin:3"))
}

func TestSetupSchemaActionMigratesEveryRelation(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.wl.take()
	h.m.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	h.mustRun(juju.Event{Kind: juju.Action, Name: "setup-schema"})
	require.Equal(t, migrationRuns("relation_id_3"), h.wl.take())
	results, failed := h.m.ActionResults()
	require.Nil(t, failed)
	require.Equal(t, map[string]string{"result": "schema set up"}, results)
	require.Equal(t, ready, h.published("admin:3"))
}

func TestHookForgetsRemovedRelations(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")), rel(4, "temporal-k8s-history", conns("relation_id_4", "pw4")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Len(t, h.unitState().Migrated, 2)
	h.wl.take()
	h.m.Update(func(s *jujutest.State) { s.Relations = s.Relations[:1] })
	h.relationHook(juju.RelationBroken, "admin:4", "temporal-k8s-history")
	require.Empty(t, h.wl.take())
	require.Len(t, h.unitState().Migrated, 1)
	require.Contains(t, h.unitState().Migrated, "admin:3")
	require.NotContains(t, h.m.State().UnitState[stateKey], "pw3", "the unit state keeps no password")
}

// Track 1.23 publishes schema_status ready without a version, and a null
// store in database_connections fails its hook, as the real charm's
// subscript does (the temporal-k8s charm therefore never publishes one).
func TestTrack123(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.m.Update(func(s *jujutest.State) { s.Config["track"] = "1.23" })
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	require.Equal(t, map[string]string{KeySchemaStatus: "ready"}, h.published("admin:3"))
	for _, cmd := range h.wl.cmds {
		if cmd.Args[0] == SQLTool {
			require.Equal(t, "postgres", argAfter(cmd.Args, "--plugin"), "track/1.23's code names the plugin postgres")
		}
	}

	h.setRemote("admin:3", `{"db": null, "visibility": {"dbname": "v", "host": "h", "port": "5432", "user": "u", "password": "p", "tls": false}}`)
	_, err := h.run(juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: Endpoint, RelationID: "admin:3", RemoteApp: "temporal-k8s", RemoteUnit: "temporal-k8s/0"})
	require.ErrorContains(t, err, "TypeError: 'NoneType' object is not subscriptable")

	// The current track ignores such data and says so in its log.
	h.m.Update(func(s *jujutest.State) { s.Config["track"] = "current" })
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
}

// Where the cli action reaches the server: on the current track only
// through temporal-host-info; on track 1.23, and for tctl, at
// <server-name>:7236.
func TestServerAddress(t *testing.T) {
	hostInfo := &jujutest.Relation{
		ID: "temporal-host-info:7", RemoteApp: "temporal-k8s", RemoteUnits: []string{"temporal-k8s/0"},
		RemoteAppData:  map[string]string{"host": "temporal-k8s.lm.svc.cluster.local", "port": "7233", "tls": "false"},
		RemoteUnitData: map[string]map[string]string{"temporal-k8s/0": {}}, LocalAppData: map[string]string{}, LocalUnitData: map[string]string{},
	}
	tlsHostInfo := *hostInfo
	tlsHostInfo.RemoteAppData = map[string]string{"host": "temporal-k8s.lm.svc.cluster.local", "port": "7233", "tls": "true"}
	caRel := &jujutest.Relation{
		ID: "receive-ca-cert:8", RemoteApp: "self-signed-certificates", RemoteUnits: []string{"self-signed-certificates/0"},
		RemoteAppData:  map[string]string{"certificates": `[` + strconv.Quote(testCAPEM) + `]`},
		RemoteUnitData: map[string]map[string]string{"self-signed-certificates/0": {}}, LocalAppData: map[string]string{}, LocalUnitData: map[string]string{},
	}
	noCA := *caRel
	noCA.RemoteAppData = map[string]string{}
	for _, tt := range []struct {
		name, track, action string
		rels                []*jujutest.Relation
		want, err           string
		tls                 bool
	}{
		{"current, host-info", TrackCurrent, "cli", []*jujutest.Relation{hostInfo}, "temporal-k8s.lm.svc.cluster.local:7233", "", false},
		{"current, no host-info", TrackCurrent, "cli", nil, "", MsgNoHostInfo, false},
		{"current, tctl", TrackCurrent, "tctl", []*jujutest.Relation{hostInfo}, "srv:7236", "", false},
		{"1.23", Track123, "cli", []*jujutest.Relation{hostInfo}, "srv:7236", "", false},
		// A frontend that serves TLS is reached with the CA the
		// provider sends, verified against the Service's name.
		{"current, TLS", TrackCurrent, "cli", []*jujutest.Relation{&tlsHostInfo, caRel}, "temporal-k8s.lm.svc.cluster.local:7233", "", true},
		{"current, TLS without a CA relation", TrackCurrent, "cli", []*jujutest.Relation{&tlsHostInfo}, "", MsgNoCA, false},
		{"current, TLS before the CA comes", TrackCurrent, "cli", []*jujutest.Relation{&tlsHostInfo, &noCA}, "", MsgNoCA, false},
		{"tctl, TLS: internal-frontend", TrackCurrent, "tctl", []*jujutest.Relation{&tlsHostInfo, caRel}, "srv:7236", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, tt.rels...)
			c := &Charm{juju: juju.NewClient(h), event: juju.Event{Kind: juju.Action, Name: tt.action},
				settings: Settings{Track: tt.track, ServerName: "srv"}}
			got, err := c.serverAddress(context.Background())
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got.Address)
			require.Equal(t, tt.tls, got.TLS != nil)
			if tt.tls {
				require.Equal(t, "temporal-k8s.lm.svc.cluster.local", got.TLS.ServerName)
				want := x509.NewCertPool()
				require.True(t, want.AppendCertsFromPEM([]byte(testCAPEM)))
				require.True(t, want.Equal(got.TLS.RootCAs), "the CA received")
			}
		})
	}
}

// testCAPEM is a self-signed CA certificate (ECDSA P-256, CN test CA).
var testCAPEM = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()
