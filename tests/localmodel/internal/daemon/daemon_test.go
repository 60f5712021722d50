package daemon

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/hooktools"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/pod"
)

// TestMain lets the test binary act as the hook tools.
func TestMain(m *testing.M) {
	if hooktools.IsTool(filepath.Base(os.Args[0])) {
		os.Exit(hooktools.Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// newTestServer serves the API of a model on plain pods with one unit,
// demo/0, of a charm whose update-status calls is-leader.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	// Unix socket paths are short; t.TempDir can be too long.
	dir, err := os.MkdirTemp("", "lmd")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	self, err := os.Executable()
	require.NoError(t, err)
	m, err := model.New(model.Config{
		StateDir: filepath.Join(dir, "state"), Backend: pod.NewPlain(filepath.Join(dir, "pods"), self, ""),
		UpdateStatusInterval: time.Hour,
	})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	charm := filepath.Join(dir, "charm")
	require.NoError(t, os.MkdirAll(charm, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(charm, "metadata.yaml"), []byte("name: demo\n"), 0o644))
	dispatch := "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = update-status ] && is-leader >/dev/null\nexit 0\n"
	require.NoError(t, os.WriteFile(filepath.Join(charm, "dispatch"), []byte(dispatch), 0o755))
	require.NoError(t, m.Deploy(model.DeployArgs{Charm: charm, App: "demo", NumUnits: 1}))
	srv := httptest.NewServer((&server{m: m}).routes())
	t.Cleanup(srv.Close)
	return srv
}

// post calls the API and returns the HTTP status and the decoded answer.
func post(t *testing.T, srv *httptest.Server, path string, req any) (int, json.RawMessage, string) {
	t.Helper()
	body, err := json.Marshal(req)
	require.NoError(t, err)
	resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var answer struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	return resp.StatusCode, answer.Result, answer.Error
}

func TestRunHookAndShowHooks(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	code, result, errText := post(t, srv, "/v1/run-hook", RunHookRequest{Unit: "demo/0", Hook: "update-status", Wait: 20 * time.Second})
	require.Equal(t, http.StatusOK, code, errText)
	var rec model.HookRecord
	require.NoError(t, json.Unmarshal(result, &rec))
	require.Equal(t, "demo/0", rec.Unit)
	require.Equal(t, "update-status", rec.Hook)
	require.Equal(t, []string{"is-leader"}, rec.Tools)
	require.Zero(t, rec.ExitCode)
	require.Empty(t, rec.Error)

	code, result, errText = post(t, srv, "/v1/show-hooks", map[string]string{"Unit": "demo/0"})
	require.Equal(t, http.StatusOK, code, errText)
	var recs []model.HookRecord
	require.NoError(t, json.Unmarshal(result, &recs))
	var names []string
	for _, r := range recs {
		names = append(names, r.Name())
	}
	require.Equal(t, []string{"install", "leader-elected", "config-changed", "start", "update-status"}, names)
	require.Equal(t, rec.Started.UnixNano(), recs[len(recs)-1].Started.UnixNano())
}

func TestHookEndpointErrors(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	cases := []struct {
		path string
		req  any
		err  string
	}{
		{"/v1/run-hook", RunHookRequest{Unit: "demo/0", Hook: "install"}, `cannot run hook "install": only update-status, config-changed, secret-changed and ENDPOINT-relation-changed can be run`},
		{"/v1/run-hook", RunHookRequest{Unit: "demo/9", Hook: "update-status"}, `unit "demo/9" not found`},
		{"/v1/show-hooks", map[string]string{"Unit": "demo/9"}, `unit "demo/9" not found`},
	}
	for _, c := range cases {
		code, _, errText := post(t, srv, c.path, c.req)
		require.Equal(t, http.StatusBadRequest, code, c.path)
		require.Equal(t, c.err, errText, c.path)
	}
}
