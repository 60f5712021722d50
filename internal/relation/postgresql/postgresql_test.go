package postgresql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

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
		app:  map[string]string{"endpoints": "pg-primary.m.svc.cluster.local:5432", "secret-user": "secret://x"},
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
		name:    "endpoints without credentials",
		app:     map[string]string{"endpoints": "10.0.0.1:5432"},
		wantErr: "database not ready",
	}, {
		name:    "bad port",
		app:     map[string]string{"endpoints": "h:99999", "username": "u", "password": "p"},
		wantErr: `cannot parse endpoints "h:99999"`,
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

func TestRequest(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]string{
		"database":          "temporal-k8s_db",
		"extra-user-roles":  "admin",
		"requested-secrets": `["username","password","tls","tls-ca","uris"]`,
	}, postgresql.Request("temporal-k8s_db", "admin"))
}
