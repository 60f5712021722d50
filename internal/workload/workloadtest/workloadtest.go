// Package workloadtest is an in-memory workload container with Pebble's
// semantics where the charm relies on them: layers combine by label and are
// validated as Pebble 1.26 validates them (internals/plan), replan restarts
// exactly the services whose definition changed, a service is active,
// inactive, backoff or error as servstate reports it, changes take time and
// honour their context, and every write is counted so tests can assert a
// no-op hook wrote nothing. tests/localmodel/realcheck runs the same
// scenarios against this fake and a real Pebble.
package workloadtest

import (
	"context"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// Writes counts the calls that change the container.
type Writes struct {
	AddLayer, Replan, Restart, Stop, Push int
}

// Total is the number of writes of any kind.
func (w Writes) Total() int {
	return w.AddLayer + w.Replan + w.Restart + w.Stop + w.Push
}

// Container is a fake workload.Container. The zero value is not usable:
// call New.
type Container struct {
	mu       sync.Mutex
	down     bool
	bootID   string
	labels   []string
	layers   map[string]workload.Layer
	running  map[string]workload.Service // the definition a service started with
	starts   map[string]int
	files    map[string]workload.File
	checks   map[string]workload.CheckInfo
	execs    map[string]string
	logs     map[string][]string
	failNext map[string]error
	writes   Writes
	// current overrides a started service's state (backoff, error).
	current map[string]string
	// exitAtStart is the exit code of a service whose process exits at
	// once when started.
	exitAtStart map[string]int
	// stopLatency is how long stopping a service takes (its kill-delay
	// when it ignores SIGTERM).
	stopLatency map[string]time.Duration
	// latency is how long every change takes.
	latency time.Duration
}

// New returns a running container with the given boot id.
func New(bootID string) *Container {
	return &Container{
		bootID:   bootID,
		layers:   map[string]workload.Layer{},
		running:  map[string]workload.Service{},
		starts:   map[string]int{},
		files:    map[string]workload.File{},
		checks:   map[string]workload.CheckInfo{},
		execs:    map[string]string{},
		logs:     map[string][]string{},
		failNext: map[string]error{},
		current:  map[string]string{},

		exitAtStart: map[string]int{},
		stopLatency: map[string]time.Duration{},
	}
}

// ExitAtStart makes the service's process exit with code at once whenever
// it is started, as a server that cannot read its config does.
func (c *Container) ExitAtStart(service string, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exitAtStart[service] = code
}

// ClearExitAtStart lets the service start again.
func (c *Container) ClearExitAtStart(service string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.exitAtStart, service)
}

// SetCurrent puts a started service in a state Pebble reaches by itself:
// backoff (its process died and Pebble will restart it) or error (it died
// and Pebble will not). Active clears the override.
func (c *Container) SetCurrent(service, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if state == workload.ServiceActive {
		delete(c.current, service)
		return
	}
	c.current[service] = state
}

// SetStopLatency makes stopping the service take d.
func (c *Container) SetStopLatency(service string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLatency[service] = d
}

// SetChangeLatency makes every change (replan, restart, stop) take d.
func (c *Container) SetChangeLatency(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latency = d
}

// wait spends a change's time without the lock, as Pebble's change runs
// while its API goes on answering; the context cuts it short.
func (c *Container) wait(ctx context.Context, what string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cannot %s: %w", what, err)
	}
	if d <= 0 {
		return nil
	}
	c.mu.Unlock()
	defer c.mu.Lock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("cannot %s: %w", what, ctx.Err())
	case <-t.C:
		return nil
	}
}

// start starts a service as servstate does: a process that exits within
// Pebble's okay delay fails the start, and the service backs off (on-failure
// restart, the default) or stays in error.
func (c *Container) start(name string, s workload.Service) error {
	c.running[name] = s
	c.starts[name]++
	delete(c.current, name)
	code, exits := c.exitAtStart[name]
	if !exits {
		return nil
	}
	action := s.OnFailure
	if action == "" {
		action = "restart"
	}
	if action == "restart" {
		c.current[name] = workload.ServiceBackoff
	} else {
		c.current[name] = workload.ServiceError
	}
	return fmt.Errorf("- Start service %q (service start attempt: exited quickly with code %d, will %s)", name, code, action)
}

// SetDown makes every call fail as if Pebble were not answering.
func (c *Container) SetDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
}

// Reboot simulates a container restart: a new boot id, no plan, no files,
// nothing running.
func (c *Container) Reboot(bootID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bootID = bootID
	c.labels = nil
	c.layers = map[string]workload.Layer{}
	c.running = map[string]workload.Service{}
	c.current = map[string]string{}
	c.files = map[string]workload.File{}
	c.checks = map[string]workload.CheckInfo{}
}

// SetExec sets the stdout of a command line.
func (c *Container) SetExec(command, stdout string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.execs[command] = stdout
}

// SetCheck sets the state of a check.
func (c *Container) SetCheck(info workload.CheckInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks[info.Name] = info
}

// FailNext makes the next call of a method ("Replan", "Push", ...) fail.
func (c *Container) FailNext(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failNext[method] = err
}

// Writes returns the write counters and resets them.
func (c *Container) Writes() Writes {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.writes
	c.writes = Writes{}
	return w
}

// Starts is how many times a service has been started or restarted.
func (c *Container) Starts(service string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.starts[service]
}

// File returns a pushed file.
func (c *Container) File(path string) (workload.File, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[path]
	return f, ok
}

func (c *Container) enter(method string) error {
	if c.down {
		return fmt.Errorf("cannot %s: %w", strings.ToLower(method), workload.ErrCannotConnect)
	}
	if err, ok := c.failNext[method]; ok {
		delete(c.failNext, method)
		return err
	}
	return nil
}

// plan combines the layers in order, as Pebble does.
func (c *Container) plan() workload.Layer {
	var plan workload.Layer
	for _, label := range c.labels {
		plan = combine(plan, c.layers[label])
	}
	if plan.Services == nil {
		plan = combine(plan, workload.Layer{})
	}
	return plan
}

// BootID implements workload.Container.
func (c *Container) BootID(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("BootID"); err != nil {
		return "", err
	}
	return c.bootID, nil
}

// Plan implements workload.Container.
func (c *Container) Plan(context.Context) (workload.Layer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Plan"); err != nil {
		return workload.Layer{}, err
	}
	return c.plan(), nil
}

// AddLayer implements workload.Container.
func (c *Container) AddLayer(_ context.Context, label string, layer workload.Layer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("AddLayer"); err != nil {
		return err
	}
	c.writes.AddLayer++
	if err := validateLayer(label, layer); err != nil {
		return fmt.Errorf("cannot add layer %q: %w", label, err)
	}
	old, had := c.layers[label]
	labels := c.labels
	if !had {
		c.labels = append(c.labels, label)
	}
	c.layers[label] = combine(old, layer)
	if err := validatePlan(c.plan()); err != nil {
		// Pebble refuses the layer and keeps the plan it had.
		c.labels = labels
		if had {
			c.layers[label] = old
		} else {
			delete(c.layers, label)
		}
		return fmt.Errorf("cannot add layer %q: %w", label, err)
	}
	return nil
}

// Replan implements workload.Container.
func (c *Container) Replan(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Replan"); err != nil {
		return err
	}
	c.writes.Replan++
	if err := c.wait(ctx, "replan", c.latency); err != nil {
		return err
	}
	var failed []string
	plan := c.plan()
	for _, name := range slices.Sorted(maps.Keys(plan.Services)) {
		s := plan.Services[name]
		if s.Startup != "enabled" {
			continue
		}
		if old, ok := c.running[name]; ok && reflect.DeepEqual(old, s) && c.current[name] == "" {
			continue
		}
		if err := c.start(name, s); err != nil {
			failed = append(failed, err.Error())
		}
	}
	return changeError("replan", failed)
}

// changeError is how a change with failed tasks reads through the client.
func changeError(what string, failed []string) error {
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("cannot %s: cannot perform the following tasks:\n%s", what, strings.Join(failed, "\n"))
}

// known refuses names not in the plan, before any change starts
// (plan.ServiceOrder: "service %q does not exist").
func known(what string, plan workload.Layer, services []string) error {
	for _, name := range services {
		if _, ok := plan.Services[name]; !ok {
			return fmt.Errorf("cannot %s: service %q does not exist", what, name)
		}
	}
	return nil
}

// Restart implements workload.Container.
func (c *Container) Restart(ctx context.Context, services ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Restart"); err != nil {
		return err
	}
	c.writes.Restart++
	what := "restart " + strings.Join(services, ", ")
	plan := c.plan()
	if err := known(what, plan, services); err != nil {
		return err
	}
	if err := c.wait(ctx, what, c.latency+c.stopping(services)); err != nil {
		return err
	}
	var failed []string
	for _, name := range services {
		if err := c.start(name, plan.Services[name]); err != nil {
			failed = append(failed, err.Error())
		}
	}
	return changeError(what, failed)
}

func (c *Container) stopping(services []string) time.Duration {
	var d time.Duration
	for _, name := range services {
		if _, ok := c.running[name]; ok {
			d = max(d, c.stopLatency[name])
		}
	}
	return d
}

// Stop implements workload.Container.
func (c *Container) Stop(ctx context.Context, services ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Stop"); err != nil {
		return err
	}
	c.writes.Stop++
	what := "stop " + strings.Join(services, ", ")
	if err := known(what, c.plan(), services); err != nil {
		return err
	}
	if err := c.wait(ctx, what, c.latency+c.stopping(services)); err != nil {
		return err
	}
	for _, name := range services {
		delete(c.running, name)
		delete(c.current, name)
	}
	return nil
}

// AddLogs appends lines to what a service wrote.
func (c *Container) AddLogs(service string, lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs[service] = append(c.logs[service], lines...)
}

// Logs implements workload.Container: the last n lines, oldest first.
func (c *Container) Logs(ctx context.Context, service string, n int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Logs"); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the logs of %s: %w", service, err)
	}
	lines := c.logs[service]
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return append([]string(nil), lines...), nil
}

// Services implements workload.Container.
func (c *Container) Services(_ context.Context, names ...string) ([]workload.ServiceInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Services"); err != nil {
		return nil, err
	}
	var out []workload.ServiceInfo
	for name, s := range c.plan().Services {
		if len(names) > 0 && !contains(names, name) {
			continue
		}
		current := workload.ServiceInactive
		if _, ok := c.running[name]; ok {
			current = workload.ServiceActive
			if st := c.current[name]; st != "" {
				current = st
			}
		}
		out = append(out, workload.ServiceInfo{Name: name, Startup: s.Startup, Current: current})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Checks implements workload.Container. A check defined in the plan
// without a state set by the test is up, as Pebble reports a new check.
func (c *Container) Checks(_ context.Context, names ...string) ([]workload.CheckInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Checks"); err != nil {
		return nil, err
	}
	var out []workload.CheckInfo
	for name := range c.plan().Checks {
		if len(names) > 0 && !contains(names, name) {
			continue
		}
		info, ok := c.checks[name]
		if !ok {
			info = workload.CheckInfo{Name: name, Status: "up"}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Push implements workload.Container.
func (c *Container) Push(_ context.Context, f workload.File) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Push"); err != nil {
		return err
	}
	c.writes.Push++
	if !path.IsAbs(f.Path) {
		// Pebble's files API takes absolute paths only.
		return fmt.Errorf("cannot push %s: paths must be absolute, got %q", f.Path, f.Path)
	}
	f.Content = append([]byte(nil), f.Content...)
	c.files[f.Path] = f
	return nil
}

// Pull implements workload.Container.
func (c *Container) Pull(_ context.Context, path string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Pull"); err != nil {
		return nil, err
	}
	f, ok := c.files[path]
	if !ok {
		// What Pebble 1.26's client says for a missing file.
		return nil, fmt.Errorf(`cannot pull %s: expected first field name to be "files", got "response"`, path)
	}
	return append([]byte(nil), f.Content...), nil
}

// Exec implements workload.Container.
func (c *Container) Exec(ctx context.Context, command ...string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Exec"); err != nil {
		return "", err
	}
	if len(command) == 0 {
		return "", fmt.Errorf("cannot exec: no command")
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("cannot exec %s: %w", command[0], err)
	}
	line := strings.Join(command, " ")
	out, ok := c.execs[line]
	if !ok {
		return "", fmt.Errorf("cannot exec %s: no such command in the fake", line)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
