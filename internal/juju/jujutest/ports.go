package jujutest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// portRange is core/network.PortRange.
type portRange struct {
	from, to int
	proto    string
}

func (p portRange) String() string {
	if p.proto == "icmp" {
		return "icmp"
	}
	if p.from == p.to {
		return fmt.Sprintf("%d/%s", p.from, p.proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.from, p.to, p.proto)
}

// validate is PortRange.Validate (core/network/portrange.go).
func (p portRange) validate() error {
	switch p.proto {
	case "tcp", "udp":
	case "icmp":
		if p.from == p.to && p.from == -1 {
			return nil
		}
		return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.from)
	default:
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, p.proto)
	}
	if p.from > p.to {
		return fmt.Errorf("invalid port range %s", p)
	}
	if p.from < 0 || p.from > 65535 || p.to < 0 || p.to > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", p.from, p.to)
	}
	return nil
}

// parsePortRange is network.ParsePortRange (core/network/portrange.go).
func parsePortRange(s string) (portRange, error) {
	proto := "tcp"
	if ports, p, ok := strings.Cut(s, "/"); ok {
		s, proto = ports, p
	}
	var p portRange
	parts := strings.Split(s, "-")
	switch len(parts) {
	case 1:
		if parts[0] == "icmp" {
			p.from, p.to = -1, -1
			break
		}
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return p, fmt.Errorf("invalid port %q: %v", s, err)
		}
		p.from, p.to = n, n
	case 2:
		var err error
		if p.from, err = strconv.Atoi(parts[0]); err != nil {
			return p, fmt.Errorf("invalid port %q: %v", parts[0], err)
		}
		if p.to, err = strconv.Atoi(parts[1]); err != nil {
			return p, fmt.Errorf("invalid port %q: %v", parts[1], err)
		}
	default:
		return p, fmt.Errorf("invalid port range %q", s)
	}
	p.proto = proto
	if p.from == -1 {
		p.proto = "icmp"
	}
	return p, p.validate()
}

// sortPorts orders port specs as network.SortPortRanges does: by
// protocol, then by port.
func sortPorts(specs []string) {
	key := func(s string) portRange {
		p, _ := parsePortRange(s)
		return p
	}
	sort.Slice(specs, func(i, j int) bool {
		a, b := key(specs[i]), key(specs[j])
		if a.proto != b.proto {
			return a.proto < b.proto
		}
		if a.from != b.from {
			return a.from < b.from
		}
		return a.to < b.to
	})
}

func (m *Model) openedPorts(argv []string) ([]byte, error) {
	const name = "opened-ports"
	a, err := parse(name, argv, []string{"format"}, []string{"endpoints"})
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 0 {
		return nil, unrecognized(name, a.pos)
	}
	ports := append([]string{}, m.pendingPorts...)
	sortPorts(ports)
	if a.flags["endpoints"] == "true" {
		for i := range ports {
			ports[i] += " (*)"
		}
	}
	return output(a.flags["format"], ports)
}

// port follows ports.go: Init parses the range (lower-cased) and exits 2
// on a bad one; Run refuses a range on Kubernetes
// (runner/context/ports.go, validatePortRangeForCAAS).
func (m *Model) port(name string, argv []string) ([]byte, error) {
	a, err := parse(name, argv, []string{"endpoints", "format"}, nil)
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		return nil, usage(name, "no port or range specified")
	}
	p, err := parsePortRange(strings.ToLower(a.pos[0]))
	if err != nil {
		return nil, usage(name, "%v", err)
	}
	if len(a.pos) > 1 {
		return nil, unrecognized(name, a.pos[1:])
	}
	if p.from != p.to {
		return nil, failure(name, "port ranges are not supported for k8s applications, please specify a single port")
	}
	spec := p.String()
	var out []string
	for _, q := range m.pendingPorts {
		if q != spec {
			out = append(out, q)
		}
	}
	if name == "open-port" {
		out = append(out, spec)
	}
	m.pendingPorts = out
	return nil, nil
}
