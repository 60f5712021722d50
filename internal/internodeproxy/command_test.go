package internodeproxy_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
)

func TestArgs(t *testing.T) {
	t.Parallel()
	cfg := internodeproxy.Config{
		Routes: []internodeproxy.Route{
			{Listen: "10.1.2.3:7234", Upstream: "127.0.0.1:7234"},
			{Listen: "10.1.2.3:7233", Upstream: "127.0.0.1:7233", Raw: true},
		},
		UpstreamTLS: true, CertFile: "/c", KeyFile: "/k", CAFile: "/ca", ServerName: "temporal-internode", StrictFile: "/s",
	}
	require.Equal(t, []string{
		"--internode-proxy", "--upstream-tls", "--cert", "/c", "--key", "/k", "--ca", "/ca",
		"--server-name", "temporal-internode", "--strict-file", "/s",
		"--route", "10.1.2.3:7234=127.0.0.1:7234", "--route", "10.1.2.3:7233=127.0.0.1:7233,raw",
	}, internodeproxy.Args(cfg))
}

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  internodeproxy.Config
	}{
		{"plain server", internodeproxy.Config{
			Routes: []internodeproxy.Route{
				{Listen: "10.1.2.3:7234", Upstream: "127.0.0.1:7234"},
				{Listen: "10.1.2.3:6934", Upstream: "127.0.0.1:6934"},
				{Listen: "10.1.2.3:7233", Upstream: "127.0.0.1:7233", Raw: true},
			},
			CertFile: "/etc/temporal/internode.crt", KeyFile: "/etc/temporal/internode.key", CAFile: "/etc/temporal/internode-ca.crt",
		}},
		{"TLS server, every option", internodeproxy.Config{
			Routes:      []internodeproxy.Route{{Listen: "[fd00::1]:7235", Upstream: "[::1]:7235"}},
			UpstreamTLS: true, CertFile: "/c", KeyFile: "-k", CAFile: "/ca", ServerName: "temporal-internode", StrictFile: "/run/strict",
			SniffTimeout: 1500 * time.Millisecond, StrictPoll: 2 * time.Second,
		}},
		{"raw routes need no certificate", internodeproxy.Config{
			Routes: []internodeproxy.Route{{Listen: ":7233", Upstream: "localhost:7233", Raw: true}},
		}},
		{"no routes: idle", internodeproxy.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := internodeproxy.Args(tt.cfg)
			require.True(t, internodeproxy.Is(args))
			got, err := internodeproxy.Parse(args)
			require.NoError(t, err)
			require.Equal(t, tt.cfg, got)
			require.Equal(t, args, internodeproxy.Args(got))
		})
	}
}

func TestParseUsage(t *testing.T) {
	t.Parallel()
	const route = "10.1.2.3:7234=127.0.0.1:7234"
	certs := []string{"--cert", "/c", "--key", "/k", "--ca", "/ca"}
	with := func(args ...string) []string {
		return append(append([]string{internodeproxy.Flag}, certs...), args...)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "want --internode-proxy first"},
		{"another command", []string{"--print-secret", "/p"}, "want --internode-proxy first"},
		{"unknown flag", with("--route", route, "--bogus"), "flag provided but not defined: -bogus"},
		{"missing value", with("--route", route, "--strict-file"), "flag needs an argument: -strict-file"},
		{"route without =", with("--route", "127.0.0.1:7234"), `invalid value "127.0.0.1:7234" for flag -route: want LISTEN=UPSTREAM[,raw]`},
		{"route option", with("--route", route+",tls"), `invalid value "` + route + `,tls" for flag -route: want raw after the comma, not "tls"`},
		{"route address", with("--route", "7234=127.0.0.1:7234"), `invalid value "7234=127.0.0.1:7234" for flag -route: address 7234: missing port in address`},
		{"flag twice", with("--route", route, "--cert", "/d"), `invalid value "/d" for flag -cert: given twice`},
		{"empty value", with("--route", route, "--server-name", ""), `invalid value "" for flag -server-name: empty`},
		{"bad duration", with("--route", route, "--sniff-timeout", "soon"), `invalid value "soon" for flag -sniff-timeout: time: invalid duration "soon"`},
		{"duration not positive", with("--route", route, "--strict-poll", "0s"), `invalid value "0s" for flag -strict-poll: not positive`},
		{"duration twice", with("--route", route, "--strict-poll", "1s", "--strict-poll", "2s"), `invalid value "2s" for flag -strict-poll: given twice`},
		{"argument", with("--route", route, "extra"), `unexpected argument "extra"`},
		{"no cert", []string{internodeproxy.Flag, "--key", "/k", "--ca", "/ca", "--route", route}, "--route " + route + " sniffs, and wants --cert"},
		{"no key", []string{internodeproxy.Flag, "--cert", "/c", "--ca", "/ca", "--route", route}, "--route " + route + " sniffs, and wants --key"},
		{"no CA", []string{internodeproxy.Flag, "--cert", "/c", "--key", "/k", "--route", route}, "--route " + route + " sniffs, and wants --ca"},
		{"TLS server, no name", with("--upstream-tls", "--route", route), "--route " + route + " sniffs, and wants --server-name"},
		{"a raw route, then one that sniffs", []string{internodeproxy.Flag, "--route", "10.1.2.3:7233=127.0.0.1:7233,raw", "--route", route}, "--route " + route + " sniffs, and wants --cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := internodeproxy.Parse(tt.args)
			require.ErrorIs(t, err, internodeproxy.ErrUsage)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestMainExitCode(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = taken.Close() })
	raw := func(listen string) []string {
		return []string{internodeproxy.Flag, "--route", listen + "=127.0.0.1:1,raw"}
	}
	// Run listens and returns at once: its context is already done.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"usage", []string{internodeproxy.Flag, "--bogus"}, 2, "usage: --internode-proxy"},
		{"cannot listen", raw(taken.Addr().String()), 1, "cannot listen on " + taken.Addr().String()},
		{"ends with its context", raw("127.0.0.1:0"), 0, ""},
		{"idle, ends with its context", []string{internodeproxy.Flag}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			require.Equal(t, tt.code, internodeproxy.Main(ended, tt.args, &stderr))
			require.Contains(t, stderr.String(), tt.want)
			if tt.want == "" {
				require.Empty(t, stderr.String())
			} else {
				require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line, not the flag package's usage too: %q", stderr.String())
			}
		})
	}
}
