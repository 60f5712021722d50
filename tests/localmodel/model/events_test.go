package model_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func TestDeployOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lowestLeads)
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 2, nil)
	e.settle()
	require.Equal(t, []string{
		"hooks/install",
		"hooks/peer-relation-created",
		"hooks/leader-elected",
		"hooks/config-changed",
		"hooks/start",
		"hooks/peer-relation-joined demo/1",
		"hooks/peer-relation-changed demo/1",
	}, without(e.events("demo/0"), "update-status"))
	require.Equal(t, []string{
		"hooks/install",
		"hooks/peer-relation-created",
		"hooks/leader-settings-changed",
		"hooks/config-changed",
		"hooks/start",
		"hooks/peer-relation-joined demo/0",
		"hooks/peer-relation-changed demo/0",
	}, without(e.events("demo/1"), "update-status"))
	st := e.m.Status()
	require.True(t, st.Applications["demo"].Units["demo/0"].Leader)
	require.False(t, st.Applications["demo"].Units["demo/1"].Leader)
	// start without a status from the charm leaves the workload unknown.
	require.Equal(t, "unknown", st.Applications["demo"].Units["demo/0"].WorkloadStatus.Current)
	require.Equal(t, "idle", st.Applications["demo"].Units["demo/0"].JujuStatus.Current)
}

func TestHookEnvironment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dump := e.dir + "/env-$JUJU_HOOK_NAME"
	e.deploy(e.charm("demo", fakeCharm{script: map[string]string{"*": "env | sort > " + dump}}), "demo", 1, nil)
	e.settle()
	cases := []struct {
		hook string
		want map[string]string
	}{{
		hook: "install",
		want: map[string]string{
			"JUJU_HOOK_NAME": "install", "JUJU_DISPATCH_PATH": "hooks/install", "JUJU_UNIT_NAME": "demo/0",
			"JUJU_VERSION": "3.6.25", "JUJU_MODEL_NAME": "localmodel", "JUJU_MACHINE_ID": "",
			"JUJU_PRINCIPAL_UNIT": "", "JUJU_AVAILABILITY_ZONE": "", "JUJU_AGENT_SOCKET_NETWORK": "unix",
			"LANG": "C.UTF-8", "TERM": "tmux-256color", "DEBIAN_FRONTEND": "noninteractive",
		},
	}, {
		hook: "peer-relation-created",
		want: map[string]string{
			"JUJU_RELATION": "peer", "JUJU_RELATION_ID": "peer:0", "JUJU_REMOTE_APP": "demo", "JUJU_REMOTE_UNIT": "",
		},
	}}
	for _, c := range cases {
		data := readFile(t, e.dir+"/env-"+c.hook)
		vars := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(data), "\n") {
			k, v, _ := strings.Cut(line, "=")
			vars[k] = v
		}
		for k, v := range c.want {
			got, ok := vars[k]
			require.True(t, ok, "%s: %s not set", c.hook, k)
			require.Equal(t, v, got, "%s: %s", c.hook, k)
		}
		require.Equal(t, vars["JUJU_CHARM_DIR"], vars["CHARM_DIR"])
		require.Contains(t, vars["JUJU_CONTEXT_ID"], "demo/0-"+c.hook+"-")
		require.True(t, strings.HasSuffix(vars["PATH"], ":/usr/sbin:/usr/bin:/sbin:/bin"), vars["PATH"])
		_, home := vars["HOME"]
		require.False(t, home, "HOME must not be set")
	}
}

func TestRelationOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	flag := e.dir + "/go"
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/api-relation-created": `if [ "$(is-leader)" = True ]; then relation-set --app endpoint=x; fi
echo "$JUJU_UNIT_NAME created-done" >> ` + e.log,
		// a/0 waits until both remote units are in scope and the remote
		// leader's app data is written, so its view is deterministic.
		"hooks/backend-relation-created": `while [ ! -e ` + flag + ` ]; do sleep 0.05; done`,
	}})
	e.deploy(ch, "a", 1, nil)
	e.deploy(ch, "b", 2, nil)
	e.settle()
	e.clearEvents()
	_, err := e.m.Relate("a:backend", "b:api")
	require.NoError(t, err)
	e.waitFor("remote created hooks", func() bool {
		return len(e.events("b/0")) == 2 && len(e.events("b/1")) == 2
	})
	// The done line is written just before the hook exits and commits.
	time.Sleep(300 * time.Millisecond)
	writeFile(t, flag, "")
	e.settle()
	require.Equal(t, []string{
		"hooks/backend-relation-created",
		"hooks/backend-relation-changed",
		"hooks/backend-relation-joined b/0",
		"hooks/backend-relation-changed b/0",
		"hooks/backend-relation-joined b/1",
		"hooks/backend-relation-changed b/1",
	}, e.events("a/0"))
	require.Equal(t, []string{
		"hooks/api-relation-created",
		"created-done",
		"hooks/api-relation-joined a/0",
		"hooks/api-relation-changed a/0",
	}, e.events("b/1"))

	e.clearEvents()
	require.NoError(t, e.m.RemoveRelation("a", "b"))
	e.settle()
	require.Equal(t, []string{
		"hooks/backend-relation-departed b/0",
		"hooks/backend-relation-departed b/1",
		"hooks/backend-relation-broken",
	}, e.events("a/0"))
	require.Equal(t, []string{
		"hooks/api-relation-departed a/0",
		"hooks/api-relation-broken",
	}, e.events("b/0"))
}

// Peer app data reaches every unit, the leader that wrote it included: a
// unit watches its counterpart applications' app data, which on a peer
// relation is its own application's (state/relationunit.go).
func TestPeerAppDataReachesTheLeaderToo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lowestLeads)
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"actions/publish": `relation-set -r $(relation-ids peer) --app k=v`,
	}, actions: "publish: {}\n"})
	e.deploy(ch, "demo", 2, nil)
	e.settle()
	e.clearEvents()
	res := e.runAction("demo/0", "publish", nil)
	require.Equal(t, "completed", res.Status)
	e.settle()
	require.Equal(t, []string{"actions/publish", "hooks/peer-relation-changed"}, e.events("demo/0"))
	require.Equal(t, []string{"hooks/peer-relation-changed"}, e.events("demo/1"))
}

// A relation's own relation-created hook lists it in relation-ids: Juju
// joins the relation before that hook (statetracker.go,
// SynchronizeScopes → joinRelation) and the hook context lists every
// joined relation (contextfactory.go, getContextRelations).
func TestRelationIDsListTheRelationInItsCreatedHook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/backend-relation-created": `echo "$JUJU_UNIT_NAME ids $(relation-ids backend --format=json)" >> ` + e.log,
	}})
	e.deploy(ch, "a", 1, nil)
	e.deploy(ch, "b", 1, nil)
	e.settle()
	e.clearEvents()
	id, err := e.m.Relate("a:backend", "b:api")
	require.NoError(t, err)
	e.settle()
	evs := e.events("a/0")
	require.GreaterOrEqual(t, len(evs), 2)
	require.Equal(t, "hooks/backend-relation-created", evs[0])
	require.Equal(t, fmt.Sprintf(`ids ["backend:%d"]`, id), evs[1])
}

// Juju ranges over a map of relations, so a unit's hooks for two
// relations come in either order: over a few seeds, both orders happen.
// Both relations exist before demo's unit does, so the order comes from
// the shuffle alone and not from how fast the unit ran the first
// relation's hook before the second relate (which made this flaky on a
// loaded machine).
func TestRelationOrderIsShuffled(t *testing.T) {
	t.Parallel()
	orders := map[string]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		e := newEnv(t, func(c *model.Config) { c.Seed = seed })
		ch := e.charm("demo", fakeCharm{})
		e.deploy(ch, "demo", 0, nil)
		e.deploy(ch, "one", 1, nil)
		e.deploy(ch, "two", 1, nil)
		_, err := e.m.Relate("demo:backend", "one:api")
		require.NoError(t, err)
		_, err = e.m.Relate("demo:api", "two:backend")
		require.NoError(t, err)
		require.NoError(t, e.m.Scale("demo", 1))
		e.settle()
		var created []string
		for _, ev := range e.events("demo/0") {
			if strings.HasSuffix(ev, "-relation-created") && !strings.Contains(ev, "peer") {
				created = append(created, ev)
			}
		}
		require.Len(t, created, 2)
		orders[strings.Join(created, ",")] = true
		e.m.Close()
	}
	require.Len(t, orders, 2, "relations always came in one order: %v", orders)
}

func TestFailedHookRetriesAndBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	flag := e.dir + "/fail"
	writeFile(t, flag, "")
	ch := e.charm("demo", fakeCharm{
		script: map[string]string{
			"hooks/config-changed": "[ -e " + flag + " ] && exit 1; exit 0",
			"actions/ping":         "action-set pong=yes",
		},
		config:  "options:\n  x: {type: string, default: a}\n",
		actions: "ping: {}\n",
	})
	e.deploy(ch, "demo", 1, nil)
	e.waitFor("hook error", func() bool {
		u := e.m.Status().Applications["demo"].Units["demo/0"]
		return u.WorkloadStatus.Current == "error" && u.WorkloadStatus.Message == `hook failed: "config-changed"`
	})
	// Actions still run while the unit is in error.
	res := e.runAction("demo/0", "ping", nil)
	require.Equal(t, "completed", res.Status)
	require.Equal(t, "yes", res.Results["pong"])
	e.waitFor("a retry", func() bool {
		n := 0
		for _, ev := range e.events("demo/0") {
			if ev == "hooks/config-changed" {
				n++
			}
		}
		return n >= 2
	})
	require.NotContains(t, e.events("demo/0"), "hooks/start")
	require.NoError(t, os.Remove(flag))
	e.settle()
	evs := without(e.events("demo/0"), "update-status", "actions/")
	require.Equal(t, "hooks/start", evs[len(evs)-1])
	require.Equal(t, "unknown", e.m.Status().Applications["demo"].Units["demo/0"].WorkloadStatus.Current)
}

func TestConfigChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{
		config: "options:\n  n: {type: int, default: 1}\n  s: {type: string}\n",
		script: map[string]string{"hooks/config-changed": "config-get --format=json >> " + e.dir + "/config.log"},
	})
	e.deploy(ch, "demo", 1, map[string]string{"s": "x"})
	e.settle()
	require.NoError(t, e.m.SetConfig("demo", map[string]string{"n": "5"}, nil))
	e.settle()
	require.NoError(t, e.m.SetConfig("demo", nil, []string{"n", "s"}))
	e.settle()
	require.Equal(t, `{"n":1,"s":"x"}`+"\n"+`{"n":5,"s":"x"}`+"\n"+`{"n":1}`+"\n", readFile(t, e.dir+"/config.log"))
	// key= restores a non-string option's default.
	require.NoError(t, e.m.SetConfig("demo", map[string]string{"n": "7"}, nil))
	require.NoError(t, e.m.SetConfig("demo", map[string]string{"n": ""}, nil))
	cfg, err := e.m.Config("demo")
	require.NoError(t, err)
	require.Equal(t, model.ConfigValue{Type: "int", Default: int64(1), Value: int64(1), Source: "default"}, cfg["n"])
	require.Error(t, e.m.SetConfig("demo", map[string]string{"n": "five"}, nil))
	require.Error(t, e.m.SetConfig("demo", map[string]string{"nope": "1"}, nil))
}

func TestPebbleReadyAndCheckEvents(t *testing.T) {
	t.Parallel()
	e := newEnvWithPebble(t, pebbleBin(t), func(c *model.Config) { c.PebblePollInterval = 100 * time.Millisecond })
	okFile := e.dir + "/ok"
	layer := e.dir + "/layer.yaml"
	writeFile(t, layer, `checks:
  up:
    override: replace
    period: 200ms
    threshold: 1
    exec:
      command: test -e `+okFile+`
`)
	sock := e.dir + "/pods/demo-0/containers/app/pebble.socket"
	pebble := "PEBBLE_SOCKET=" + sock + " " + pebbleBin(t)
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/app-pebble-ready":           pebble + " add checks " + layer,
		"hooks/app-pebble-check-failed":    `echo "failed $JUJU_WORKLOAD_NAME $JUJU_PEBBLE_CHECK_NAME" >> ` + e.log + "; touch " + okFile,
		"hooks/app-pebble-check-recovered": `echo "recovered $JUJU_WORKLOAD_NAME $JUJU_PEBBLE_CHECK_NAME" >> ` + e.log,
	}})
	e.deploy(ch, "demo", 1, nil)
	e.waitFor("check recovered", func() bool {
		evs := e.events("")
		return len(evs) > 0 && strings.HasPrefix(evs[len(evs)-1], "recovered")
	})
	evs := without(e.events(""), "update-status")
	require.Contains(t, evs, "demo/0 hooks/app-pebble-ready")
	require.Equal(t, []string{
		"demo/0 hooks/app-pebble-check-failed",
		"failed app up",
		"demo/0 hooks/app-pebble-check-recovered",
		"recovered app up",
	}, evs[len(evs)-4:])
}

func TestRelationLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	meta := strings.Replace(baseMeta, "backend: {interface: demo_api}", "backend: {interface: demo_api, limit: 1}", 1)
	ch := e.charm("demo", fakeCharm{meta: meta})
	e.deploy(ch, "a", 1, nil)
	e.deploy(ch, "b", 1, nil)
	e.deploy(ch, "c", 1, nil)
	_, err := e.m.Relate("a:backend", "b")
	require.NoError(t, err)
	_, err = e.m.Relate("a:backend", "c:api")
	require.EqualError(t, err, `cannot add relation "a:backend c:api": establishing a new relation for a:backend would exceed its maximum relation limit of 1`)
	_, err = e.m.Relate("a", "b")
	require.ErrorContains(t, err, "ambiguous relation")
	_, err = e.m.Relate("a:peer", "b:peer")
	require.ErrorContains(t, err, "no relations found")
}

func TestHostsAndUpdateStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *model.Config) { c.UpdateStatusInterval = 300 * time.Millisecond })
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 2, nil)
	e.settle()
	st := e.m.Status()
	ip0 := st.Applications["demo"].Units["demo/0"].Address
	ip1 := st.Applications["demo"].Units["demo/1"].Address
	svc := st.Applications["demo"].Address
	require.NotEmpty(t, svc)
	require.NotContains(t, []string{ip0, ip1}, svc, "the app name is the Service, not a pod")
	hosts := readFile(t, e.dir+"/pods/hosts")
	require.Contains(t, hosts, svc+"\tdemo demo.localmodel.svc.cluster.local\n")
	require.Contains(t, hosts, ip0+"\tdemo-0 ")
	require.Contains(t, hosts, ip1+"\tdemo-1 ")
	e.waitFor("update-status on both units", func() bool {
		return strings.Contains(strings.Join(e.events("demo/0"), ","), "update-status") &&
			strings.Contains(strings.Join(e.events("demo/1"), ","), "update-status")
	})
	require.NoError(t, e.m.RemoveUnitForTest("demo/0"))
	e.settle()
	hosts = readFile(t, e.dir+"/pods/hosts")
	require.Contains(t, hosts, svc+"\tdemo demo.localmodel.svc.cluster.local\n", "a Service outlives its pods")
	require.Equal(t, svc, e.m.Status().Applications["demo"].Address)
	require.NotContains(t, hosts, ip0)
}

// A hook whose process exits 0 can still fail: Juju flushes what it
// staged afterwards, and a failed flush keeps nothing, fails the hook and
// retries it.
func TestFailedCommitKeepsNothingAndRetries(t *testing.T) {
	t.Parallel()
	// A retry late enough to see the error first.
	e := newEnv(t, func(c *model.Config) { c.RetryMin, c.RetryMax = 3*time.Second, 3*time.Second })
	ch := e.charm("demo", fakeCharm{
		script: map[string]string{"hooks/config-changed": "open-port $(config-get x)"},
		config: "options:\n  x: {type: string, default: \"8080\"}\n",
	})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	require.Equal(t, []string{"8080/tcp"}, e.m.Status().Applications["demo"].Units["demo/0"].OpenPorts)
	e.clearEvents()

	require.NoError(t, e.m.FailCommits("demo/0", 1))
	require.NoError(t, e.m.SetConfig("demo", map[string]string{"x": "9090"}, nil))
	e.waitFor("the failed commit", func() bool {
		return e.m.Status().Applications["demo"].Units["demo/0"].WorkloadStatus.Message == `hook failed: "config-changed"`
	})
	require.Equal(t, []string{"8080/tcp"}, e.m.Status().Applications["demo"].Units["demo/0"].OpenPorts, "nothing of the failed hook was kept")
	e.settle()
	require.Equal(t, []string{"8080/tcp", "9090/tcp"}, e.m.Status().Applications["demo"].Units["demo/0"].OpenPorts, "the retry committed")
	require.Equal(t, []string{"hooks/config-changed", "hooks/config-changed"}, without(e.events("demo/0"), "update-status"))
	require.Error(t, e.m.FailCommits("demo/9", 1))
}

// Juju leaves a relation out of relation-ids only when it is broken: not
// alive and without members (contextfactory.go, getContextRelations). A
// removed relation is gone from its own broken hook; a unit that is going
// away still sees the relations it leaves.
func TestRelationIDsInBrokenHooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/api-relation-broken": `echo "ids $JUJU_UNIT_NAME [$(relation-ids api)]" >> ` + e.log,
	}})
	e.deploy(ch, "demo", 2, nil)
	e.deploy(e.charm("other", fakeCharm{}), "other", 1, nil)
	id, err := e.m.Relate("demo:api", "other:backend")
	require.NoError(t, err)
	e.settle()

	e.clearEvents()
	require.NoError(t, e.m.Scale("demo", 1))
	e.settle()
	require.Contains(t, e.events(""), fmt.Sprintf("ids demo/1 [api:%d]", id), "a departing unit still sees the relation")

	e.clearEvents()
	require.NoError(t, e.m.RemoveRelation("demo:api", "other:backend"))
	e.settle()
	require.Contains(t, e.events(""), "ids demo/0 []", "a removed relation is broken")
}
