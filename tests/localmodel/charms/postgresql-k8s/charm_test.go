package postgresql

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestNewestVersion(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"15"}, "15"},
		{[]string{"9.6", "15", "14"}, "15"},
		{[]string{"16", "9.6", "10"}, "16"},
		{[]string{"15.1", "15"}, "15.1"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, NewestVersion(tt.in), tt.in)
	}
}

func TestRelationNumber(t *testing.T) {
	n, err := RelationNumber("database:12")
	require.NoError(t, err)
	require.Equal(t, 12, n)
	_, err = RelationNumber("database")
	require.ErrorContains(t, err, `cannot parse relation id "database"`)
}

func TestURI(t *testing.T) {
	require.Equal(t, "postgresql://relation_id_3:pw@10.1.0.5:5432/temporal-k8s_db", URI("relation_id_3", "pw", "10.1.0.5", 5432, "temporal-k8s_db"))
}

func TestLayer(t *testing.T) {
	var layer struct {
		Services map[string]struct {
			Command string `yaml:"command"`
			User    string `yaml:"user"`
			Startup string `yaml:"startup"`
		} `yaml:"services"`
		Checks map[string]struct {
			Level string         `yaml:"level"`
			TCP   map[string]int `yaml:"tcp"`
		} `yaml:"checks"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(Layer("/usr/lib/postgresql/15/bin", 300, false)), &layer))
	svc := layer.Services["postgresql"]
	require.Equal(t, "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/data/pgdata -c listen_addresses=* -c port=5432 -c unix_socket_directories=/var/lib/postgresql/data/run -c max_connections=300", svc.Command)
	require.Equal(t, "postgres", svc.User)
	require.Equal(t, "enabled", svc.Startup)
	require.Equal(t, 5432, layer.Checks["postgresql-ready"].TCP["port"])
}

func TestWantsSecrets(t *testing.T) {
	require.True(t, wantsSecrets(map[string]string{"requested-secrets": `["username", "password"]`}))
	require.False(t, wantsSecrets(map[string]string{"database": "x"}))
}

func TestChanged(t *testing.T) {
	have := map[string]string{"a": "1", "b": "2"}
	require.False(t, changed(have, map[string]string{"a": "1"}))
	require.True(t, changed(have, map[string]string{"a": "2"}))
	require.True(t, changed(have, map[string]string{"c": "3"}))
}
