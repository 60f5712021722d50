package juju_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

func TestParseEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    juju.Event
		wantErr string
	}{{
		name: "config-changed",
		env:  map[string]string{"JUJU_DISPATCH_PATH": "hooks/config-changed", "JUJU_UNIT_NAME": "temporal-k8s/0"},
		want: juju.Event{Kind: juju.ConfigChanged, Name: "config-changed", Unit: "temporal-k8s/0", App: "temporal-k8s"},
	}, {
		name: "relation-changed with a remote unit",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/db-relation-changed", "JUJU_UNIT_NAME": "t/1",
			"JUJU_RELATION": "db", "JUJU_RELATION_ID": "db:7", "JUJU_REMOTE_APP": "pg", "JUJU_REMOTE_UNIT": "pg/0",
		},
		want: juju.Event{
			Kind: juju.RelationChanged, Name: "db-relation-changed", Unit: "t/1", App: "t",
			Relation: "db", RelationID: "db:7", RemoteApp: "pg", RemoteUnit: "pg/0",
		},
	}, {
		name: "endpoint names containing hook words",
		env:  map[string]string{"JUJU_DISPATCH_PATH": "hooks/peer-relation-departed", "JUJU_DEPARTING_UNIT": "t/1"},
		want: juju.Event{Kind: juju.RelationDeparted, Name: "peer-relation-departed", DepartingUnit: "t/1"},
	}, {
		name: "pebble check failed",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/temporal-pebble-check-failed", "JUJU_WORKLOAD_NAME": "temporal",
			"JUJU_PEBBLE_CHECK_NAME": "temporal-server-running",
		},
		want: juju.Event{Kind: juju.PebbleCheckFailed, Name: "temporal-pebble-check-failed", Workload: "temporal", CheckName: "temporal-server-running"},
	}, {
		name: "secret-changed",
		env:  map[string]string{"JUJU_DISPATCH_PATH": "hooks/secret-changed", "JUJU_SECRET_ID": "secret://m/abc"},
		want: juju.Event{Kind: juju.SecretChanged, Name: "secret-changed", SecretID: "secret://m/abc"},
	}, {
		name: "action",
		env:  map[string]string{"JUJU_DISPATCH_PATH": "actions/restart", "JUJU_ACTION_NAME": "restart"},
		want: juju.Event{Kind: juju.Action, Name: "restart"},
	}, {
		name:    "outside juju",
		env:     map[string]string{},
		wantErr: "JUJU_DISPATCH_PATH is not set.*",
	}, {
		name:    "garbage path",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "bin/x"},
		wantErr: `cannot parse JUJU_DISPATCH_PATH "bin/x".*`,
	}, {
		name:    "no hook name",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "hooks/"},
		wantErr: `^cannot parse JUJU_DISPATCH_PATH "hooks/"$`,
	}, {
		name:    "no slash",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "hooks"},
		wantErr: `^cannot parse JUJU_DISPATCH_PATH "hooks"$`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := juju.ParseEvent(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				require.Error(t, err)
				require.Regexp(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
