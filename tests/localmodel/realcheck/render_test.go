package realcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	temporalconfig "go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// serviceSets is every non-empty selection of the four services.
func serviceSets() []string {
	all := config.AllServices
	var out []string
	for mask := 1; mask < 1<<len(all); mask++ {
		var set []string
		for i, s := range all {
			if mask&(1<<i) != 0 {
				set = append(set, s)
			}
		}
		out = append(out, strings.Join(set, ","))
	}
	return out
}

// edges are the option values at their bounds, each valid.
var edges = map[string]map[string]any{
	"defaults": nil,
	"low": {
		"num-history-shards": 1, "log-level": "debug",
		"persistence-max-conns": 1, "persistence-max-idle-conns": 1, "persistence-max-conn-time": "1s",
		"visibility-max-conns": 1, "visibility-max-idle-conns": 1, "visibility-max-conn-time": "1s",
		"global-rps-limit": 0, "long-poll-interval": "1s",
	},
	"high": {
		"num-history-shards": 1 << 30, "log-level": "critical",
		"persistence-max-conns": 1<<31 - 1, "persistence-max-idle-conns": 1<<31 - 1, "persistence-max-conn-time": "168h",
		"visibility-max-conn-time": "168h", "global-rps-limit": 1<<31 - 1, "long-poll-interval": "1m",
		"namespace-rps-limit": "default:1|orders:100000|a-b_c.d:5",
	},
	"names": {"db-name": "a", "visibility-db-name": strings.Repeat("v", 63), "log-level": "warning"},
}

func render(t *testing.T, services string, raw map[string]any, tls bool) temporal.Output {
	t.Helper()
	opts := map[string]any{"services": services}
	for k, v := range raw {
		opts[k] = v
	}
	cfg, problems := config.Parse(opts)
	require.Empty(t, problems)
	in := temporal.Inputs{
		Config:           cfg,
		DB:               postgresql.Connection{Database: cfg.DBName, Host: "postgresql-k8s-primary.m.svc.cluster.local", Port: 5432, User: "relation_id_3", Password: "p'\"#: {x}"},
		Visibility:       postgresql.Connection{Database: cfg.VisibilityDBName, Host: "fd00::1", Port: 5432, User: "relation_id_4", Password: "%v"},
		BroadcastAddress: "10.213.0.21",
	}
	if tls {
		in.DB.TLS, in.DB.TLSCA = true, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
		in.Visibility.TLS = true
	}
	out, err := temporal.Render(in)
	require.NoError(t, err)
	return out
}

// Every rendered server config loads with the server's own loader
// (go.temporal.io/server/common/config, what `temporal-server start
// --config-file` calls) and passes its validation; every dynamic config
// loads with the server's dynamic config loader with neither an error nor a
// warning (a warning is an unknown key or a value of the wrong type, which
// the server would ignore).
func TestTemporalLoadsEveryRender(t *testing.T) {
	t.Parallel()
	for _, services := range serviceSets() {
		for edge, raw := range edges {
			for _, tls := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/tls=%v", services, edge, tls)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					out := render(t, services, raw, tls)
					dir := t.TempDir()
					file := filepath.Join(dir, "charm.yaml")
					require.Equal(t, temporal.ConfigPath, out.Files[0].Path)
					require.NoError(t, os.WriteFile(file, out.Files[0].Content, 0o600))
					cfg, err := temporalconfig.Load(temporalconfig.WithConfigFile(file))
					require.NoError(t, err)
					require.NoError(t, cfg.Validate())

					// What the loader read is what the charm meant.
					opts := map[string]any{"services": services}
					for k, v := range raw {
						opts[k] = v
					}
					want, _ := config.Parse(opts)
					require.Equal(t, int32(want.NumHistoryShards), cfg.Persistence.NumHistoryShards)
					require.Equal(t, "10.213.0.21", cfg.Global.Membership.BroadcastAddress)
					for _, s := range temporal.Services(want.Services) {
						svc, ok := cfg.Services[s]
						require.True(t, ok, "service %s missing from the config", s)
						require.Equal(t, temporal.Ports[s].GRPC, svc.RPC.GRPCPort, s)
						require.Equal(t, temporal.Ports[s].Membership, svc.RPC.MembershipPort, s)
					}
					db := cfg.Persistence.DataStores[cfg.Persistence.DefaultStore].SQL
					require.NotNil(t, db)
					require.Equal(t, "postgres12", db.PluginName)
					require.Empty(t, db.Password)
					require.Equal(t, &temporalconfig.PasswordCommandConfig{Command: temporal.HealthPath, Args: []string{"--print-secret", temporal.DBPasswordPath}, Timeout: temporal.PasswordTimeout}, db.PasswordCommand)
					require.Equal(t, want.DBName, db.DatabaseName)
					require.Equal(t, want.Persistence.MaxConns, db.MaxConns)
					vis := cfg.Persistence.DataStores[cfg.Persistence.VisibilityStore].SQL
					require.NotNil(t, vis)
					require.Equal(t, "[fd00::1]:5432", vis.ConnectAddr)
					require.Empty(t, vis.Password)
					require.Equal(t, []string{"--print-secret", temporal.VisibilityPasswordPath}, vis.PasswordCommand.Args)
					if tls {
						require.NotNil(t, db.TLS)
						require.True(t, db.TLS.Enabled)
						require.Equal(t, temporal.DBCAPath, db.TLS.CaFile)
						require.True(t, db.TLS.EnableHostVerification)
						require.True(t, vis.TLS.Enabled)
					} else {
						require.True(t, db.TLS == nil || !db.TLS.Enabled)
					}
					dyn := dynamicconfig.LoadYamlFile(out.DynamicConfig.Content)
					require.Empty(t, dyn.Errors)
					require.Empty(t, dyn.Warnings)
				})
			}
		}
	}
}

// The server resolves each store's password by running the command its
// config names (config.SQL.ResolvePassword, run for every new connection
// by sqlplugin.RefreshingConnector): the charm's own binary, under the
// name the charm pushes it as, prints the password file the charm
// wrote, byte for byte, whatever the password holds.
func TestTemporalResolvesThePasswordFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	helper := filepath.Join(dir, filepath.Base(temporal.HealthPath))
	build := exec.Command("go", "build", "-o", helper, "github.com/temporal-k8s/temporal-k8s/cmd/temporal-k8s")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	rendered := render(t, "history", nil, false)
	file := filepath.Join(dir, "charm.yaml")
	require.NoError(t, os.WriteFile(file, rendered.Files[0].Content, 0o600))
	cfg, err := temporalconfig.Load(temporalconfig.WithConfigFile(file))
	require.NoError(t, err)
	live := map[string][]byte{}
	for _, f := range rendered.LiveFiles {
		live[f.Path] = f.Content
	}
	for store, want := range map[string]string{cfg.Persistence.DefaultStore: "p'\"#: {x}", cfg.Persistence.VisibilityStore: "%v"} {
		sql := cfg.Persistence.DataStores[store].SQL
		// The paths of the container, moved here.
		path := sql.PasswordCommand.Args[1]
		local := filepath.Join(dir, filepath.Base(path))
		require.NoError(t, os.WriteFile(local, live[path], 0o600))
		sql.PasswordCommand.Command = helper
		sql.PasswordCommand.Args[1] = local
		got, err := sql.ResolvePassword()
		require.NoError(t, err, store)
		require.Equal(t, want, got, store)

		// Rotated: the next connection reads the new one.
		require.NoError(t, os.WriteFile(local, []byte("rotated-"+store), 0o600))
		got, err = sql.ResolvePassword()
		require.NoError(t, err, store)
		require.Equal(t, "rotated-"+store, got, store)

		// Gone: the connection fails, and the error does not hold it.
		require.NoError(t, os.Remove(local))
		_, err = sql.ResolvePassword()
		require.ErrorContains(t, err, "cannot read the password")
		require.NotContains(t, err.Error(), "rotated-")
	}
}
