// Package workload is the stand-in charms' small view of a workload
// container: its Pebble, reached through the socket Juju mounts into the
// charm container, and commands run inside it with Pebble exec.
package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"io"
	"path"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// SocketPath is where a sidecar charm finds a workload container's Pebble.
func SocketPath(container string) string {
	return path.Join("/charm/containers", container, "pebble.socket")
}

// Container is one workload container.
type Container struct {
	Name   string
	Client *client.Client
}

// Connect returns a client for the named container's Pebble. It does not
// check that Pebble answers; see Ready.
func Connect(name string) (*Container, error) {
	c, err := client.New(&client.Config{Socket: SocketPath(name)})
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the %s container: %w", name, err)
	}
	return &Container{Name: name, Client: c}, nil
}

// Replan has Pebble start what its plan calls for (and restart what
// changed) and waits up to a minute for it; what names the workload in
// errors.
func (c *Container) Replan(what string) error {
	id, err := c.Client.Replan(&client.ServiceOptions{})
	if err != nil {
		return fmt.Errorf("cannot start %s: %w", what, err)
	}
	change, err := c.Client.WaitChange(id, &client.WaitChangeOptions{Timeout: time.Minute})
	if err != nil {
		return fmt.Errorf("cannot start %s: %w", what, err)
	}
	if change.Err != "" {
		return fmt.Errorf("cannot start %s: %s", what, change.Err)
	}
	return nil
}

// Hook reads the event a stand-in's dispatch runs for and connects to its
// workload container, the preamble every stand-in with a workload shares.
func Hook(getenv func(string) string, container string) (juju.Event, *Container, error) {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		return juju.Event{}, nil, err
	}
	c, err := Connect(container)
	if err != nil {
		return juju.Event{}, nil, err
	}
	return ev, c, nil
}

// Ready reports whether the container's Pebble answers.
func (c *Container) Ready() bool {
	_, err := c.Client.SysInfo()
	return err == nil
}

// Cmd is one command to run in the container.
type Cmd struct {
	Args []string
	// Env holds secrets rather than argv does: a process's environment is
	// private to its user, its argv is not.
	Env        map[string]string
	User       string
	WorkingDir string
	Stdin      string
	Timeout    time.Duration
}

// ExecError is a command that ran and failed.
type ExecError struct {
	Args     []string
	ExitCode int
	Stdout   string
	Stderr   string
}

func (e *ExecError) Error() string {
	out := strings.TrimSpace(e.Stderr)
	if out == "" {
		out = strings.TrimSpace(e.Stdout)
	}
	return fmt.Sprintf("%s exited with status %d: %s", e.Args[0], e.ExitCode, lastLines(out, 5))
}

// Exec runs a command to completion and returns its standard output.
func (c *Container) Exec(ctx context.Context, cmd Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	var stdin io.Reader
	if cmd.Stdin != "" {
		stdin = strings.NewReader(cmd.Stdin)
	}
	timeout := cmd.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = time.Until(d)
	}
	proc, err := c.Client.Exec(&client.ExecOptions{
		Command:     cmd.Args,
		Environment: cmd.Env,
		User:        cmd.User,
		WorkingDir:  cmd.WorkingDir,
		Timeout:     timeout,
		Stdin:       stdin,
		Stdout:      &stdout,
		Stderr:      &stderr,
	})
	if err != nil {
		return "", fmt.Errorf("cannot run %s in the %s container: %w", cmd.Args[0], c.Name, err)
	}
	if err := proc.Wait(); err != nil {
		var exitErr *client.ExitError
		if errors.As(err, &exitErr) {
			return stdout.String(), &ExecError{Args: cmd.Args, ExitCode: exitErr.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()}
		}
		return stdout.String(), fmt.Errorf("cannot run %s in the %s container: %w", cmd.Args[0], c.Name, err)
	}
	return stdout.String(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Charm is what a stand-in with one workload container handles an event
// with.
type Charm struct {
	Juju      *juju.Client
	Event     juju.Event
	Container *Container
}

// Dispatch runs the event named by the environment for a stand-in that
// defines no action: nothing on stop and remove, reconcile otherwise.
func Dispatch(ctx context.Context, getenv func(string) string, container string, reconcile func(context.Context, *Charm) error) error {
	ev, c, err := Hook(getenv, container)
	if err != nil {
		return err
	}
	ch := &Charm{Juju: juju.NewClient(juju.ExecRunner{}), Event: ev, Container: c}
	switch ev.Kind {
	case juju.Stop, juju.Remove:
		return nil
	case juju.Action:
		return ch.Juju.ActionFail(ctx, fmt.Sprintf("unknown action %q", ev.Name))
	}
	return reconcile(ctx, ch)
}

// Status sets the unit's workload status.
func (c *Charm) Status(ctx context.Context, name juju.StatusName, msg string) error {
	return c.Juju.StatusSet(ctx, juju.Status{Name: name, Message: msg}, false)
}
