package hooktools

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parsePort is network.ParsePortRange with PortRange.Validate
// (core/network/portrange.go), on the lower-cased argument as ports.go's
// Init gives it; its errors exit 2. A real range comes back as Number -1,
// which Run refuses on Kubernetes.
func parsePort(s string) (Port, error) {
	s = strings.ToLower(s)
	proto := "tcp"
	if ports, p, ok := strings.Cut(s, "/"); ok {
		s, proto = ports, p
	}
	var from, to int
	parts := strings.Split(s, "-")
	switch len(parts) {
	case 1:
		if parts[0] == "icmp" {
			from, to = -1, -1
			break
		}
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return Port{}, usagef("invalid port %q: %v", s, err)
		}
		from, to = n, n
	case 2:
		var err error
		if from, err = strconv.Atoi(parts[0]); err != nil {
			return Port{}, usagef("invalid port %q: %v", parts[0], err)
		}
		if to, err = strconv.Atoi(parts[1]); err != nil {
			return Port{}, usagef("invalid port %q: %v", parts[1], err)
		}
	default:
		return Port{}, usagef("invalid port range %q", s)
	}
	if from == -1 {
		proto = "icmp"
	}
	switch proto {
	case "tcp", "udp":
	case "icmp":
		if from == -1 && to == -1 {
			return Port{Protocol: "icmp"}, nil
		}
		return Port{}, usagef("protocol \"icmp\" doesn't support any ports; got \"%v\"", from)
	default:
		return Port{}, usagef("invalid protocol %q, expected \"tcp\", \"udp\", or \"icmp\"", proto)
	}
	if from > to {
		return Port{}, usagef("invalid port range %d-%d/%s", from, to, proto)
	}
	if from < 0 || from > 65535 || to < 0 || to > 65535 {
		return Port{}, usagef("port range bounds must be between 0 and 65535, got %d-%d", from, to)
	}
	if from != to {
		return Port{Number: -1}, nil
	}
	return Port{Number: from, Protocol: proto}, nil
}

func portCmd(c *inv, open bool) error {
	var endpoints, format string
	c.fs.String(&endpoints, "", "endpoints")
	c.fs.String(&format, "", "format")
	pos, err := c.parse()
	if err != nil {
		return err
	}
	name := "close-port"
	if open {
		name = "open-port"
	}
	if c.fs.IsSet("format") {
		fmt.Fprintf(&c.stderr, "--format flag deprecated for command %q\n", name)
	}
	if len(pos) == 0 {
		return usagef("no port or range specified")
	}
	p, err := parsePort(pos[0])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	if p.Number < 0 {
		return errors.New("port ranges are not supported for k8s applications, please specify a single port")
	}
	if open {
		return c.ctx.OpenPort(p)
	}
	return c.ctx.ClosePort(p)
}
