package conformance_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// The world every scenario starts from, realised by each backend:
//
//   - application a (units a/0, the leader, and a/1) and application b
//     (unit b/0), both of the charm below;
//   - relations peer:0 (a's peers), 1 (b's peers) and 2 (a:backend to
//     b:api);
//   - b has published app data {endpoint} and b/0 unit data {host} on
//     relation 2, a has app data {cluster} and a/1 unit data {member}
//     on its peer relation; every unit entered scope with Juju's
//     private-address, ingress-address and egress-subnets;
//   - b owns secret {granted} (password: one), granted to relation 2,
//     and secret {hidden}, granted to nobody; a owns secret {own}
//     (key: app-owned);
//   - a/0 and b/0 have set their workload status to active; a/1 has set
//     none, so Juju reports it as unknown.
const (
	modelUUID = "5d1c7a2e-3b4f-4e6a-9c8d-0f1e2a3b4c5d"

	ipA0 = "10.1.0.10"
	ipA1 = "10.1.0.11"
	ipB0 = "10.1.1.10"

	// missingID is a well-formed secret id no secret has.
	missingID = "d1ab2cd3ef4gh5ij6kl0"
)

const charmMeta = `name: demo
peers:
  peer: {interface: demo_peer}
provides:
  api: {interface: demo_api}
requires:
  backend: {interface: demo_api}
`

const charmConfig = `options:
  s: {type: string, default: hi}
  n: {type: int, default: 1}
  f: {type: float, default: 0.5}
  b: {type: boolean, default: true}
  u: {type: string}
`

const charmActions = `do:
  params:
    name: {type: string}
    count: {type: integer}
`

var (
	bAppData  = map[string]string{"endpoint": "b.example:7233"}
	b0Data    = map[string]string{"host": "b-0.example"}
	aPeerData = map[string]string{"cluster": "c1"}
	a1Peer    = map[string]string{"member": "a-1"}
)

// scope is the data Juju writes to a unit's bag when it enters a
// relation's scope (state/relationunit.go, EnterScope).
func scope(ip string, extra map[string]string) map[string]string {
	out := map[string]string{"private-address": ip, "ingress-address": ip, "egress-subnets": ip + "/32"}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// outcome is how a hook or action ended.
type outcome struct {
	// Committed: the hook's changes were kept.
	Committed bool `json:"committed"`
	// For actions: status, message and results (nested keys dotted,
	// return-code, stdout and stderr left out).
	Status  string            `json:"status,omitempty"`
	Message string            `json:"message,omitempty"`
	Results map[string]string `json:"results,omitempty"`
}

// world is one backend's realisation of the fixture.
type world interface {
	// run runs body as one hook of unit (an action "do" with params
	// when params is not nil), with its hook tools behind r; body
	// returns the charm's exit code.
	run(t *testing.T, unit string, params map[string]any, body func(r juju.Runner) int) outcome
	// publish makes b/0 publish a new revision of {granted}.
	publish(t *testing.T, content map[string]string)
	vars() map[string]string
}

// --- the local model ---

// lmBackend is a model.Backend whose pods run no processes: the charm is
// a Go function the test hands over for one hook, and every other hook
// is a charm that does nothing and exits 0.
type lmBackend struct {
	dir   string
	mu    sync.Mutex
	hooks map[string]*lmHook // by unit
}

type lmHook struct {
	dispatch string
	body     func(env []string) int
}

var podIPs = map[string]string{"a-0": ipA0, "a-1": ipA1, "b-0": ipB0}

func (b *lmBackend) CreatePod(_ context.Context, spec model.PodSpec) (model.Pod, error) {
	dir := filepath.Join(b.dir, spec.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ip, ok := podIPs[spec.Name]
	if !ok {
		return nil, fmt.Errorf("no address for pod %q", spec.Name)
	}
	return &lmPod{b: b, dir: dir, ip: ip}, nil
}

func (b *lmBackend) SetHosts([]model.HostEntry) error { return nil }

func (b *lmBackend) Service(string) (model.Service, error) { return lmService{}, nil }

func (b *lmBackend) set(unit string, h *lmHook) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hooks[unit] = h
}

// take hands out the body waiting for this unit's dispatch, once.
func (b *lmBackend) take(unit, dispatch string) *lmHook {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.hooks[unit]
	if h == nil || h.dispatch != dispatch {
		return nil
	}
	delete(b.hooks, unit)
	return h
}

type lmService struct{}

func (lmService) Address() string              { return "10.2.0.1" }
func (lmService) Update([]int, []string) error { return nil }
func (lmService) Close()                       {}

// lmPod is a pod without containers or processes.
type lmPod struct {
	b   *lmBackend
	dir string
	ip  string
}

func (p *lmPod) Address() string                                { return p.ip }
func (p *lmPod) DataDir() (string, string)                      { return p.dir, p.dir }
func (p *lmPod) ToolPath() string                               { return "/nonexistent/hook-tool" }
func (p *lmPod) StartWorkloads(context.Context) error           { return nil }
func (p *lmPod) StopWorkloads(context.Context) error            { return nil }
func (p *lmPod) RestartContainer(context.Context, string) error { return nil }
func (p *lmPod) SetNetwork(context.Context, bool) error         { return nil }
func (p *lmPod) PebbleSocket(c string) string                   { return filepath.Join(p.dir, "pebble", c) }
func (p *lmPod) Delete(context.Context) error                   { return nil }

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func (p *lmPod) RunCharm(_ context.Context, cp model.CharmProcess) (int, error) {
	h := p.b.take(envValue(cp.Env, "JUJU_UNIT_NAME"), envValue(cp.Env, "JUJU_DISPATCH_PATH"))
	if h == nil {
		return 0, nil
	}
	return h.body(cp.Env), nil
}

// lmRunner runs hook tools the way the charm's juju.ExecRunner does, but
// in process: the tool executable's main (hooktools.Main) with the
// hook's environment, talking to the unit agent's socket.
type lmRunner struct{ env []string }

func (r lmRunner) Run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	var in io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	code := hooktools.Main(append([]string{name}, args...), func(k string) string { return envValue(r.env, k) }, in, &stdout, &stderr)
	if code != 0 {
		return nil, &juju.ToolError{Tool: name, Code: code, Stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

type lmWorld struct {
	m    *model.Model
	b    *lmBackend
	vals map[string]string
}

func newLMWorld(t *testing.T) *lmWorld {
	t.Helper()
	// Unix socket paths are short; t.TempDir can be too long.
	dir, err := os.MkdirTemp("", "cf")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	charm := filepath.Join(dir, "charm")
	require.NoError(t, os.MkdirAll(charm, 0o755))
	for name, content := range map[string]string{
		"metadata.yaml": charmMeta, "config.yaml": charmConfig, "actions.yaml": charmActions,
		// The pods never run it; the unit agent only looks for it.
		"dispatch": "#!/bin/sh\nexit 0\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(charm, name), []byte(content), 0o755))
	}
	b := &lmBackend{dir: filepath.Join(dir, "pods"), hooks: map[string]*lmHook{}}
	m, err := model.New(model.Config{
		UUID: modelUUID, StateDir: filepath.Join(dir, "state"), Backend: b,
		UpdateStatusInterval: time.Hour, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		ClaimDelay: time.Hour,
		// The scenarios are written with a/0 leading.
		Elect: model.ElectLowest,
	})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	require.NoError(t, m.Deploy(model.DeployArgs{Charm: charm, App: "a", NumUnits: 2}))
	require.NoError(t, m.Deploy(model.DeployArgs{Charm: charm, App: "b", NumUnits: 1}))
	_, err = m.Relate("a:backend", "b:api")
	require.NoError(t, err)
	w := &lmWorld{m: m, b: b, vals: map[string]string{}}
	w.settle(t)

	// The fixture's data, written by the units themselves.
	ctx := context.Background()
	w.setup(t, "b/0", func(c *juju.Client) error {
		if err := c.RelationSet(ctx, "api:2", true, bAppData); err != nil {
			return err
		}
		if err := c.RelationSet(ctx, "api:2", false, b0Data); err != nil {
			return err
		}
		granted, err := c.SecretAdd(ctx, map[string]string{"password": "one"}, juju.SecretOptions{Label: "db"})
		if err != nil {
			return err
		}
		if err := c.SecretGrant(ctx, granted, "api:2"); err != nil {
			return err
		}
		hidden, err := c.SecretAdd(ctx, map[string]string{"token": "hidden"}, juju.SecretOptions{})
		if err != nil {
			return err
		}
		w.vals["granted"], w.vals["hidden"] = granted, hidden
		return c.StatusSet(ctx, juju.Status{Name: juju.StatusActive}, false)
	})
	w.setup(t, "a/0", func(c *juju.Client) error {
		if err := c.RelationSet(ctx, "peer:0", true, aPeerData); err != nil {
			return err
		}
		own, err := c.SecretAdd(ctx, map[string]string{"key": "app-owned"}, juju.SecretOptions{})
		if err != nil {
			return err
		}
		w.vals["own"] = own
		return c.StatusSet(ctx, juju.Status{Name: juju.StatusActive}, false)
	})
	w.setup(t, "a/1", func(c *juju.Client) error {
		return c.RelationSet(ctx, "peer:0", false, a1Peer)
	})
	w.settle(t)
	return w
}

func (w *lmWorld) vars() map[string]string { return w.vals }

// settle waits until every unit agent is idle with nothing to do.
func (w *lmWorld) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stable := 0
	for time.Now().Before(deadline) {
		if w.m.Idle() {
			if stable++; stable >= 3 {
				return
			}
		} else {
			stable = 0
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("model did not settle: %+v", w.m.Status())
}

func (w *lmWorld) setup(t *testing.T, unit string, fn func(c *juju.Client) error) {
	t.Helper()
	var err error
	out := w.run(t, unit, nil, func(r juju.Runner) int {
		if err = fn(juju.NewClient(r)); err != nil {
			return 1
		}
		return 0
	})
	require.NoError(t, err, "setting up %s", unit)
	require.True(t, out.Committed, "setting up %s", unit)
}

func (w *lmWorld) run(t *testing.T, unit string, params map[string]any, body func(r juju.Runner) int) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ran := false
	run := func(env []string) int {
		ran = true
		return body(lmRunner{env: env})
	}
	if params != nil {
		w.b.set(unit, &lmHook{dispatch: "actions/do", body: run})
		wait, err := w.m.RunAction(unit, "do", params)
		require.NoError(t, err)
		res, err := wait(ctx)
		require.NoError(t, err)
		require.True(t, ran, "the action's charm did not run")
		out := outcome{Committed: res.Message != "committing requested changes failed", Status: res.Status, Message: res.Message, Results: map[string]string{}}
		flatten(out.Results, "", res.Results)
		for _, k := range []string{"return-code", "stdout", "stderr"} {
			delete(out.Results, k)
		}
		w.settle(t)
		return out
	}
	w.b.set(unit, &lmHook{dispatch: "hooks/update-status", body: run})
	wait, err := w.m.RunHook(unit, "update-status")
	require.NoError(t, err)
	rec, err := wait(ctx)
	require.NoError(t, err)
	require.True(t, ran, "the hook's charm did not run")
	// A failed hook puts the unit in error until its retry (a charm
	// that does nothing) succeeds.
	w.settle(t)
	return outcome{Committed: !rec.Failed()}
}

func flatten(dst map[string]string, prefix string, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			flatten(dst, prefix+k+".", sub)
			continue
		}
		dst[prefix+k] = fmt.Sprint(v)
	}
}

func (w *lmWorld) publish(t *testing.T, content map[string]string) {
	w.setup(t, "b/0", func(c *juju.Client) error {
		return c.SecretSet(context.Background(), w.vals["granted"], content)
	})
	w.settle(t)
}
