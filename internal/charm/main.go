package charm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/cluster"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// cacheFile lives in the charm directory, which Juju keeps for the life of
// the pod.
const cacheFile = ".temporal-k8s-cache.json"

// HookDeadline bounds a whole hook. Juju sets none, and a hook that hangs
// holds the unit's every later event; this one stays under the 5 minutes
// `juju exec` and `juju run` wait by default, so an operator sees the
// charm's error rather than a client timeout.
const HookDeadline = 4 * time.Minute

// changeTimeout is how long Pebble may take over a change such as a stop
// with its kill-delay: longer than the layer's.
const changeTimeout = 90 * time.Second

// Main runs the charm for the event described by the environment.
func Main(ctx context.Context, getenv func(string) string) error {
	return run(ctx, getenv, runOptions{socket: workload.SocketPath(Container), deadline: HookDeadline, runner: juju.ExecRunner{}})
}

// runOptions are what Main fixes and tests vary.
type runOptions struct {
	socket   string
	deadline time.Duration
	runner   juju.Runner
}

func run(ctx context.Context, getenv func(string) string, opts runOptions) error {
	event, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.deadline)
	defer cancel()
	if err := New(newDeps(event, opts), event).Run(ctx); err != nil {
		return fmt.Errorf("cannot handle %s: %w", event.Name, err)
	}
	return nil
}

// newDeps wires the real collaborators for one event.
func newDeps(event juju.Event, opts runOptions) Deps {
	deps := Deps{
		Juju:      juju.NewClient(opts.runner),
		Container: workload.NewPebble(opts.socket, changeTimeout),
		Clock:     RealClock{},
		Probe:     GRPCProbe,
		// Read only when a layer is added: rarely, and never by an
		// observing hook.
		HealthCheck: Executable,
		Describe:    cluster.Describe,
	}
	if event.CharmDir != "" {
		deps.Cache = filepath.Join(event.CharmDir, cacheFile)
	}
	deps.Build = buildID()
	return deps
}

// buildID tells builds of the charm apart for one stat call: a refresh
// replaces the binary, and with it its size and time. /proc/self/exe is
// the running binary on Linux, where every charm runs.
func buildID() string {
	fi, err := os.Stat("/proc/self/exe")
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano())
}
