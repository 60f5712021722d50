package charm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// nth records every call and picks the n-th (from 0) to fail; -1 fails
// none.
type nth struct {
	mu    sync.Mutex
	n     int
	calls []string
}

// hit records call and says whether it is the one to fail, and its index.
func (c *nth) hit(call string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := len(c.calls)
	c.calls = append(c.calls, call)
	return i, i == c.n
}

// failAt fails the n-th hook-tool call as a broken agent connection would.
type failAt struct {
	juju.Runner
	nth
	err *juju.ToolError
}

func (r *failAt) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	if _, fail := r.hit(strings.Join(append([]string{name}, args...), " ")); fail {
		r.err = &juju.ToolError{Tool: name, Code: 1, Stderr: "ERROR connection is shut down\n"}
		return nil, r.err
	}
	return r.Runner.Run(ctx, stdin, name, args...)
}

// tolerated are the calls whose failure must not fail the hook: a log line;
// goal-state, which only refines a status message; and the maintenance
// status said before a restart, which must not stop the restart (the
// hook's final status replaces it).
func tolerated(call string) bool {
	return strings.HasPrefix(call, "juju-log ") || strings.HasPrefix(call, "goal-state ") ||
		strings.HasPrefix(call, "status-set maintenance ")
}

// settle brings a unit to the steady state in which hooks only observe.
func settle(f *fixture) {
	for _, kind := range []juju.Kind{juju.ConfigChanged, juju.UpdateStatus, juju.UpdateStatus} {
		if err := f.run(nil, juju.Event{Kind: kind}); err != nil {
			panic(err)
		}
	}
}

// Every hook-tool call a hook makes is necessary: when any one of them
// fails, the hook fails with that error (so Juju retries it and commits
// nothing), except for the few whose failure only costs a log line. The
// scenarios cover the full reconcile of a leader and a non-leader, and the
// restart action.
func TestEveryHookToolFailureFailsTheHook(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name  string
		state func() jujutest.State
		event juju.Event
		setup func(*fixture)
	}{
		{"leader config-changed", func() jujutest.State { return ready(true, nil) }, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"non-leader config-changed", func() jujutest.State { return ready(false, nil) }, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"describe-cluster action", func() jujutest.State {
			s := ready(false, map[string]any{"services": "frontend"})
			s.ActionParams = map[string]any{}
			return s
		}, juju.Event{Kind: juju.Action, Name: "describe-cluster"}, func(f *fixture) {
			f.describe = (&fakeCluster{d: cluster.Description{ClusterID: "c", Rings: fullRings}}).describe
		}},
		// Observing hooks of a settled unit.
		{"settled leader update-status", func() jujutest.State { return everyRelation(true) }, juju.Event{Kind: juju.UpdateStatus}, settle},
		{"settled leader config-changed", func() jujutest.State { return everyRelation(true) }, juju.Event{Kind: juju.ConfigChanged}, settle},
		{"settled non-leader db-relation-changed", func() jujutest.State { return everyRelation(false) },
			juju.Event{Kind: juju.RelationChanged, Name: "db-relation-changed", Relation: "db", RelationID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnit: "postgresql-k8s/0"}, settle},
		{"settled leader peer-relation-changed from a unit", func() jujutest.State { return everyRelation(true) },
			juju.Event{Kind: juju.RelationChanged, Name: "peer-relation-changed", Relation: "peer", RelationID: "peer:0", RemoteApp: app, RemoteUnit: app + "/1"}, settle},
		{"history leader closing the frontend's ports", func() jujutest.State {
			s := ready(true, map[string]any{"services": "history"})
			s.OpenedPorts = []string{"7233/tcp", "7236/tcp", "7243/tcp"}
			return s
		}, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"frontend leader with a temporal-host-info requirer", func() jujutest.State { return everyRelation(true) }, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"leader upgrade-charm", func() jujutest.State { return ready(true, map[string]any{"services": "frontend"}) }, juju.Event{Kind: juju.UpgradeCharm}, nil},
		{"leader with an ingress provider", func() jujutest.State {
			s := ready(true, map[string]any{"services": "frontend"})
			s.Relations = append(s.Relations, sideRelation("ingress:60", "traefik-k8s"))
			return s
		}, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"leader with nginx-route", func() jujutest.State {
			s := ready(true, map[string]any{"services": "frontend"})
			s.Relations = append(s.Relations, sideRelation("nginx-route:61", "nginx-ingress-integrator"))
			return s
		}, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"ingress-url action", func() jujutest.State {
			s := ready(false, map[string]any{"services": "frontend"})
			rel := sideRelation("ingress:60", "traefik-k8s")
			rel.RemoteAppData = map[string]string{"ingress": `{"url": "http://m-temporal-k8s.ingress.local/"}`}
			s.Relations = append(s.Relations, rel)
			s.ActionParams = map[string]any{}
			return s
		}, juju.Event{Kind: juju.Action, Name: "ingress-url"}, nil},
		{"member leader starting, following a hub", func() jujutest.State {
			s := ready(true, map[string]any{"services": "history"})
			s.Relations = append(s.Relations, &jujutest.Relation{ID: "internode-rollout-hub:40", RemoteApp: "temporal",
				RemoteUnits: []string{"temporal/0"}, RemoteAppData: map[string]string{rollout.ClusterKey: "0 0"}})
			return s
		}, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"hub leader starting, with its members", func() jujutest.State {
			s := ready(true, map[string]any{"services": "frontend"})
			s.Relations = append(s.Relations, hubMembers("")...)
			return s
		}, juju.Event{Kind: juju.ConfigChanged}, nil},
		{"restart action", func() jujutest.State {
			s := ready(true, nil)
			s.ActionParams = map[string]any{}
			return s
		}, juju.Event{Kind: juju.Action, Name: "restart"}, nil},
		{"forced restart action", func() jujutest.State {
			s := ready(true, nil)
			s.ActionParams = map[string]any{"force": true}
			return s
		}, juju.Event{Kind: juju.Action, Name: "restart"}, nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			requireEveryCallFails(t, sc.state, sc.event, sc.setup)
		})
	}
}

// requireEveryCallFails runs event on a fresh unit of state once cleanly,
// then once per hook-tool call of that run with the call failing: the
// hook must fail with that error, unless the call is tolerated.
func requireEveryCallFails(t *testing.T, state func() jujutest.State, event juju.Event, setupFn func(*fixture)) {
	t.Helper()
	setup := func(f *fixture) {
		if setupFn != nil {
			setupFn(f)
		}
	}
	// The calls of a clean run.
	clean := &failAt{nth: nth{n: -1}}
	f := newFixture(t, state())
	setup(f)
	clean.Runner = f.model
	f.runner = clean
	f.mustRun(t, event)
	require.NotEmpty(t, clean.calls)
	for i, call := range clean.calls {
		t.Run(fmt.Sprintf("%02d %s", i, call), func(t *testing.T) {
			f := newFixture(t, state())
			setup(f)
			r := &failAt{Runner: f.model, nth: nth{n: i}}
			f.runner = r
			err := f.run(t, event)
			require.NotNil(t, r.err, "the run made fewer calls: %v", r.calls)
			if tolerated(call) {
				require.NoError(t, err)
				return
			}
			require.True(t, errors.Is(err, r.err), "a failed %q must fail the hook, got %v", call, err)
		})
	}
}

// pebbleFailAt fails the n-th Pebble call.
type pebbleFailAt struct {
	workload.Container
	nth
	err error
}

func (p *pebbleFailAt) fail(name string) error {
	if i, fail := p.hit(name); fail {
		p.err = fmt.Errorf("cannot %s: pebble broke at call %d", strings.ToLower(name), i)
		return p.err
	}
	return nil
}

func (p *pebbleFailAt) BootID(ctx context.Context) (string, error) {
	if err := p.fail("BootID"); err != nil {
		return "", err
	}
	return p.Container.BootID(ctx)
}

func (p *pebbleFailAt) Plan(ctx context.Context) (workload.Layer, error) {
	if err := p.fail("Plan"); err != nil {
		return workload.Layer{}, err
	}
	return p.Container.Plan(ctx)
}

func (p *pebbleFailAt) AddLayer(ctx context.Context, label string, l workload.Layer) error {
	if err := p.fail("AddLayer"); err != nil {
		return err
	}
	return p.Container.AddLayer(ctx, label, l)
}

func (p *pebbleFailAt) Replan(ctx context.Context) error {
	if err := p.fail("Replan"); err != nil {
		return err
	}
	return p.Container.Replan(ctx)
}

func (p *pebbleFailAt) Restart(ctx context.Context, services ...string) error {
	if err := p.fail("Restart"); err != nil {
		return err
	}
	return p.Container.Restart(ctx, services...)
}

func (p *pebbleFailAt) Stop(ctx context.Context, services ...string) error {
	if err := p.fail("Stop"); err != nil {
		return err
	}
	return p.Container.Stop(ctx, services...)
}

func (p *pebbleFailAt) Services(ctx context.Context, names ...string) ([]workload.ServiceInfo, error) {
	if err := p.fail("Services"); err != nil {
		return nil, err
	}
	return p.Container.Services(ctx, names...)
}

func (p *pebbleFailAt) Checks(ctx context.Context, names ...string) ([]workload.CheckInfo, error) {
	if err := p.fail("Checks"); err != nil {
		return nil, err
	}
	return p.Container.Checks(ctx, names...)
}

func (p *pebbleFailAt) Push(ctx context.Context, f workload.File) error {
	if err := p.fail("Push"); err != nil {
		return err
	}
	return p.Container.Push(ctx, f)
}

func (p *pebbleFailAt) Pull(ctx context.Context, path string) ([]byte, error) {
	if err := p.fail("Pull"); err != nil {
		return nil, err
	}
	return p.Container.Pull(ctx, path)
}

func (p *pebbleFailAt) Exec(ctx context.Context, command ...string) (string, error) {
	if err := p.fail("Exec"); err != nil {
		return "", err
	}
	return p.Container.Exec(ctx, command...)
}

// Every Pebble call a hook makes matters: when any one of them fails, the
// hook either fails with that error or says it in the unit's status — it
// never reports active over a workload it could not check or set up.
func TestEveryPebbleFailureIsSeen(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name  string
		state func() jujutest.State
		event juju.Event
	}{
		{"leader config-changed", func() jujutest.State { return ready(true, nil) }, juju.Event{Kind: juju.ConfigChanged}},
		{"non-leader pebble-ready", func() jujutest.State { return ready(false, map[string]any{"services": "history"}) }, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready"}},
		{"restart action", func() jujutest.State {
			s := ready(true, nil)
			s.ActionParams = map[string]any{}
			return s
		}, juju.Event{Kind: juju.Action, Name: "restart"}},
		{"forced restart action", func() jujutest.State {
			s := ready(true, nil)
			s.ActionParams = map[string]any{"force": true}
			return s
		}, juju.Event{Kind: juju.Action, Name: "restart"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, sc.state())
			clean := &pebbleFailAt{Container: f.box, nth: nth{n: -1}}
			f.container = clean
			f.mustRun(t, sc.event)
			require.NotEmpty(t, clean.calls)
			for i, call := range clean.calls {
				t.Run(fmt.Sprintf("%02d %s", i, call), func(t *testing.T) {
					f := newFixture(t, sc.state())
					p := &pebbleFailAt{Container: f.box, nth: nth{n: i}}
					f.container = p
					err := f.run(t, sc.event)
					require.NotNil(t, p.err, "the run made fewer calls: %v", p.calls)
					if err != nil {
						require.ErrorIs(t, err, p.err)
						return
					}
					// The charm may do without an answer only where it
					// says so: a dynamic config it cannot read back is
					// written anyway, and a start is polled until it
					// answers (the same call comes again).
					started := slices.Contains(p.calls[:i], "Replan") || slices.Contains(p.calls[:i], "Restart")
					doesWithout := call == "Pull" || started && slices.Contains(p.calls[i+1:], call)
					if sc.event.Kind == juju.Action {
						_, failed := f.model.ActionResults()
						if failed == nil {
							require.True(t, doesWithout, "a failed %s must fail the action", call)
							return
						}
						require.Contains(t, *failed, "pebble broke")
						return
					}
					st := f.status()
					if st.Name == juju.StatusActive {
						require.True(t, doesWithout, "a failed %s must not leave the unit active", call)
						return
					}
					require.Contains(t, st.Message, "pebble broke")
				})
			}
		})
	}
}

// The workload version is read once per Pebble boot: a full hook of the
// same boot execs nothing, a rebooted container is asked again, and an
// answer that names no version is said plainly.
func TestVersionIsReadOncePerBoot(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ready(true, nil))
	p := &pebbleFailAt{Container: f.box, nth: nth{n: -1}}
	f.container = p
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 1, countOf(p.calls, "Exec"))
	require.Equal(t, "1.31.2", f.model.State().Version)

	f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, 1, countOf(p.calls, "Exec"), "same boot: version known")

	f.box.Reboot("boot-2")
	f.box.SetExec("/usr/bin/temporal-server --version", "temporal-server version 1.31.3\n")
	f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready"})
	require.Equal(t, 2, countOf(p.calls, "Exec"), "new boot: asked again")
	require.Equal(t, "1.31.3", f.model.State().Version)

	f.box.Reboot("boot-3")
	f.box.SetExec("/usr/bin/temporal-server --version", "  \n")
	f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready"})
	require.Equal(t, juju.StatusWaiting, f.status().Name)
	require.Contains(t, f.status().Message, "cannot parse /usr/bin/temporal-server --version output")
}

func countOf(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}
