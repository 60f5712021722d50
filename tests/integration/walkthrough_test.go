//go:build integration

package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/juju/juju/jujuclient"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
)

// Per-step limits. Deploying pulls PostgreSQL and the server image, so it
// gets the most; the sum stays under the 120m `go test -timeout` the README
// gives.
const (
	deployTimeout     = 30 * time.Minute
	settleTimeout     = 20 * time.Minute
	membershipTimeout = 10 * time.Minute
	actionTimeout     = 10 * time.Minute
	destroyTimeout    = 15 * time.Minute
	// membershipPoll spaces describe actions while rings converge: ringpop
	// takes a while to drop departed members.
	membershipPoll = 15 * time.Second
)

// TestWalkthrough replays the scaling walkthrough on a real controller:
// deploy four server applications, PostgreSQL and the admin charm, relate
// them, check membership, scale to 2 and back to 1, restart, and block on
// an invalid shard count. Steps run in order; a step that changes the model
// stops the run when it fails, since every later step builds on it.
func TestWalkthrough(t *testing.T) {
	s := jujuapi.SettingsFrom(os.Getenv)
	m := openModel(t, s)

	step := func(name string, critical bool, run func(t *testing.T)) {
		if !t.Run(name, run) && critical {
			t.Fatalf("stopping: step %q failed and later steps depend on it", name)
		}
	}

	step("deploy and relate the frontend", true, func(t *testing.T) {
		ctx := within(t, deployTimeout)
		ch, err := m.UploadCharm(s.CharmPath)
		require.NoError(t, err)
		require.NoError(t, Deploy(m, ch, s))
		require.NoError(t, Relate(m, Frontend))
		_, err = m.WaitFor(ctx, jujuapi.AllActiveIdle(Frontend, PostgreSQL, Admin))
		require.NoError(t, err)
	})

	step("relate history, matching and worker", true, func(t *testing.T) {
		ctx := within(t, settleTimeout)
		for _, app := range ServerNames()[1:] {
			require.NoError(t, Relate(m, app))
		}
		_, err := m.WaitFor(ctx, jujuapi.All(jujuapi.UnitCounts(UnitCounts(1)), jujuapi.AllActiveIdle(AllApps()...)))
		require.NoError(t, err)
	})

	step("four rings with one member each", false, func(t *testing.T) {
		requireMembership(t, m, 1)
	})

	step("scale each service to 2", true, func(t *testing.T) {
		ctx := within(t, settleTimeout)
		require.NoError(t, ScaleServers(m, 2))
		_, err := m.WaitFor(ctx, jujuapi.All(jujuapi.UnitCounts(UnitCounts(2)), jujuapi.AllActiveIdle(AllApps()...)))
		require.NoError(t, err)
	})

	step("four rings with two members each", false, func(t *testing.T) {
		requireMembership(t, m, 2)
	})

	step("scale each service back to 1", true, func(t *testing.T) {
		ctx := within(t, settleTimeout)
		require.NoError(t, ScaleServers(m, 1))
		_, err := m.WaitFor(ctx, jujuapi.All(jujuapi.UnitCounts(UnitCounts(1)), jujuapi.AllActiveIdle(AllApps()...)))
		require.NoError(t, err, "units left behind after scaling down")
	})

	step("four rings with one member each after scaling down", false, func(t *testing.T) {
		requireMembership(t, m, 1)
	})

	step("restart action", true, func(t *testing.T) {
		ctx := within(t, actionTimeout)
		// RunAction fails unless the action ends completed.
		_, err := m.RunAction(ctx, Frontend+"/0", "restart", nil)
		require.NoError(t, err)
		_, err = m.WaitFor(ctx, jujuapi.AllActiveIdle(AllApps()...))
		require.NoError(t, err)
	})

	step("num-history-shards=100 blocks", true, func(t *testing.T) {
		ctx := within(t, actionTimeout)
		require.NoError(t, m.SetConfig(Frontend, map[string]string{"num-history-shards": "100"}))
		_, err := m.WaitFor(ctx, jujuapi.UnitWorkload(Frontend+"/0", jujuapi.StatusBlocked, "num-history-shards", "100"))
		require.NoError(t, err)
	})

	step("resetting num-history-shards returns to active", true, func(t *testing.T) {
		ctx := within(t, settleTimeout)
		require.NoError(t, m.ResetConfig(Frontend, "num-history-shards"))
		_, err := m.WaitFor(ctx, jujuapi.AllActiveIdle(AllApps()...))
		require.NoError(t, err)
	})
}

// openModel connects to the controller and returns the model to use:
// JUJU_MODEL's, or a fresh one destroyed after the test unless KEEP_MODELS
// is set. It skips the test when there is no controller at all.
func openModel(t *testing.T, s jujuapi.Settings) *jujuapi.Model {
	t.Helper()
	store := jujuclient.NewFileClientStore()
	controller, err := jujuapi.SelectController(store, s)
	if errors.Is(err, jujuapi.ErrNoController) {
		t.Skipf("skipping the walkthrough against a real controller: %v", err)
	}
	require.NoError(t, err)
	require.NotEmpty(t, s.CharmPath, "set %s to the packed temporal-k8s charm", jujuapi.EnvCharmPath)
	_, err = os.Stat(s.CharmPath)
	require.NoError(t, err, "%s", jujuapi.EnvCharmPath)

	account, err := store.AccountDetails(controller)
	require.NoError(t, err)
	ctrlConn, err := jujuapi.Dial(store, controller, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ctrlConn.Close() })
	ctrl := jujuapi.NewController(ctrlConn)

	var uuid string
	if s.Model != "" {
		_, name := jujuapi.SplitModel(s.Model)
		qualified, err := jujuapi.QualifiedModelName(store, controller, name)
		require.NoError(t, err)
		if details, err := store.ModelByName(controller, qualified); err == nil {
			uuid = details.ModelUUID
		} else {
			uuid, err = ctrl.ModelUUID(account.User, qualified)
			require.NoError(t, err)
		}
		t.Logf("using model %s (%s) on %s", qualified, uuid, controller)
	} else {
		name := "temporal-it-" + randomSuffix(t)
		uuid, err = ctrl.CreateModel(name, account.User)
		require.NoError(t, err)
		t.Logf("created model %s (%s) on %s", name, uuid, controller)
		t.Cleanup(func() {
			if s.KeepModels {
				t.Logf("keeping model %s (%s): %s is set", name, uuid, jujuapi.EnvKeepModels)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), destroyTimeout)
			defer cancel()
			if err := ctrl.DestroyModel(ctx, uuid); err != nil {
				t.Errorf("cannot clean up: %v", err)
			}
		})
	}

	conn, err := jujuapi.Dial(store, controller, uuid)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	agentVersion, _ := conn.ServerVersion()
	m := jujuapi.NewModel(conn, agentVersion)
	t.Cleanup(func() {
		if t.Failed() {
			logStatus(t, m)
		}
	})
	return m
}

// within returns a context that ends after d or with the test.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// requireMembership retries the admin describe action until every ring
// has n members: new units join, and departed ones leave, a little after
// Juju reports them settled.
func requireMembership(t *testing.T, m *jujuapi.Model, n int) {
	ctx := within(t, membershipTimeout)
	for {
		got, err := ReadMembership(ctx, m)
		if err == nil {
			err = got.Expect(n)
		}
		if err == nil {
			t.Logf("membership: %v", got)
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("membership did not reach %d member(s) per ring within %s: %v", n, membershipTimeout, err)
		case <-time.After(membershipPoll):
		}
	}
}

// logStatus prints each unit's state, which is what a failed run needs
// first (`juju status` without the CLI).
func logStatus(t *testing.T, m *jujuapi.Model) {
	st, err := m.Status()
	if err != nil {
		t.Logf("cannot read status for the failure report: %v", err)
		return
	}
	for _, app := range slices.Sorted(maps.Keys(st.Applications)) {
		a := st.Applications[app]
		t.Logf("%s: %s %q", app, a.Status.Status, a.Status.Info)
		for _, u := range slices.Sorted(maps.Keys(a.Units)) {
			us := a.Units[u]
			t.Logf("  %s: %s/%s %q", u, us.WorkloadStatus.Status, us.AgentStatus.Status, us.WorkloadStatus.Info)
		}
	}
}

// randomSuffix keeps concurrent runs on one controller apart.
func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}
