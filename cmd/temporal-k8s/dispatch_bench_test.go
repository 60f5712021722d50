package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stubAnswers is a fully related unit; the workload's Pebble is absent, so
// the charm reports Waiting after every read it makes in a steady hook.
var stubAnswers = map[string]string{
	"config-get --format=json":                                          `{"services":"frontend"}` + "\n",
	"is-leader --format=json":                                           "true\n",
	"relation-ids peer --format=json":                                   `["peer:0"]` + "\n",
	"relation-get -r peer:0 --app - temporal-k8s --format=json":         `{"num_history_shards":"512"}` + "\n",
	"relation-ids db --format=json":                                     `["db:3"]` + "\n",
	"relation-ids visibility --format=json":                             `["visibility:4"]` + "\n",
	"relation-ids temporal-host-info --format=json":                     `[]` + "\n",
	"relation-ids admin --format=json":                                  `["admin:5"]` + "\n",
	"relation-list -r db:3 --app --format=json":                         `"postgresql-k8s"` + "\n",
	"relation-list -r visibility:4 --app --format=json":                 `"postgresql-k8s"` + "\n",
	"relation-list -r admin:5 --app --format=json":                      `"temporal-admin-k8s"` + "\n",
	"relation-get -r db:3 --app - postgresql-k8s --format=json":         `{"endpoints":"10.1.0.2:5432","secret-user":"secret:d0ufq1ivn8stmtsv1ku0"}` + "\n",
	"relation-get -r visibility:4 --app - postgresql-k8s --format=json": `{"endpoints":"10.1.0.2:5432","secret-user":"secret:d0ufq1ivn8stmtsv1kv0"}` + "\n",
	"relation-get -r admin:5 --app - temporal-admin-k8s --format=json":  `{"schema_status":"ready","migrated_workload_version":"1.31.2"}` + "\n",
	"relation-get -r db:3 --app - temporal-k8s --format=json":           `{}` + "\n",
	"relation-get -r visibility:4 --app - temporal-k8s --format=json":   `{}` + "\n",
	"relation-get -r admin:5 --app - temporal-k8s --format=json":        `{}` + "\n",
	"secret-get secret:d0ufq1ivn8stmtsv1ku0 --refresh --format=json":    `{"username":"u","password":"p"}` + "\n",
	"secret-get secret:d0ufq1ivn8stmtsv1kv0 --refresh --format=json":    `{"username":"v","password":"p"}` + "\n",
	"network-get peer --bind-address --format=json":                     `"10.1.0.7"` + "\n",
	"opened-ports --format=json":                                        `["7233/tcp","7236/tcp","7243/tcp"]` + "\n",
	"relation-set":                                                      "",
	"status-set":                                                        "",
	"juju-log":                                                          "",
}

func buildDispatch(b *testing.B) (dispatch, tools string) {
	dir := b.TempDir()
	dispatch = filepath.Join(dir, "charm", "dispatch")
	tools = filepath.Join(dir, "tools")
	hooktool := filepath.Join(tools, "hooktool")
	for _, build := range [][]string{
		{"build", "-trimpath", "-ldflags=-s -w", "-o", dispatch, "."},
		{"build", "-trimpath", "-ldflags=-s -w", "-o", hooktool, "./testdata/hooktool"},
	} {
		cmd := exec.Command("go", build...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, "%s", out)
	}
	data, err := json.Marshal(stubAnswers)
	require.NoError(b, err)
	require.NoError(b, os.WriteFile(filepath.Join(tools, "responses.json"), data, 0o644))
	for key := range stubAnswers {
		name := key
		for i, r := range key {
			if r == ' ' {
				name = key[:i]
				break
			}
		}
		link := filepath.Join(tools, name)
		if _, err := os.Lstat(link); err != nil {
			require.NoError(b, os.Symlink("hooktool", link))
		}
	}
	return dispatch, tools
}

// BenchmarkDispatchStubToolsNoPebble runs the built charm as Juju does,
// one process per event, against stub hook tools and no workload Pebble,
// and reports the median wall time: the cost of starting the binary and
// of a hook that cannot settle (without Pebble every hook runs in full and
// stops at "waiting for Pebble"). The real path, with a running model and
// a real Pebble, is tests/localmodel/bench.
func BenchmarkDispatchStubToolsNoPebble(b *testing.B) {
	dispatch, tools := buildDispatch(b)
	charmDir := filepath.Dir(dispatch)
	env := []string{
		"PATH=" + tools + ":/usr/bin:/bin",
		"JUJU_DISPATCH_PATH=hooks/update-status",
		"JUJU_HOOK_NAME=update-status",
		"JUJU_UNIT_NAME=temporal-k8s/0",
		"JUJU_MODEL_NAME=bench",
		"JUJU_MODEL_UUID=00000000-0000-4000-8000-000000000000",
		"JUJU_VERSION=3.6.8",
		"JUJU_CHARM_DIR=" + charmDir,
		"CHARM_DIR=" + charmDir,
	}
	run := func() time.Duration {
		cmd := exec.Command(dispatch)
		cmd.Dir = charmDir
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		elapsed := time.Since(start)
		require.NoError(b, err, "%s", out)
		return elapsed
	}
	run() // warm the page cache and the charm's own cache file
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		times = append(times, run())
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
}
