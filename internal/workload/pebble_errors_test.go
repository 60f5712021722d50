package workload_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

// pebbleAPI serves Pebble's REST API with canned answers by path, for the
// answers a healthy Pebble never gives.
func pebbleAPI(t *testing.T, answers map[string]string) *workload.Pebble {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "pebble.socket")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			body = answers["*"]
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(body, `"type":"error"`) {
			w.WriteHeader(http.StatusInternalServerError)
		} else if strings.Contains(body, `"type":"async"`) {
			w.WriteHeader(http.StatusAccepted)
		}
		_, _ = w.Write([]byte(body))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return workload.NewPebble(socket, 5*time.Second)
}

const boom = `{"type":"error","status-code":500,"status":"Internal Server Error","result":{"message":"boom"}}`

// Every call reports Pebble's error, naming what it was doing.
func TestPebbleErrorsReachTheCaller(t *testing.T) {
	t.Parallel()
	p := pebbleAPI(t, map[string]string{"*": boom})
	ctx := context.Background()
	calls := map[string]func() error{
		"get pebble system info": func() error { _, err := p.BootID(ctx); return err },
		"get pebble plan":        func() error { _, err := p.Plan(ctx); return err },
		`add layer "x"`:          func() error { return p.AddLayer(ctx, "x", workload.Layer{}) },
		"replan":                 func() error { return p.Replan(ctx) },
		"restart a":              func() error { return p.Restart(ctx, "a") },
		"stop a":                 func() error { return p.Stop(ctx, "a") },
		"list services":          func() error { _, err := p.Services(ctx); return err },
		"list checks":            func() error { _, err := p.Checks(ctx); return err },
		"push /x":                func() error { return p.Push(ctx, workload.File{Path: "/x"}) },
		"pull /x":                func() error { _, err := p.Pull(ctx, "/x"); return err },
		"exec /bin/true":         func() error { _, err := p.Exec(ctx, "/bin/true"); return err },
	}
	for what, call := range calls {
		err := call()
		require.ErrorContains(t, err, "cannot "+what, what)
		require.ErrorContains(t, err, "boom", what)
		require.NotErrorIs(t, err, workload.ErrCannotConnect, what)
	}
}

// Answers that do not decode are errors, never zero values.
func TestPebbleMalformedAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sync := func(result string) string {
		return `{"type":"sync","status-code":200,"status":"OK","result":` + result + `}`
	}
	p := pebbleAPI(t, map[string]string{
		"/v1/system-info": sync(`"not an object"`),
		"/v1/plan":        sync(`"services: [not, a, map]"`),
		"/v1/services":    sync(`{"not":"a list"}`),
		"/v1/checks":      sync(`"nope"`),
	})
	_, err := p.BootID(ctx)
	require.ErrorContains(t, err, "cannot get pebble system info")
	_, err = p.Plan(ctx)
	require.ErrorContains(t, err, "cannot parse pebble plan")
	_, err = p.Services(ctx)
	require.ErrorContains(t, err, "cannot list services")
	_, err = p.Checks(ctx)
	require.ErrorContains(t, err, "cannot list checks")

	notYAML := pebbleAPI(t, map[string]string{"/v1/plan": sync(`42`)})
	_, err = notYAML.Plan(ctx)
	require.ErrorContains(t, err, "cannot get pebble plan")
}

// A change that Pebble ran and that failed is the change's error.
func TestPebbleFailedChange(t *testing.T) {
	t.Parallel()
	p := pebbleAPI(t, map[string]string{
		"/v1/services":       `{"type":"async","status-code":202,"status":"Accepted","change":"7","result":null}`,
		"/v1/changes/7/wait": `{"type":"sync","status-code":200,"status":"OK","result":{"id":"7","err":"cannot perform the following tasks: exited quickly"}}`,
	})
	err := p.Replan(context.Background())
	require.EqualError(t, err, "cannot replan: cannot perform the following tasks: exited quickly")
	err = p.Stop(context.Background(), "a", "b")
	require.EqualError(t, err, "cannot stop a, b: cannot perform the following tasks: exited quickly")
}

// A Pebble whose socket is not there is ErrCannotConnect, quickly.
func TestPebbleNotThere(t *testing.T) {
	t.Parallel()
	p := workload.NewPebble(filepath.Join(t.TempDir(), "missing.socket"), time.Second)
	start := time.Now()
	_, err := p.BootID(context.Background())
	require.ErrorIs(t, err, workload.ErrCannotConnect)
	_, err = p.Plan(context.Background())
	require.ErrorIs(t, err, workload.ErrCannotConnect)
	require.Less(t, time.Since(start), 8*time.Second)
}
