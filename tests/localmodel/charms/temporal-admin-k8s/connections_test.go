package temporaladmin

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseConnections(t *testing.T) {
	db := Connection{DBName: "temporal-k8s_db", Host: "10.1.0.5", Port: "5432", User: "relation_id_3", Password: "pw"}
	vis := Connection{DBName: "temporal-k8s_visibility", Host: "10.1.0.5", Port: "5432", User: "relation_id_4", Password: "pw2"}
	tests := []struct {
		name    string
		in      string
		want    Connections
		wantErr string
	}{{
		name: "as the server publishes it",
		in: `{"db": {"dbname": "temporal-k8s_db", "host": "10.1.0.5", "port": "5432", "user": "relation_id_3", "password": "pw", "tls": false},
		      "visibility": {"dbname": "temporal-k8s_visibility", "host": "10.1.0.5", "port": "5432", "user": "relation_id_4", "password": "pw2", "tls": false}}`,
		want: Connections{DB: db, Visibility: vis},
	}, {
		name: "numeric port, string tls",
		in: `{"db": {"dbname": "temporal-k8s_db", "host": "10.1.0.5", "port": 5432, "user": "relation_id_3", "password": "pw", "tls": "True"},
		      "visibility": {"dbname": "temporal-k8s_visibility", "host": "10.1.0.5", "port": "5432", "user": "relation_id_4", "password": "pw2"}}`,
		want: Connections{DB: func() Connection { c := db; c.TLS = true; return c }(), Visibility: vis},
	}, {
		name:    "empty",
		in:      "",
		wantErr: "empty",
	}, {
		name:    "not JSON",
		in:      "{",
		wantErr: "cannot parse database_connections",
	}, {
		name:    "no visibility",
		in:      `{"db": {"dbname": "d", "host": "h", "port": "1", "user": "u", "password": "p"}}`,
		wantErr: `no "visibility" entry`,
	}, {
		name: "bad port",
		in: `{"db": {"dbname": "d", "host": "h", "port": "x", "user": "u", "password": "p"},
		      "visibility": {"dbname": "d", "host": "h", "port": "1", "user": "u", "password": "p"}}`,
		wantErr: `invalid port "x"`,
	}, {
		name: "missing fields",
		in: `{"db": {"dbname": "d", "host": "h", "port": "1", "user": "u", "password": "p"},
		      "visibility": {"port": "1"}}`,
		wantErr: "missing dbname, host, user, password",
	}, {
		name: "bad tls",
		in: `{"db": {"dbname": "d", "host": "h", "port": "1", "user": "u", "password": "p", "tls": "maybe"},
		      "visibility": {"dbname": "d", "host": "h", "port": "1", "user": "u", "password": "p"}}`,
		wantErr: `invalid tls "maybe"`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConnections(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
