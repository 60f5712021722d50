package rock

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestBuildKey(t *testing.T) {
	server := Binaries[0]
	base := BuildKey(server, "v1.31.2", "go1.26.8")
	require.Equal(t, base, BuildKey(server, "v1.31.2", "go1.26.8"))
	require.NotEqual(t, base, BuildKey(server, "v1.31.3", "go1.26.8"))
	require.NotEqual(t, base, BuildKey(server, "v1.31.2", "go1.26.9"))
	require.NotEqual(t, base, BuildKey(Binaries[1], "v1.31.2", "go1.26.8"))
}

func TestLocal(t *testing.T) {
	want := map[string]bool{"temporal-server": false, "temporal-sql-tool": false, "tdbg": false, "pgrep": true}
	for _, b := range Binaries {
		require.Equal(t, want[b.Name], local(b), b.Name)
	}
}

func TestLayer(t *testing.T) {
	var layer struct {
		Services map[string]map[string]string `yaml:"services"`
		Checks   map[string]struct {
			Exec map[string]string `yaml:"exec"`
		} `yaml:"checks"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(Layer), &layer))
	svc := layer.Services["temporal-server"]
	require.Equal(t, "/usr/bin/temporal-server start", svc["command"])
	require.Equal(t, "/etc/temporal", svc["working-dir"])
	require.Equal(t, "ubuntu", svc["user"])
	require.Equal(t, "pgrep temporal-server", layer.Checks["temporal-server-running"].Exec["command"])
}
