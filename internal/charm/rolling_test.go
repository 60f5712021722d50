package charm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/peer"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// The tests below pin the restart lock (internal/relation/peer/restart.go)
// as each unit plays its part; the e2e suite runs it across real units.

// threeUnits is a settled unit of a three-unit application: t/0 (this
// unit), t/1 and t/2.
func threeUnits(t *testing.T, leader bool) *fixture {
	t.Helper()
	s := everyRelation(leader) // t/1 is there already
	s.Relations[0].RemoteUnits = []string{app + "/1", app + "/2"}
	s.Relations[0].RemoteUnitData = map[string]map[string]string{app + "/1": {}, app + "/2": {}}
	return settled(t, s)
}

// ask makes unit u ask for the lock, as its own hook would.
func (f *fixture) ask(u, request string) {
	f.model.Update(func(s *jujutest.State) { s.Relations[0].RemoteUnitData[u][peer.RequestKey] = request })
}

func (f *fixture) grant(t *testing.T) peer.Grant {
	t.Helper()
	g, err := peer.ReadGrant(f.relation(t, "peer:0").LocalAppData)
	require.NoError(t, err)
	return g
}

func (f *fixture) request(t *testing.T) string {
	return f.relation(t, "peer:0").LocalUnitData[peer.RequestKey]
}

func peerChangedBy(u string) juju.Event {
	ev := peerChanged
	ev.RemoteUnit = u
	return ev
}

// asking is a settled non-leader of three whose new configuration made it
// ask for the restart lock.
func asking(t *testing.T) *fixture {
	t.Helper()
	f := threeUnits(t, false)
	f.changeConfig()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.NotEmpty(t, f.request(t))
	return f
}

func (f *fixture) changeConfig() {
	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
}

func TestLeaderRestartsAtOnceWhenTheLockIsFree(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, true)
	f.changeConfig()
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	require.Equal(t, active, f.status())
	require.Empty(t, f.request(t), "served again: request withdrawn")
	require.False(t, f.grant(t).Held(), "and the lock freed in the same hook")
	require.Equal(t, 1, peerLists(f.model.Calls()), "the other units' requests are read once a hook")
}

// peerLists counts the relation-list calls on the peer relation: how
// often a hook read which units might ask for the lock.
func peerLists(calls []jujutest.Call) int {
	n := 0
	for _, c := range calls {
		if c.Name == "relation-list" && slices.Contains(c.Args, "peer:0") {
			n++
		}
	}
	return n
}

// A leader reads the other units' requests only when one may ask: not on
// another relation's unit event.
func TestLeaderReadsRequestsOnlyWhenOneMayAsk(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, true)
	// New admin data that changes nothing the server runs with.
	f.model.Update(func(s *jujutest.State) { s.Relations[3].RemoteAppData["note"] = "hello" })
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.RelationChanged, Name: "admin-relation-changed", Relation: "admin", RelationID: "admin:5", RemoteApp: "temporal-admin-k8s", RemoteUnit: "temporal-admin-k8s/0"})
	calls := f.model.Calls()
	require.Contains(t, callNames(calls), "secret-get", "a full hook")
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	require.Zero(t, peerLists(calls))
}

func TestLeaderWaitsForTheHolderAndThenTakesItsTurn(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, true)
	// t/1 asked and was granted the lock.
	f.ask(app+"/1", "hash-1")
	f.mustRun(t, peerChangedBy(app+"/1"))
	require.Equal(t, app+"/1", f.grant(t).Unit)

	f.changeConfig()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName), "t/1 restarts: this unit serves on")
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "serving; restarts for a new configuration when it holds the restart lock (held by temporal-k8s/1)"}, f.status())
	require.NotEmpty(t, f.request(t))

	// t/2 asks meanwhile: it waits as well.
	f.ask(app+"/2", "hash-2")
	f.mustRun(t, peerChangedBy(app+"/2"))
	require.Equal(t, app+"/1", f.grant(t).Unit)
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))

	// t/1 serves again and withdraws: the next in unit order after it
	// is t/2, then this unit (t/0).
	f.ask(app+"/1", "")
	f.mustRun(t, peerChangedBy(app+"/1"))
	require.Equal(t, app+"/2", f.grant(t).Unit)
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	f.ask(app+"/2", "")
	f.mustRun(t, peerChangedBy(app+"/2"))
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	require.Contains(t, f.configFile(t), "level: debug")
	require.Equal(t, active, f.status())
	require.Empty(t, f.request(t))
	require.False(t, f.grant(t).Held())

	// Nothing left to do: the next hooks only observe.
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader"}, callNames(f.model.Calls()))
}

// t1HoldsT2Waits is a leader that granted the lock to t/1 while t/2 asks
// too.
func t1HoldsT2Waits(t *testing.T) *fixture {
	t.Helper()
	f := threeUnits(t, true)
	f.ask(app+"/1", "hash-1")
	f.ask(app+"/2", "hash-2")
	f.mustRun(t, peerChangedBy(app+"/1"))
	require.Equal(t, app+"/1", f.grant(t).Unit)
	return f
}

func TestAHolderThatNeverComesBackTimesOut(t *testing.T) {
	t.Parallel()
	f := t1HoldsT2Waits(t)

	// Within its time, update-status leaves it.
	f.clock.Sleep(context.Background(), peer.RestartTimeout-time.Second)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, app+"/1", f.grant(t).Unit)
	// Past it, the next unit gets the lock.
	f.clock.Sleep(context.Background(), time.Second)
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, app+"/2", f.grant(t).Unit)
}

func TestAHolderThatLeavesPassesTheLockOn(t *testing.T) {
	t.Parallel()
	f := t1HoldsT2Waits(t)

	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].RemoteUnits = []string{app + "/2"}
		delete(s.Relations[0].RemoteUnitData, app+"/1")
	})
	f.mustRun(t, juju.Event{Kind: juju.RelationDeparted, Name: "peer-relation-departed", Relation: "peer", RelationID: "peer:0",
		RemoteApp: app, RemoteUnit: app + "/1", DepartingUnit: app + "/1"})
	require.Equal(t, app+"/2", f.grant(t).Unit)
}

func TestANewLeaderCarriesTheLockOn(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, false)
	// The old leader granted t/1, which is done; t/2 asks.
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData = map[string]string{}
		for k, v := range (peer.Grant{Unit: app + "/1", At: f.clock.Now()}).Data() {
			s.Relations[0].LocalAppData[k] = v
		}
		s.Relations[0].RemoteUnitData[app+"/2"][peer.RequestKey] = "hash-2"
		s.Leader = true
	})
	f.mustRun(t, juju.Event{Kind: juju.LeaderElected})
	require.Equal(t, app+"/2", f.grant(t).Unit)
}

func TestARequestNoLongerNeededIsWithdrawn(t *testing.T) {
	t.Parallel()
	f := asking(t)
	// Set back before its turn came.
	f.model.Update(func(s *jujutest.State) { delete(s.Config, "log-level") })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Empty(t, f.request(t))
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	require.Equal(t, active, f.status())
}

// A unit that is granted the lock but does not serve again within the
// start timeout keeps it until it does.
func TestTheLockIsKeptUntilTheServerServes(t *testing.T) {
	t.Parallel()
	f := asking(t)
	f.grantRestart()
	f.mu.Lock()
	f.dialFailures = 1000
	f.mu.Unlock()
	f.mustRun(t, peerChanged)
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	require.NotEmpty(t, f.request(t))
	// Still not serving at the next hook: still held.
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.NotEmpty(t, f.request(t))
	require.Equal(t, juju.StatusWaiting, f.status().Name)

	f.mu.Lock()
	f.dialFailures = 0
	f.mu.Unlock()
	f.mustRun(t, juju.Event{Kind: juju.PebbleCheckRecovered, Name: "temporal-pebble-check-recovered", CheckName: temporal.CheckName})
	require.Empty(t, f.request(t))
	require.Equal(t, active, f.status())
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
}

func TestRestartActionTakesItsTurn(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(false)) // with t/1
	f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
	results, failed := f.model.ActionResults()
	require.Nil(t, failed)
	require.Equal(t, "restart queued: temporal-server restarts when this unit holds the restart lock (held by nobody yet), which the leader grants to one unit at a time", results["result"])
	require.Equal(t, peer.ActionRequest, f.request(t))
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName))
	// The action kept what it did in the cache: the status it set is
	// not set again.
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.NotContains(t, callNames(f.model.Calls()), "status-set")

	f.grantRestart()
	f.mustRun(t, peerChanged)
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	require.Empty(t, f.request(t))
	require.Equal(t, active, f.status())

	// Forced, it restarts at once whoever holds the lock, with the
	// configuration it was waiting to restart with.
	f.model.Update(func(s *jujutest.State) {
		for k, v := range (peer.Grant{Unit: app + "/1", At: f.clock.Now()}).Data() {
			s.Relations[0].LocalAppData[k] = v
		}
	})
	f.changeConfig()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName), "t/1 holds the lock")
	f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{"force": true} })
	f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
	results, failed = f.model.ActionResults()
	require.Nil(t, failed)
	require.Equal(t, "temporal-server restarted and serving", results["result"])
	require.Equal(t, 3, f.box.Starts(temporal.ServiceName))
	require.Contains(t, f.configFile(t), "level: debug")
}

func TestANewLeaderGrantsAWaitingUnit(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, false)
	// The old leader freed the lock and left before it saw t/2 ask.
	f.ask(app+"/2", "hash-2")
	f.model.Update(func(s *jujutest.State) { s.Leader = true })
	f.mustRun(t, juju.Event{Kind: juju.LeaderElected})
	require.Equal(t, app+"/2", f.grant(t).Unit)
}

// A lock the leader wrote badly is treated as free, and written again.
func TestAnUnreadableLockIsFree(t *testing.T) {
	t.Parallel()
	f := threeUnits(t, true)
	f.model.Update(func(s *jujutest.State) {
		s.Relations[0].LocalAppData[peer.HolderKey] = app + "/1"
		s.Relations[0].LocalAppData[peer.GrantedKey] = "yesterday"
	})
	logs := newLogs(f)
	f.changeConfig()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Contains(t, logs(), `Cannot read the restart lock: cannot parse peer restart-granted "yesterday"`)
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName), "the lock was free for this unit")
	require.False(t, f.grant(t).Held())
}

// The cache is cheap to lose: a unit that asked and lost it still takes
// its turn and gives the lock back.
func TestALostCacheDoesNotKeepTheLock(t *testing.T) {
	t.Parallel()
	f := asking(t)
	require.NoError(t, os.Remove(f.cache))
	f.grantRestart()
	f.mustRun(t, peerChanged)
	require.Equal(t, 2, f.box.Starts(temporal.ServiceName))
	require.Empty(t, f.request(t))

	// And a queued restart action likewise.
	f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	f.model.Update(func(s *jujutest.State) {
		delete(s.Relations[0].LocalAppData, peer.HolderKey)
		delete(s.Relations[0].LocalAppData, peer.GrantedKey)
	})
	f.mustRun(t, juju.Event{Kind: juju.Action, Name: "restart"})
	require.Equal(t, peer.ActionRequest, f.request(t))
	require.Equal(t, juju.Status{Name: juju.StatusActive, Message: "serving; restarts for the restart action when it holds the restart lock (held by nobody yet)"}, f.status())
	require.NoError(t, os.Remove(f.cache))
	f.grantRestart()
	f.mustRun(t, peerChanged)
	require.Equal(t, 3, f.box.Starts(temporal.ServiceName))
	require.Empty(t, f.request(t))
	require.Equal(t, active, f.status())
}

// Every hook-tool call of the lock's hooks is needed: a failed one fails
// the hook.
func TestEveryRestartLockCallFailureFailsTheHook(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name   string
		leader bool
		setup  func(t *testing.T, f *fixture) juju.Event
	}{
		{"non-leader asks", false, func(_ *testing.T, f *fixture) juju.Event {
			f.changeConfig()
			return juju.Event{Kind: juju.ConfigChanged}
		}},
		{"leader grants the lock", true, func(_ *testing.T, f *fixture) juju.Event {
			f.ask(app+"/1", "hash-1")
			return peerChangedBy(app + "/1")
		}},
		{"leader restarts itself and frees the lock", true, func(_ *testing.T, f *fixture) juju.Event {
			f.changeConfig()
			return juju.Event{Kind: juju.ConfigChanged}
		}},
		{"granted unit restarts and gives the lock back", false, func(t *testing.T, f *fixture) juju.Event {
			f.changeConfig()
			f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
			f.grantRestart()
			return peerChanged
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			clean := threeUnits(t, sc.leader)
			ev := sc.setup(t, clean)
			r := &failAt{Runner: clean.model, nth: nth{n: -1}}
			clean.runner = r
			clean.mustRun(t, ev)
			for i, call := range r.calls {
				if tolerated(call) {
					continue
				}
				t.Run(fmt.Sprintf("%02d %s", i, call), func(t *testing.T) {
					f := threeUnits(t, sc.leader)
					ev := sc.setup(t, f)
					fr := &failAt{Runner: f.model, nth: nth{n: i}}
					f.runner = fr
					err := f.run(t, ev)
					require.NotNil(t, fr.err, "the run made fewer calls: %v", fr.calls)
					require.True(t, errors.Is(err, fr.err), "a failed %q must fail the hook, got %v", call, err)
				})
			}
		})
	}
}

// Juju may fail to commit what a hook wrote to the peer relation: the
// hooks after write it again rather than trust the cache.
func TestLockWritesWhoseCommitFailedAreMadeAgain(t *testing.T) {
	t.Parallel()
	t.Run("a withdrawn request", func(t *testing.T) {
		t.Parallel()
		f := asking(t)
		f.grantRestart()
		f.runCommitFails(t, peerChanged)
		require.NotEmpty(t, f.request(t), "nothing was flushed")
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.Empty(t, f.request(t))
	})
	t.Run("a freed lock", func(t *testing.T) {
		t.Parallel()
		f := t1HoldsT2Waits(t)
		f.ask(app+"/2", "")
		f.ask(app+"/1", "")
		f.runCommitFails(t, peerChangedBy(app+"/1"))
		require.Equal(t, app+"/1", f.grant(t).Unit, "nothing was flushed")
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
		require.False(t, f.grant(t).Held())
	})
}
