package internodeproxy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Flag marks a run of the charm's workload helper (the executable the
// charm pushes into the workload container) as the internode proxy, which
// Pebble runs as a service beside the server.
const Flag = "--internode-proxy"

// ErrUsage is returned for arguments Parse cannot read.
var ErrUsage = errors.New("usage: " + Flag + " [--upstream-tls] --cert PATH --key PATH --ca PATH" +
	" [--server-name NAME] [--strict-file PATH] [--sniff-timeout D] [--strict-poll D]" +
	" --route LISTEN=UPSTREAM[,raw] [--route ...]")

// Is reports whether the helper's arguments ask for the proxy.
func Is(args []string) bool {
	return len(args) > 0 && args[0] == Flag
}

// Args are the helper's arguments that Parse reads back as cfg, but for
// Dial and Ready. Empty fields and zero durations are left out.
func Args(cfg Config) []string {
	args := []string{Flag}
	if cfg.UpstreamTLS {
		args = append(args, "--upstream-tls")
	}
	for _, f := range [...]struct{ name, value string }{
		{"--cert", cfg.CertFile}, {"--key", cfg.KeyFile}, {"--ca", cfg.CAFile},
		{"--server-name", cfg.ServerName}, {"--strict-file", cfg.StrictFile},
	} {
		if f.value != "" {
			args = append(args, f.name, f.value)
		}
	}
	if cfg.SniffTimeout > 0 {
		args = append(args, "--sniff-timeout", cfg.SniffTimeout.String())
	}
	if cfg.StrictPoll > 0 {
		args = append(args, "--strict-poll", cfg.StrictPoll.String())
	}
	for _, r := range cfg.Routes {
		route := r.Listen + "=" + r.Upstream
		if r.Raw {
			route += ",raw"
		}
		args = append(args, "--route", route)
	}
	return args
}

// Parse reads the helper's arguments, Flag first. It is strict, the
// arguments being the charm's own: an unknown flag, a flag given twice or
// without a value, or a sniffing route without the certificate to bridge
// TLS is an error, since the proxy would otherwise fail one connection at
// a time, long after the charm wrote the service.
func Parse(args []string) (Config, error) {
	if !Is(args) {
		return Config{}, fmt.Errorf("%w: want %s first", ErrUsage, Flag)
	}
	var cfg Config
	fs := flag.NewFlagSet(Flag, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&cfg.UpstreamTLS, "upstream-tls", false, "")
	for name, field := range map[string]*string{
		"cert": &cfg.CertFile, "key": &cfg.KeyFile, "ca": &cfg.CAFile,
		"server-name": &cfg.ServerName, "strict-file": &cfg.StrictFile,
	} {
		fs.Func(name, "", func(s string) error {
			if *field != "" {
				return errors.New("given twice")
			} else if s == "" {
				return errors.New("empty")
			}
			*field = s
			return nil
		})
	}
	for name, field := range map[string]*time.Duration{"sniff-timeout": &cfg.SniffTimeout, "strict-poll": &cfg.StrictPoll} {
		fs.Func(name, "", func(s string) error {
			d, err := time.ParseDuration(s)
			if *field != 0 {
				err = errors.New("given twice")
			} else if err == nil && d <= 0 {
				err = errors.New("not positive")
			}
			*field = d
			return err
		})
	}
	fs.Func("route", "", func(s string) error {
		r, err := parseRoute(s)
		cfg.Routes = append(cfg.Routes, r)
		return err
	})
	if err := fs.Parse(args[1:]); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	for _, r := range cfg.Routes {
		if r.Raw {
			continue
		}
		for _, f := range [...]struct{ name, value string }{
			{"--cert", cfg.CertFile}, {"--key", cfg.KeyFile}, {"--ca", cfg.CAFile}, {"--server-name", cfg.ServerName},
		} {
			if f.value == "" && (f.name != "--server-name" || cfg.UpstreamTLS) {
				return Config{}, fmt.Errorf("%w: --route %s=%s sniffs, and wants %s", ErrUsage, r.Listen, r.Upstream, f.name)
			}
		}
	}
	return cfg, nil
}

// parseRoute reads LISTEN=UPSTREAM[,raw].
func parseRoute(s string) (Route, error) {
	listen, upstream, ok := strings.Cut(s, "=")
	if !ok {
		return Route{}, errors.New("want LISTEN=UPSTREAM[,raw]")
	}
	upstream, opt, raw := strings.Cut(upstream, ",")
	if raw && opt != "raw" {
		return Route{}, fmt.Errorf("want raw after the comma, not %q", opt)
	}
	for _, addr := range [...]string{listen, upstream} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return Route{}, err
		}
	}
	return Route{Listen: listen, Upstream: upstream, Raw: raw}, nil
}

// Main is the command: it runs the proxy until ctx ends (Pebble stops
// the service), and exits 2 on arguments it cannot read and 1 when the
// proxy cannot run; Pebble logs what it wrote to stderr.
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := Run(ctx, cfg, stderr); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
