package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

// recordingDaemon serves one canned answer for every path and keeps the
// requests it got.
type recordingDaemon struct {
	home string
	mu   sync.Mutex
	reqs []daemonRequest
}

type daemonRequest struct {
	path string
	body map[string]any
}

func newRecordingDaemon(t *testing.T, answer map[string]any) *recordingDaemon {
	t.Helper()
	home, err := os.MkdirTemp("", "lmcli")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(home) })
	l, err := net.Listen("unix", filepath.Join(home, "localmodel.socket"))
	require.NoError(t, err)
	d := &recordingDaemon{home: home}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(data, &body)
		d.mu.Lock()
		d.reqs = append(d.reqs, daemonRequest{path: r.URL.Path, body: body})
		d.mu.Unlock()
		if _, failed := answer["error"]; failed {
			w.WriteHeader(http.StatusBadRequest)
		}
		json.NewEncoder(w).Encode(answer)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return d
}

func (d *recordingDaemon) requests() []daemonRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]daemonRequest(nil), d.reqs...)
}

func (d *recordingDaemon) run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(Env{
		Args:   append([]string{"localmodel"}, args...),
		Getenv: func(k string) string { return map[string]string{"LOCALMODEL_HOME": d.home}[k] },
		Stdout: &out, Stderr: &errOut,
	})
	return code, out.String(), errOut.String()
}

var hookTime = time.Date(2026, 1, 2, 14, 31, 41, 0, time.UTC)

func testRecords() []model.HookRecord {
	return []model.HookRecord{
		{Unit: "a/0", Hook: "install", Started: hookTime, DurationMS: 812.25, Tools: []string{"juju-log", "status-set"}},
		{Unit: "a/0", Hook: "config-changed", Started: hookTime.Add(time.Second), DurationMS: 40, ExitCode: 0,
			Error: `cannot commit "config-changed" hook: injected fault`, Tools: []string{"config-get", "open-port"}},
		{Unit: "a/0", Action: "describe", Started: hookTime.Add(2 * time.Second), DurationMS: 95.04, Tools: []string{"action-get", "action-set"}},
		{Unit: "a/0", Hook: "update-status", Started: hookTime.Add(3 * time.Second), DurationMS: 12.34,
			Tools: []string{"is-leader", "status-set", "config-get", "status-set"}},
		{Unit: "a/0", Hook: "config-changed", Started: hookTime.Add(4 * time.Second), DurationMS: 7.5, ExitCode: 2, Error: "exit status 2", Tools: []string{}},
	}
}

func TestShowHooks(t *testing.T) {
	t.Parallel()
	const header = "Time                   Hook             Duration(ms)  Exit  Tools  Calls                              Message\n"
	cases := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{{
		name: "table",
		args: []string{"show-hooks", "a/0"},
		wantOut: header +
			"02 Jan 2026 14:31:41Z  install          812.2         0     2      juju-log status-set                \n" +
			`02 Jan 2026 14:31:42Z  config-changed   40.0          0     2      config-get open-port               cannot commit "config-changed" hook: injected fault` + "\n" +
			"02 Jan 2026 14:31:43Z  action describe  95.0          0     2      action-get action-set              \n" +
			"02 Jan 2026 14:31:44Z  update-status    12.3          0     4      is-leader status-set×2 config-get  \n" +
			"02 Jan 2026 14:31:45Z  config-changed   7.5           2     0                                         exit status 2\n",
	}, {
		name: "one hook, the last of it",
		args: []string{"show-hooks", "a/0", "--hook", "config-changed", "--last", "1"},
		wantOut: "Time                   Hook            Duration(ms)  Exit  Tools  Calls  Message\n" +
			"02 Jan 2026 14:31:45Z  config-changed  7.5           2     0             exit status 2\n",
	}, {
		name: "an action by name",
		args: []string{"show-hooks", "--hook=describe", "a/0"},
		wantOut: "Time                   Hook             Duration(ms)  Exit  Tools  Calls                  Message\n" +
			"02 Jan 2026 14:31:43Z  action describe  95.0          0     2      action-get action-set  \n",
	}, {
		name: "json",
		args: []string{"show-hooks", "a/0", "-n", "2", "--format", "json"},
		wantOut: `[{"unit":"a/0","hook":"update-status","started":"2026-01-02T14:31:44Z","duration-ms":12.34,"exit-code":0,"tools":["is-leader","status-set","config-get","status-set"]},` +
			`{"unit":"a/0","hook":"config-changed","started":"2026-01-02T14:31:45Z","duration-ms":7.5,"exit-code":2,"error":"exit status 2","tools":[]}]` + "\n",
	}, {
		name: "yaml",
		args: []string{"show-hooks", "a/0", "--last=1", "--format=yaml"},
		wantOut: `- duration-ms: 7.5
  error: exit status 2
  exit-code: 2
  hook: config-changed
  started: "2026-01-02T14:31:45Z"
  tools: []
  unit: a/0
`,
	}, {
		name:    "nothing matches",
		args:    []string{"show-hooks", "a/0", "--hook", "start", "--format", "json"},
		wantOut: "[]\n",
	}, {
		name:    "no unit",
		args:    []string{"show-hooks"},
		wantErr: "ERROR usage: show-hooks UNIT [--hook NAME] [--last N] [--format tabular|json|yaml]\n",
	}, {
		name:    "bad format",
		args:    []string{"show-hooks", "a/0", "--format", "xml"},
		wantErr: "ERROR cannot print hooks as \"xml\": the formats are tabular, json and yaml\n",
	}, {
		name:    "negative last",
		args:    []string{"show-hooks", "a/0", "--last", "-1"},
		wantErr: "ERROR invalid --last -1: must not be negative\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newRecordingDaemon(t, map[string]any{"result": testRecords()})
			code, out, errOut := d.run(c.args...)
			require.Equal(t, c.wantErr, errOut)
			require.Equal(t, c.wantOut, out)
			if c.wantErr != "" {
				require.Equal(t, 1, code)
				require.Empty(t, d.requests(), "refused before asking the model")
				return
			}
			require.Zero(t, code)
			require.Equal(t, []daemonRequest{{path: "/v1/show-hooks", body: map[string]any{"Unit": "a/0"}}}, d.requests())
		})
	}
}

func TestShowHooksUnknownUnit(t *testing.T) {
	t.Parallel()
	d := newRecordingDaemon(t, map[string]any{"error": `unit "a/9" not found`})
	code, out, errOut := d.run("show-hooks", "a/9")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "ERROR cannot show the hooks of a/9: unit \"a/9\" not found\n", errOut)
}

func TestCompactTools(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tools []string
		want  string
	}{
		{nil, ""},
		{[]string{"is-leader"}, "is-leader"},
		{[]string{"is-leader", "status-set", "status-set"}, "is-leader status-set×2"},
		{[]string{"relation-get", "relation-ids", "relation-get", "relation-get"}, "relation-get×3 relation-ids"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, compactTools(c.tools), "%q", c.tools)
	}
}
