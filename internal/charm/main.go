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

// Main runs the charm for the event described by the environment.
func Main(ctx context.Context, getenv func(string) string) error {
	event, err := juju.ParseEvent(getenv)
	if err != nil {
		return err
	}
	// Pebble waits this long for a change such as a stop with its
	// kill-delay: longer than the layer's 40s.
	container, err := workload.NewPebble(workload.SocketPath(Container), 90*time.Second)
	if err != nil {
		return err
	}
	deps := Deps{
		Juju:      juju.NewClient(juju.ExecRunner{}),
		Container: container,
		Clock:     RealClock{},
		Dial:      TCPDial,
		Describe:  cluster.Describe,
	}
	if event.CharmDir != "" {
		deps.Cache = filepath.Join(event.CharmDir, cacheFile)
	}
	// A refresh replaces the binary: its size and time tell builds apart
	// for one stat call.
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			deps.Build = fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	if err := New(deps, event).Run(ctx); err != nil {
		return fmt.Errorf("cannot handle %s: %w", event.Name, err)
	}
	return nil
}
