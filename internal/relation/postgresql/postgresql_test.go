package postgresql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		app     map[string]string
		user    map[string]string
		tls     map[string]string
		want    postgresql.Connection
		wantErr string
	}{{
		name: "secrets",
		app:  map[string]string{"endpoints": "pg-primary.m.svc.cluster.local:5432", "secret-user": "secret:d0ufq1ivn8stmtsv1kc0"},
		user: map[string]string{"username": "relation_id_3", "password": "pw"},
		tls:  map[string]string{"tls": "False"},
		want: postgresql.Connection{Database: "d", Host: "pg-primary.m.svc.cluster.local", Port: 5432, User: "relation_id_3", Password: "pw"},
	}, {
		name: "TLS with a CA",
		app:  map[string]string{"endpoints": "10.0.0.1:5433,10.0.0.2:5433"},
		user: map[string]string{"username": "u", "password": "p"},
		tls:  map[string]string{"tls": "True", "tls-ca": "PEM"},
		want: postgresql.Connection{Database: "d", Host: "10.0.0.1", Port: 5433, User: "u", Password: "p", TLS: true, TLSCA: "PEM"},
	}, {
		name: "legacy plain fields",
		app:  map[string]string{"endpoints": "10.0.0.1", "username": "u", "password": "p", "tls": "true"},
		want: postgresql.Connection{Database: "d", Host: "10.0.0.1", Port: 5432, User: "u", Password: "p", TLS: true},
	}, {
		name:    "only the request echoed back",
		app:     map[string]string{"database": "d"},
		wantErr: "database not ready",
	}, {
		name:    "a user without a password",
		app:     map[string]string{"endpoints": "10.0.0.1:5432", "username": "u"},
		wantErr: "database not ready",
	}, {
		name:    "a password without a user",
		app:     map[string]string{"endpoints": "10.0.0.1:5432", "password": "p"},
		wantErr: "database not ready",
	}, {
		name:    "credentials without endpoints",
		app:     map[string]string{"username": "u", "password": "p"},
		wantErr: "database not ready",
	}, {
		name:    "endpoints without credentials",
		app:     map[string]string{"endpoints": "10.0.0.1:5432"},
		wantErr: "database not ready",
	}, {
		name:    "bad port",
		app:     map[string]string{"endpoints": "h:99999", "username": "u", "password": "p"},
		wantErr: `invalid endpoints "h:99999": the port must be 1-65535`,
	}, {
		name:    "unclosed IPv6 bracket",
		app:     map[string]string{"endpoints": "[::1", "username": "u", "password": "p"},
		wantErr: `invalid endpoints "[::1": not host:port`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := postgresql.Parse("d", tt.app, tt.user, tt.tls)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 10_000)
	tests := []struct {
		in      string
		host    string
		port    int
		wantErr string
	}{
		{in: "pg-primary.dev.svc.cluster.local:5432", host: "pg-primary.dev.svc.cluster.local", port: 5432},
		{in: "10.1.0.2:5433, 10.1.0.3:5433", host: "10.1.0.2", port: 5433},
		{in: "postgresql-k8s", host: "postgresql-k8s", port: 5432},
		{in: "[::1]:6432", host: "::1", port: 6432},
		{in: "[fd00::5]", host: "fd00::5", port: 5432},
		{in: "[::1", wantErr: "not host:port"},
		{in: "::1", wantErr: "an IPv6 address needs brackets"},
		{in: "host:99999", wantErr: "the port must be 1-65535"},
		{in: "host:0", wantErr: "the port must be 1-65535"},
		{in: "host:", wantErr: "the port must be 1-65535"},
		{in: ":5432", wantErr: "the host must be 1-253 characters"},
		{in: "a b:5432", wantErr: "neither an IP address nor a DNS name"},
		{in: "pg/../x:5432", wantErr: "neither an IP address nor a DNS name"},
		{in: long, wantErr: "the host must be 1-253 characters"},
		{in: "", wantErr: "the host must be 1-253 characters"},
		// Bounds are inclusive.
		{in: "h:1", host: "h", port: 1},
		{in: "h:65535", host: "h", port: 65535},
		{in: strings.Repeat("a.", 126) + "b", host: strings.Repeat("a.", 126) + "b", port: 5432},
		{in: strings.Repeat("a.", 126) + "bc", wantErr: "the host must be 1-253 characters"},
	}
	for _, tt := range tests {
		t.Run(config.Truncate(tt.in), func(t *testing.T) {
			t.Parallel()
			host, port, err := postgresql.ParseEndpoint(tt.in)
			if tt.wantErr != "" {
				var dataErr *postgresql.DataError
				require.ErrorAs(t, err, &dataErr)
				require.Equal(t, "endpoints", dataErr.Key)
				require.Contains(t, err.Error(), tt.wantErr)
				require.Less(t, len(err.Error()), 200, "the message quotes a truncated value")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.host, host)
			require.Equal(t, tt.port, port)
		})
	}
}

func TestRequest(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]string{
		"database":          "temporal-k8s_db",
		"extra-user-roles":  "admin",
		"requested-secrets": `["username","password","tls","tls-ca","uris"]`,
	}, postgresql.Request("temporal-k8s_db", "admin"))
}

// Read takes the provider's application data (not a unit's), reads the
// secrets it names with --refresh, and reports a failed read.
func TestRead(t *testing.T) {
	t.Parallel()
	const user = "secret:d0ufq1ivn8stmtsv1ku0"
	m := jujutest.New(jujutest.State{
		Unit: "temporal-k8s/0",
		Relations: []*jujutest.Relation{{
			ID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnits: []string{"postgresql-k8s/0"},
			RemoteAppData:  map[string]string{"endpoints": "pg:5432", "secret-user": user},
			RemoteUnitData: map[string]map[string]string{"postgresql-k8s/0": {"endpoints": "unit:1"}},
		}},
		Secrets: []*jujutest.Secret{{URI: user, Granted: true, Revisions: []map[string]string{{"username": "u", "password": "p1"}, {"username": "u", "password": "p2"}}}},
	})
	c := juju.NewClient(m)
	got, err := postgresql.Read(context.Background(), c, "db:3", "postgresql-k8s", "d")
	require.NoError(t, err)
	require.Equal(t, postgresql.Connection{Database: "d", Host: "pg", Port: 5432, User: "u", Password: "p2"}, got, "the latest revision")

	_, err = postgresql.Read(context.Background(), c, "db:9", "postgresql-k8s", "d")
	require.ErrorContains(t, err, "cannot read db:9 data of postgresql-k8s")
}
