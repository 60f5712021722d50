package pod

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/service"
)

// Plain is a backend without isolation: pods are directories, charm
// processes run directly on the host with host paths in their environment,
// and no workload runs unless a Pebble binary is given. It needs no
// privileges, for tests of hooks, tools and event order.
type Plain struct {
	dir    string
	tool   string
	pebble string

	// svcNet is this backend's own 127.<a>.<b>.0/24 for Services, so
	// that backends in parallel tests do not share listening addresses.
	svcNet [2]byte

	mu          sync.Mutex
	next        int
	nextService int
}

// NewPlain returns a plain backend keeping pods under dir. tool is the
// hook-tool executable; pebble may be empty.
func NewPlain(dir, tool, pebble string) *Plain {
	b := &Plain{dir: dir, tool: tool, pebble: pebble, next: 1}
	_, _ = rand.Read(b.svcNet[:])
	b.svcNet[0] = 2 + b.svcNet[0]%250
	return b
}

// SetHosts writes the hosts file (which nothing reads in a plain pod).
func (b *Plain) SetHosts(entries []model.HostEntry) error {
	var s strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&s, "%s\t%s\n", e.Address, strings.Join(e.Names, " "))
	}
	return os.WriteFile(filepath.Join(b.dir, "hosts"), []byte(s.String()), 0o644)
}

// Service starts a Service on a loopback address of its own.
func (b *Plain) Service(app string) (model.Service, error) {
	b.mu.Lock()
	b.nextService++
	n := b.nextService
	b.mu.Unlock()
	if n > 250 {
		return nil, fmt.Errorf("cannot create the %s service: no free address", app)
	}
	return service.New(fmt.Sprintf("127.%d.%d.%d", b.svcNet[0], b.svcNet[1], n)), nil
}

// CreatePod creates the pod's directories.
func (b *Plain) CreatePod(ctx context.Context, spec model.PodSpec) (model.Pod, error) {
	b.mu.Lock()
	n := b.next
	b.next++
	b.mu.Unlock()
	p := &plainPod{b: b, spec: spec, dir: filepath.Join(b.dir, spec.Name), addr: fmt.Sprintf("127.1.%d.%d", n/250, n%250+1), cmds: map[string]*exec.Cmd{}}
	if err := os.MkdirAll(filepath.Join(p.dir, "juju"), 0o755); err != nil {
		return nil, err
	}
	return p, nil
}

type plainPod struct {
	b    *Plain
	spec model.PodSpec
	dir  string
	addr string

	mu   sync.Mutex
	cmds map[string]*exec.Cmd
}

func (p *plainPod) Address() string { return p.addr }

func (p *plainPod) DataDir() (string, string) {
	d := filepath.Join(p.dir, "juju")
	return d, d
}

func (p *plainPod) ToolPath() string { return p.b.tool }

func (p *plainPod) PebbleSocket(container string) string {
	return filepath.Join(p.dir, "containers", container, "pebble.socket")
}

func (p *plainPod) StartWorkloads(ctx context.Context) error {
	if p.b.pebble == "" {
		return nil
	}
	for _, c := range p.spec.Containers {
		if err := p.startPebble(c.Name); err != nil {
			return err
		}
	}
	return nil
}

func (p *plainPod) startPebble(name string) error {
	dir := filepath.Join(p.dir, "containers", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(p.b.pebble, "run", "--create-dirs", "--hold", "--verbose")
	cmd.Env = []string{"PEBBLE=" + filepath.Join(dir, "pebble"), "PEBBLE_SOCKET=" + filepath.Join(dir, "pebble.socket"), "JUJU_CONTAINER_NAME=" + name, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	// PID 1 of a new PID namespace (inside a user namespace, so no
	// privilege is needed), as in a container: Pebble then makes up
	// a new boot id on every start.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:     true,
		Cloneflags:  syscall.CLONE_NEWPID | syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start pebble: %w", err)
	}
	p.mu.Lock()
	p.cmds[name] = cmd
	p.mu.Unlock()
	return nil
}

func (p *plainPod) StopWorkloads(ctx context.Context) error {
	p.mu.Lock()
	cmds := p.cmds
	p.cmds = map[string]*exec.Cmd{}
	p.mu.Unlock()
	for _, cmd := range cmds {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	return nil
}

// SetNetwork is not possible without network namespaces.
func (p *plainPod) SetNetwork(context.Context, bool) error {
	return fmt.Errorf("pod %s has no network of its own to cut (plain backend)", p.spec.Name)
}

// RestartContainer kills one container's Pebble and starts it again; its
// directory (Pebble's state) stays, as the pod's emptyDir does.
func (p *plainPod) RestartContainer(ctx context.Context, name string) error {
	if !slices.ContainsFunc(p.spec.Containers, func(c model.ContainerSpec) bool { return c.Name == name }) {
		return fmt.Errorf("pod %s has no container %q", p.spec.Name, name)
	}
	p.mu.Lock()
	cmd := p.cmds[name]
	delete(p.cmds, name)
	p.mu.Unlock()
	if cmd != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}
	if p.b.pebble == "" {
		return nil
	}
	return p.startPebble(name)
}

func (p *plainPod) RunCharm(ctx context.Context, proc model.CharmProcess) (int, error) {
	cmd := &exec.Cmd{
		Path: proc.Path, Args: []string{proc.Path}, Dir: proc.Dir, Env: proc.Env,
		Stdout: proc.Stdout, Stderr: proc.Stderr,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	return runCmd(ctx, cmd)
}

func (p *plainPod) Delete(ctx context.Context) error {
	p.StopWorkloads(ctx)
	return os.RemoveAll(p.dir)
}
