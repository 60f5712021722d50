package ui

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestParseHostInfo(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]string
		want    HostInfo
		ok      bool
		wantErr string
	}{
		{name: "nothing yet", data: map[string]string{}},
		{name: "port without host", data: map[string]string{"port": "7233"}},
		{name: "no tls key reads as false", data: map[string]string{"host": "temporal-k8s.m.svc.cluster.local", "port": "7233"},
			want: HostInfo{Host: "temporal-k8s.m.svc.cluster.local", Port: 7233}, ok: true},
		{name: "tls true", data: map[string]string{"host": "h", "port": "7233", "tls": "true"}, want: HostInfo{Host: "h", Port: 7233, TLS: true}, ok: true},
		{name: "tls anything else is false", data: map[string]string{"host": "h", "port": "7233", "tls": "True"}, want: HostInfo{Host: "h", Port: 7233}, ok: true},
		{name: "port not a number", data: map[string]string{"host": "h", "port": "frontend"}, wantErr: `port "frontend"`},
		{name: "port missing", data: map[string]string{"host": "h"}, wantErr: `port ""`},
		{name: "port out of range", data: map[string]string{"host": "h", "port": "70000"}, wantErr: `port "70000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := ParseHostInfo(tt.data)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.False(t, ok)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderStatus(t *testing.T) {
	hi := &HostInfo{Host: "temporal-k8s.m.svc.cluster.local", Port: 7233}
	tests := []struct {
		name string
		in   Inputs
		want string
	}{
		{name: "no ui relation", in: Inputs{ServerStatus: StatusReady, HostInfo: hi, Port: 8080}, want: MsgNoUI},
		{name: "server not ready", in: Inputs{UIRelated: true, ServerStatus: StatusBlocked, HostInfo: hi, Port: 8080}, want: MsgNotReady},
		{name: "server said nothing", in: Inputs{UIRelated: true, HostInfo: hi, Port: 8080}, want: MsgNotReady},
		{name: "no host info", in: Inputs{UIRelated: true, ServerStatus: StatusReady, Port: 8080}, want: MsgNoHostInfo},
		{name: "tls without a CA", in: Inputs{UIRelated: true, ServerStatus: StatusReady, HostInfo: &HostInfo{Host: "h", Port: 7233, TLS: true}, Port: 8080}, want: MsgNoCA},
		{name: "tls with the CA", in: Inputs{UIRelated: true, ServerStatus: StatusReady, HostInfo: &HostInfo{Host: "h", Port: 7233, TLS: true}, Port: 8080, CAs: []string{"CA"}}, want: ""},
		{name: "ready", in: Inputs{UIRelated: true, ServerStatus: StatusReady, HostInfo: hi, Port: 8080}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Render(tt.in)
			require.Equal(t, tt.want, out.Blocked)
			require.Equal(t, tt.want == "", out.Config != "" && out.Layer != "")
		})
	}
}

func TestRenderConfigAndLayer(t *testing.T) {
	in := Inputs{UIRelated: true, ServerStatus: StatusReady, HostInfo: &HostInfo{Host: "temporal-k8s.m.svc.cluster.local", Port: 7233}, Port: 8081}
	out := Render(in)
	var cfg struct {
		TemporalGrpcAddress string `yaml:"temporalGrpcAddress"`
		Port                int    `yaml:"port"`
		EnableUI            bool   `yaml:"enableUi"`
		DefaultNamespace    string `yaml:"defaultNamespace"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out.Config), &cfg))
	require.Equal(t, "temporal-k8s.m.svc.cluster.local:7233", cfg.TemporalGrpcAddress)
	require.Equal(t, 8081, cfg.Port)
	require.True(t, cfg.EnableUI)
	require.Equal(t, "", cfg.DefaultNamespace)

	var layer struct {
		Services map[string]struct {
			Command        string            `yaml:"command"`
			Environment    map[string]string `yaml:"environment"`
			OnCheckFailure map[string]string `yaml:"on-check-failure"`
		} `yaml:"services"`
		Checks map[string]struct {
			HTTP struct {
				URL string `yaml:"url"`
			} `yaml:"http"`
		} `yaml:"checks"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out.Layer), &layer))
	svc := layer.Services[ServiceName]
	require.Equal(t, "/home/ui-server/ui-server --root /home/ui-server --env charm start", svc.Command)
	require.Equal(t, "ignore", svc.OnCheckFailure["up"])
	require.Equal(t, "http://localhost:8081/", layer.Checks["up"].HTTP.URL)

	// The same inputs give the same layer (no restart); another address
	// gives another (the server reads its file only at start).
	require.Equal(t, out.Layer, Render(in).Layer)
	in.HostInfo = &HostInfo{Host: "10.0.0.7", Port: 7233}
	other := Render(in)
	require.Contains(t, other.Config, `"10.0.0.7:7233"`)
	require.NotEqual(t, svc.Environment["CONFIG_SHA256"], "")
	require.NotEqual(t, out.Layer, other.Layer)

	in.DefaultNamespace = `we"ird`
	require.NoError(t, yaml.Unmarshal([]byte(Render(in).Config), &cfg))
	require.Equal(t, `we"ird`, cfg.DefaultNamespace)
}

// A frontend that serves TLS is reached with the CAs received, verified
// against the host's name; a new CA restarts the UI server.
func TestRenderTLS(t *testing.T) {
	in := Inputs{UIRelated: true, ServerStatus: StatusReady, HostInfo: &HostInfo{Host: "temporal-k8s.m.svc.cluster.local", Port: 7233, TLS: true}, Port: 8081,
		CAs: []string{"-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----"}}
	out := Render(in)
	var cfg struct {
		TLS struct {
			CaData                 string `yaml:"caData"`
			ServerName             string `yaml:"serverName"`
			EnableHostVerification bool   `yaml:"enableHostVerification"`
		} `yaml:"tls"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out.Config), &cfg))
	pems, err := base64.StdEncoding.DecodeString(cfg.TLS.CaData)
	require.NoError(t, err)
	require.Equal(t, in.CAs[0]+"\n"+in.CAs[1], string(pems))
	require.Equal(t, "temporal-k8s.m.svc.cluster.local", cfg.TLS.ServerName)
	require.True(t, cfg.TLS.EnableHostVerification)
	other := in
	other.CAs = in.CAs[:1]
	require.NotEqual(t, out.Layer, Render(other).Layer)
	// Without TLS, no CA is rendered, received or not.
	in.HostInfo = &HostInfo{Host: "temporal-k8s.m.svc.cluster.local", Port: 7233}
	require.NotContains(t, Render(in).Config, "tls:")
}

func TestConfigPort(t *testing.T) {
	// As internal/juju decodes config-get: numbers as json.Number.
	var cfg map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"port": 8080}`))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&cfg))
	port, err := ConfigPort(cfg)
	require.NoError(t, err)
	require.Equal(t, 8080, port)
	for _, bad := range []any{json.Number("0"), json.Number("65536"), json.Number("8.5"), nil} {
		_, err := ConfigPort(map[string]any{"port": bad})
		require.ErrorContains(t, err, "invalid config: port", "%v", bad)
	}
}
