package charm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// The tests below pin what a hook says, in the unit's status and in the
// log (juju debug-log is the operator's record of why a server stopped),
// when the workload does not do what the charm asks.

// logged gives the "LEVEL message" of every juju-log call among calls.
func logged(calls []jujutest.Call) []string {
	var out []string
	for _, c := range calls {
		if c.Name != "juju-log" {
			continue
		}
		level, args := "INFO", c.Args
		for len(args) > 0 {
			if args[0] == "--" {
				args = args[1:]
				break
			}
			if args[0] != "-l" && args[0] != "--log-level" || len(args) < 2 {
				break
			}
			level, args = args[1], args[2:]
		}
		out = append(out, level+" "+strings.Join(args, " "))
	}
	return out
}

// afterStart stands between the charm and the container: once Replan has
// started the server, hook runs on whatever the later calls find.
type afterStart struct {
	workload.Container
	mu      sync.Mutex
	started bool
	// onStart runs right after a successful Replan.
	onStart func()
	// services, when set, answers Services once the server started.
	services error
}

func (a *afterStart) Replan(ctx context.Context) error {
	if err := a.Container.Replan(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	a.started = true
	a.mu.Unlock()
	if a.onStart != nil {
		a.onStart()
	}
	return nil
}

func (a *afterStart) Services(ctx context.Context, names ...string) ([]workload.ServiceInfo, error) {
	a.mu.Lock()
	failed := a.started && a.services != nil
	a.mu.Unlock()
	if failed {
		return nil, a.services
	}
	return a.Container.Services(ctx, names...)
}

// failingSleep is a clock whose sleeps end in the hook's deadline.
type failingSleep struct {
	*fakeClock
	mu     sync.Mutex
	sleeps int
}

func (c *failingSleep) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	c.mu.Unlock()
	_ = c.fakeClock.Sleep(ctx, d)
	return context.DeadlineExceeded
}

func TestWorkloadFailuresAreSaid(t *testing.T) {
	t.Parallel()
	broke := errors.New("cannot stop services: pebble broke")

	t.Run("a server that cannot be stopped on a schema mismatch", func(t *testing.T) {
		t.Parallel()
		f := running(t)
		f.box.FailNext("Stop", broke)
		f.model.Update(func(s *jujutest.State) {
			s.Relations[3].RemoteAppData = map[string]string{"schema_status": "ready", "migrated_workload_version": "1.32.0"}
		})
		f.mustRun(t, adminChanged)
		require.Equal(t, juju.Status{Name: juju.StatusMaintenance, Message: "cannot stop temporal-server: " + broke.Error()}, f.status())
		require.Contains(t, logged(f.model.Calls()),
			"WARNING Stopping temporal-server: the admin relation says the schema does not fit server 1.31.2")
		require.Equal(t, workload.ServiceActive, f.serverState(t))
	})
	t.Run("a configuration Pebble refuses", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.box.FailNext("AddLayer", errors.New("cannot add layer: pebble broke"))
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server did not start: cannot add layer: pebble broke"}, f.status())
		require.Contains(t, logged(f.model.Calls()), "ERROR Cannot apply the workload configuration: cannot add layer: pebble broke")
	})
	t.Run("a health check that cannot be read", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.healthCheck = func() ([]byte, error) { return nil, errors.New("cannot read the charm's executable: gone") }
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server did not start: cannot read the charm's executable: gone"}, f.status())
		require.Zero(t, f.box.Starts(temporal.ServiceName), "no layer whose check cannot run")
	})
	t.Run("a maintenance status that cannot be set", func(t *testing.T) {
		t.Parallel()
		f := running(t)
		f.model.FailToolWith("status-set", "maintenance", &juju.ToolError{Tool: "status-set", Code: 1, Stderr: "ERROR connection is shut down\n"})
		f.model.Update(func(s *jujutest.State) { s.Config["log-level"] = "debug" })
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, 2, f.box.Starts(temporal.ServiceName), "the restart goes on")
		require.Equal(t, active, f.status())
		require.Contains(t, logged(f.model.Calls()), "WARNING Cannot set maintenance status: status-set failed (exit 1): connection is shut down")
	})
	t.Run("a hook deadline while the server starts", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.dialFailures = 1000
		clock := &failingSleep{fakeClock: f.clock}
		f.sleeper = clock
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is not serving yet: frontend is not healthy: NOT_SERVING at 127.0.0.1:7233"}, f.status())
		require.Equal(t, 1, clock.sleeps, "no polling past the hook's deadline")
	})
	t.Run("a server state that cannot be read after the start", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		f.container = &afterStart{Container: f.box, services: errors.New("cannot list services: pebble broke")}
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "cannot read the temporal-server state: cannot list services: pebble broke"}, f.status())
	})
	t.Run("a container restarted under the hook", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, ready(true, nil))
		// A new Pebble starts with an empty plan: the service is gone.
		f.container = &afterStart{Container: f.box, onStart: func() { f.box.Reboot("boot-2") }}
		f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
		require.Equal(t, juju.Status{Name: juju.StatusWaiting, Message: "temporal-server is missing"}, f.status())
		// Its pebble-ready puts the server back.
		f.container = nil
		f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready", Workload: "temporal"})
		require.Equal(t, active, f.status())
	})
}

// An observing hook reads the server's state once: what it read is what
// it reports.
func TestObservingHookReadsTheWorkloadOnce(t *testing.T) {
	t.Parallel()
	f := settled(t, everyRelation(false))
	p := &pebbleFailAt{Container: f.box, nth: nth{n: -1}}
	f.container = p
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"BootID", "Plan", "Services", "Checks"}, p.calls)
	require.Equal(t, active, f.status())
}
