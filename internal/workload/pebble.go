package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
	"gopkg.in/yaml.v3"
)

// Container is the charm's view of one workload container.
type Container interface {
	// BootID changes every time the container's Pebble starts.
	BootID(ctx context.Context) (string, error)
	Plan(ctx context.Context) (Layer, error)
	// AddLayer adds or combines the layer with the given label.
	AddLayer(ctx context.Context, label string, layer Layer) error
	// Replan starts enabled services and restarts the ones whose definition
	// changed, and waits for that to finish.
	Replan(ctx context.Context) error
	Restart(ctx context.Context, services ...string) error
	Stop(ctx context.Context, services ...string) error
	Services(ctx context.Context, names ...string) ([]ServiceInfo, error)
	Checks(ctx context.Context, names ...string) ([]CheckInfo, error)
	Push(ctx context.Context, f File) error
	// Pull reads a file.
	Pull(ctx context.Context, path string) ([]byte, error)
	// Exec runs a command to completion and returns its stdout.
	Exec(ctx context.Context, command ...string) (string, error)
}

// ErrCannotConnect means Pebble is not answering yet.
var ErrCannotConnect = errors.New("cannot connect to pebble")

// SocketPath is where Juju exposes a workload's Pebble to the charm
// container on Kubernetes.
func SocketPath(container string) string {
	return "/charm/containers/" + container + "/pebble.socket"
}

// Pebble is a Container backed by a real Pebble daemon.
type Pebble struct {
	socket string
	client *client.Client
	// changeTimeout bounds how long Replan, Restart and Stop wait.
	changeTimeout time.Duration
}

// NewPebble returns a Container talking to the Pebble at socket.
func NewPebble(socket string, changeTimeout time.Duration) (*Pebble, error) {
	c, err := client.New(&client.Config{Socket: socket})
	if err != nil {
		return nil, fmt.Errorf("cannot create pebble client for %s: %w", socket, err)
	}
	return &Pebble{socket: socket, client: c, changeTimeout: changeTimeout}, nil
}

func wrap(what string, err error) error {
	var connErr client.ConnectionError
	if errors.As(err, &connErr) {
		return fmt.Errorf("cannot %s: %w: %v", what, ErrCannotConnect, err)
	}
	return fmt.Errorf("cannot %s: %w", what, err)
}

// BootID implements Container. It is the first call of a hook, so it
// bounds the client's built-in 5s retry: a Pebble that is not up should
// cost a hook little.
func (p *Pebble) BootID(ctx context.Context) (string, error) {
	if _, err := os.Stat(p.socket); err != nil {
		return "", fmt.Errorf("cannot get pebble system info: %w: %v", ErrCannotConnect, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	resp, err := p.client.Requester().Do(ctx, &client.RequestOptions{Type: client.SyncRequest, Method: "GET", Path: "/v1/system-info"})
	if err != nil {
		return "", wrap("get pebble system info", err)
	}
	var info client.SysInfo
	if err := resp.DecodeResult(&info); err != nil {
		return "", fmt.Errorf("cannot decode pebble system info: %w", err)
	}
	return info.BootID, nil
}

// Plan implements Container.
func (p *Pebble) Plan(context.Context) (Layer, error) {
	data, err := p.client.PlanBytes(nil)
	if err != nil {
		return Layer{}, wrap("get pebble plan", err)
	}
	var plan Layer
	if err := yaml.Unmarshal(data, &plan); err != nil {
		return Layer{}, fmt.Errorf("cannot parse pebble plan: %w", err)
	}
	return plan, nil
}

// AddLayer implements Container.
func (p *Pebble) AddLayer(_ context.Context, label string, layer Layer) error {
	data, err := yaml.Marshal(layer)
	if err != nil {
		return fmt.Errorf("cannot encode layer %q: %w", label, err)
	}
	err = p.client.AddLayer(&client.AddLayerOptions{Combine: true, Label: label, LayerData: data})
	if err != nil {
		return wrap(fmt.Sprintf("add layer %q", label), err)
	}
	return nil
}

func (p *Pebble) wait(what, changeID string, err error) error {
	if err != nil {
		return wrap(what, err)
	}
	ch, err := p.client.WaitChange(changeID, &client.WaitChangeOptions{Timeout: p.changeTimeout})
	if err != nil {
		return wrap(what, err)
	}
	if ch.Err != "" {
		return fmt.Errorf("cannot %s: %s", what, ch.Err)
	}
	return nil
}

// Replan implements Container.
func (p *Pebble) Replan(context.Context) error {
	id, err := p.client.Replan(&client.ServiceOptions{})
	return p.wait("replan", id, err)
}

// Restart implements Container.
func (p *Pebble) Restart(_ context.Context, services ...string) error {
	id, err := p.client.Restart(&client.ServiceOptions{Names: services})
	return p.wait("restart "+strings.Join(services, ", "), id, err)
}

// Stop implements Container.
func (p *Pebble) Stop(_ context.Context, services ...string) error {
	id, err := p.client.Stop(&client.ServiceOptions{Names: services})
	return p.wait("stop "+strings.Join(services, ", "), id, err)
}

// Services implements Container.
func (p *Pebble) Services(_ context.Context, names ...string) ([]ServiceInfo, error) {
	infos, err := p.client.Services(&client.ServicesOptions{Names: names})
	if err != nil {
		return nil, wrap("list services", err)
	}
	out := make([]ServiceInfo, 0, len(infos))
	for _, s := range infos {
		out = append(out, ServiceInfo{Name: s.Name, Startup: string(s.Startup), Current: string(s.Current)})
	}
	return out, nil
}

// Checks implements Container.
func (p *Pebble) Checks(_ context.Context, names ...string) ([]CheckInfo, error) {
	infos, err := p.client.Checks(&client.ChecksOptions{Names: names})
	if err != nil {
		return nil, wrap("list checks", err)
	}
	out := make([]CheckInfo, 0, len(infos))
	for _, c := range infos {
		info := CheckInfo{Name: c.Name, Status: string(c.Status), Failures: c.Failures}
		if c.Successes != nil {
			info.Successes = *c.Successes
		}
		out = append(out, info)
	}
	return out, nil
}

// Push implements Container.
func (p *Pebble) Push(_ context.Context, f File) error {
	err := p.client.Push(&client.PushOptions{
		Source:      bytes.NewReader(f.Content),
		Path:        f.Path,
		MakeDirs:    true,
		Permissions: os.FileMode(f.Permissions),
		User:        f.User,
		Group:       f.Group,
	})
	if err != nil {
		return wrap("push "+f.Path, err)
	}
	return nil
}

// Pull implements Container.
func (p *Pebble) Pull(_ context.Context, path string) ([]byte, error) {
	var buf bytes.Buffer
	if err := p.client.Pull(&client.PullOptions{Path: path, Target: &buf}); err != nil {
		return nil, wrap("pull "+path, err)
	}
	return buf.Bytes(), nil
}

// Exec implements Container.
func (p *Pebble) Exec(ctx context.Context, command ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	timeout := p.changeTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	proc, err := p.client.Exec(&client.ExecOptions{Command: command, Stdout: &stdout, Stderr: &stderr, Timeout: timeout})
	if err != nil {
		return "", wrap("exec "+command[0], err)
	}
	if err := proc.Wait(); err != nil {
		return "", fmt.Errorf("cannot exec %s: %w: %s", command[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
