package hooktools

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func parsePort(s string) (Port, error) {
	s = strings.ToLower(s)
	if s == "icmp" {
		return Port{Protocol: "icmp"}, nil
	}
	proto := "tcp"
	if k := strings.IndexByte(s, '/'); k >= 0 {
		s, proto = s[:k], s[k+1:]
	}
	switch proto {
	case "tcp", "udp":
	default:
		return Port{}, usagef("invalid protocol %q, expected \"tcp\", \"udp\", or \"icmp\"", proto)
	}
	if strings.Contains(s, "-") {
		parts := strings.SplitN(s, "-", 2)
		from, err1 := strconv.Atoi(parts[0])
		to, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
			return Port{}, usagef("invalid port range %q", s)
		}
		if from != to {
			return Port{Number: -1}, nil
		}
		return Port{Number: from, Protocol: proto}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return Port{}, usagef("invalid port %q", s)
	}
	return Port{Number: n, Protocol: proto}, nil
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
	if len(pos) > 1 {
		return unrecognized(pos[1:])
	}
	p, err := parsePort(pos[0])
	if err != nil {
		return err
	}
	if p.Number < 0 {
		return errors.New("port ranges are not supported for k8s applications, please specify a single port")
	}
	if open {
		return c.ctx.OpenPort(p)
	}
	return c.ctx.ClosePort(p)
}
