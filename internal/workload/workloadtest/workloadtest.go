// Package workloadtest is an in-memory workload container with Pebble's
// semantics where the charm relies on them: layers combine by label,
// replan restarts exactly the services whose definition changed, and every
// write is counted so tests can assert a no-op hook wrote nothing.
package workloadtest

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

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
	failNext map[string]error
	writes   Writes
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
		failNext: map[string]error{},
	}
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

// plan combines the layers in order, as Pebble does with override: replace.
func (c *Container) plan() workload.Layer {
	plan := workload.Layer{Services: map[string]workload.Service{}, Checks: map[string]workload.Check{}}
	for _, label := range c.labels {
		l := c.layers[label]
		for name, s := range l.Services {
			plan.Services[name] = s
		}
		for name, ch := range l.Checks {
			plan.Checks[name] = ch
		}
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
	if _, ok := c.layers[label]; !ok {
		c.labels = append(c.labels, label)
	}
	c.layers[label] = layer
	return nil
}

// Replan implements workload.Container.
func (c *Container) Replan(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Replan"); err != nil {
		return err
	}
	c.writes.Replan++
	for name, s := range c.plan().Services {
		if s.Startup != "enabled" {
			continue
		}
		if old, ok := c.running[name]; ok && reflect.DeepEqual(old, s) {
			continue
		}
		c.running[name] = s
		c.starts[name]++
	}
	return nil
}

// Restart implements workload.Container.
func (c *Container) Restart(_ context.Context, services ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Restart"); err != nil {
		return err
	}
	c.writes.Restart++
	plan := c.plan()
	for _, name := range services {
		s, ok := plan.Services[name]
		if !ok {
			return fmt.Errorf("cannot restart %s: service %q does not exist", name, name)
		}
		c.running[name] = s
		c.starts[name]++
	}
	return nil
}

// Stop implements workload.Container.
func (c *Container) Stop(_ context.Context, services ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Stop"); err != nil {
		return err
	}
	c.writes.Stop++
	for _, name := range services {
		delete(c.running, name)
	}
	return nil
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
		current := "inactive"
		if _, ok := c.running[name]; ok {
			current = "active"
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
			info = workload.CheckInfo{Name: name, Status: "up", Successes: 1}
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
func (c *Container) Exec(_ context.Context, command ...string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enter("Exec"); err != nil {
		return "", err
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
