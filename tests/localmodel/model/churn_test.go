package model_test

import (
	"context"
	"net"
	"os"
	osexec "os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// churnCharm marks its charm directory on install, logs the peer address it
// sees of each remote unit, and adds a layer in pebble-ready, so that a
// test sees what a new pod, a restarted agent or a restarted container
// keeps.
func churnCharm(e *env) string {
	sock := e.dir + "/pods/demo-${JUJU_UNIT_NAME#demo/}/containers/app/pebble.socket"
	return e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/install": `touch "$JUJU_CHARM_DIR/installed"`,
		// Every hook needs its agent's hook-tool socket.
		"*":                           `config-get >/dev/null || exit 1; [ -e "$JUJU_CHARM_DIR/installed" ] || echo "$JUJU_UNIT_NAME no-marker $JUJU_DISPATCH_PATH" >> ` + e.log,
		"hooks/peer-relation-changed": `echo "$JUJU_UNIT_NAME sees $JUJU_REMOTE_UNIT at $(relation-get private-address "$JUJU_REMOTE_UNIT")" >> ` + e.log,
		"hooks/app-pebble-ready":      "PEBBLE_SOCKET=" + sock + " " + pebbleBin(e.t) + " add --combine base " + e.dir + "/layer.yaml",
	}})
}

func newChurnEnv(t *testing.T, opts ...func(*model.Config)) *env {
	e := newEnvWithPebble(t, pebbleBin(t), append([]func(*model.Config){func(c *model.Config) { c.PebblePollInterval = 100 * time.Millisecond }}, opts...)...)
	writeFile(t, e.dir+"/layer.yaml", "services:\n  idle:\n    override: replace\n    command: sleep 1000\n")
	return e
}

func (e *env) waitChurn(wait func(context.Context) error, err error) {
	e.t.Helper()
	require.NoError(e.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(e.t, wait(ctx))
}

func (e *env) layered(unit string) bool {
	sock := e.dir + "/pods/demo-" + strings.TrimPrefix(unit, "demo/") + "/containers/app/pebble.socket"
	out, _ := pebbleCmd("PEBBLE_SOCKET="+sock, pebbleBin(e.t), "plan")
	return strings.Contains(out, "idle:")
}

// pebbleCmd runs the pebble CLI with one more environment variable.
func pebbleCmd(env, bin string, args ...string) (string, error) {
	cmd := osexec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *env) address(unit string) string {
	return e.m.Status().Applications["demo"].Units[unit].Address
}

// Deleting a pod (kubectl delete pod): the agent runs stop in the old
// pod; the new one has a new IP, an empty /var/lib/juju with the charm
// unpacked again and a fresh Pebble, and runs upgrade-charm,
// config-changed, start, leader-settings-changed (not on the leader) and
// pebble-ready. The other units see the new address in relation data.
func TestDeletePod(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	e.deploy(churnCharm(e), "demo", 2, nil)
	e.waitFor("layers", func() bool { return e.layered("demo/0") && e.layered("demo/1") })
	e.settle()
	victim := "demo/1"
	if e.m.Status().Applications["demo"].Units["demo/1"].Leader {
		victim = "demo/0"
	}
	other := map[string]string{"demo/0": "demo/1", "demo/1": "demo/0"}[victim]
	before := e.address(victim)
	e.clearEvents()

	e.waitChurn(e.m.DeletePod(victim))
	e.waitFor("the new pod's layer", func() bool { return e.layered(victim) })
	e.settle()

	after := e.address(victim)
	require.NotEqual(t, before, after)
	evs := without(e.events(victim), "update-status")
	require.Equal(t, []string{
		"hooks/stop",
		// The charm directory is new: install's marker is gone.
		"hooks/upgrade-charm", "no-marker hooks/upgrade-charm",
		"hooks/config-changed", "no-marker hooks/config-changed",
		"hooks/start", "no-marker hooks/start",
		"hooks/leader-settings-changed", "no-marker hooks/leader-settings-changed",
		"hooks/app-pebble-ready", "no-marker hooks/app-pebble-ready",
	}, evs)
	require.Contains(t, e.events(other), "sees "+victim+" at "+after)
}

// A deleted pod's agent runs stop, but the pod goes after the grace
// period whatever still runs.
func TestDeletePodKillsAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t, func(c *model.Config) { c.TerminationGrace = time.Second })
	ch := e.charm("demo", fakeCharm{script: map[string]string{"hooks/stop": "sleep 60"}})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	e.clearEvents()
	start := time.Now()
	e.waitChurn(e.m.DeletePod("demo/0"))
	require.Less(t, time.Since(start), 15*time.Second)
	e.waitFor("pebble-ready in the new pod", func() bool { return slices.Contains(e.events("demo/0"), "hooks/app-pebble-ready") })
	e.settle()
	evs := without(e.events("demo/0"), "update-status")
	require.Equal(t, []string{"hooks/stop", "hooks/upgrade-charm", "hooks/config-changed", "hooks/start", "hooks/app-pebble-ready"}, evs)
	require.Equal(t, "idle", e.m.Status().Applications["demo"].Units["demo/0"].JujuStatus.Current)
}

// A charm-container restart restarts the agent in the same pod: stop,
// then start and pebble-ready again; /var/lib/juju, the address and the
// workload stay.
func TestRestartCharmContainer(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	e.deploy(churnCharm(e), "demo", 1, nil)
	e.waitFor("layer", func() bool { return e.layered("demo/0") })
	e.settle()
	before := e.address("demo/0")
	e.clearEvents()
	e.waitChurn(e.m.RestartContainer("demo/0", model.CharmContainer))
	e.waitFor("pebble-ready", func() bool { return slices.Contains(e.events("demo/0"), "hooks/app-pebble-ready") })
	e.settle()
	require.Equal(t, []string{"hooks/stop", "hooks/start", "hooks/app-pebble-ready"}, without(e.events("demo/0"), "update-status"))
	require.Equal(t, before, e.address("demo/0"))
	require.True(t, e.layered("demo/0"))
}

// A workload-container restart: the agent sees only a new Pebble
// (pebble-ready); what the charm added through Pebble's API is gone.
func TestRestartWorkloadContainer(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	ch := e.charm("demo", fakeCharm{})
	e.deploy(ch, "demo", 1, nil)
	e.settle()
	sock := e.dir + "/pods/demo-0/containers/app/pebble.socket"
	_, err := pebbleCmd("PEBBLE_SOCKET="+sock, pebbleBin(t), "add", "base", e.dir+"/layer.yaml")
	require.NoError(t, err)
	require.True(t, e.layered("demo/0"))
	e.clearEvents()
	e.waitChurn(e.m.RestartContainer("demo/0", "app"))
	e.waitFor("pebble-ready", func() bool { return slices.Contains(e.events("demo/0"), "hooks/app-pebble-ready") })
	e.settle()
	require.Equal(t, []string{"hooks/app-pebble-ready"}, without(e.events("demo/0"), "update-status"))
	require.False(t, e.layered("demo/0"))
	_, err = e.m.RestartContainer("demo/0", "nope")
	require.ErrorContains(t, err, `unit "demo/0" has no container "nope"`)
}

// A refresh rolls the pods as a StatefulSet's rolling update does: the
// highest ordinal first, the next only once the new pod is Ready.
func TestRefreshRollsPodsOneAtATime(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	e.deploy(churnCharm(e), "demo", 3, nil)
	e.waitFor("layers", func() bool { return e.layered("demo/0") && e.layered("demo/1") && e.layered("demo/2") })
	e.settle()
	before := map[string]string{}
	for _, u := range []string{"demo/0", "demo/1", "demo/2"} {
		before[u] = e.address(u)
	}
	e.clearEvents()
	require.NoError(t, e.m.Refresh("demo", ""))
	e.waitFor("every pod refreshed", func() bool {
		for _, u := range []string{"demo/0", "demo/1", "demo/2"} {
			if !slices.Contains(e.events(u), "hooks/app-pebble-ready") {
				return false
			}
		}
		return true
	})
	e.settle()
	var order []string
	for _, ev := range e.events("") {
		f := strings.Fields(ev)
		if len(f) == 2 && (f[1] == "hooks/stop" || f[1] == "hooks/start") {
			order = append(order, ev)
		}
	}
	require.Equal(t, []string{
		"demo/2 hooks/stop", "demo/2 hooks/start",
		"demo/1 hooks/stop", "demo/1 hooks/start",
		"demo/0 hooks/stop", "demo/0 hooks/start",
	}, order)
	for u, addr := range before {
		require.NotEqual(t, addr, e.address(u), u)
		require.Contains(t, e.events(u), "no-marker hooks/upgrade-charm")
	}
	require.Equal(t, 1, e.m.Status().Applications["demo"].CharmRev)
}

// A pod is Ready, and behind its Service, only once its agent has run
// start: the charm container's readiness check asks the agent.
func TestServiceWaitsForStart(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	const port = 18082
	release := e.dir + "/release"
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/install": "open-port " + strconv.Itoa(port),
		"hooks/start":   "while [ ! -e " + release + " ]; do sleep 0.1; done",
	}})
	e.deploy(ch, "demo", 1, nil)
	e.waitFor("start running", func() bool { return slices.Contains(e.events("demo/0"), "hooks/start") })
	st := e.m.Status()
	serve(t, net.JoinHostPort(st.Applications["demo"].Units["demo/0"].Address, strconv.Itoa(port)), "demo/0")
	svc := net.JoinHostPort(st.Applications["demo"].Address, strconv.Itoa(port))
	time.Sleep(500 * time.Millisecond)
	require.Empty(t, ask(svc), "no endpoint before start")
	require.NoError(t, os.WriteFile(release, nil, 0o644))
	e.waitFor("the pod behind its Service", func() bool { return ask(svc) == "demo/0" })
}

// A workload container whose Pebble reports a failed alive-level check
// three polls in a row is restarted, as the kubelet does on Juju's
// liveness probe; the agent sees a new Pebble (pebble-ready).
func TestLivenessFailureRestartsTheContainer(t *testing.T) {
	t.Parallel()
	e := newChurnEnv(t)
	writeFile(t, e.dir+"/alive.yaml", "checks:\n  alive:\n    override: replace\n    level: alive\n    period: 100ms\n    threshold: 1\n    exec:\n      command: \"false\"\n")
	sock := e.dir + "/pods/demo-0/containers/app/pebble.socket"
	once := e.dir + "/added"
	ch := e.charm("demo", fakeCharm{script: map[string]string{
		"hooks/app-pebble-ready": "[ -e " + once + " ] || { touch " + once + "; PEBBLE_SOCKET=" + sock + " " + pebbleBin(t) + " add checks " + e.dir + "/alive.yaml; }",
	}})
	e.deploy(ch, "demo", 1, nil)
	e.waitFor("a second pebble-ready", func() bool {
		n := 0
		for _, ev := range e.events("demo/0") {
			if ev == "hooks/app-pebble-ready" {
				n++
			}
		}
		return n == 2
	})
	e.settle()
	out, err := pebbleCmd("PEBBLE_SOCKET="+sock, pebbleBin(t), "checks")
	require.NoError(t, err)
	require.NotContains(t, out, "alive", "the restarted container has none of the old Pebble's checks")
}
