package model_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// runHook fires a hook on a unit and waits for its record.
func (e *env) runHook(unit, hook string) model.HookRecord {
	e.t.Helper()
	wait, err := e.m.RunHook(unit, hook)
	require.NoError(e.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rec, err := wait(ctx)
	require.NoError(e.t, err)
	return rec
}

func (e *env) history(unit string) []model.HookRecord {
	e.t.Helper()
	h, err := e.m.HookHistory(unit)
	require.NoError(e.t, err)
	return h
}

func names(recs []model.HookRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Name())
	}
	return out
}

// blockingScript touches running, then waits until release exists.
func blockingScript(dir string) string {
	return fmt.Sprintf("touch %s/running; while [ ! -e %s/release ]; do sleep 0.05; done", dir, dir)
}

func TestHookRecords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		script      string
		failCommits int
		tools       []string
		code        int
		err         string
	}{{
		name:   "no tools",
		script: "true",
		tools:  []string{},
	}, {
		name:   "tools in the order called",
		script: "is-leader >/dev/null; status-set maintenance busy; status-set active; juju-log done",
		tools:  []string{"is-leader", "status-set", "status-set", "juju-log"},
	}, {
		name:   "a tool that fails is still a call",
		script: "relation-get -r 99 - demo/1 2>/dev/null || true; is-leader >/dev/null",
		tools:  []string{"relation-get", "is-leader"},
	}, {
		name:   "a failing hook",
		script: "is-leader >/dev/null; exit 3",
		tools:  []string{"is-leader"},
		code:   3,
		err:    "exit status 3",
	}, {
		name:        "an injected commit failure",
		script:      "status-set active",
		failCommits: 1,
		tools:       []string{"status-set"},
		err:         `cannot commit "update-status" hook: injected fault`,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Retries late enough that a failed hook is seen in error.
			e := newEnv(t, func(cfg *model.Config) { cfg.RetryMin, cfg.RetryMax = time.Minute, time.Minute })
			e.deploy(e.charm("demo", fakeCharm{script: map[string]string{"hooks/update-status": c.script}}), "demo", 1, nil)
			e.settle()
			require.NoError(t, e.m.FailCommits("demo/0", c.failCommits))
			before := time.Now()
			rec := e.runHook("demo/0", "update-status")
			require.Equal(t, "demo/0", rec.Unit)
			require.Equal(t, "update-status", rec.Hook)
			require.Empty(t, rec.Action)
			require.Equal(t, c.tools, rec.Tools)
			require.Equal(t, c.code, rec.ExitCode)
			require.Equal(t, c.err, rec.Error)
			require.Equal(t, c.err != "", rec.Failed())
			require.False(t, rec.Started.Before(before), "started %s, asked %s", rec.Started, before)
			require.Positive(t, rec.DurationMS)
			h := e.history("demo/0")
			require.Equal(t, rec, h[len(h)-1])
			failed, err := e.m.UnitError("demo/0")
			require.NoError(t, err)
			if c.err != "" {
				require.Equal(t, "update-status", failed, "a failed record is a failed hook")
			} else {
				require.Empty(t, failed)
			}
		})
	}
}

// The history lists every hook and action the unit ran, in order, each
// with the tools it called.
func TestHookHistoryFollowsTheUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{
		script:  map[string]string{"*": "is-leader >/dev/null", "actions/ping": "action-set a=b; action-fail no"},
		actions: "ping: {}\n",
	})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	h := e.history("demo/0")
	var want []string
	for _, ev := range e.events("demo/0") {
		want = append(want, strings.TrimPrefix(strings.TrimSpace(ev), "hooks/"))
	}
	require.Equal(t, []string{"install", "peer-relation-created", "leader-elected", "config-changed", "start"}, want)
	require.Equal(t, want, names(h))
	for _, r := range h {
		require.Equal(t, []string{"is-leader"}, r.Tools, r.Hook)
		require.Zero(t, r.ExitCode, r.Hook)
		require.Empty(t, r.Error, r.Hook)
	}
	for i := 1; i < len(h); i++ {
		require.False(t, h[i].Started.Before(h[i-1].Started), "records are in the order run")
	}

	res := e.runAction("demo/0", "ping", nil)
	require.Equal(t, "failed", res.Status)
	h = e.history("demo/0")
	rec := h[len(h)-1]
	require.Equal(t, "ping", rec.Action)
	require.Empty(t, rec.Hook)
	require.Equal(t, "ping", rec.Name())
	require.Equal(t, []string{"is-leader", "action-set", "action-fail"}, rec.Tools)
	require.Zero(t, rec.ExitCode)
	require.Equal(t, "no", rec.Error)

	_, err := e.m.HookHistory("demo/9")
	require.EqualError(t, err, `unit "demo/9" not found`)
}

// run-hook config-changed runs the hook a config change runs: its
// environment, and a commit of what it staged.
func TestRunHookConfigChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	port := e.dir + "/port"
	writeFile(t, port, "8080")
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/config-changed": "open-port $(cat " + port + "); echo \"$JUJU_UNIT_NAME env $JUJU_HOOK_NAME $JUJU_DISPATCH_PATH\" >> " + e.log,
	}})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	require.Equal(t, []string{"8080/tcp"}, e.m.Status().Applications["demo"].Units["demo/0"].OpenPorts)
	e.clearEvents()

	writeFile(t, port, "9090")
	rec := e.runHook("demo/0", "config-changed")
	require.Equal(t, "config-changed", rec.Hook)
	require.Equal(t, []string{"open-port"}, rec.Tools)
	require.Empty(t, rec.Error)
	require.Equal(t, []string{"8080/tcp", "9090/tcp"}, e.m.Status().Applications["demo"].Units["demo/0"].OpenPorts, "the hook committed")
	e.settle()
	require.Equal(t, []string{"hooks/config-changed", "env config-changed hooks/config-changed"}, e.events("demo/0"), "run once")
}

func TestRunHookRefusesOtherHooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, hook := range []string{"install", "start", "stop", "upgrade-charm", "peer-relation-joined", "-relation-changed", "app-pebble-ready", "", "Update-Status", "update-status "} {
		_, err := e.m.RunHook("demo/0", hook)
		require.EqualError(t, err, fmt.Sprintf("cannot run hook %q: only update-status, config-changed, secret-changed and ENDPOINT-relation-changed can be run", hook))
		require.EqualError(t, model.CheckRunHook(hook), err.Error())
	}
	for _, hook := range []string{"update-status", "config-changed", "secret-changed", "peer-relation-changed"} {
		require.NoError(t, model.CheckRunHook(hook))
	}
	_, err := e.m.RunHook("demo/9", "update-status")
	require.EqualError(t, err, `unit "demo/9" not found`)
}

// relation-changed and secret-changed run as the model runs them when a
// member's data or a tracked secret changes: with that relation's or that
// secret's environment. A unit with no member or no tracked secret is told
// so at once.
func TestRunHookRelationChangedAndSecretChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store, seen := e.dir+"/uri", e.dir+"/seen"
	ch := e.charm("demo", fakeCharm{
		actions: "make: {}\nread: {}\n",
		script: map[string]string{
			"actions/make":                   `uri=$(secret-add pass=one) && secret-grant "$uri" -r $(relation-ids api) && echo $uri > ` + store,
			"actions/read":                   `action-set v=$(secret-get $(cat ` + store + `) pass)`,
			"hooks/backend-relation-changed": `relation-ids backend >/dev/null`,
			"hooks/secret-changed":           `echo "$JUJU_SECRET_ID" > ` + seen,
		},
	})
	e.deploy(ch, "owner", 1, nil)
	e.deploy(ch, "user", 2, nil)
	_, err := e.m.Relate("owner:api", "user:backend")
	require.NoError(t, err)
	e.settle()

	_, err = e.m.RunHook("owner/0", "peer-relation-changed")
	require.EqualError(t, err, `cannot run peer-relation-changed on unit "owner/0": no relation of that endpoint has a member`)
	_, err = e.m.RunHook("user/0", "secret-changed")
	require.EqualError(t, err, `cannot run secret-changed on unit "user/0": it tracks no secret`)

	e.clearEvents()
	rec := e.runHook("user/0", "peer-relation-changed")
	require.Equal(t, "peer-relation-changed", rec.Hook)
	require.Empty(t, rec.Error)
	rec = e.runHook("user/0", "backend-relation-changed")
	require.Equal(t, []string{"relation-ids"}, rec.Tools)
	e.settle()
	require.Equal(t, []string{"hooks/peer-relation-changed user/1", "hooks/backend-relation-changed owner/0"}, e.events("user/0"), "once each")

	require.Equal(t, "completed", e.runAction("owner/0", "make", nil).Status)
	require.Equal(t, "one", e.runAction("user/0", "read", nil).Results["v"])
	e.settle()
	e.clearEvents()
	rec = e.runHook("user/0", "secret-changed")
	require.Equal(t, "secret-changed", rec.Hook)
	e.settle()
	require.Equal(t, []string{"hooks/secret-changed"}, e.events("user/0"), "once")
	uri, err := os.ReadFile(store)
	require.NoError(t, err)
	got, err := os.ReadFile(seen)
	require.NoError(t, err)
	require.Equal(t, string(uri), string(got), "JUJU_SECRET_ID")
}

// A fired hook waits for the hook running on the unit, and is that hook's
// own run: one that was already running when it was asked for is not it.
func TestRunHookWaitsForTheRunningHook(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// start starts the blocking hook and returns its name.
		start func(e *env) string
	}{{
		name: "the same hook",
		start: func(e *env) string {
			wait, err := e.m.RunHook("demo/0", "update-status")
			require.NoError(e.t, err)
			go wait(context.Background())
			return "update-status"
		},
	}, {
		name: "an action",
		start: func(e *env) string {
			_, err := e.m.RunAction("demo/0", "block", nil)
			require.NoError(e.t, err)
			return "block"
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			block := blockingScript(e.dir)
			ch := e.charm("demo", fakeCharm{
				script:  map[string]string{"hooks/update-status": block, "actions/block": block},
				actions: "block: {}\n",
			})
			e.deploy(ch, "demo", 1, nil)
			e.settle()
			e.clearEvents()
			blocker := c.start(e)
			e.waitFor("the blocking hook", func() bool {
				_, err := os.Stat(e.dir + "/running")
				return err == nil
			})

			wait, err := e.m.RunHook("demo/0", "update-status")
			require.NoError(t, err)
			type result struct {
				rec model.HookRecord
				err error
			}
			got := make(chan result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				rec, err := wait(ctx)
				got <- result{rec, err}
			}()
			select {
			case r := <-got:
				t.Fatalf("the hook ran alongside the running one: %+v, %v", r.rec, r.err)
			case <-time.After(300 * time.Millisecond):
			}
			writeFile(t, e.dir+"/release", "")
			r := <-got
			require.NoError(t, r.err)
			h := e.history("demo/0")
			require.Equal(t, []string{blocker, "update-status"}, names(h[len(h)-2:]))
			first := h[len(h)-2]
			require.Equal(t, h[len(h)-1], r.rec, "the record of the hook that ran after the request")
			end := first.Started.Add(time.Duration(first.DurationMS * float64(time.Millisecond)))
			require.False(t, r.rec.Started.Before(end), "started %s, before the running hook ended at %s", r.rec.Started, end)
			path := "hooks/" + blocker
			if blocker == "block" {
				path = "actions/block"
			}
			require.Equal(t, []string{path, "hooks/update-status"}, e.events("demo/0"))
		})
	}
}

// Giving up on a hook that has not started withdraws it.
func TestRunHookGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{script: map[string]string{"actions/block": blockingScript(e.dir)}, actions: "block: {}\n"})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	e.clearEvents()
	_, err := e.m.RunAction("demo/0", "block", nil)
	require.NoError(t, err)
	e.waitFor("the blocking action", func() bool {
		_, err := os.Stat(e.dir + "/running")
		return err == nil
	})
	wait, err := e.m.RunHook("demo/0", "update-status")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, `update-status did not start on unit "demo/0" and is withdrawn`)
	writeFile(t, e.dir+"/release", "")
	e.settle()
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, []string{"actions/block"}, e.events("demo/0"), "the withdrawn hook did not run")
}

// A unit that goes away ends the waits for its hooks.
func TestRunHookOnARemovedUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{script: map[string]string{"actions/block": blockingScript(e.dir)}, actions: "block: {}\n"})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	_, err := e.m.RunAction("demo/0", "block", nil)
	require.NoError(t, err)
	e.waitFor("the blocking action", func() bool {
		_, err := os.Stat(e.dir + "/running")
		return err == nil
	})
	wait, err := e.m.RunHook("demo/0", "config-changed")
	require.NoError(t, err)
	require.NoError(t, e.m.RemoveUnitForTest("demo/0"))
	_, err = e.m.RunHook("demo/0", "config-changed")
	require.EqualError(t, err, `unit "demo/0" not found`, "a dying unit runs no more hooks")
	writeFile(t, e.dir+"/release", "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = wait(ctx)
	require.EqualError(t, err, `unit "demo/0" was removed`)
}

// A unit keeps only its latest records.
func TestHookHistoryIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *model.Config) { c.HookHistoryLimit = 3 })
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 1, nil)
	e.settle()
	require.Equal(t, []string{"hooks/install", "hooks/peer-relation-created", "hooks/leader-elected", "hooks/config-changed", "hooks/start"}, e.events("demo/0"))
	require.Equal(t, []string{"leader-elected", "config-changed", "start"}, names(e.history("demo/0")))
	last := e.runHook("demo/0", "update-status")
	require.Equal(t, []string{"config-changed", "start", "update-status"}, names(e.history("demo/0")))
	require.Equal(t, last, e.history("demo/0")[2])
	e.runHook("demo/0", "config-changed")
	require.Equal(t, []string{"start", "update-status", "config-changed"}, names(e.history("demo/0")))
}
