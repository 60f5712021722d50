package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func TestTabular(t *testing.T) {
	t.Parallel()
	st := model.Status{
		Model: model.ModelInfo{Name: "m", Controller: "localmodel", Cloud: "localmodel", Region: "localhost", Version: "3.6.8", SLA: "unsupported"},
		Applications: map[string]model.AppStatus{
			"temporal-k8s": {Charm: "temporal-k8s", Scale: 2, Version: "1.31.2", Address: "10.0.0.10",
				ApplicationStatus: model.StatusInfo{Current: "active"},
				Units: map[string]model.UnitStatus{
					"temporal-k8s/10": {WorkloadStatus: model.StatusInfo{Current: "active"}, JujuStatus: model.StatusInfo{Current: "idle"}, Address: "10.0.0.12"},
					"temporal-k8s/2":  {WorkloadStatus: model.StatusInfo{Current: "blocked", Message: "need db"}, JujuStatus: model.StatusInfo{Current: "idle"}, Address: "10.0.0.10", Leader: true, OpenPorts: []string{"7233/tcp"}},
				}},
		},
	}
	var buf bytes.Buffer
	require.NoError(t, writeTabular(&buf, st, false, time.Date(2026, 1, 2, 14, 31, 41, 0, time.UTC)))
	require.Equal(t, `Model  Controller  Cloud/Region          Version  SLA          Timestamp
m      localmodel  localmodel/localhost  3.6.8    unsupported  14:31:41Z

App           Version  Status  Scale  Charm         Channel  Rev  Address    Exposed  Message
temporal-k8s  1.31.2   active  2      temporal-k8s           0    10.0.0.10  no       

Unit             Workload  Agent  Address    Ports     Message
temporal-k8s/2*  blocked   idle   10.0.0.10  7233/tcp  need db
temporal-k8s/10  active    idle   10.0.0.12            
`, buf.String())
}

// fakeDaemon serves one canned result for every path.
func fakeDaemon(t *testing.T, result any) string {
	t.Helper()
	home, err := os.MkdirTemp("", "lmcli")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(home) })
	l, err := net.Listen("unix", filepath.Join(home, "localmodel.socket"))
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"result": result})
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return home
}

func TestRunOutput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		result  model.ActionResult
		args    []string
		code    int
		wantOut string
	}{{
		name: "plain prints results as YAML, sorted",
		result: model.ActionResult{ID: "4", Unit: "a/0", Status: "completed", Results: map[string]any{
			"result": "command succeeded", "output": "{\n  \"a\": 1\n}\n", "return-code": 0, "stdout": "log line\n",
		}},
		args:    []string{"run", "a/0", "cli", "args=adm cl d"},
		wantOut: "output: |\n  {\n    \"a\": 1\n  }\nresult: command succeeded\nlog line\n",
	}, {
		name:    "json",
		result:  model.ActionResult{ID: "5", Unit: "a/0", Status: "completed", Results: map[string]any{"return-code": 0}},
		args:    []string{"run", "a/0", "restart", "--format", "json"},
		wantOut: `{"a/0":{"id":"5","log":null,"message":"","results":{"return-code":0},"status":"completed","unit":"a/0"}}` + "\n",
	}, {
		name:   "failed action exits 1",
		result: model.ActionResult{ID: "6", Unit: "a/0", Status: "failed", Message: "exit status 2", Results: map[string]any{"return-code": 2}},
		args:   []string{"run", "a/0", "restart"},
		code:   1,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := fakeDaemon(t, c.result)
			var out, errOut bytes.Buffer
			code := Main(Env{
				Args:   append([]string{"localmodel"}, c.args...),
				Getenv: func(k string) string { return map[string]string{"LOCALMODEL_HOME": home}[k] },
				Stdout: &out, Stderr: &errOut,
			})
			require.Equal(t, c.code, code, errOut.String())
			require.Equal(t, c.wantOut, out.String())
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Main(Env{Args: []string{"localmodel", "frobnicate"}, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errOut})
	require.Equal(t, 2, code)
	require.Equal(t, "ERROR unrecognized command: localmodel frobnicate\n", errOut.String())
}
