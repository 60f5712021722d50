package walkthrough

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

const statusJSON = `{"applications":{
 "temporal-k8s":{"scale":2,"version":"","application-status":{"current":"active","message":""},"units":{
   "temporal-k8s/10":{"workload-status":{"current":"active","message":""},"juju-status":{"current":"idle"},"address":"10.1.0.12"},
   "temporal-k8s/2":{"workload-status":{"current":"active","message":""},"juju-status":{"current":"idle"},"address":"10.1.0.11","leader":true}}},
 "postgresql-k8s":{"scale":1,"version":"15.14","application-status":{"current":"active","message":"Primary"},"units":{
   "postgresql-k8s/0":{"workload-status":{"current":"active","message":"Primary"},"juju-status":{"current":"executing","message":"running action tctl"},"address":"10.1.0.2","leader":true}}},
 "temporal-k8s-history":{"scale":1,"application-status":{"current":"active","message":""},"units":{
   "temporal-k8s-history/0":{"workload-status":{"current":"active","message":""},"juju-status":{"current":"executing","message":"running update-status hook"},"address":"10.1.0.4","leader":true}}},
 "temporal-admin-k8s":{"scale":1,"application-status":{"current":"blocked","message":"x"},"units":{
   "temporal-admin-k8s/0":{"workload-status":{"current":"blocked","message":"admin:temporal relation: database connections info not available"},"juju-status":{"current":"error","message":"hook failed: \"admin-relation-changed\""},"address":"10.1.0.3","leader":true}}}
}}`

func TestStatusSettled(t *testing.T) {
	s, err := ParseStatus([]byte(statusJSON))
	require.NoError(t, err)
	tests := []struct {
		name    string
		scales  map[string]int
		wantErr string
	}{
		// A unit answering an action (the walkthrough's own probes) has
		// settled; one running a hook has not.
		{"settled", map[string]int{"temporal-k8s": 2, "postgresql-k8s": 1}, ""},
		{"running a hook", map[string]int{"temporal-k8s-history": 1}, "temporal-k8s-history/0 is active/executing: "},
		{"scale", map[string]int{"temporal-k8s": 1}, "temporal-k8s has 2 units, want 1"},
		{"missing", map[string]int{"temporal-k8s-worker": 1}, "temporal-k8s-worker is not deployed"},
		{"blocked", map[string]int{"temporal-admin-k8s": 1}, "temporal-admin-k8s/0 is blocked/error: admin:temporal relation: database connections info not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Settled(tt.scales)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestStatusSettledAs(t *testing.T) {
	s, err := ParseStatus([]byte(statusJSON))
	require.NoError(t, err)
	require.EqualError(t, s.SettledAs(map[string]int{"temporal-k8s": 2}, "blocked"), "temporal-k8s/2 is active/idle: ")
	require.EqualError(t, s.SettledAs(map[string]int{"temporal-admin-k8s": 1}, "blocked"),
		"temporal-admin-k8s/0 is blocked/error: admin:temporal relation: database connections info not available")
	require.NoError(t, s.SettledAs(map[string]int{"temporal-k8s": 2}, "active"))
}

func TestStatusAddressesInOrdinalOrder(t *testing.T) {
	s, err := ParseStatus([]byte(statusJSON))
	require.NoError(t, err)
	require.Equal(t, []string{"10.1.0.11", "10.1.0.12"}, s.Addresses("temporal-k8s"))
	require.Nil(t, s.Addresses("nope"))
}

func TestStatusErrors(t *testing.T) {
	s, err := ParseStatus([]byte(statusJSON))
	require.NoError(t, err)
	require.Equal(t, []string{`temporal-admin-k8s/0: hook failed: "admin-relation-changed"`}, s.Errors())
}

func TestStatusPrint(t *testing.T) {
	s, err := ParseStatus([]byte(statusJSON))
	require.NoError(t, err)
	var buf bytes.Buffer
	s.Print(&buf)
	out := buf.String()
	require.Contains(t, out, "postgresql-k8s/0*")
	require.Contains(t, out, "Primary")
	require.Regexp(t, `temporal-k8s/2\*\s+active\s+idle\s+10\.1\.0\.11`, out)
}

func TestParseStatusEmpty(t *testing.T) {
	s, err := ParseStatus([]byte(`{}`))
	require.NoError(t, err)
	require.NotNil(t, s.Applications)
	_, err = ParseStatus([]byte(`nope`))
	require.ErrorContains(t, err, "cannot parse status")
}

func TestShellJoin(t *testing.T) {
	require.Equal(t, `run temporal-admin-k8s/0 tctl args="adm cl d"`, shellJoin([]string{"run", "temporal-admin-k8s/0", "tctl", "args=adm cl d"}))
	require.Equal(t, `deploy temporal-k8s --config services=frontend`, shellJoin([]string{"deploy", "temporal-k8s", "--config", "services=frontend"}))
	require.Equal(t, `a "" "b c"`, shellJoin([]string{"a", "", "b c"}))
}
