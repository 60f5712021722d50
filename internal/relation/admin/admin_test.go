package admin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/admin"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
)

func TestConnections(t *testing.T) {
	t.Parallel()
	db := &postgresql.Connection{Database: "temporal-k8s_db", Host: "10.0.0.1", Port: 5432, User: "relation_id_3", Password: "pw", TLS: true}
	got := admin.Connections(db, nil)
	var parsed map[string]any
	require.NoError(t, json.Unmarshal([]byte(got), &parsed))
	require.Equal(t, map[string]any{
		"db": map[string]any{
			"dbname": "temporal-k8s_db", "host": "10.0.0.1", "port": "5432",
			"user": "relation_id_3", "password": "pw", "tls": true,
		},
		"visibility": nil,
	}, parsed)
}

func TestSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		app    map[string]string
		server string
		want   admin.SchemaState
	}{
		{"nothing yet", map[string]string{}, "1.31.2", admin.SchemaState{Reason: "schema is not published yet"}},
		{"migrating", map[string]string{"schema_status": "migrating"}, "1.31.2", admin.SchemaState{Reason: "schema is migrating"}},
		{"1.23 protocol", map[string]string{"schema_status": "ready"}, "1.31.2", admin.SchemaState{Ready: true}},
		{"1.27+ protocol, same minor", map[string]string{"schema_status": "ready", "migrated_workload_version": "1.31.0"}, "1.31.2", admin.SchemaState{Ready: true}},
		{"1.24 protocol", map[string]string{"schema_status": "ready", "schema_version": "1.31.2"}, "1.31.2", admin.SchemaState{Ready: true}},
		{"1.24 protocol, another minor", map[string]string{"schema_status": "ready", "schema_version": "1.30.1"}, "1.31.2",
			admin.SchemaState{Mismatch: true, Reason: "schema migrated for 1.30.1, server is 1.31.2"}},
		{"migrated version wins over schema_version", map[string]string{"schema_status": "ready", "schema_version": "1.31.2", "migrated_workload_version": "1.30.6"}, "1.31.2",
			admin.SchemaState{Mismatch: true, Reason: "schema migrated for 1.30.6, server is 1.31.2"}},
		{"admin behind the server", map[string]string{"schema_status": "ready", "migrated_workload_version": "1.23.1"}, "1.31.2",
			admin.SchemaState{Mismatch: true, Reason: "schema migrated for 1.23.1, server is 1.31.2"}},
		{"migrating from an older version", map[string]string{"schema_status": "migrating", "migrated_workload_version": "1.30.6"}, "1.31.2",
			admin.SchemaState{Mismatch: true, Reason: "schema migrated for 1.30.6, server is 1.31.2"}},
		{"garbage status", map[string]string{"schema_status": "éé\x00bogus"}, "1.31.2", admin.SchemaState{Reason: "schema is éé\x00bogus"}},
		{"garbage version is no mismatch", map[string]string{"schema_status": "ready", "migrated_workload_version": "latest"}, "1.31.2",
			admin.SchemaState{Reason: `cannot parse the schema version "latest"`}},
		{"long status is truncated", map[string]string{"schema_status": strings.Repeat("x", 10_000)}, "1.31.2",
			admin.SchemaState{Reason: "schema is " + strings.Repeat("x", 64) + "… (10000 bytes)"}},
		{"server version unknown", map[string]string{"schema_status": "ready", "migrated_workload_version": "1.31.2"}, "",
			admin.SchemaState{Reason: "server version unknown"}},
		{"failed", map[string]string{"schema_status": "failed", "migrated_workload_version": "1.31.2"}, "1.31.2", admin.SchemaState{Reason: "schema is failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, admin.Schema(tt.app, tt.server))
		})
	}
}

func TestMajorMinor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1.31.2": "1.31", "v1.31": "1.31", " 1.31.2-rc1 ": "1.31", "1": "1", "": ""} {
		require.Equal(t, want, admin.MajorMinor(in), in)
	}
}
