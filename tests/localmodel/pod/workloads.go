package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// StartWorkloads starts one Pebble per workload container, as the
// containers' entrypoint does in a Juju sidecar pod.
func (p *Pod) StartWorkloads(ctx context.Context) error {
	for i, c := range p.spec.Containers {
		if err := p.startWorkload(c, 38813+i); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pod) workloadSpec(c model.ContainerSpec, port int) (*containerSpec, error) {
	cdir := filepath.Join(p.dir, "containers", c.Name)
	root := filepath.Join(p.dir, "roots", c.Name)
	for _, d := range []string{cdir, root + "/merged", root + "/upper", root + "/work"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	spec := &containerSpec{
		NetNS:     p.netnsPath(),
		Root:      root + "/merged",
		FreshTmp:  true,
		FreshProc: true,
		Hostname:  p.spec.Name,
		Dir:       "/",
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"HOSTNAME=" + p.spec.Name,
			"JUJU_CONTAINER_NAME=" + c.Name,
			"PEBBLE=/charm/container/pebble",
			"PEBBLE_SOCKET=/charm/container/pebble.socket",
			"PEBBLE_COPY_ONCE=/var/lib/pebble/default",
		},
		Argv: []string{"/charm/bin/pebble", "run", "--create-dirs", "--hold", "--http", ":" + strconv.Itoa(port), "--verbose"},
	}
	if c.Image != "host" {
		if st, err := os.Stat(c.Image); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("image for container %q is not a directory: %s", c.Name, c.Image)
		}
		spec.Image, spec.Upper, spec.Work = c.Image, root+"/upper", root+"/work"
	}
	spec.Binds = []bindSpec{
		{Source: p.m.cfg.Pebble, Target: "/charm/bin/pebble", ReadOnly: true},
		{Source: cdir, Target: "/charm/container"},
		{Source: p.m.hostsPath(), Target: "/etc/hosts"},
	}
	for _, mt := range c.Mounts {
		spec.Binds = append(spec.Binds, bindSpec{
			Source: filepath.Join(p.dir, "juju", "storage", mt.Storage, "0"), Target: mt.Location,
		})
	}
	return spec, nil
}

func (p *Pod) startWorkload(c model.ContainerSpec, port int) error {
	spec, err := p.workloadSpec(c, port)
	if err != nil {
		return err
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "containers", c.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{
		Path:   p.m.cfg.Self,
		Args:   []string{HelperName, string(data)},
		Env:    []string{},
		Stdout: logf,
		Stderr: logf,
		// Pebble is PID 1 of its own PID namespace, as in a Kubernetes
		// container: it then makes up a new boot id on every start (which
		// is how Juju notices a restart), and its services die with it.
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS,
			Setpgid:    true,
		},
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("cannot start container %q: %w", c.Name, err)
	}
	w := &workload{cmd: cmd, done: make(chan struct{})}
	p.mu.Lock()
	p.workloads[c.Name] = w
	p.mu.Unlock()
	go func() {
		cmd.Wait()
		logf.Close()
		close(w.done)
		p.mu.Lock()
		restart := !w.stopping && p.workloads[c.Name] == w
		p.mu.Unlock()
		// Kubernetes restarts a container whose entrypoint exits.
		if restart {
			time.Sleep(time.Second)
			p.mu.Lock()
			again := p.workloads[c.Name] == w && !w.stopping
			p.mu.Unlock()
			if again {
				p.startWorkload(c, port)
			}
		}
	}()
	return nil
}

// StopWorkloads sends SIGTERM to every Pebble, which stops its services
// honouring their kill-delay, and waits; SIGKILL when ctx ends.
func (p *Pod) StopWorkloads(ctx context.Context) error {
	p.mu.Lock()
	var ws []*workload
	for _, w := range p.workloads {
		w.stopping = true
		ws = append(ws, w)
	}
	p.workloads = map[string]*workload{}
	p.mu.Unlock()
	for _, w := range ws {
		w.cmd.Process.Signal(syscall.SIGTERM)
	}
	var errs []error
	for _, w := range ws {
		select {
		case <-w.done:
		case <-ctx.Done():
			syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			<-w.done
			errs = append(errs, fmt.Errorf("pebble %d did not stop in time", w.cmd.Process.Pid))
		}
	}
	return errors.Join(errs...)
}

// SetNetwork takes the pod's interface down (a network cut: nothing in
// or out, as a partitioned node) or brings it back up with its route.
func (p *Pod) SetNetwork(ctx context.Context, up bool) error {
	r := p.m.cfg.Runner
	state := "down"
	if up {
		state = "up"
	}
	if _, err := r(ctx, "ip", "-n", p.netns, "link", "set", "eth0", state); err != nil {
		return fmt.Errorf("cannot set the network of pod %s %s: %w", p.spec.Name, state, err)
	}
	if up {
		// Taking the link down dropped the default route.
		if _, err := r(ctx, "ip", "-n", p.netns, "route", "replace", "default", "via", p.m.gateway.String()); err != nil {
			return fmt.Errorf("cannot restore the route of pod %s: %w", p.spec.Name, err)
		}
	}
	return nil
}

// RestartContainer restarts one workload container as Kubernetes does
// after a crash or a failed liveness probe: its Pebble is killed, its root
// filesystem (the overlay's upper layer) goes and it starts again from the
// image. /charm/container, Pebble's directory, is on the pod's charm
// volume (an emptyDir: internal/provider/kubernetes/application/
// application.go), so Pebble's state file survives, as in a real pod.
func (p *Pod) RestartContainer(ctx context.Context, name string) error {
	i := slices.IndexFunc(p.spec.Containers, func(c model.ContainerSpec) bool { return c.Name == name })
	if i < 0 {
		return fmt.Errorf("pod %s has no container %q", p.spec.Name, name)
	}
	p.mu.Lock()
	w := p.workloads[name]
	if w != nil {
		w.stopping = true
		delete(p.workloads, name)
	}
	p.mu.Unlock()
	if w != nil {
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-w.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := os.RemoveAll(filepath.Join(p.dir, "roots", name)); err != nil {
		return fmt.Errorf("cannot reset container %q: %w", name, err)
	}
	return p.startWorkload(p.spec.Containers[i], 38813+i)
}
