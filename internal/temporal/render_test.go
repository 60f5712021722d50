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
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// -update rewrites the golden files from what the code renders now; the
// diff is then for review. The hash is not in them (see
// TestHashFollowsTheRenderedBytes), so an update cannot bless a hash that
// stopped covering something. CI refuses it: there a golden is a check,
// never an output.
var update = flag.Bool("update", false, "rewrite the golden files (refused when CI is set)")

// hashPlaceholder stands for the config hash in the goldens.
const hashPlaceholder = "<config-hash>"

// review is what a golden holds: every rendered file, the layer with the
// hash replaced, and the ports.
func review(t testing.TB, out temporal.Output) string {
	t.Helper()
	layer := withoutHash(t, out)
	var got bytes.Buffer
	for _, f := range append(append(out.Files, out.DynamicConfig), out.LiveFiles...) {
		got.WriteString("# " + f.Path + "\n")
		got.Write(f.Content)
		if !bytes.HasSuffix(f.Content, []byte("\n")) {
			// A password has no newline of its own.
			got.WriteString("\n")
		}
	}
	got.WriteString("# layer\n")
	got.Write(layer)
	got.WriteString("# ports\n")
	for _, p := range out.Ports {
		got.WriteString(p.String() + "\n")
	}
	return got.String()
}

// withoutHash is the layer's YAML with the hash replaced by a placeholder.
func withoutHash(t testing.TB, out temporal.Output) []byte {
	t.Helper()
	layer := out.Layer
	svc := layer.Services[temporal.ServiceName]
	env := map[string]string{}
	for k, v := range svc.Environment {
		env[k] = v
	}
	require.Equal(t, out.Hash, env[temporal.HashEnv], "the layer carries the hash")
	env[temporal.HashEnv] = hashPlaceholder
	svc.Environment = env
	services := map[string]workload.Service{temporal.ServiceName: svc}
	if proxy, ok := layer.Services[temporal.ProxyServiceName]; ok {
		services[temporal.ProxyServiceName] = proxy
	}
	layer.Services = services
	data, err := yaml.Marshal(layer)
	require.NoError(t, err)
	return data
}

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
		// frontendTLS gives the frontend a certificate, internodeTLS
		// the unit its internode one.
		frontendTLS, internodeTLS bool
		internodeStage            rollout.Stage
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
		{name: "frontend-tls", raw: map[string]any{"services": "frontend,history"}, frontendTLS: true},
		// A certificate for an app without a frontend changes nothing.
		{name: "history", raw: map[string]any{"services": "history"}, frontendTLS: true},
		{name: "history-internode-tls", raw: map[string]any{"services": "history"}, internodeTLS: true},
		{name: "frontend-internode-accept-tls", raw: map[string]any{"services": "frontend"}, internodeStage: rollout.AcceptTLS},
		{name: "frontend-both-tls", raw: map[string]any{"services": "frontend"}, frontendTLS: true, internodeTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := inputs(t, tt.raw)
			if tt.tls {
				in.DB.TLS, in.DB.TLSCA = true, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
				in.Visibility.TLS = true
			}
			if tt.frontendTLS {
				in.FrontendTLS = &frontendCert
			}
			if tt.internodeStage != rollout.Plain {
				in.InternodeTLS, in.InternodeStage = &internodeCert, tt.internodeStage
			}
			if tt.internodeTLS {
				in.InternodeTLS, in.InternodeStage = &internodeCert, rollout.TLS
			}
			out, err := temporal.Render(in)
			require.NoError(t, err)
			got := review(t, out)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				require.Empty(t, os.Getenv("CI"), "-update rewrites the goldens: never in CI")
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

var frontendCert = temporal.Cert{
	Chain: "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
	Key:   "-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n",
	CA:    "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
}

// The frontend's certificate: its files are private, outside the layer
// and the hash (the server reads them again, a renewal restarts
// nothing), while turning TLS on changes the hash (a restart in turn)
// and makes the check ask over TLS.
func TestRenderFrontendTLS(t *testing.T) {
	t.Parallel()
	plain, err := temporal.Render(inputs(t, map[string]any{"services": "frontend"}))
	require.NoError(t, err)
	in := inputs(t, map[string]any{"services": "frontend"})
	in.FrontendTLS = &frontendCert
	on, err := temporal.Render(in)
	require.NoError(t, err)
	require.True(t, on.FrontendTLS)
	require.False(t, plain.FrontendTLS)
	require.Equal(t, []string{temporal.DBPasswordPath, temporal.VisibilityPasswordPath}, paths(plain.LiveFiles))
	require.Equal(t, []string{temporal.DBPasswordPath, temporal.VisibilityPasswordPath, temporal.FrontendCertPath, temporal.FrontendKeyPath, temporal.FrontendCAPath}, paths(on.LiveFiles))
	require.NotEqual(t, plain.Hash, on.Hash, "TLS on restarts the server")
	requireKeysPrivate(t, on)
	require.Contains(t, on.Layer.Checks[temporal.CheckName].Exec.Command, "frontend=127.0.0.1:7233,ca="+temporal.FrontendCAPath)

	renewed := in
	renewed.FrontendTLS = &temporal.Cert{Chain: "-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n", Key: frontendCert.Key, CA: frontendCert.CA}
	again, err := temporal.Render(renewed)
	require.NoError(t, err)
	require.Equal(t, on.Hash, again.Hash, "a renewed certificate restarts nothing")
	require.NotEqual(t, on.LiveFiles, again.LiveFiles)
}

var internodeCert = temporal.Cert{
	Chain: "-----BEGIN CERTIFICATE-----\nPEER\n-----END CERTIFICATE-----\n",
	Key:   "-----BEGIN RSA PRIVATE KEY-----\nPEERKEY\n-----END RSA PRIVATE KEY-----\n",
	CA:    "-----BEGIN CERTIFICATE-----\nINTERNODE CA\n-----END CERTIFICATE-----\n",
}

// The internode certificate: mutual TLS on every internode service and
// membership; its files private, outside the layer and the hash (a
// renewal restarts nothing), while turning it on changes the hash, the
// layer's environment (which says so to the next hook) and the check of
// an internode service, which shows the certificate.
func TestRenderInternodeTLS(t *testing.T) {
	t.Parallel()
	for _, services := range []string{"history", "frontend", "frontend,matching,worker"} {
		t.Run(services, func(t *testing.T) {
			t.Parallel()
			plain, err := temporal.Render(inputs(t, map[string]any{"services": services}))
			require.NoError(t, err)
			in := inputs(t, map[string]any{"services": services})
			in.InternodeTLS, in.InternodeStage = &internodeCert, rollout.TLS
			on, err := temporal.Render(in)
			require.NoError(t, err)
			require.True(t, on.InternodeTLS)
			require.False(t, plain.InternodeTLS)
			require.False(t, on.FrontendTLS)
			require.Equal(t, []string{temporal.DBPasswordPath, temporal.VisibilityPasswordPath, temporal.InternodeCertPath, temporal.InternodeKeyPath, temporal.InternodeCAPath, temporal.ProxyModePath}, paths(on.LiveFiles))
			require.NotEqual(t, plain.Hash, on.Hash, "internode TLS on restarts the server")
			require.True(t, temporal.ServesInternodeTLS(on.Layer))
			require.False(t, temporal.ServesInternodeTLS(plain.Layer))
			require.False(t, temporal.ServesTLS(on.Layer), "the frontend serves without TLS")
			requireKeysPrivate(t, on)
			require.Equal(t, temporal.DynamicConfig(in.Config, true), on.DynamicConfig)
			require.Equal(t, temporal.DynamicConfig(in.Config, false), plain.DynamicConfig)
			require.Contains(t, string(on.DynamicConfig.Content), "system.enableRingpopTLS:\n    - value: true\n")
			require.NotContains(t, string(plain.DynamicConfig.Content), "enableRingpopTLS")
			check := on.Layer.Checks[temporal.CheckName].Exec.Command
			for _, s := range strings.Split(services, ",") {
				target := s + "=" + temporal.LocalGRPC(s)
				if s == "frontend" {
					require.Contains(t, check+" ", " "+target+" ", "the frontend's own port stays without TLS")
					continue
				}
				require.Contains(t, check, target+",ca="+temporal.InternodeCAPath+",cert="+temporal.InternodeCertPath+",key="+temporal.InternodeKeyPath)
			}

			renewed := in
			renewed.InternodeTLS = &temporal.Cert{Chain: "-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n", Key: internodeCert.Key, CA: internodeCert.CA}
			again, err := temporal.Render(renewed)
			require.NoError(t, err)
			require.Equal(t, on.Hash, again.Hash, "a renewed certificate restarts nothing")
			require.NotEqual(t, on.LiveFiles, again.LiveFiles)
		})
	}
}

// requireKeysPrivate checks a render keeps its keys in its live files,
// which only the server's user may read, and out of the layer, the
// hashed files and the dynamic config.
func requireKeysPrivate(t *testing.T, out temporal.Output) {
	t.Helper()
	for _, f := range out.LiveFiles {
		require.Equal(t, uint32(0o600), f.Permissions, f.Path)
		require.Equal(t, "ubuntu", f.User, f.Path)
	}
	layer, err := yaml.Marshal(out.Layer)
	require.NoError(t, err)
	require.NotContains(t, string(layer), "KEY")
	for _, f := range append(out.Files, out.DynamicConfig) {
		require.NotContains(t, string(f.Content), "KEY", f.Path)
	}
}

func paths(files []workload.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestRenderProperties(t *testing.T) {
	t.Parallel()
	base := inputs(t, map[string]any{"services": "frontend"})
	out, err := temporal.Render(base)
	require.NoError(t, err)

	t.Run("passwords stay out of the layer and the hashed files", func(t *testing.T) {
		in := base
		in.DB.Password, in.Visibility.Password = "Pw8d1e", "Pw3c2f"
		out, err := temporal.Render(in)
		require.NoError(t, err)
		for _, f := range append(out.Files, out.DynamicConfig) {
			require.NotContains(t, string(f.Content), "Pw8d1e", f.Path)
			require.NotContains(t, string(f.Content), "Pw3c2f", f.Path)
		}
		layer, err := yaml.Marshal(out.Layer)
		require.NoError(t, err)
		require.NotContains(t, string(layer), "db-pass")
		require.NotContains(t, string(layer), "relation_id")
		require.Equal(t, map[string]string{temporal.HashEnv: out.Hash}, out.Layer.Services[temporal.ServiceName].Environment)
	})
	t.Run("files are private to the server user", func(t *testing.T) {
		for _, f := range append(append(out.Files, out.DynamicConfig), out.LiveFiles...) {
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
	t.Run("a rotated password is a live file, not a restart", func(t *testing.T) {
		in := base
		in.DB.Password, in.Visibility.Password = "rotated", "rotated-too"
		changed, err := temporal.Render(in)
		require.NoError(t, err)
		require.Equal(t, out.Hash, changed.Hash)
		require.Equal(t, out.Files, changed.Files)
		require.Equal(t, []workload.File{
			{Path: temporal.DBPasswordPath, Content: []byte("rotated"), Permissions: 0o600, User: "ubuntu", Group: "ubuntu"},
			{Path: temporal.VisibilityPasswordPath, Content: []byte("rotated-too"), Permissions: 0o600, User: "ubuntu", Group: "ubuntu"},
		}, changed.LiveFiles)
	})
	t.Run("each store reads its own password file through the helper", func(t *testing.T) {
		var cfg struct {
			Persistence struct {
				DataStores map[string]struct {
					SQL map[string]any `yaml:"sql"`
				} `yaml:"datastores"`
			} `yaml:"persistence"`
		}
		require.NoError(t, yaml.Unmarshal(out.Files[0].Content, &cfg))
		for store, path := range map[string]string{"default": temporal.DBPasswordPath, "visibility": temporal.VisibilityPasswordPath} {
			sql := cfg.Persistence.DataStores[store].SQL
			require.NotContains(t, sql, "password", store)
			require.Equal(t, map[string]any{"command": temporal.HealthPath, "args": []any{"--print-secret", path}, "timeout": "5s"}, sql["passwordCommand"], store)
		}
	})
	t.Run("command runs exactly the selected services", func(t *testing.T) {
		cmd := out.Layer.Services[temporal.ServiceName].Command
		require.True(t, strings.HasSuffix(cmd, "start --service=frontend --service=internal-frontend"), cmd)
		worker := temporal.Layer([]string{"worker"}, false, temporal.InternodeLayer{})
		require.True(t, strings.HasSuffix(worker.Services[temporal.ServiceName].Command, "start --service=worker"))
		require.Equal(t, "/usr/local/bin/temporal-k8s-health worker=127.0.0.1:7239", worker.Checks[temporal.CheckName].Exec.Command)
	})
	t.Run("the check asks every selected service", func(t *testing.T) {
		l := temporal.Layer([]string{"history", "matching"}, false, temporal.InternodeLayer{})
		require.Equal(t, "/usr/local/bin/temporal-k8s-health history=127.0.0.1:7234 matching=127.0.0.1:7235", l.Checks[temporal.CheckName].Exec.Command)
		require.Equal(t, []grpchealth.Target{{Role: "history", Addr: "127.0.0.1:7234"}, {Role: "matching", Addr: "127.0.0.1:7235"}},
			temporal.HealthTargets([]string{"history", "matching"}, false, false))
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

// The hash is the restart trigger: it must change when any byte the server
// reads at start changes (a file or the layer), and only then.
func TestHashFollowsTheRenderedBytes(t *testing.T) {
	t.Parallel()
	t.Run("over Render: equal bytes iff equal hash", func(t *testing.T) {
		variants := map[string]func(*temporal.Inputs){
			"base":              func(*temporal.Inputs) {},
			"base again":        func(*temporal.Inputs) {},
			"db user":           func(in *temporal.Inputs) { in.DB.User = "relation_id_9" },
			"db host":           func(in *temporal.Inputs) { in.DB.Host = "10.213.0.11" },
			"db port":           func(in *temporal.Inputs) { in.DB.Port = 5433 },
			"db name":           func(in *temporal.Inputs) { in.DB.Database = "other" },
			"db tls":            func(in *temporal.Inputs) { in.DB.TLS = true },
			"db tls ca":         func(in *temporal.Inputs) { in.DB.TLS, in.DB.TLSCA = true, "CA1" },
			"db tls other ca":   func(in *temporal.Inputs) { in.DB.TLS, in.DB.TLSCA = true, "CA2" },
			"visibility ca":     func(in *temporal.Inputs) { in.Visibility.TLS, in.Visibility.TLSCA = true, "CA1" },
			"broadcast":         func(in *temporal.Inputs) { in.BroadcastAddress = "10.213.0.99" },
			"shards":            func(in *temporal.Inputs) { in.Config.NumHistoryShards = 4 },
			"log level":         func(in *temporal.Inputs) { in.Config.LogLevel = "debug" },
			"pool":              func(in *temporal.Inputs) { in.Config.Persistence.MaxConns = 7 },
			"services":          func(in *temporal.Inputs) { in.Config.Services = []string{"history"} },
			"dynamic only":      func(in *temporal.Inputs) { in.Config.GlobalRPSLimit = 77 },
			"long poll only":    func(in *temporal.Inputs) { in.Config.LongPollInterval = time.Minute },
			"more services":     func(in *temporal.Inputs) { in.Config.Services = []string{"frontend", "worker"} },
			"services reversed": func(in *temporal.Inputs) { in.Config.Services = []string{"worker", "frontend"} },
		}
		type rendered struct{ name, bytes, hash string }
		var all []rendered
		for name, change := range variants {
			in := inputs(t, map[string]any{"services": "frontend"})
			change(&in)
			out, err := temporal.Render(in)
			require.NoError(t, err, name)
			var b strings.Builder
			for _, f := range out.Files {
				b.WriteString(f.Path + "\x00" + string(f.Content) + "\x00")
			}
			b.Write(withoutHash(t, out))
			all = append(all, rendered{name, b.String(), out.Hash})
		}
		distinct := 0
		for i, a := range all {
			for _, b := range all[i+1:] {
				require.Equal(t, a.bytes == b.bytes, a.hash == b.hash, "%s vs %s", a.name, b.name)
				if a.bytes != b.bytes {
					distinct++
				}
			}
		}
		require.Positive(t, distinct)
	})
	t.Run("any changed byte of a file or the layer changes it", func(t *testing.T) {
		out, err := temporal.Render(inputs(t, map[string]any{"services": "frontend"}))
		require.NoError(t, err)
		layer := temporal.Layer([]string{"frontend"}, false, temporal.InternodeLayer{})
		base := temporal.HashOf(out.Files, layer)
		again := temporal.HashOf(out.Files, temporal.Layer([]string{"frontend"}, false, temporal.InternodeLayer{}))
		require.Equal(t, base, again, "deterministic")

		for fi, f := range out.Files {
			for _, at := range []int{0, len(f.Content) / 2, len(f.Content) - 1} {
				files := append([]workload.File(nil), out.Files...)
				content := append([]byte(nil), f.Content...)
				content[at] ^= 1
				files[fi].Content = content
				require.NotEqual(t, base, temporal.HashOf(files, layer), "%s byte %d", f.Path, at)
			}
		}
		moved := []workload.File{{Path: "a", Content: []byte("xy")}, {Path: "b", Content: []byte("z")}}
		h1 := temporal.HashOf(moved, layer)
		moved[0].Content, moved[1].Content = []byte("x"), []byte("yz")
		require.NotEqual(t, h1, temporal.HashOf(moved, layer), "bytes moved between files")

		for name, change := range map[string]func(*workload.Service){
			"command":    func(s *workload.Service) { s.Command += " --x" },
			"kill-delay": func(s *workload.Service) { s.KillDelay = "21s" },
			"user":       func(s *workload.Service) { s.User = "root" },
		} {
			l := temporal.Layer([]string{"frontend"}, false, temporal.InternodeLayer{})
			svc := l.Services[temporal.ServiceName]
			change(&svc)
			l.Services[temporal.ServiceName] = svc
			require.NotEqual(t, base, temporal.HashOf(out.Files, l), name)
		}
		l := temporal.Layer([]string{"frontend"}, false, temporal.InternodeLayer{})
		check := l.Checks[temporal.CheckName]
		check.Period = "5s"
		l.Checks[temporal.CheckName] = check
		require.NotEqual(t, base, temporal.HashOf(out.Files, l), "check period")
	})
}

func TestRenderRefusesNoServices(t *testing.T) {
	t.Parallel()
	in := inputs(t, nil)
	in.Config.Services = nil
	_, err := temporal.Render(in)
	require.ErrorIs(t, err, temporal.ErrNoServices)
	// Layer alone must not panic either: it has nothing to probe.
	require.Empty(t, temporal.Layer(nil, false, temporal.InternodeLayer{}).Checks)
}

// The CA files: pushed only for a store that uses TLS and has a CA.
func TestRenderCAFiles(t *testing.T) {
	t.Parallel()
	paths := func(in temporal.Inputs) []string {
		out, err := temporal.Render(in)
		require.NoError(t, err)
		var got []string
		for _, f := range out.Files {
			got = append(got, f.Path)
		}
		return got
	}
	in := inputs(t, nil)
	in.DB.TLSCA, in.Visibility.TLSCA = "CA", "CA"
	require.Equal(t, []string{temporal.ConfigPath}, paths(in), "a CA without TLS is not used")
	in.Visibility.TLS = true
	require.Equal(t, []string{temporal.ConfigPath, temporal.VisibilityCAPath}, paths(in))
	in.DB.TLS = true
	require.Equal(t, []string{temporal.ConfigPath, temporal.DBCAPath, temporal.VisibilityCAPath}, paths(in))
	in.DB.TLSCA = ""
	require.Equal(t, []string{temporal.ConfigPath, temporal.VisibilityCAPath}, paths(in), "TLS without a CA verifies nothing")
}

func TestRenderIPv6AndRateLimits(t *testing.T) {
	t.Parallel()
	in := inputs(t, map[string]any{"global-rps-limit": 0})
	in.DB.Host = "fd00::5"
	out, err := temporal.Render(in)
	require.NoError(t, err)
	require.Contains(t, string(out.Files[0].Content), "connectAddr: '[fd00::5]:5432'")
	// No limit at all: the key is absent and Temporal keeps its default.
	require.NotContains(t, string(out.DynamicConfig.Content), "frontend.namespaceRPS")
}

// Whether a plan serves TLS is read from its check, which goes with the
// config in one layer; a plan without the check, or with a check of
// another kind, does not.
func TestServesTLS(t *testing.T) {
	t.Parallel()
	require.True(t, temporal.ServesTLS(temporal.Layer([]string{"frontend", "history"}, true, temporal.InternodeLayer{})))
	require.False(t, temporal.ServesTLS(temporal.Layer([]string{"frontend", "history"}, false, temporal.InternodeLayer{})))
	require.False(t, temporal.ServesTLS(temporal.Layer([]string{"history"}, true, temporal.InternodeLayer{})), "no frontend, no TLS")
	require.False(t, temporal.ServesTLS(workload.Layer{}))
	require.False(t, temporal.ServesTLS(workload.Layer{Checks: map[string]workload.Check{temporal.CheckName: {Override: "replace"}}}))
}

// The stages of switching internode TLS: from AcceptTLS on the server
// binds loopback and the proxy the pod address, in front of every port
// (the frontend's client ports passed on as they are); from
// TLSAcceptPlain on the server speaks TLS. TLSAcceptPlain and TLS differ
// only in the proxy's mode file, which it reads itself: that step
// restarts nothing.
func TestRenderInternodeStages(t *testing.T) {
	t.Parallel()
	hashes := map[rollout.Stage]string{}
	for _, stage := range []rollout.Stage{rollout.Plain, rollout.AcceptTLS, rollout.TLSAcceptPlain, rollout.TLS} {
		in := inputs(t, map[string]any{"services": "frontend,history"})
		in.BroadcastAddress = "10.1.2.3"
		in.InternodeTLS, in.InternodeStage = &internodeCert, stage
		out, err := temporal.Render(in)
		require.NoError(t, err)
		hashes[stage] = out.Hash
		require.Equal(t, stage, out.InternodeStage)
		require.Equal(t, stage.ServerTLS(), out.InternodeTLS)
		require.Equal(t, stage.ServerTLS(), temporal.ServesInternodeTLS(out.Layer))
		require.Equal(t, stage.Proxied(), temporal.ServesProxy(out.Layer))
		config := string(out.Files[0].Content)
		mode := []byte(nil)
		if !stage.Proxied() {
			require.Contains(t, config, "bindOnIP: 0.0.0.0")
			require.NotContains(t, paths(out.LiveFiles), temporal.InternodeCertPath, "plain holds no certificate")
			require.Equal(t, rollout.Plain, temporal.ProxyStage(out.Layer, nil))
			continue
		}
		require.NotContains(t, config, "0.0.0.0\n", "behind the proxy nothing binds the pod address")
		require.Contains(t, config, "bindOnIP: 127.0.0.1")
		require.Contains(t, config, "broadcastAddress: 10.1.2.3")
		for _, f := range out.LiveFiles {
			if f.Path == temporal.ProxyModePath {
				mode = f.Content
			}
		}
		require.Equal(t, temporal.ProxyMode(stage), string(mode))
		require.Equal(t, stage, temporal.ProxyStage(out.Layer, mode), "the plan and the mode file say the stage")
		proxy := out.Layer.Services[temporal.ProxyServiceName]
		server := out.Layer.Services[temporal.ServiceName]
		require.Equal(t, []string{temporal.ProxyServiceName}, server.After, "the proxy starts first and stops last")
		require.Equal(t, []string{temporal.ProxyServiceName}, server.Requires, "in one lane with the server")
		require.Equal(t, "restart", proxy.OnFailure)
		require.Equal(t, "ubuntu", proxy.User)
		args := strings.Fields(proxy.Command)
		require.Equal(t, temporal.HealthPath, args[0])
		cfg, err := internodeproxy.Parse(args[1:])
		require.NoError(t, err)
		require.Equal(t, stage.ServerTLS(), cfg.UpstreamTLS)
		require.Equal(t, temporal.ProxyModePath, cfg.StrictFile)
		require.Equal(t, temporal.InternodeServerName, cfg.ServerName)
		require.Equal(t, []string{temporal.InternodeCertPath, temporal.InternodeKeyPath, temporal.InternodeCAPath}, []string{cfg.CertFile, cfg.KeyFile, cfg.CAFile})
		require.Equal(t, []internodeproxy.Route{
			{Listen: "10.1.2.3:7233", Upstream: "127.0.0.1:7233", Raw: true},
			{Listen: "10.1.2.3:6933", Upstream: "127.0.0.1:6933"},
			{Listen: "10.1.2.3:7243", Upstream: "127.0.0.1:7243", Raw: true},
			{Listen: "10.1.2.3:7236", Upstream: "127.0.0.1:7236"},
			{Listen: "10.1.2.3:6936", Upstream: "127.0.0.1:6936"},
			{Listen: "10.1.2.3:7234", Upstream: "127.0.0.1:7234"},
			{Listen: "10.1.2.3:6934", Upstream: "127.0.0.1:6934"},
		}, cfg.Routes)
		requireKeysPrivate(t, out)
	}
	require.Len(t, map[string]bool{hashes[rollout.Plain]: true, hashes[rollout.AcceptTLS]: true, hashes[rollout.TLSAcceptPlain]: true}, 3, "each of the first three steps restarts the server")
	require.Equal(t, hashes[rollout.TLSAcceptPlain], hashes[rollout.TLS], "refusing plaintext restarts nothing")

	t.Run("after the proxy", func(t *testing.T) {
		t.Parallel()
		// Back at plaintext, the proxy's service stays defined (layers
		// combine) and idles: it listens on nothing.
		in := inputs(t, map[string]any{"services": "history"})
		in.ProxyDefined = true
		out, err := temporal.Render(in)
		require.NoError(t, err)
		proxy, ok := out.Layer.Services[temporal.ProxyServiceName]
		require.True(t, ok)
		require.Equal(t, temporal.HealthPath+" "+internodeproxy.Flag, proxy.Command)
		require.False(t, temporal.ServesProxy(out.Layer))
		require.True(t, temporal.DefinesProxy(out.Layer))
		require.Equal(t, rollout.Plain, temporal.ProxyStage(out.Layer, nil))
		require.Contains(t, string(out.Files[0].Content), "bindOnIP: 0.0.0.0")
		require.Equal(t, []string{temporal.ProxyServiceName}, out.Layer.Services[temporal.ServiceName].After)
		require.NotContains(t, paths(out.LiveFiles), temporal.ProxyModePath)

		in.ProxyDefined = false
		out, err = temporal.Render(in)
		require.NoError(t, err)
		require.False(t, temporal.DefinesProxy(out.Layer), "never proxied: no service")
		require.Empty(t, out.Layer.Services[temporal.ServiceName].After)
		require.Empty(t, out.Layer.Services[temporal.ServiceName].Requires)
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		in := inputs(t, map[string]any{"services": "history"})
		in.InternodeStage = rollout.AcceptTLS
		_, err := temporal.Render(in)
		require.ErrorIs(t, err, temporal.ErrNoInternodeCert)
		in.InternodeTLS, in.BroadcastAddress = &internodeCert, ""
		_, err = temporal.Render(in)
		require.ErrorIs(t, err, temporal.ErrNoPodAddress)
	})
	t.Run("mode file", func(t *testing.T) {
		t.Parallel()
		l := temporal.Layer([]string{"history"}, false, temporal.InternodeLayer{Stage: rollout.TLS, PodAddress: "10.1.2.3"})
		require.Equal(t, rollout.TLSAcceptPlain, temporal.ProxyStage(l, nil), "an unreadable mode file accepts plaintext, as the proxy reads it")
		require.Equal(t, rollout.TLS, temporal.ProxyStage(l, []byte(" strict \n")))
		require.Equal(t, rollout.TLSAcceptPlain, temporal.ProxyStage(l, []byte("strictly")))
	})
}
