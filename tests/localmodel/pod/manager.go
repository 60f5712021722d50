// Package pod makes Kubernetes-like pods out of Linux namespaces: each pod
// has its own network namespace with an address on a private bridge, one
// workload container per charm container (a real Pebble in its own mount
// namespace, chrooted into an overlay of its image), and a charm container
// in which each hook runs with the paths a Juju sidecar charm expects.
package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/service"
)

// Runner runs a command and returns its combined output; injected so the
// network set-up can be tested and logged.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// ExecRunner runs commands with os/exec.
func ExecRunner(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// Config configures a Manager.
type Config struct {
	// StateDir holds every pod's files; it is removed by Cleanup.
	StateDir string
	// Prefix names the bridge (<prefix>br0), network namespaces
	// (<prefix>-<pod>) and host veths (<prefix>v<n>).
	Prefix string
	// Subnet is the pods' /24, e.g. 10.213.0.0/24; .1 is the bridge.
	Subnet string
	// Pebble is the pebble binary to run in workload containers.
	Pebble string
	// Self is this binary: the container helper and the hook tools.
	Self   string
	Runner Runner
}

// Manager creates pods. It implements model.Backend.
type Manager struct {
	cfg     Config
	bridge  string
	gateway net.IP
	network *net.IPNet

	mu   sync.Mutex
	used map[int]string
	// lastPod is the last host number given to a pod.
	lastPod int
}

// registry is what is on disk about the pods, for Cleanup after a crash.
type registry struct {
	Prefix string              `json:"prefix"`
	Bridge string              `json:"bridge"`
	Pods   map[string]podEntry `json:"pods"`
}

type podEntry struct {
	NetNS string `json:"netns"`
	Veth  string `json:"veth"`
	IP    string `json:"ip"`
}

// NewManager sets up the bridge after removing anything a previous
// manager with the same state directory and prefix left behind.
func NewManager(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "lm"
	}
	if cfg.Subnet == "" {
		cfg.Subnet = "10.213.0.0/24"
	}
	if cfg.Runner == nil {
		cfg.Runner = ExecRunner
	}
	ip, network, err := net.ParseCIDR(cfg.Subnet)
	if err != nil {
		return nil, fmt.Errorf("cannot parse subnet %q: %w", cfg.Subnet, err)
	}
	if ones, _ := network.Mask.Size(); ones != 24 || ip.To4() == nil {
		return nil, fmt.Errorf("subnet %q must be an IPv4 /24", cfg.Subnet)
	}
	if _, err := os.Stat(cfg.Pebble); err != nil {
		return nil, fmt.Errorf("cannot find pebble binary: %w", err)
	}
	if err := checkPrefixFree(cfg.StateDir, cfg.Prefix); err != nil {
		return nil, err
	}
	if err := Cleanup(ctx, cfg.StateDir, cfg.Prefix, cfg.Runner); err != nil {
		return nil, err
	}
	gw := make(net.IP, 4)
	copy(gw, network.IP.To4())
	gw[3] = 1
	m := &Manager{cfg: cfg, bridge: cfg.Prefix + "br0", gateway: gw, network: network, used: map[int]string{}}
	if err := m.checkSubnetFree(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "pods"), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create pod directory: %w", err)
	}
	if err := m.save(); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"link", "add", m.bridge, "type", "bridge"},
		{"addr", "add", gw.String() + "/24", "dev", m.bridge},
		{"link", "set", m.bridge, "up"},
	} {
		if _, err := cfg.Runner(ctx, "ip", args...); err != nil {
			return nil, fmt.Errorf("cannot create bridge %s: %w", m.bridge, err)
		}
	}
	return m, nil
}

// checkPrefixFree refuses a prefix whose bridge or namespaces exist while
// this state directory has no record of them: they belong to another
// model, which cleaning up would break.
func checkPrefixFree(stateDir, prefix string) error {
	if _, err := os.Stat(filepath.Join(stateDir, "pods.json")); err == nil {
		return nil
	}
	if linkExists(prefix + "br0") {
		return fmt.Errorf("cannot use prefix %q: bridge %sbr0 belongs to another model (use another prefix, or destroy that model)", prefix, prefix)
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix+"-") {
				return fmt.Errorf("cannot use prefix %q: network namespace %s belongs to another model (use another prefix, or destroy that model)", prefix, e.Name())
			}
		}
	}
	return nil
}

// checkSubnetFree refuses a subnet some other interface already uses.
func (m *Manager) checkSubnetFree() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && (m.network.Contains(ipn.IP) || ipn.Contains(m.network.IP)) {
				return fmt.Errorf("cannot use subnet %s: interface %s has %s", m.cfg.Subnet, ifc.Name, ipn)
			}
		}
	}
	return nil
}

func (m *Manager) registryPath() string { return filepath.Join(m.cfg.StateDir, "pods.json") }

func (m *Manager) save() error {
	reg := registry{Prefix: m.cfg.Prefix, Bridge: m.bridge, Pods: map[string]podEntry{}}
	for n, name := range m.used {
		if strings.HasPrefix(name, "service:") {
			// A Service's address goes with the bridge.
			continue
		}
		reg.Pods[name] = podEntry{NetNS: m.netns(name), Veth: m.veth(n), IP: m.ip(n).String()}
	}
	data, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return err
	}
	tmp := m.registryPath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("cannot save pod registry: %w", err)
	}
	return os.Rename(tmp, m.registryPath())
}

func (m *Manager) netns(pod string) string { return m.cfg.Prefix + "-" + pod }
func (m *Manager) veth(n int) string       { return m.cfg.Prefix + "v" + strconv.Itoa(n) }
func (m *Manager) ip(n int) net.IP {
	ip := make(net.IP, 4)
	copy(ip, m.network.IP.To4())
	ip[3] = byte(n)
	return ip
}

// Bridge returns the bridge's address, which the host answers on.
func (m *Manager) Bridge() string { return m.gateway.String() }

func (m *Manager) hostsPath() string { return filepath.Join(m.cfg.StateDir, "hosts") }

// SetHosts writes the hosts file every container sees as /etc/hosts. It
// is rewritten in place because containers bind-mount the file itself.
func (m *Manager) SetHosts(entries []model.HostEntry) error {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\t%s\n", e.Address, strings.Join(e.Names, " "))
	}
	f, err := os.OpenFile(m.hostsPath(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write hosts file: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("cannot write hosts file: %w", err)
	}
	return f.Close()
}

// svcService is a Service on the bridge: its address is a /32 the host
// owns, so pods reach it through the bridge as they reach the gateway.
type svcService struct {
	*service.Proxy
	m *Manager
	n int
}

// Service allocates a Service address from the top of the subnet (pods
// take theirs from the bottom) and starts its proxy.
func (m *Manager) Service(app string) (model.Service, error) {
	n, err := m.claim("service:"+app, true)
	if err != nil {
		return nil, fmt.Errorf("cannot create the %s service: %w", app, err)
	}
	ip := m.ip(n).String()
	if _, err := m.cfg.Runner(context.Background(), "ip", "addr", "add", ip+"/32", "dev", m.bridge); err != nil {
		m.free(n)
		return nil, fmt.Errorf("cannot create the %s service: %w", app, err)
	}
	return &svcService{Proxy: service.New(ip), m: m, n: n}, nil
}

// Close removes the Service and its address.
func (s *svcService) Close() {
	s.Proxy.Close()
	_, _ = s.m.cfg.Runner(context.Background(), "ip", "addr", "del", s.Address()+"/32", "dev", s.m.bridge)
	s.m.free(s.n)
}

// claim takes a free host number of the subnet for owner. Services take
// theirs from the top (.254 down). Pods take theirs round-robin from the
// bottom (.10 up), starting after the last one given, as the CNI
// host-local IPAM plugin allocates (it keeps its last reserved IP): a
// recreated pod gets a new address, not the one its predecessor had.
func (m *Manager) claim(owner string, fromTop bool) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	const lo, hi = 10, 254
	for i := range hi - lo + 1 {
		n := hi - i
		if !fromTop {
			n = lo + (max(m.lastPod, lo-1)-lo+1+i)%(hi-lo+1)
		}
		if _, ok := m.used[n]; !ok {
			m.used[n] = owner
			if !fromTop {
				m.lastPod = n
			}
			return n, m.save()
		}
	}
	return 0, errors.New("no free address")
}

func (m *Manager) free(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.used, n)
}

// CreatePod creates a pod's network namespace and directories.
func (m *Manager) CreatePod(ctx context.Context, spec model.PodSpec) (model.Pod, error) {
	if _, err := os.Stat(m.hostsPath()); err != nil {
		if err := m.SetHosts(nil); err != nil {
			return nil, err
		}
	}
	n, err := m.claim(spec.Name, false)
	if err != nil {
		return nil, fmt.Errorf("cannot create pod %s: %w", spec.Name, err)
	}
	p := &Pod{
		m: m, spec: spec, n: n, dir: filepath.Join(m.cfg.StateDir, "pods", spec.Name),
		netns: m.netns(spec.Name), workloads: map[string]*workload{},
	}
	if err := p.setUp(ctx); err != nil {
		p.Delete(context.Background())
		return nil, fmt.Errorf("cannot create pod %s: %w", spec.Name, err)
	}
	return p, nil
}

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

// ResetWorkloads stops the workloads and removes their filesystems and
// Pebble state, as recreating the pod would.
func (p *Pod) ResetWorkloads(ctx context.Context) error {
	stopCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := p.StopWorkloads(stopCtx); err != nil {
		return err
	}
	for _, c := range p.spec.Containers {
		for _, d := range []string{filepath.Join(p.dir, "containers", c.Name), filepath.Join(p.dir, "roots", c.Name)} {
			if err := os.RemoveAll(d); err != nil {
				return fmt.Errorf("cannot reset container %q: %w", c.Name, err)
			}
		}
	}
	return nil
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

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// killNetns kills every process in a network namespace.
func killNetns(ctx context.Context, r Runner, netns string) error {
	for attempt := 0; attempt < 50; attempt++ {
		out, err := r(ctx, "ip", "netns", "pids", netns)
		if err != nil {
			return nil
		}
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			return nil
		}
		for _, s := range pids {
			if pid, err := strconv.Atoi(s); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("cannot kill the processes of %s", netns)
}

// unmountUnder detaches every mount at or below dir in this mount
// namespace, deepest first.
func unmountUnder(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var targets []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			targets = append(targets, mp)
		}
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	var errs []error
	for _, t := range targets {
		if err := syscall.Unmount(t, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("cannot unmount %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// Cleanup removes everything a manager with this state directory and
// prefix may have left: processes in its network namespaces, the
// namespaces, veths, bridge, mounts and the state directory itself.
func Cleanup(ctx context.Context, stateDir, prefix string, r Runner) error {
	if r == nil {
		r = ExecRunner
	}
	var errs []error
	netnss := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(stateDir, "pods.json")); err == nil {
		var reg registry
		if json.Unmarshal(data, &reg) == nil {
			for _, p := range reg.Pods {
				netnss[p.NetNS] = true
			}
		}
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix+"-") {
				netnss[e.Name()] = true
			}
		}
	}
	for ns := range netnss {
		if err := killNetns(ctx, r, ns); err != nil {
			errs = append(errs, err)
		}
		if _, err := os.Stat(filepath.Join("/run/netns", ns)); err == nil {
			if _, err := r(ctx, "ip", "netns", "del", ns); err != nil {
				errs = append(errs, err)
			}
		}
	}
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if strings.HasPrefix(ifc.Name, prefix+"v") || ifc.Name == prefix+"br0" {
			// A veth goes with its namespace on its own (see Delete).
			if _, err := r(ctx, "ip", "link", "del", ifc.Name); err != nil && linkExists(ifc.Name) {
				errs = append(errs, err)
			}
		}
	}
	if stateDir != "" {
		if err := unmountUnder(stateDir); err != nil {
			errs = append(errs, err)
		}
		if err := removePods(stateDir); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot clean up pods: %w", errors.Join(errs...))
	}
	return nil
}

// removePods removes the pods' files and registry; the rest of the state
// directory belongs to the model.
func removePods(stateDir string) error {
	if err := os.RemoveAll(filepath.Join(stateDir, "pods")); err != nil {
		return err
	}
	for _, f := range []string{"pods.json", "hosts"} {
		if err := os.Remove(filepath.Join(stateDir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
