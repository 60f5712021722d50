package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// Pod is one pod.
type Pod struct {
	m     *Manager
	spec  model.PodSpec
	n     int
	dir   string
	netns string

	mu        sync.Mutex
	workloads map[string]*workload
}

type workload struct {
	cmd      *exec.Cmd
	done     chan struct{}
	stopping bool
}

func (p *Pod) setUp(ctx context.Context) error {
	r := p.m.cfg.Runner
	veth := p.m.veth(p.n)
	for _, args := range [][]string{
		{"netns", "add", p.netns},
		{"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", p.netns},
		{"link", "set", veth, "master", p.m.bridge, "up"},
		{"-n", p.netns, "addr", "add", p.m.ip(p.n).String() + "/24", "dev", "eth0"},
		{"-n", p.netns, "link", "set", "eth0", "up"},
		{"-n", p.netns, "link", "set", "lo", "up"},
		{"-n", p.netns, "route", "add", "default", "via", p.m.gateway.String()},
	} {
		if _, err := r(ctx, "ip", args...); err != nil {
			return err
		}
	}
	for _, d := range []string{"juju", "containers", "charm-tmp", "roots"} {
		if err := os.MkdirAll(filepath.Join(p.dir, d), 0o755); err != nil {
			return err
		}
	}
	return os.Chmod(filepath.Join(p.dir, "charm-tmp"), 0o1777)
}

// Address is the pod IP.
func (p *Pod) Address() string { return p.m.ip(p.n).String() }

// NetNS is the pod's network namespace name.
func (p *Pod) NetNS() string { return p.netns }

// DataDir is /var/lib/juju in the charm container.
func (p *Pod) DataDir() (string, string) { return "/var/lib/juju", filepath.Join(p.dir, "juju") }

// ToolPath is where the hook-tool binary is mounted in the charm container.
func (p *Pod) ToolPath() string { return "/charm/bin/jujuc" }

// PebbleSocket is a workload's Pebble socket on the host.
func (p *Pod) PebbleSocket(container string) string {
	return filepath.Join(p.dir, "containers", container, "pebble.socket")
}

func (p *Pod) netnsPath() string { return filepath.Join("/run/netns", p.netns) }

// RunCharm runs one process in the charm container: the pod's network
// namespace, a mirror of the host's root with the agent directory at
// /var/lib/juju, the workloads' Pebble directories at /charm/containers,
// and the model's hosts file.
func (p *Pod) RunCharm(ctx context.Context, proc model.CharmProcess) (int, error) {
	root := filepath.Join(p.dir, "roots", ".charm")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return -1, err
	}
	spec := containerSpec{
		NetNS: p.netnsPath(),
		Root:  root,
		Binds: []bindSpec{
			{Source: filepath.Join(p.dir, "juju"), Target: "/var/lib/juju"},
			{Source: filepath.Join(p.dir, "containers"), Target: "/charm/containers"},
			{Source: p.m.cfg.Pebble, Target: "/charm/bin/pebble", ReadOnly: true},
			{Source: p.m.cfg.Self, Target: "/charm/bin/jujuc", ReadOnly: true},
			{Source: p.m.hostsPath(), Target: "/etc/hosts"},
			{Source: filepath.Join(p.dir, "charm-tmp"), Target: "/tmp"},
		},
		Hostname: p.spec.Name,
		Dir:      proc.Dir,
		Env:      proc.Env,
		Argv:     []string{proc.Path},
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return -1, err
	}
	cmd := &exec.Cmd{
		Path:   p.m.cfg.Self,
		Args:   []string{HelperName, string(data)},
		Env:    []string{},
		Stdout: proc.Stdout,
		Stderr: proc.Stderr,
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS,
			Setpgid:    true,
		},
	}
	return runCmd(ctx, cmd)
}

func runCmd(ctx context.Context, cmd *exec.Cmd) (int, error) {
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("cannot start charm process: %w", err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// Delete kills whatever still runs in the pod and removes its network
// namespace, veth and files.
func (p *Pod) Delete(ctx context.Context) error {
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	p.StopWorkloads(stopCtx)
	cancel()
	var errs []error
	if err := killNetns(ctx, p.m.cfg.Runner, p.netns); err != nil {
		errs = append(errs, err)
	}
	r := p.m.cfg.Runner
	if _, err := r(ctx, "ip", "netns", "del", p.netns); err != nil && !strings.Contains(err.Error(), "No such file") {
		errs = append(errs, err)
	}
	// The namespace's teardown destroys its eth0, and with it this host
	// end, asynchronously: the veth can vanish between the check and the
	// delete, which is not an error.
	if veth := p.m.veth(p.n); linkExists(veth) {
		if _, err := r(ctx, "ip", "link", "del", veth); err != nil && linkExists(veth) {
			errs = append(errs, err)
		}
	}
	if err := unmountUnder(p.dir); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(p.dir); err != nil {
		errs = append(errs, err)
	}
	p.m.mu.Lock()
	delete(p.m.used, p.n)
	if err := p.m.save(); err != nil {
		errs = append(errs, err)
	}
	p.m.mu.Unlock()
	return errors.Join(errs...)
}
