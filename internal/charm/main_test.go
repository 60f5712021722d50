package charm_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/charm"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

func hookEnv(charmDir string) func(string) string {
	env := map[string]string{
		"JUJU_DISPATCH_PATH": "hooks/config-changed",
		"JUJU_UNIT_NAME":     "temporal-k8s/0",
		"JUJU_MODEL_NAME":    "temporal",
		"JUJU_CHARM_DIR":     charmDir,
		"JUJU_VERSION":       "3.6.25",
	}
	return func(k string) string { return env[k] }
}

// wedgedPebble answers system-info, so the hook gets past its first call,
// and then never answers anything else: a Pebble stuck on its state lock.
func wedgedPebble(t *testing.T) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "pebble.socket")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/system-info" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"type":"sync","status-code":200,"status":"OK","result":{"boot-id":"b1","version":"1.26.0"}}`))
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		close(release)
		_ = srv.Close()
	})
	return socket
}

// ctxRunner fails a tool once the context is done, as ExecRunner does.
type ctxRunner struct{ juju.Runner }

func (r ctxRunner) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.Runner.Run(ctx, stdin, name, args...)
}

// A hook must end by its deadline whatever hangs under it.
func TestHookDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	t.Run("a wedged pebble", func(t *testing.T) {
		start := time.Now()
		// A fully related leader goes as far as adding its layer.
		f := newFixture(t, ready(true, nil))
		err := charm.RunWith(context.Background(), hookEnv(t.TempDir()), wedgedPebble(t), deadline, ctxRunner{f.model})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), deadline+2*time.Second)
	})
	t.Run("a hook tool that never returns", func(t *testing.T) {
		// Every hook tool sleeps and leaves a child holding its stdout,
		// as a wedged jujuc client would.
		bin := t.TempDir()
		script := "#!/bin/sh\nsleep 60 &\nsleep 60\n"
		for _, tool := range []string{"is-leader", "config-get", "status-set", "status-get", "juju-log", "relation-ids", "state-get", "goal-state", "network-get", "application-version-set", "secret-get", "opened-ports"} {
			require.NoError(t, os.WriteFile(filepath.Join(bin, tool), []byte(script), 0o755))
		}
		t.Setenv("PATH", bin+":/usr/bin:/bin")
		start := time.Now()
		err := charm.RunWith(context.Background(), hookEnv(t.TempDir()), wedgedPebble(t), deadline, juju.ExecRunner{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), deadline+3*time.Second)
	})
	t.Run("Main's deadline is under juju exec's default wait", func(t *testing.T) {
		require.Positive(t, charm.HookDeadline)
		require.Less(t, charm.HookDeadline, 5*time.Minute)
		// A stop waits for Pebble's kill-delay within the hook.
		require.Greater(t, charm.ChangeTimeout, temporal.KillDelay+5*time.Second)
		require.Less(t, charm.ChangeTimeout, charm.HookDeadline)
	})
}

// Main wires the real collaborators: the cache in the charm directory, a
// build identity from the binary, Pebble at the socket.
func TestMainWiring(t *testing.T) {
	dir := t.TempDir()
	deps := charm.NewDeps(juju.Event{CharmDir: dir}, "/charm/containers/temporal/pebble.socket", juju.ExecRunner{})
	require.Equal(t, filepath.Join(dir, ".temporal-k8s-cache.json"), deps.Cache)
	exe, err := os.Executable()
	require.NoError(t, err)
	fi, err := os.Stat(exe)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano()), deps.Build)
	require.NotNil(t, deps.Juju)
	require.NotNil(t, deps.Container)
	require.NotNil(t, deps.Clock)
	require.NotNil(t, deps.Probe)
	health, err := deps.HealthCheck()
	require.NoError(t, err)
	self, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	require.Equal(t, self, health, "the health check is this binary")
	require.NotNil(t, deps.Describe)

	// Without a charm directory there is nowhere to keep a cache.
	deps = charm.NewDeps(juju.Event{}, "/x.socket", juju.ExecRunner{})
	require.Empty(t, deps.Cache)
	// The socket Main uses is where Juju mounts the workload's Pebble.
	require.Equal(t, "/charm/containers/temporal/pebble.socket", workload.SocketPath(charm.Container))
}

// Outside a hook, Main says so and touches nothing.
func TestMainOutsideAHook(t *testing.T) {
	t.Parallel()
	err := charm.Main(context.Background(), func(string) string { return "" })
	require.ErrorIs(t, err, juju.ErrNoDispatchPath)
}
