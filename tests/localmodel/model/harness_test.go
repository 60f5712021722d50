package model_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/pod"
)

// TestMain lets the test binary act as the hook tools: the tools
// directory links each tool name to it.
func TestMain(m *testing.M) {
	if hooktools.IsTool(filepath.Base(os.Args[0])) {
		os.Exit(hooktools.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	if pebbleDir != "" {
		os.RemoveAll(pebbleDir)
	}
	os.Exit(code)
}

var (
	pebbleOnce sync.Once
	pebbleDir  string
	pebblePath string
	pebbleErr  error
)

// pebbleBin returns a Pebble binary: $LOCALMODEL_PEBBLE, or one built from
// the module's pinned version.
func pebbleBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LOCALMODEL_PEBBLE"); p != "" {
		return p
	}
	pebbleOnce.Do(func() {
		pebbleDir, pebbleErr = os.MkdirTemp("", "lmpebble")
		if pebbleErr != nil {
			return
		}
		pebblePath = filepath.Join(pebbleDir, "pebble")
		cmd := exec.Command("go", "build", "-o", pebblePath, "github.com/canonical/pebble/cmd/pebble")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			pebbleErr = fmt.Errorf("cannot build pebble: %v: %s", err, out)
		}
	})
	require.NoError(t, pebbleErr)
	return pebblePath
}

// fakeCharm writes a charm whose dispatch appends one line per event to
// a log and then runs the per-event shell snippet from script, if any.
type fakeCharm struct {
	meta    string
	config  string
	actions string
	// script maps a JUJU_DISPATCH_PATH to shell run for it; "*" runs for
	// every event.
	script map[string]string
}

const baseMeta = `name: demo
containers:
  app:
    resource: app-image
resources:
  app-image: {type: oci-image}
peers:
  peer: {interface: demo_peer}
provides:
  api: {interface: demo_api}
requires:
  backend: {interface: demo_api}
`

type env struct {
	t   *testing.T
	dir string
	m   *model.Model
	log string
}

// lowestLeads makes the unit with the lowest ordinal win elections, for
// tests that must know the leader beforehand (the model picks at random).
func lowestLeads(c *model.Config) { c.Elect = model.ElectLowest }

func newEnv(t *testing.T, opts ...func(*model.Config)) *env {
	return newEnvWithPebble(t, "", opts...)
}

// newEnvWithPebble runs a real Pebble per workload container.
func newEnvWithPebble(t *testing.T, pebble string, opts ...func(*model.Config)) *env {
	t.Helper()
	// Unix socket paths are short; t.TempDir can be too long.
	dir, err := os.MkdirTemp("", "lm")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	self, err := os.Executable()
	require.NoError(t, err)
	cfg := model.Config{
		StateDir: filepath.Join(dir, "state"), Backend: pod.NewPlain(filepath.Join(dir, "pods"), self, pebble),
		UpdateStatusInterval: time.Hour, RetryMin: 200 * time.Millisecond, RetryMax: time.Second,
		// A short leaderless gap.
		ClaimDelay: 300 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := model.New(cfg)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return &env{t: t, dir: dir, m: m, log: filepath.Join(dir, "events.log")}
}

// charm writes a fake charm and returns its directory.
func (e *env) charm(name string, c fakeCharm) string {
	e.t.Helper()
	dir := filepath.Join(e.dir, "charms", name)
	require.NoError(e.t, os.MkdirAll(dir, 0o755))
	meta := c.meta
	if meta == "" {
		meta = baseMeta
	}
	require.NoError(e.t, os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(meta), 0o644))
	if c.config != "" {
		require.NoError(e.t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(c.config), 0o644))
	}
	if c.actions != "" {
		require.NoError(e.t, os.WriteFile(filepath.Join(dir, "actions.yaml"), []byte(c.actions), 0o644))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\necho \"$JUJU_UNIT_NAME $JUJU_DISPATCH_PATH $JUJU_REMOTE_UNIT\" >> %s\n", e.log)
	if s, ok := c.script["*"]; ok {
		b.WriteString(s + "\n")
	}
	b.WriteString("case \"$JUJU_DISPATCH_PATH\" in\n")
	for path, s := range c.script {
		if path != "*" {
			fmt.Fprintf(&b, "%s)\n%s\n;;\n", path, s)
		}
	}
	b.WriteString("esac\n")
	require.NoError(e.t, os.WriteFile(filepath.Join(dir, "dispatch"), []byte(b.String()), 0o755))
	return dir
}

func (e *env) deploy(charmDir, app string, n int, config map[string]string) {
	e.t.Helper()
	require.NoError(e.t, e.m.Deploy(model.DeployArgs{
		Charm: charmDir, App: app, NumUnits: n, Config: config,
		Resources: map[string]string{"app-image": "host"},
	}))
}

// leaderOf returns an application's leader and one other unit.
func (e *env) leaderOf(app string) (leader, other string) {
	e.t.Helper()
	for name, u := range e.m.Status().Applications[app].Units {
		if u.Leader {
			leader = name
		} else if other == "" || name < other {
			other = name
		}
	}
	require.NotEmpty(e.t, leader, "%s has no leader", app)
	return leader, other
}

// settle waits until every unit is idle with nothing to do.
func (e *env) settle() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stable := 0
	for time.Now().Before(deadline) {
		if e.m.Idle() {
			stable++
			if stable >= 5 {
				return
			}
		} else {
			stable = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("model did not settle; status: %+v\nevents:\n%s", e.m.Status(), strings.Join(e.events(""), "\n"))
}

// events returns the logged events of one unit ("" for all) as
// "<dispatch path> <remote unit>".
func (e *env) events(unit string) []string {
	data, _ := os.ReadFile(e.log)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, " ", 2)
		if unit == "" {
			out = append(out, strings.TrimSpace(line))
		} else if f[0] == unit {
			out = append(out, strings.TrimSpace(f[1]))
		}
	}
	return out
}

// clearEvents forgets the events so far.
func (e *env) clearEvents() { os.Remove(e.log) }

// without drops update-status and pebble events, which are timing noise.
func without(events []string, drop ...string) []string {
	var out []string
next:
	for _, ev := range events {
		for _, d := range drop {
			if strings.Contains(ev, d) {
				continue next
			}
		}
		out = append(out, ev)
	}
	return out
}

func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("timed out waiting for %s; events:\n%s", what, strings.Join(e.events(""), "\n"))
}

func (e *env) runAction(unit, name string, params map[string]any) model.ActionResult {
	e.t.Helper()
	wait, err := e.m.RunAction(unit, name, params)
	require.NoError(e.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := wait(ctx)
	require.NoError(e.t, err)
	return res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}
