package juju_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
)

// recorder answers one call with out (or err) and records exactly what the
// client ran: the tool, its argv, its stdin, and the content and mode of a
// --file it was given while the call ran.
type recorder struct {
	out   string
	err   error
	name  string
	args  []string
	stdin string
	file  string
	mode  os.FileMode
	path  string
}

func (r *recorder) Run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	r.name, r.args, r.stdin = name, args, string(stdin)
	for i, a := range args {
		if a == "--file" && i+1 < len(args) && args[i+1] != "-" {
			r.path = args[i+1]
			data, err := os.ReadFile(r.path)
			if err != nil {
				return nil, err
			}
			fi, err := os.Stat(r.path)
			if err != nil {
				return nil, err
			}
			r.file, r.mode = string(data), fi.Mode().Perm()
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return []byte(r.out), nil
}

// Every client call: the exact command line and stdin it runs, what it
// makes of the tool's output, and that a tool's failure reaches the caller.
func TestClientCommandLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		call  func(c *juju.Client) (any, error)
		out   string
		argv  string
		stdin string
		file  string
		want  any
	}{
		{"config-get", func(c *juju.Client) (any, error) { return c.ConfigGet(ctx()) }, `{"n":4}`,
			"config-get --format=json", "", "", map[string]any{"n": json.Number("4")}},
		{"config-get null", func(c *juju.Client) (any, error) { return c.ConfigGet(ctx()) }, `null`,
			"config-get --format=json", "", "", map[string]any{}},
		{"is-leader", func(c *juju.Client) (any, error) { return c.IsLeader(ctx()) }, `true`,
			"is-leader --format=json", "", "", true},
		{"relation-ids", func(c *juju.Client) (any, error) { return c.RelationIDs(ctx(), "db") }, `["db:1"]`,
			"relation-ids db --format=json", "", "", []string{"db:1"}},
		{"relation-list", func(c *juju.Client) (any, error) { return c.RelationList(ctx(), "db:1") }, `["pg/0"]`,
			"relation-list -r db:1 --format=json", "", "", []string{"pg/0"}},
		{"relation-list --app", func(c *juju.Client) (any, error) { return c.RelationApp(ctx(), "db:1") }, `"pg"`,
			"relation-list -r db:1 --app --format=json", "", "", "pg"},
		{"relation-get app", func(c *juju.Client) (any, error) { return c.RelationGet(ctx(), "db:1", "pg", true) }, `{"k":"v"}`,
			"relation-get -r db:1 --app - pg --format=json", "", "", map[string]string{"k": "v"}},
		{"relation-get unit", func(c *juju.Client) (any, error) { return c.RelationGet(ctx(), "db:1", "pg/0", false) }, `null`,
			"relation-get -r db:1 - pg/0 --format=json", "", "", map[string]string{}},
		{"relation-set app", func(c *juju.Client) (any, error) {
			return nil, c.RelationSet(ctx(), "db:1", true, map[string]string{"password": "s3cret", "gone": ""})
		}, "", "relation-set -r db:1 --app --file -", "gone: \"\"\npassword: s3cret\n", "", nil},
		{"relation-set unit", func(c *juju.Client) (any, error) {
			return nil, c.RelationSet(ctx(), "db:1", false, map[string]string{"k": "v"})
		}, "", "relation-set -r db:1 --file -", "k: v\n", "", nil},
		{"secret-get", func(c *juju.Client) (any, error) { return c.SecretGet(ctx(), "secret:x", false) }, `{"p":"v"}`,
			"secret-get secret:x --format=json", "", "", map[string]string{"p": "v"}},
		{"secret-get --refresh", func(c *juju.Client) (any, error) { return c.SecretGet(ctx(), "secret:x", true) }, `{"p":"v"}`,
			"secret-get secret:x --refresh --format=json", "", "", map[string]string{"p": "v"}},
		{"secret-get --label", func(c *juju.Client) (any, error) { return c.SecretGetByLabel(ctx(), "ca") }, `{"p":"v"}`,
			"secret-get --label ca --format=json", "", "", map[string]string{"p": "v"}},
		{"secret-add", func(c *juju.Client) (any, error) {
			return c.SecretAdd(ctx(), map[string]string{"password": "s3cret"}, juju.SecretOptions{Label: "l", Description: "d", Owner: "unit"})
		}, "secret:new\n", "secret-add --file FILE --label l --description d --owner unit", "", "password: s3cret\n", "secret:new"},
		{"secret-add --expire", func(c *juju.Client) (any, error) {
			return c.SecretAdd(ctx(), map[string]string{"k": "v"}, juju.SecretOptions{Owner: "unit", Expire: time.Date(2026, 12, 1, 13, 4, 5, 0, time.FixedZone("x", 3600))})
		}, "secret:new\n", "secret-add --file FILE --owner unit --expire 2026-12-01T12:04:05Z", "", "k: v\n", "secret:new"},
		{"secret-add bare", func(c *juju.Client) (any, error) {
			return c.SecretAdd(ctx(), map[string]string{"k": "v"}, juju.SecretOptions{})
		}, "secret:new", "secret-add --file FILE", "", "k: v\n", "secret:new"},
		{"secret-set", func(c *juju.Client) (any, error) {
			return nil, c.SecretSet(ctx(), "secret:x", map[string]string{"password": "n3w"})
		}, "", "secret-set secret:x --file FILE", "", "password: n3w\n", nil},
		{"secret-remove", func(c *juju.Client) (any, error) { return nil, c.SecretRemove(ctx(), "secret:x") }, "",
			"secret-remove secret:x", "", "", nil},
		{"secret-grant", func(c *juju.Client) (any, error) { return nil, c.SecretGrant(ctx(), "secret:x", "db:1") }, "",
			"secret-grant secret:x -r db:1", "", "", nil},
		{"state-get", func(c *juju.Client) (any, error) {
			v, ok, err := c.StateGet(ctx(), "k")
			return []any{v, ok}, err
		}, `"v"`, "state-get k --format=json", "", "", []any{"v", true}},
		{"state-set", func(c *juju.Client) (any, error) { return nil, c.StateSet(ctx(), map[string]string{"k": "v"}) }, "",
			"state-set --file -", "k: v\n", "", nil},
		{"network-get", func(c *juju.Client) (any, error) { return c.BindAddress(ctx(), "peer") }, `"10.1.0.5"`,
			"network-get peer --bind-address --format=json", "", "", "10.1.0.5"},
		{"goal-state", func(c *juju.Client) (any, error) { return c.GoalState(ctx()) },
			`{"units":{"a/0":{"status":"active"}},"relations":{"db":{"pg":{"status":"joined"}}}}`,
			"goal-state --format=json", "", "", juju.GoalState{
				Units:     map[string]juju.GoalStatus{"a/0": {Status: "active"}},
				Relations: map[string]map[string]juju.GoalStatus{"db": {"pg": {Status: "joined"}}},
			}},
		{"opened-ports", func(c *juju.Client) (any, error) { return c.OpenedPorts(ctx()) }, `["7233/tcp","7243/TCP","9090"]`,
			"opened-ports --format=json", "", "", []juju.Port{{Number: 7233, Protocol: "tcp"}, {Number: 7243, Protocol: "tcp"}, {Number: 9090, Protocol: "tcp"}}},
		{"open-port", func(c *juju.Client) (any, error) {
			return nil, c.OpenPort(ctx(), juju.Port{Number: 7233, Protocol: "tcp"})
		}, "",
			"open-port 7233/tcp", "", "", nil},
		{"close-port", func(c *juju.Client) (any, error) {
			return nil, c.ClosePort(ctx(), juju.Port{Number: 7236, Protocol: "tcp"})
		}, "",
			"close-port 7236/tcp", "", "", nil},
		{"status-set", func(c *juju.Client) (any, error) {
			return nil, c.StatusSet(ctx(), juju.Status{Name: juju.StatusBlocked, Message: "-m"}, false)
		}, "", "status-set blocked -- -m", "", "", nil},
		{"status-set --application", func(c *juju.Client) (any, error) {
			return nil, c.StatusSet(ctx(), juju.Status{Name: juju.StatusActive}, true)
		}, "", "status-set --application active -- ", "", "", nil},
		{"application-version-set", func(c *juju.Client) (any, error) { return nil, c.ApplicationVersionSet(ctx(), "1.31.2") }, "",
			"application-version-set -- 1.31.2", "", "", nil},
		{"juju-log", func(c *juju.Client) (any, error) { return nil, c.Log(ctx(), juju.LogWarning, "-x") }, "",
			"juju-log --log-level WARNING -- -x", "", "", nil},
		{"action-get", func(c *juju.Client) (any, error) { return c.ActionGet(ctx()) }, `{"force":true}`,
			"action-get --format=json", "", "", map[string]any{"force": true}},
		{"action-get null", func(c *juju.Client) (any, error) { return c.ActionGet(ctx()) }, `null`,
			"action-get --format=json", "", "", map[string]any{}},
		{"action-set", func(c *juju.Client) (any, error) {
			return nil, c.ActionSet(ctx(), map[string]string{"b": "2", "a": "1"})
		}, "", "action-set a=1 b=2", "", "", nil},
		{"action-fail", func(c *juju.Client) (any, error) { return nil, c.ActionFail(ctx(), "-no") }, "",
			"action-fail -- -no", "", "", nil},
		{"action-log", func(c *juju.Client) (any, error) { return nil, c.ActionLog(ctx(), "-step") }, "",
			"action-log -- -step", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{out: tt.out}
			got, err := tt.call(juju.NewClient(r))
			require.NoError(t, err)
			argv := strings.Join(append([]string{r.name}, r.args...), " ")
			if r.path != "" {
				argv = strings.Replace(argv, r.path, "FILE", 1)
				require.Equal(t, os.FileMode(0o600), r.mode, "secret content is private")
				_, err := os.Stat(r.path)
				require.True(t, errors.Is(err, os.ErrNotExist), "the content file is gone after the call")
			}
			require.Equal(t, tt.argv, argv)
			require.Equal(t, tt.stdin, r.stdin)
			require.Equal(t, tt.file, r.file)
			if tt.want != nil {
				require.Equal(t, tt.want, got)
			}

			// The same call when the tool fails: the error reaches the
			// caller unchanged, whatever the call does with output.
			toolErr := &juju.ToolError{Tool: r.name, Code: 1, Stderr: "ERROR boom\n"}
			_, err = tt.call(juju.NewClient(&recorder{err: toolErr}))
			require.ErrorIs(t, err, toolErr)
		})
	}
}

func ctx() context.Context { return context.Background() }

// A secret's content file needs a private directory: when none can be
// made, the secret is not written at all.
func TestSecretContentNeedsATempDir(t *testing.T) {
	t.Setenv("TMPDIR", "/nonexistent/dir")
	r := &recorder{}
	_, err := juju.NewClient(r).SecretAdd(ctx(), map[string]string{"k": "v"}, juju.SecretOptions{})
	require.ErrorContains(t, err, "cannot create secret content file")
	require.Empty(t, r.name, "no tool ran")
	require.ErrorContains(t, juju.NewClient(r).SecretSet(ctx(), "secret:x", map[string]string{"k": "v"}), "cannot create secret content file")
}

func TestOpenedPortsRefusesGarbage(t *testing.T) {
	t.Parallel()
	_, err := juju.NewClient(&recorder{out: `["7233/tcp","x/tcp"]`}).OpenedPorts(ctx())
	require.ErrorContains(t, err, `cannot parse port "x/tcp"`)
	_, err = juju.NewClient(&recorder{out: `{}`}).OpenedPorts(ctx())
	require.ErrorContains(t, err, "opened-ports")
}

func TestParsePort(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]juju.Port{
		"7233/tcp":  {Number: 7233, Protocol: "tcp"},
		"7233":      {Number: 7233, Protocol: "tcp"},
		" 53/UDP ":  {Number: 53, Protocol: "udp"},
		"1/tcp":     {Number: 1, Protocol: "tcp"},
		"65535/tcp": {Number: 65535, Protocol: "tcp"},
	} {
		got, err := juju.ParsePort(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"0/tcp", "65536/tcp", "x/tcp", "-1", ""} {
		_, err := juju.ParsePort(in)
		require.ErrorContains(t, err, "cannot parse port", in)
	}
}
