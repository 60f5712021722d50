package temporal_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func inputs(t testing.TB, raw map[string]any) temporal.Inputs {
	cfg, problems := config.Parse(raw)
	require.Empty(t, problems)
	return temporal.Inputs{
		Config:           cfg,
		DB:               postgresql.Connection{Database: "temporal-k8s_db", Host: "10.213.0.10", Port: 5432, User: "relation_id_3", Password: "db-pass"},
		Visibility:       postgresql.Connection{Database: "temporal-k8s_visibility", Host: "10.213.0.10", Port: 5432, User: "relation_id_4", Password: "vis-pass"},
		BroadcastAddress: "10.213.0.21",
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]any
		tls  bool
	}{
		{name: "all-services", raw: nil},
		{name: "frontend", raw: map[string]any{"services": "frontend"}},
		{name: "history", raw: map[string]any{"services": "history"}},
		{name: "matching", raw: map[string]any{"services": "matching"}},
		{name: "worker", raw: map[string]any{"services": "worker"}},
		{name: "history-matching-tuned", raw: map[string]any{
			"services": "matching,history", "num-history-shards": 4, "log-level": "debug",
			"namespace-rps-limit": "default:100|orders:50", "global-rps-limit": 0, "long-poll-interval": "30s",
			"persistence-max-conns": 50, "visibility-max-conn-time": "30m",
		}},
		{name: "frontend-db-tls", raw: map[string]any{"services": "frontend"}, tls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := inputs(t, tt.raw)
			if tt.tls {
				in.DB.TLS, in.DB.TLSCA = true, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
				in.Visibility.TLS = true
			}
			out, err := temporal.Render(in)
			require.NoError(t, err)
			layer, err := yaml.Marshal(out.Layer)
			require.NoError(t, err)

			var got bytes.Buffer
			for _, f := range append(out.Files, out.DynamicConfig) {
				got.WriteString("# " + f.Path + "\n")
				got.Write(f.Content)
			}
			got.WriteString("# layer\n")
			got.Write(layer)
			got.WriteString("# ports\n")
			for _, p := range out.Ports {
				got.WriteString(p.String() + "\n")
			}
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), got.String())
		})
	}
}

func TestRenderProperties(t *testing.T) {
	t.Parallel()
	base := inputs(t, map[string]any{"services": "frontend"})
	out, err := temporal.Render(base)
	require.NoError(t, err)

	t.Run("passwords stay out of the layer", func(t *testing.T) {
		layer, err := yaml.Marshal(out.Layer)
		require.NoError(t, err)
		require.NotContains(t, string(layer), "db-pass")
		require.NotContains(t, string(layer), "relation_id")
		require.Equal(t, map[string]string{temporal.HashEnv: out.Hash}, out.Layer.Services[temporal.ServiceName].Environment)
	})
	t.Run("files are private to the server user", func(t *testing.T) {
		for _, f := range append(out.Files, out.DynamicConfig) {
			require.Equal(t, uint32(0o600), f.Permissions, f.Path)
			require.Equal(t, "ubuntu", f.User, f.Path)
		}
	})
	t.Run("frontend opens its gRPC, internal-frontend and HTTP ports", func(t *testing.T) {
		require.Equal(t, []juju.Port{{Number: 7233, Protocol: "tcp"}, {Number: 7236, Protocol: "tcp"}, {Number: 7243, Protocol: "tcp"}}, out.Ports)
	})
	t.Run("dynamic-only changes keep the hash", func(t *testing.T) {
		in := inputs(t, map[string]any{"services": "frontend", "global-rps-limit": 5, "namespace-rps-limit": "a:1", "long-poll-interval": "10s"})
		changed, err := temporal.Render(in)
		require.NoError(t, err)
		require.Equal(t, out.Hash, changed.Hash)
		require.Equal(t, out.Layer, changed.Layer)
		require.NotEqual(t, out.DynamicConfig.Content, changed.DynamicConfig.Content)
	})
	t.Run("a password change changes the hash", func(t *testing.T) {
		in := base
		in.DB.Password = "rotated"
		changed, err := temporal.Render(in)
		require.NoError(t, err)
		require.NotEqual(t, out.Hash, changed.Hash)
	})
	t.Run("command runs exactly the selected services", func(t *testing.T) {
		cmd := out.Layer.Services[temporal.ServiceName].Command
		require.True(t, strings.HasSuffix(cmd, "start --service=frontend --service=internal-frontend"), cmd)
		worker := temporal.Layer([]string{"worker"})
		require.True(t, strings.HasSuffix(worker.Services[temporal.ServiceName].Command, "start --service=worker"))
		require.Equal(t, 7239, worker.Checks[temporal.CheckName].TCP.Port)
	})
}

func BenchmarkRender(b *testing.B) {
	in := inputs(b, map[string]any{"namespace-rps-limit": "a:1|b:2"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := temporal.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

// The drain must finish before Pebble's SIGKILL, and Pebble's SIGKILL
// before the kubelet's, or a pod going away cuts requests off.
func TestShutdownFitsTheGracePeriod(t *testing.T) {
	t.Parallel()
	longestDrain := max(temporal.FrontendFailHealthCheck+temporal.FrontendDrain, temporal.HistoryDrain)
	require.Greater(t, temporal.KillDelay, longestDrain)
	// The stop hook and Pebble's own stop need a few seconds of the grace
	// period too.
	require.LessOrEqual(t, temporal.KillDelay+5*time.Second, temporal.TerminationGracePeriod)
	out, err := temporal.Render(inputs(t, nil))
	require.NoError(t, err)
	require.Equal(t, temporal.KillDelay.String(), out.Layer.Services[temporal.ServiceName].KillDelay)
}

func TestFrontendOpensWhatTheServiceForwards(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		services []string
		want     []string
	}{
		{[]string{"frontend"}, []string{"7233/tcp", "7236/tcp", "7243/tcp"}},
		{config.AllServices, []string{"7233/tcp", "7236/tcp", "7243/tcp"}},
		{[]string{"history"}, nil},
		{[]string{"matching", "worker"}, nil},
	} {
		var got []string
		for _, p := range temporal.OpenPorts(config.Config{Services: tt.services}) {
			got = append(got, p.String())
		}
		require.Equal(t, tt.want, got, tt.services)
	}
}
