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
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

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
