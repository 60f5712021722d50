package juju_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
)

func newModel(leader bool) *jujutest.Model {
	return jujutest.New(jujutest.State{
		Unit:   "temporal-k8s/0",
		Leader: leader,
		Config: map[string]any{"services": "frontend", "num-history-shards": 512},
		Relations: []*jujutest.Relation{{
			ID: "db:3", RemoteApp: "postgresql-k8s", RemoteUnits: []string{"postgresql-k8s/0"},
			RemoteAppData: map[string]string{"endpoints": "10.0.0.9:5432", "secret-user": "secret:d0ufq1ivn8stmtsv1ku0"},
		}},
		Secrets: []*jujutest.Secret{
			{URI: "secret:d0ufq1ivn8stmtsv1ku0", Granted: true, Revisions: []map[string]string{{"password": "a"}, {"password": "b"}}},
			{URI: "secret:d0ufq1ivn8stmtsv1ko0", Revisions: []map[string]string{{"x": "y"}}},
		},
		BindAddress: map[string]string{"peer": "10.1.0.5"},
	})
}

func TestClientReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(false)
	c := juju.NewClient(m)

	cfg, err := c.ConfigGet(ctx)
	require.NoError(t, err)
	require.Equal(t, json.Number("512"), cfg["num-history-shards"])

	ids, err := c.RelationIDs(ctx, "db")
	require.NoError(t, err)
	require.Equal(t, []string{"db:3"}, ids)

	app, err := c.RelationApp(ctx, "db:3")
	require.NoError(t, err)
	require.Equal(t, "postgresql-k8s", app)

	data, err := c.RelationGet(ctx, "db:3", "postgresql-k8s", true)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.9:5432", data["endpoints"])

	addr, err := c.BindAddress(ctx, "peer")
	require.NoError(t, err)
	require.Equal(t, "10.1.0.5", addr)
}

func TestClientSecretRevisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(false)
	c := juju.NewClient(m)
	m.Update(func(s *jujutest.State) { s.Secrets[0].Tracked = 1 })

	got, err := c.SecretGet(ctx, "secret:d0ufq1ivn8stmtsv1ku0", false)
	require.NoError(t, err)
	require.Equal(t, "a", got["password"], "without --refresh the tracked revision is returned")

	got, err = c.SecretGet(ctx, "secret:d0ufq1ivn8stmtsv1ku0", true)
	require.NoError(t, err)
	require.Equal(t, "b", got["password"])

	_, err = c.SecretGet(ctx, "secret:d0ufq1ivn8stmtsv1ko0", true)
	require.ErrorIs(t, err, juju.ErrPermissionDenied)
	_, err = c.SecretGet(ctx, "secret:d0ufq1ivn8stmtsv1km0", true)
	require.ErrorIs(t, err, juju.ErrNotFound)
}

func TestClientSecretByLabel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(true)
	c := juju.NewClient(m)
	_, err := c.SecretGetByLabel(ctx, "ca")
	require.ErrorIs(t, err, juju.ErrNotFound)
	_, err = c.SecretAdd(ctx, map[string]string{"ca-certificate": "C"}, juju.SecretOptions{Label: "ca"})
	require.NoError(t, err)
	got, err := c.SecretGetByLabel(ctx, "ca")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ca-certificate": "C"}, got, "the owner reads its own pending secret")
	require.NoError(t, m.Commit())
	got, err = c.SecretGetByLabel(ctx, "ca")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ca-certificate": "C"}, got)
}

// secret-remove is staged with the hook; only the manager may remove.
func TestClientSecretRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(false)
	c := juju.NewClient(m)
	uri, err := c.SecretAdd(ctx, map[string]string{"certificate": "C"}, juju.SecretOptions{Label: "cert", Owner: "unit", Expire: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, m.Commit())
	require.NoError(t, c.SecretRemove(ctx, uri))
	_, err = c.SecretGetByLabel(ctx, "cert")
	require.NoError(t, err, "removed only when the hook commits")
	require.NoError(t, m.Commit())
	_, err = c.SecretGetByLabel(ctx, "cert")
	require.ErrorIs(t, err, juju.ErrNotFound)
	require.ErrorIs(t, c.SecretRemove(ctx, uri), juju.ErrNotFound)
}

func TestClientRelationSetUsesStdin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		leader  bool
		app     bool
		wantErr error
	}{
		{name: "unit databag", leader: false, app: false},
		{name: "leader app databag", leader: true, app: true},
		{name: "non-leader app databag", leader: false, app: true, wantErr: juju.ErrPermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newModel(tt.leader)
			c := juju.NewClient(m)
			err := c.RelationSet(ctx, "db:3", tt.app, map[string]string{"password": "s3cret"})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			calls := m.Calls()
			require.Len(t, calls, 1)
			require.NotContains(t, calls[0].Args, "password=s3cret")
			require.Contains(t, calls[0].Stdin, "s3cret")

			// Staged writes are visible in the hook and vanish on rollback.
			target := "temporal-k8s/0"
			if tt.app {
				target = "temporal-k8s"
			}
			data, err := c.RelationGet(ctx, "db:3", target, tt.app)
			require.NoError(t, err)
			require.Equal(t, "s3cret", data["password"])
			m.Rollback()
			data, err = c.RelationGet(ctx, "db:3", target, tt.app)
			require.NoError(t, err)
			require.Empty(t, data)
		})
	}
}

func TestClientUnitState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(false)
	m.Update(func(s *jujutest.State) { s.UnitState = map[string]string{"kept": "old"} })
	c := juju.NewClient(m)

	v, ok, err := c.StateGet(ctx, "kept")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "old", v)
	v, ok, err = c.StateGet(ctx, "missing")
	require.NoError(t, err)
	require.False(t, ok)
	require.Empty(t, v)
	m.Calls()

	require.NoError(t, c.StateSet(ctx, map[string]string{"k": `{"password":"s3cret"}`}))
	calls := m.Calls()
	require.Len(t, calls, 1)
	require.Equal(t, "state-set", calls[0].Name)
	require.Equal(t, []string{"--file", "-"}, calls[0].Args)
	require.Contains(t, calls[0].Stdin, "s3cret")

	// Staged writes are visible in the hook, vanish on rollback and
	// persist on commit.
	v, ok, err = c.StateGet(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, `{"password":"s3cret"}`, v)
	require.Equal(t, map[string]string{"kept": "old"}, m.State().UnitState)
	m.Rollback()
	_, ok, err = c.StateGet(ctx, "k")
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, c.StateSet(ctx, map[string]string{"k": "v"}))
	m.Commit()
	require.Equal(t, map[string]string{"kept": "old", "k": "v"}, m.State().UnitState)
	v, ok, err = c.StateGet(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", v)
}

// outputRunner answers every tool with the same output.
type outputRunner string

func (o outputRunner) Run(context.Context, []byte, string, ...string) ([]byte, error) {
	return []byte(o), nil
}

func TestClientStateGetOutputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out     string
		want    string
		wantOK  bool
		wantErr bool
	}{
		{out: ""},
		{out: "\n"},
		{out: "null\n"},
		{out: `""` + "\n"},
		{out: `"v"` + "\n", want: "v", wantOK: true},
		{out: `{"k":"v"}`, wantErr: true},
	}
	for _, tt := range tests {
		v, ok, err := juju.NewClient(outputRunner(tt.out)).StateGet(context.Background(), "k")
		if tt.wantErr {
			require.Error(t, err, "%q", tt.out)
			require.Contains(t, err.Error(), "state-get")
			continue
		}
		require.NoError(t, err, "%q", tt.out)
		require.Equal(t, tt.want, v, "%q", tt.out)
		require.Equal(t, tt.wantOK, ok, "%q", tt.out)
	}
}

func TestClientPortsAndStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModel(false)
	c := juju.NewClient(m)
	require.NoError(t, c.OpenPort(ctx, juju.Port{Number: 7233, Protocol: "tcp"}))
	ports, err := c.OpenedPorts(ctx)
	require.NoError(t, err)
	require.Equal(t, []juju.Port{{Number: 7233, Protocol: "tcp"}}, ports)

	require.NoError(t, c.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: "-x starts with a dash"}, false))
	require.Equal(t, "-x starts with a dash", m.State().UnitStatus.Message)
	err = c.StatusSet(ctx, juju.Status{Name: juju.StatusActive}, true)
	var toolErr *juju.ToolError
	require.True(t, errors.As(err, &toolErr))
	require.Equal(t, 1, toolErr.Code)
	require.ErrorIs(t, err, juju.ErrNotLeader)
}

type garbageRunner struct{}

func (garbageRunner) Run(context.Context, []byte, string, ...string) ([]byte, error) {
	return []byte(`{"password": "hunter2"`), nil
}

func TestDecodeErrorsKeepOutputOutOfTheMessage(t *testing.T) {
	t.Parallel()
	_, err := juju.NewClient(garbageRunner{}).SecretGet(context.Background(), "secret:d0ufq1ivn8stmtsv1kv0", true)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
	require.Contains(t, err.Error(), "secret-get")
}
