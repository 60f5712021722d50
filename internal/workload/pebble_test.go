// The same Pebble scenarios run against a real Pebble daemon (through
// workload.Pebble) and against the in-memory workloadtest.Container, so
// that the fake the charm's unit tests trust cannot drift from the real
// thing, and so that workload.Pebble itself is tested against what it talks
// to.
package workload_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
	"github.com/temporal-k8s/temporal-k8s/internal/workload/workloadtest"
)

// backend is one Container with the arrangements the fake cannot infer
// from a command line.
type backend struct {
	workload.Container
	// exitsAtOnce makes the service's process exit with code at start.
	exitsAtOnce func(service string, code int)
	// slowStop makes stopping the service take d.
	slowStop func(service string, d time.Duration)
	// setExec tells the fake what a command prints.
	setExec func(command, stdout string)
	// addLogs tells the fake what a service wrote.
	addLogs func(service string, lines ...string)
}

// Commands whose behaviour the fake is told of by the arrangements above.
const (
	runs       = "/bin/sleep 1000"
	exits3     = `/bin/sh -c "exit 3"`
	ignoresTER = `/bin/sh -c "trap '' TERM; sleep 1000 & wait; sleep 1000"`
)

// pebbleBinary is a real pebble: TEMPORAL_K8S_PEBBLE (the Makefile's), or
// one built once from tests/localmodel, whose module requires the same
// Pebble as the charm's (go.mod and tests/localmodel/go.mod).
var pebbleBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("TEMPORAL_K8S_PEBBLE"); bin != "" {
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "temporal-k8s", "pebble")
	cmd := exec.Command("go", "-C", "../../tests/localmodel", "build", "-o", bin, "github.com/canonical/pebble/cmd/pebble")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cannot build pebble: %v: %s", err, out)
	}
	return bin, nil
})

func realPebble(t *testing.T) backend {
	t.Helper()
	bin, err := pebbleBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	socket := filepath.Join(dir, ".pebble.socket")
	cmd := exec.Command(bin, "run", "--create-dirs", "--hold")
	cmd.Env = append(os.Environ(), "PEBBLE="+dir, "PEBBLE_SOCKET="+socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	p := workload.NewPebble(socket, 30*time.Second)
	require.Eventually(t, func() bool {
		_, err := p.BootID(context.Background())
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "pebble did not come up")
	return backend{
		Container:   p,
		exitsAtOnce: func(string, int) {},
		slowStop:    func(string, time.Duration) {},
		setExec:     func(string, string) {},
		addLogs:     func(string, ...string) {},
	}
}

func fakePebble(*testing.T) backend {
	c := workloadtest.New("boot-1")
	return backend{
		Container:   c,
		exitsAtOnce: c.ExitAtStart,
		slowStop:    c.SetStopLatency,
		setExec:     c.SetExec,
		addLogs:     c.AddLogs,
	}
}

func svc(command string) workload.Service {
	return workload.Service{Override: "replace", Command: command, Startup: "enabled"}
}

func layer(services map[string]workload.Service) workload.Layer {
	return workload.Layer{Services: services}
}

func current(t *testing.T, b backend, name string) string {
	t.Helper()
	infos, err := b.Services(context.Background(), name)
	require.NoError(t, err)
	require.Len(t, infos, 1)
	return infos[0].Current
}

// eventually waits for a service state: real Pebble gets there by itself a
// moment later, the fake at once.
func eventually(t *testing.T, b backend, name, want string) {
	t.Helper()
	require.Eventually(t, func() bool { return current(t, b, name) == want }, 10*time.Second, 20*time.Millisecond, "%s never became %s (is %s)", name, want, current(t, b, name))
}

var scenarios = []struct {
	name string
	run  func(t *testing.T, b backend)
}{
	{"boot id and an empty plan", func(t *testing.T, b backend) {
		ctx := context.Background()
		id, err := b.BootID(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, id)
		again, err := b.BootID(ctx)
		require.NoError(t, err)
		require.Equal(t, id, again)
		plan, err := b.Plan(ctx)
		require.NoError(t, err)
		require.Empty(t, plan.Services)
		infos, err := b.Services(ctx)
		require.NoError(t, err)
		require.Empty(t, infos)
	}},
	{"layers combine by label", func(t *testing.T, b backend) {
		ctx := context.Background()
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": svc(runs)})))
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": svc("/bin/sleep 2000")})))
		require.NoError(t, b.AddLayer(ctx, "other", layer(map[string]workload.Service{"b": svc(runs)})))
		plan, err := b.Plan(ctx)
		require.NoError(t, err)
		require.Equal(t, "/bin/sleep 2000", plan.Services["a"].Command)
		require.Equal(t, runs, plan.Services["b"].Command)
	}},
	{"invalid layers are refused and change nothing", func(t *testing.T, b backend) {
		ctx := context.Background()
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": svc(runs)})))
		for name, bad := range map[string]workload.Layer{
			"no command":                 layer(map[string]workload.Service{"x": {Override: "replace", Startup: "enabled"}}),
			"no override":                layer(map[string]workload.Service{"x": {Command: runs}}),
			"bad override":               layer(map[string]workload.Service{"x": {Override: "sometimes", Command: runs}}),
			"bad action":                 layer(map[string]workload.Service{"x": {Override: "replace", Command: runs, OnFailure: "panic"}}),
			"bad duration":               layer(map[string]workload.Service{"x": {Override: "replace", Command: runs, KillDelay: "soon"}}),
			"check without a checker":    {Checks: map[string]workload.Check{"c": {Override: "replace", Level: "ready"}}},
			"check bad level":            {Checks: map[string]workload.Check{"c": {Override: "replace", Level: "sometimes", TCP: &workload.TCPCheck{Port: 1}}}},
			"check bad startup":          {Checks: map[string]workload.Check{"c": {Override: "replace", Startup: "sometimes", TCP: &workload.TCPCheck{Port: 1}}}},
			"check zero period":          {Checks: map[string]workload.Check{"c": {Override: "replace", Period: "0s", TCP: &workload.TCPCheck{Port: 1}}}},
			"check no override":          {Checks: map[string]workload.Check{"c": {TCP: &workload.TCPCheck{Port: 1}}}},
			"tcp check without port":     {Checks: map[string]workload.Check{"c": {Override: "replace", TCP: &workload.TCPCheck{Host: "127.0.0.1"}}}},
			"exec check without command": {Checks: map[string]workload.Check{"c": {Override: "replace", Exec: &workload.ExecCheck{}}}},
			"two checkers":               {Checks: map[string]workload.Check{"c": {Override: "replace", TCP: &workload.TCPCheck{Port: 1}, Exec: &workload.ExecCheck{Command: "/bin/true"}}}},
		} {
			require.Error(t, b.AddLayer(ctx, "charm", bad), name)
		}
		plan, err := b.Plan(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"a"}, keys(plan.Services))
		require.Empty(t, plan.Checks)
	}},
	{"log targets combine, merge and are validated", func(t *testing.T, b backend) {
		ctx := context.Background()
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": svc(runs)})))
		loki := func(services ...string) workload.LogTarget {
			return workload.LogTarget{Override: "replace", Type: "loki", Location: "http://10.1.0.9:3100/loki/api/v1/push", Services: services, Labels: map[string]string{"juju_unit": "x/0"}}
		}
		require.NoError(t, b.AddLayer(ctx, "logs", workload.Layer{LogTargets: map[string]workload.LogTarget{"loki-0": loki("all")}}))
		require.NoError(t, b.AddLayer(ctx, "logs", workload.Layer{LogTargets: map[string]workload.LogTarget{"loki-1": loki("a")}}))
		require.NoError(t, b.AddLayer(ctx, "logs", workload.Layer{LogTargets: map[string]workload.LogTarget{"loki-0": loki("-all")}}))
		merge := workload.LogTarget{Override: "merge", Services: []string{"-a"}, Labels: map[string]string{"product": "Juju"}}
		require.NoError(t, b.AddLayer(ctx, "logs", workload.Layer{LogTargets: map[string]workload.LogTarget{"loki-1": merge}}))
		plan, err := b.Plan(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]workload.LogTarget{
			"loki-0": loki("-all"),
			"loki-1": {Override: "replace", Type: "loki", Location: "http://10.1.0.9:3100/loki/api/v1/push", Services: []string{"a", "-a"}, Labels: map[string]string{"juju_unit": "x/0", "product": "Juju"}},
		}, plan.LogTargets)
		for name, bad := range map[string]workload.LogTarget{
			"no override":     {Type: "loki", Location: "http://x", Services: []string{"all"}},
			"bad type":        {Override: "replace", Type: "syslog", Location: "http://x", Services: []string{"all"}},
			"no type":         {Override: "replace", Location: "http://x", Services: []string{"all"}},
			"no location":     {Override: "replace", Type: "loki", Services: []string{"all"}},
			"unknown service": {Override: "replace", Type: "loki", Location: "http://x", Services: []string{"nope"}},
			"reserved label":  {Override: "replace", Type: "loki", Location: "http://x", Services: []string{"all"}, Labels: map[string]string{"pebble_service": "a"}},
		} {
			require.Error(t, b.AddLayer(ctx, "logs", workload.Layer{LogTargets: map[string]workload.LogTarget{"t": bad}}), name)
		}
		again, err := b.Plan(ctx)
		require.NoError(t, err)
		require.Equal(t, plan.LogTargets, again.LogTargets)
	}},
	{"replan starts enabled services only, and stop stops", func(t *testing.T, b backend) {
		ctx := context.Background()
		off := svc(runs)
		off.Startup = "disabled"
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"on": svc(runs), "off": off})))
		require.Equal(t, workload.ServiceInactive, current(t, b, "on"))
		require.NoError(t, b.Replan(ctx))
		require.Equal(t, workload.ServiceActive, current(t, b, "on"))
		require.Equal(t, workload.ServiceInactive, current(t, b, "off"))
		require.NoError(t, b.Stop(ctx, "on"))
		require.Equal(t, workload.ServiceInactive, current(t, b, "on"))
		require.NoError(t, b.Restart(ctx, "on"))
		require.Equal(t, workload.ServiceActive, current(t, b, "on"))
	}},
	{"services and checks are listed by name", func(t *testing.T, b backend) {
		ctx := context.Background()
		l := layer(map[string]workload.Service{"a": svc(runs), "b": svc(runs)})
		l.Checks = map[string]workload.Check{
			"c1": {Override: "replace", Level: "ready", Period: "1h", TCP: &workload.TCPCheck{Port: 1}},
			"c2": {Override: "replace", Level: "alive", Period: "1h", TCP: &workload.TCPCheck{Port: 2}},
		}
		require.NoError(t, b.AddLayer(ctx, "charm", l))
		services, err := b.Services(ctx, "b")
		require.NoError(t, err)
		require.Len(t, services, 1)
		require.Equal(t, "b", services[0].Name)
		require.Equal(t, "enabled", services[0].Startup)
		all, err := b.Services(ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		checks, err := b.Checks(ctx, "c2")
		require.NoError(t, err)
		require.Len(t, checks, 1)
		require.Equal(t, "c2", checks[0].Name)
		allChecks, err := b.Checks(ctx)
		require.NoError(t, err)
		require.Len(t, allChecks, 2)
	}},
	{"a merged exec check keeps the fields and command it does not set", func(t *testing.T, b backend) {
		ctx := context.Background()
		l := layer(nil)
		l.Checks = map[string]workload.Check{"c": {Override: "replace", Level: "ready", Period: "1h", Exec: &workload.ExecCheck{Command: "/bin/true one"}}}
		require.NoError(t, b.AddLayer(ctx, "base", l))
		l.Checks = map[string]workload.Check{"c": {Override: "merge", Period: "2h", Exec: &workload.ExecCheck{}}}
		require.NoError(t, b.AddLayer(ctx, "charm", l))
		plan, err := b.Plan(ctx)
		require.NoError(t, err)
		// Pebble writes durations back in its own form: compare values.
		c := plan.Checks["c"]
		period, err := time.ParseDuration(c.Period)
		require.NoError(t, err)
		require.Equal(t, 2*time.Hour, period)
		require.Equal(t, "ready", c.Level)
		require.Equal(t, &workload.ExecCheck{Command: "/bin/true one"}, c.Exec)
	}},
	{"restart and stop refuse services not in the plan", func(t *testing.T, b backend) {
		ctx := context.Background()
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": svc(runs)})))
		require.ErrorContains(t, b.Restart(ctx, "nope"), `service "nope" does not exist`)
		require.ErrorContains(t, b.Stop(ctx, "nope"), `service "nope" does not exist`)
	}},
	{"a service that exits at once fails its start and backs off", func(t *testing.T, b backend) {
		ctx := context.Background()
		s := svc(exits3)
		s.BackoffDelay = "30s"
		b.exitsAtOnce("a", 3)
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": s})))
		require.ErrorContains(t, b.Replan(ctx), "exited quickly with code 3, will restart")
		eventually(t, b, "a", workload.ServiceBackoff)
	}},
	{"with on-failure ignore it stays in error", func(t *testing.T, b backend) {
		ctx := context.Background()
		s := svc(exits3)
		s.OnFailure = "ignore"
		b.exitsAtOnce("a", 3)
		require.NoError(t, b.AddLayer(ctx, "charm", layer(map[string]workload.Service{"a": s})))
		require.ErrorContains(t, b.Replan(ctx), "exited quickly with code 3, will ignore")
		eventually(t, b, "a", workload.ServiceError)
	}},
	{"a change honours the context", func(t *testing.T, b backend) {
		s := svc(ignoresTER)
		s.KillDelay = "5s"
		b.slowStop("a", 5*time.Second)
		require.NoError(t, b.AddLayer(context.Background(), "charm", layer(map[string]workload.Service{"a": s})))
		require.NoError(t, b.Replan(context.Background()))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := b.Stop(ctx, "a")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 2*time.Second)
		// A context already done is refused before anything starts.
		require.ErrorIs(t, b.Restart(ctx, "a"), context.DeadlineExceeded)
	}},
	{"files", func(t *testing.T, b backend) {
		ctx := context.Background()
		dir := t.TempDir()
		path := filepath.Join(dir, "sub", "f.yaml")
		require.NoError(t, b.Push(ctx, workload.File{Path: path, Content: []byte("k: v\n"), Permissions: 0o600}))
		got, err := b.Pull(ctx, path)
		require.NoError(t, err)
		require.Equal(t, "k: v\n", string(got))
		_, err = b.Pull(ctx, filepath.Join(dir, "missing"))
		require.Error(t, err)
		require.Error(t, b.Push(ctx, workload.File{Path: "relative/f", Content: []byte("x")}))
	}},
	{"logs", func(t *testing.T, b backend) {
		ctx := context.Background()
		const prints = `/bin/sh -c "echo one; echo '{\"msg\":\"two\"}'; echo three; sleep 1000"`
		require.NoError(t, b.AddLayer(ctx, "base", layer(map[string]workload.Service{"a": svc(prints)})))
		require.NoError(t, b.Replan(ctx))
		b.addLogs("a", "one", `{"msg":"two"}`, "three")
		require.Eventually(t, func() bool {
			lines, err := b.Logs(ctx, "a", 2)
			return err == nil && strings.Join(lines, "|") == `{"msg":"two"}|three`
		}, 10*time.Second, 20*time.Millisecond)
		lines, err := b.Logs(ctx, "nothing-written", 10)
		require.NoError(t, err)
		require.Empty(t, lines)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = b.Logs(done, "a", 2)
		require.ErrorIs(t, err, context.Canceled)
	}},
	{"exec", func(t *testing.T, b backend) {
		ctx := context.Background()
		b.setExec("/bin/echo hi", "hi\n")
		out, err := b.Exec(ctx, "/bin/echo", "hi")
		require.NoError(t, err)
		require.Equal(t, "hi\n", out)
		_, err = b.Exec(ctx, "/nonexistent/tool")
		require.Error(t, err)
		_, err = b.Exec(ctx)
		require.Error(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = b.Exec(done, "/bin/echo", "hi")
		require.ErrorIs(t, err, context.Canceled)
	}},
}

func keys(m map[string]workload.Service) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Run("real", func(t *testing.T) { sc.run(t, realPebble(t)) })
			t.Run("fake", func(t *testing.T) { sc.run(t, fakePebble(t)) })
		})
	}
}

// Every layer the charm renders, for every selection of services, is
// accepted by a real Pebble, which parses and validates it with its own
// internals/plan when it is added (that package is internal to Pebble's
// module, so the daemon is the way to reach it), and Pebble's plan then
// holds exactly the service and check rendered: a field the charm's types
// name wrongly would be dropped.
func TestPebbleAcceptsEveryLayer(t *testing.T) {
	t.Parallel()
	cert := &temporal.Cert{Chain: "chain", Key: "key", CA: "ca"}
	// Each stage of internode TLS, and the idle proxy after it, on a
	// Pebble of its own: layers of one label combine, and a proxy once
	// defined stays in the plan.
	for _, st := range []struct {
		stage        rollout.Stage
		proxyDefined bool
	}{{rollout.Plain, false}, {rollout.AcceptTLS, false}, {rollout.TLSAcceptPlain, true}, {rollout.Plain, true}} {
		t.Run(fmt.Sprintf("stage %d, proxy defined %v", st.stage, st.proxyDefined), func(t *testing.T) {
			t.Parallel()
			b := realPebble(t)
			ctx := context.Background()
			all := config.AllServices
			for mask := 1; mask < 1<<len(all); mask++ {
				var services []string
				for i, s := range all {
					if mask&(1<<i) != 0 {
						services = append(services, s)
					}
				}
				cfg, problems := config.Parse(map[string]any{"services": strings.Join(services, ",")})
				require.Empty(t, problems)
				out, err := temporal.Render(temporal.Inputs{Config: cfg, BroadcastAddress: "10.1.0.7",
					InternodeTLS: cert, InternodeStage: st.stage, ProxyDefined: st.proxyDefined})
				require.NoError(t, err)
				require.NoError(t, b.AddLayer(ctx, temporal.LayerLabel, out.Layer), services)
				plan, err := b.Plan(ctx)
				require.NoError(t, err)
				require.Equal(t, out.Layer.Services, plan.Services, services)
				require.Equal(t, out.Layer.Checks, plan.Checks, services)
			}
		})
	}
}

// The server after the proxy, requiring it, as the layer renders them:
// Pebble's replan puts both in one lane, stops the server (its drain
// included) before the proxy and starts the proxy first, so that peers
// reach a draining server through its proxy to the end. A real Pebble's
// order, which the fake does not model.
func TestProxyOutlivesTheServersDrain(t *testing.T) {
	t.Parallel()
	b := realPebble(t)
	ctx := context.Background()
	log := filepath.Join(t.TempDir(), "log")
	// Each says when it starts and stops; the server takes a while to
	// stop, as a draining Temporal server does.
	script := func(name, drain, gen string) string {
		return fmt.Sprintf(`/bin/sh -c 'trap "sleep %s; echo %s-stop-%s >> %s; exit 0" TERM; echo %s-start-%s >> %s; while :; do sleep 0.05; done'`,
			drain, name, gen, log, name, gen, log)
	}
	l := func(gen string) workload.Layer {
		layer := temporal.Layer([]string{"history"}, false, temporal.InternodeLayer{Stage: rollout.AcceptTLS, PodAddress: "10.1.0.7"})
		server, proxy := layer.Services[temporal.ServiceName], layer.Services[temporal.ProxyServiceName]
		server.Command, server.User, server.Group, server.WorkingDir, server.KillDelay = script("server", "0.5", gen), "", "", "", "5s"
		proxy.Command, proxy.User, proxy.Group = script("proxy", "0", gen), "", ""
		return workload.Layer{Services: map[string]workload.Service{temporal.ServiceName: server, temporal.ProxyServiceName: proxy}}
	}
	require.NoError(t, b.AddLayer(ctx, temporal.LayerLabel, l("1")))
	// Pebble runs services in process groups of their own, which outlive
	// its own: stop them (before realPebble's cleanup kills Pebble).
	t.Cleanup(func() {
		_ = b.Stop(context.Background(), temporal.ServiceName)
		_ = b.Stop(context.Background(), temporal.ProxyServiceName)
	})
	require.NoError(t, b.Replan(ctx))
	require.NoError(t, b.AddLayer(ctx, temporal.LayerLabel, l("2")))
	require.NoError(t, b.Replan(ctx))
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, []string{"proxy-start-1", "server-start-1", "server-stop-1", "proxy-stop-1", "proxy-start-2", "server-start-2"}, strings.Fields(string(data)))
}

// An exec outlives neither its context nor the hook: Pebble kills it at
// the deadline (the fake runs nothing, so this is the real Pebble's alone).
func TestExecEndsWithTheContext(t *testing.T) {
	t.Parallel()
	b := realPebble(t)
	mark := filepath.Join(t.TempDir(), "still-ran")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := b.Exec(ctx, "/bin/sh", "-c", "sleep 1.5; touch "+mark)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	time.Sleep(2 * time.Second)
	_, err = os.Stat(mark)
	require.True(t, os.IsNotExist(err), "the command ran on after the deadline")
}

// A file call whose context is already done does nothing: it does not
// start and finish behind the caller's back.
func TestFilesWithADoneContext(t *testing.T) {
	t.Parallel()
	b := realPebble(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "f")
	require.ErrorIs(t, b.Push(ctx, workload.File{Path: path, Content: []byte("x"), Permissions: 0o600}), context.Canceled)
	_, err := b.Pull(ctx, path)
	require.ErrorIs(t, err, context.Canceled)
	time.Sleep(300 * time.Millisecond)
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "the push went ahead")
}

// A command that runs and fails is an error carrying its stderr (the fake
// runs nothing, so this is the real Pebble's alone).
func TestExecFailureCarriesStderr(t *testing.T) {
	t.Parallel()
	b := realPebble(t)
	_, err := b.Exec(context.Background(), "/bin/sh", "-c", "echo oops >&2; exit 2")
	require.ErrorContains(t, err, "cannot exec /bin/sh")
	require.ErrorContains(t, err, "oops")
}
