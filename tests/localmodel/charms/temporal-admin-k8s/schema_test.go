package temporaladmin

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/workload"
)

func TestSchemaCommands(t *testing.T) {
	conn := Connection{DBName: "temporal-k8s_visibility", Host: "10.1.0.5", Port: "5432", User: "relation_id_4", Password: "s3cret"}
	current, err := ParseSettings(map[string]any{})
	require.NoError(t, err)
	cmds := SchemaCommands(KindVisibility, conn, current)
	require.Len(t, cmds, 2)
	base := "/usr/bin/temporal-sql-tool --plugin postgres12 --ep 10.1.0.5 -p 5432 -u relation_id_4 --db temporal-k8s_visibility"
	require.Equal(t, base+" setup-schema -v 0.0", strings.Join(cmds[0].Args, " "))
	require.Equal(t, base+" update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned", strings.Join(cmds[1].Args, " "))
	for _, cmd := range cmds {
		require.Equal(t, map[string]string{"SQL_PASSWORD": "s3cret"}, cmd.Env)
		require.NotContains(t, strings.Join(cmd.Args, " "), "s3cret")
	}

	conn.TLS = true
	cmds = SchemaCommands(KindDB, conn, current)
	require.Contains(t, strings.Join(cmds[0].Args, " "), "--tls --tls-disable-host-verification setup-schema")
	require.Equal(t, "/etc/temporal/schema/postgresql/v12/temporal/versioned", cmds[1].Args[len(cmds[1].Args)-1])

	// Track 1.23 runs the plugin name its code has; its image stops at
	// 1.23's schema versions.
	old, err := ParseSettings(map[string]any{"track": "1.23", "schema-release": "1.23"})
	require.NoError(t, err)
	cmds = SchemaCommands(KindDB, conn, old)
	require.Equal(t, []string{SQLTool, "--plugin", "postgres"}, cmds[0].Args[:3])
	require.Equal(t, []string{"update-schema", "-d", "/etc/temporal/schema/postgresql/v12/temporal/versioned", "-v", "1.11"}, cmds[1].Args[len(cmds[1].Args)-5:])
	cmds = SchemaCommands(KindVisibility, conn, old)
	require.Equal(t, []string{"-v", "1.4"}, cmds[1].Args[len(cmds[1].Args)-2:])
	fixed, err := ParseSettings(map[string]any{"track": "1.23", "sql-plugin": "postgres12"})
	require.NoError(t, err)
	require.Equal(t, "postgres12", SchemaCommands(KindDB, conn, fixed)[0].Args[2])
}

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(map[string]any{"server-name": "srv"})
	require.NoError(t, err)
	require.Equal(t, Settings{Track: TrackCurrent, Plugin: "postgres12", ServerName: "srv"}, s)
	_, err = ParseSettings(map[string]any{"track": "1.22"})
	require.EqualError(t, err, `invalid track "1.22": want "current" or "1.23"`)
	_, err = ParseSettings(map[string]any{"schema-release": "1.20"})
	require.EqualError(t, err, `invalid schema-release "1.20": want "" or "1.23"`)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Failure
	}{
		{"refused", &workload.ExecError{Args: []string{"x"}, ExitCode: 1, Stderr: `Unable to connect to SQL database. dial tcp 10.0.0.1:5432: connect: connection refused`}, FailureUnreachable},
		{"starting", &workload.ExecError{Args: []string{"x"}, ExitCode: 1, Stdout: `pq: the database system is starting up`}, FailureUnreachable},
		{"permission", &workload.ExecError{Args: []string{"x"}, ExitCode: 1, Stderr: `pq: permission denied for table executions`}, FailurePermission},
		{"owner", &workload.ExecError{Args: []string{"x"}, ExitCode: 1, Stderr: `pq: must be owner of table executions`}, FailurePermission},
		{"other", &workload.ExecError{Args: []string{"x"}, ExitCode: 1, Stderr: `syntax error`}, FailureOther},
		{"not exec", errors.New("cannot run x: socket gone"), FailureOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Classify(tt.err))
		})
	}
}

func TestParseServerVersion(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "temporal version 1.31.2\n", want: "1.31.2"},
		{in: "v1.31.2", want: "1.31.2"},
		{in: "", wantErr: "empty output"},
		{in: "temporal version unknown", wantErr: "cannot parse server version"},
	}
	for _, tt := range tests {
		got, err := ParseServerVersion(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr, tt.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestPublication(t *testing.T) {
	conns := Connections{
		DB:         Connection{DBName: "a_db", Host: "h", Port: "5432"},
		Visibility: Connection{DBName: "a_vis", Host: "h", Port: "5432"},
	}
	db, vis := TargetOf(KindDB, conns.DB), TargetOf(KindVisibility, conns.Visibility)
	tests := []struct {
		name    string
		outcome map[Target]result
		want    map[string]string
	}{
		{"both ready", map[Target]result{db: resultOK, vis: resultOK}, map[string]string{KeySchemaStatus: "ready", KeyMigratedVersion: "1.31.2"}},
		{"one unreachable", map[Target]result{db: resultOK, vis: resultUnreachable}, nil},
		// Neither real track publishes schema_status failed.
		{"one failed", map[Target]result{db: resultFailed, vis: resultOK}, map[string]string{}},
		{"no user could", map[Target]result{db: resultOK, vis: resultPermission}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, publication(conns, tt.outcome, "1.31.2", TrackCurrent))
		})
	}
	require.Equal(t, map[string]string{KeySchemaStatus: "ready"}, publication(conns, map[Target]result{db: resultOK, vis: resultOK}, "1.31.2", Track123),
		"track 1.23 publishes no version")
}

func TestSummarize(t *testing.T) {
	a := Target{Kind: KindDB, Host: "h", Port: "5432", DBName: "a"}
	b := Target{Kind: KindVisibility, Host: "h", Port: "5432", DBName: "b"}
	tests := []struct {
		name    string
		outcome map[Target]result
		status  juju.StatusName
		msg     string
	}{
		{"nothing to do", nil, juju.StatusBlocked, MsgNoConnections},
		{"all ok", map[Target]result{a: resultOK, b: resultOK}, juju.StatusActive, ""},
		{"waiting", map[Target]result{a: resultOK, b: resultUnreachable}, juju.StatusWaiting, MsgUnreachable},
		{"failed wins", map[Target]result{a: resultFailed, b: resultUnreachable}, juju.StatusBlocked, "schema migration failed for: db (h:5432/a); check the charm logs and then run the setup-schema action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := summarize(tt.outcome)
			require.Equal(t, tt.status, status)
			require.Equal(t, tt.msg, msg)
		})
	}
}
