package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
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
	// Logs returns the last n lines a service wrote, oldest first.
	Logs(ctx context.Context, service string, n int) ([]string, error)
}

// ErrCannotConnect means Pebble is not answering yet.
var ErrCannotConnect = errors.New("cannot connect to pebble")

// SocketPath is where Juju exposes a workload's Pebble to the charm
// container on Kubernetes.
func SocketPath(container string) string {
	return "/charm/containers/" + container + "/pebble.socket"
}

// Pebble is a Container backed by a real Pebble daemon. Every call honours
// its context: most go through the client's Requester with that context
// (the client's own methods use context.Background), and the few that
// cannot (push, pull, exec) return when the context ends, leaving the
// request to die with the hook's process.
type Pebble struct {
	socket string
	client *client.Client
	// changeTimeout bounds how long Replan, Restart and Stop wait, and an
	// exec without a deadline of its own.
	changeTimeout time.Duration
}

// NewPebble returns a Container talking to the Pebble at socket.
func NewPebble(socket string, changeTimeout time.Duration) *Pebble {
	c, err := client.New(&client.Config{Socket: socket})
	if err != nil {
		// client.New fails only on conflicting TLS options, and a socket
		// has none.
		panic(fmt.Sprintf("cannot create pebble client for %s: %v", socket, err))
	}
	return &Pebble{socket: socket, client: c, changeTimeout: changeTimeout}
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
	var info client.SysInfo
	if err := p.get(ctx, "get pebble system info", "/v1/system-info", nil, &info); err != nil {
		return "", err
	}
	return info.BootID, nil
}

// get is a sync GET whose result decodes into result.
func (p *Pebble) get(ctx context.Context, what, path string, query url.Values, result any) error {
	resp, err := p.client.Requester().Do(ctx, &client.RequestOptions{Type: client.SyncRequest, Method: "GET", Path: path, Query: query})
	if err != nil {
		return wrapCtx(ctx, what, err)
	}
	if err := resp.DecodeResult(result); err != nil {
		return fmt.Errorf("cannot %s: cannot decode result: %w", what, err)
	}
	return nil
}

// post sends body as JSON; async requests return their change id.
func (p *Pebble) post(ctx context.Context, what, path string, async bool, body any) (string, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("cannot %s: %w", what, err)
	}
	kind := client.SyncRequest
	if async {
		kind = client.AsyncRequest
	}
	resp, err := p.client.Requester().Do(ctx, &client.RequestOptions{
		Type: kind, Method: "POST", Path: path,
		Headers: map[string]string{"Content-Type": "application/json"},
		Body:    bytes.NewReader(data),
	})
	if err != nil {
		return "", wrapCtx(ctx, what, err)
	}
	return resp.ChangeID, nil
}

// wrapCtx names the context's end, not the connection it cut, when that
// is why a request failed: the caller reacts to a deadline differently
// from a Pebble that is not there.
func wrapCtx(ctx context.Context, what string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("cannot %s: %w", what, ctxErr)
	}
	return wrap(what, err)
}

// Plan implements Container.
func (p *Pebble) Plan(ctx context.Context) (Layer, error) {
	var data string
	if err := p.get(ctx, "get pebble plan", "/v1/plan", url.Values{"format": {"yaml"}}, &data); err != nil {
		return Layer{}, err
	}
	var plan Layer
	if err := yaml.Unmarshal([]byte(data), &plan); err != nil {
		return Layer{}, fmt.Errorf("cannot parse pebble plan: %w", err)
	}
	return plan, nil
}

// AddLayer implements Container.
func (p *Pebble) AddLayer(ctx context.Context, label string, layer Layer) error {
	data, err := yaml.Marshal(layer)
	if err != nil {
		return fmt.Errorf("cannot encode layer %q: %w", label, err)
	}
	// The body the client's AddLayer sends, with Combine.
	body := map[string]any{"action": "add", "combine": true, "label": label, "format": "yaml", "layer": string(data)}
	_, err = p.post(ctx, fmt.Sprintf("add layer %q", label), "/v1/layers", false, body)
	return err
}

// execTimeout is how long an exec may run before Pebble kills it: the
// change timeout, or what is left of the context's deadline if that is
// sooner, so that nothing a hook started outlives it. Never zero or
// negative, which Pebble reads as "no timeout": a deadline already passed
// gives a millisecond, and within refuses a context that is done.
func (p *Pebble) execTimeout(ctx context.Context) time.Duration {
	wait := p.changeTimeout
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(deadline))
	}
	return max(wait, time.Millisecond)
}

// services starts a change on services and waits for it.
func (p *Pebble) services(ctx context.Context, action string, names []string) error {
	what := action
	if len(names) > 0 {
		what += " " + strings.Join(names, ", ")
	}
	id, err := p.post(ctx, what, "/v1/services", true, map[string]any{"action": action, "services": names})
	if err != nil {
		return err
	}
	// Pebble stops waiting after the change timeout; the context ends the
	// wait sooner.
	var ch struct {
		Err string `json:"err"`
	}
	if err := p.get(ctx, what, "/v1/changes/"+id+"/wait", url.Values{"timeout": {p.changeTimeout.String()}}, &ch); err != nil {
		return err
	}
	if ch.Err != "" {
		return fmt.Errorf("cannot %s: %s", what, ch.Err)
	}
	return nil
}

// Replan implements Container.
func (p *Pebble) Replan(ctx context.Context) error {
	return p.services(ctx, "replan", nil)
}

// Restart implements Container.
func (p *Pebble) Restart(ctx context.Context, services ...string) error {
	return p.services(ctx, "restart", services)
}

// Stop implements Container.
func (p *Pebble) Stop(ctx context.Context, services ...string) error {
	return p.services(ctx, "stop", services)
}

// Services implements Container.
func (p *Pebble) Services(ctx context.Context, names ...string) ([]ServiceInfo, error) {
	var infos []client.ServiceInfo
	if err := p.get(ctx, "list services", "/v1/services", url.Values{"names": {strings.Join(names, ",")}}, &infos); err != nil {
		return nil, err
	}
	out := make([]ServiceInfo, 0, len(infos))
	for _, s := range infos {
		out = append(out, ServiceInfo{Name: s.Name, Startup: string(s.Startup), Current: string(s.Current)})
	}
	return out, nil
}

// Logs implements Container. Pebble answers /v1/logs with one JSON object
// per line, not its usual envelope, so it is a raw request read here.
func (p *Pebble) Logs(ctx context.Context, service string, n int) ([]string, error) {
	what := "read the logs of " + service
	resp, err := p.client.Requester().Do(ctx, &client.RequestOptions{
		Type: client.RawRequest, Method: "GET", Path: "/v1/logs",
		Query: url.Values{"services": {service}, "n": {strconv.Itoa(n)}},
	})
	if err != nil {
		return nil, wrapCtx(ctx, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot %s: pebble answered %d", what, resp.StatusCode)
	}
	// A line is at most Pebble's 4 KiB log buffer line; n of them, with
	// their JSON, stay well under this bound.
	dec := json.NewDecoder(io.LimitReader(resp.Body, int64(n+1)*16<<10))
	var lines []string
	for {
		var entry struct {
			Message string `json:"message"`
		}
		if err := dec.Decode(&entry); errors.Is(err, io.EOF) {
			return lines, nil
		} else if err != nil {
			return nil, wrapCtx(ctx, what, err)
		}
		lines = append(lines, strings.TrimRight(entry.Message, "\n"))
	}
}

// Checks implements Container.
func (p *Pebble) Checks(ctx context.Context, names ...string) ([]CheckInfo, error) {
	var infos []client.CheckInfo
	if err := p.get(ctx, "list checks", "/v1/checks", url.Values{"names": names}, &infos); err != nil {
		return nil, err
	}
	out := make([]CheckInfo, 0, len(infos))
	for _, c := range infos {
		out = append(out, CheckInfo{Name: c.Name, Status: string(c.Status), Failures: c.Failures})
	}
	return out, nil
}

// within runs a client call that takes no context and returns when either
// it or the context is done. A call abandoned this way ends with the hook's
// process.
func within(ctx context.Context, what string, call func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cannot %s: %w", what, err)
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		if err != nil {
			return wrap(what, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot %s: %w", what, ctx.Err())
	}
}

// Push implements Container.
func (p *Pebble) Push(ctx context.Context, f File) error {
	return within(ctx, "push "+f.Path, func() error {
		return p.client.Push(&client.PushOptions{
			Source:      bytes.NewReader(f.Content),
			Path:        f.Path,
			MakeDirs:    true,
			Permissions: os.FileMode(f.Permissions),
			User:        f.User,
			Group:       f.Group,
		})
	})
}

// Pull implements Container.
func (p *Pebble) Pull(ctx context.Context, path string) ([]byte, error) {
	var buf bytes.Buffer
	if err := within(ctx, "pull "+path, func() error {
		return p.client.Pull(&client.PullOptions{Path: path, Target: &buf})
	}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Exec implements Container. Pebble kills the command at its timeout: the
// change timeout, or what is left of the context's deadline.
func (p *Pebble) Exec(ctx context.Context, command ...string) (string, error) {
	if len(command) == 0 {
		return "", errors.New("cannot exec: no command")
	}
	what := "exec " + command[0]
	timeout := p.execTimeout(ctx)
	var stdout, stderr bytes.Buffer
	err := within(ctx, what, func() error {
		proc, err := p.client.Exec(&client.ExecOptions{Command: command, Stdout: &stdout, Stderr: &stderr, Timeout: timeout})
		if err != nil {
			return err
		}
		if err := proc.Wait(); err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return stdout.String(), nil
}
