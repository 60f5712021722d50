package temporaladmin

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

var migrating = map[string]string{KeySchemaStatus: StatusMigrating}

// On the current track the leader's upgrade-charm publishes migrating
// with no version and migrates nothing; the next hook migrates every store
// again, changed or not, and publishes ready with its version.
func TestUpgradeCharmPublishesMigratingThenMigrates(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")), rel(4, "temporal-k8s-history", conns("relation_id_4", "pw4")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.relationHook(juju.RelationChanged, "admin:4", "temporal-k8s-history")
	h.wl.take()

	h.hook(juju.UpgradeCharm)
	require.Empty(t, h.wl.take(), "no migration in upgrade-charm")
	require.Equal(t, migrating, h.published("admin:3"))
	require.Equal(t, migrating, h.published("admin:4"))
	require.True(t, h.unitState().UpgradePending)
	require.Equal(t, juju.Status{Name: juju.StatusMaintenance, Message: MsgUpgradePending}, h.m.State().UnitStatus)

	h.hook(juju.ConfigChanged)
	runs := h.wl.take()
	require.Contains(t, runs, migrationRuns("relation_id_3")[0])
	require.Equal(t, ready, h.published("admin:3"))
	require.Equal(t, ready, h.published("admin:4"))
	require.False(t, h.unitState().UpgradePending)
	require.Equal(t, juju.Status{Name: juju.StatusActive}, h.m.State().UnitStatus)

	// Settled again: the next hooks cost nothing.
	h.hook(juju.PebbleReady)
	require.Empty(t, h.wl.take())
}

// A store that fails after the refresh keeps the upgrade pending: the
// next hook migrates everything again, not only what changed.
func TestUpgradePendingUntilEveryStoreMigrated(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.wl.take()
	h.hook(juju.UpgradeCharm)
	h.wl.fail = map[string]error{"relation_id_3": &workload.ExecError{Args: []string{SQLTool}, ExitCode: 1, Stderr: "schema update failed"}}
	h.hook(juju.ConfigChanged)
	h.wl.take()
	require.True(t, h.unitState().UpgradePending)
	require.NotEqual(t, ready, h.published("admin:3"))

	// Any later hook, one the real charm observes for nothing else
	// included, as a deferred migration is.
	h.wl.fail = nil
	h.relationHook(juju.RelationJoined, "admin:3", "temporal-k8s")
	require.NotEmpty(t, h.wl.take())
	require.Equal(t, ready, h.published("admin:3"))
	require.False(t, h.unitState().UpgradePending)
}

// Track 1.23 has no upgrade handler, and a non-leader writes nothing.
func TestUpgradeCharmTrack123AndNonLeader(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	h.m.Update(func(s *jujutest.State) { s.Config["track"] = "1.23" })
	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.hook(juju.UpgradeCharm)
	require.Equal(t, map[string]string{KeySchemaStatus: "ready"}, h.published("admin:3"))
	require.False(t, h.unitState().UpgradePending)

	h = newHarness(t, false, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	calls := h.hook(juju.UpgradeCharm)
	require.NotContains(t, calls, "relation-set")
	require.False(t, h.unitState().UpgradePending)
}

func TestPreUpgradeCheck(t *testing.T) {
	h := newHarness(t, true, rel(3, "temporal-k8s", conns("relation_id_3", "pw3")))
	check := func() (map[string]string, string) {
		h.m.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
		h.mustRun(juju.Event{Kind: juju.Action, Name: "pre-upgrade-check"})
		results, failed := h.m.ActionResults()
		if failed != nil {
			return results, *failed
		}
		return results, ""
	}
	results, failed := check()
	require.Empty(t, failed)
	require.Equal(t, map[string]string{
		"target-schema-version": testVersion, "current-schema-version": "unknown", "schema-ready-for-target": "false",
		"database-connectivity": "ok", "admin-relations-checked": "1", "backup-verified": "false",
		"warning": "back up both databases before refreshing the server: this action cannot check a backup",
	}, results)

	h.relationHook(juju.RelationChanged, "admin:3", "temporal-k8s")
	h.refused = map[string]bool{"10.1.0.5:5432": true}
	results, _ = check()
	require.Equal(t, testVersion, results["current-schema-version"])
	require.Equal(t, "true", results["schema-ready-for-target"])
	require.Contains(t, results["database-connectivity"], "cannot reach 10.1.0.5:5432")

	h.m.Update(func(s *jujutest.State) { s.Config["track"] = "1.23" })
	_, failed = check()
	require.Equal(t, "pre-upgrade-check is not an action of track 1.23", failed)
}
