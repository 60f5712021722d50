package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/model"
)

func TestRunHook(t *testing.T) {
	t.Parallel()
	ok := model.HookRecord{Unit: "a/0", Hook: "update-status", Started: hookTime, DurationMS: 12.34, Tools: []string{"is-leader", "status-set", "status-set"}}
	failed := model.HookRecord{Unit: "a/0", Hook: "config-changed", Started: hookTime, DurationMS: 40, ExitCode: 0,
		Error: `cannot commit "config-changed" hook: injected fault`, Tools: []string{"open-port"}}
	cases := []struct {
		name    string
		answer  map[string]any
		args    []string
		code    int
		wantOut string
		wantErr string
		// wantReq is the run-hook request sent, nil when none is.
		wantReq map[string]any
	}{{
		name:   "prints the record",
		answer: map[string]any{"result": ok},
		args:   []string{"run-hook", "a/0", "update-status"},
		wantOut: "Time                   Hook           Duration(ms)  Exit  Tools  Calls                   Message\n" +
			"02 Jan 2026 14:31:41Z  update-status  12.3          0     3      is-leader status-set×2  \n",
		wantReq: map[string]any{"Unit": "a/0", "Hook": "update-status", "Wait": float64(60 * time.Second)},
	}, {
		name:    "json, with a wait",
		answer:  map[string]any{"result": ok},
		args:    []string{"run-hook", "--wait", "5m", "a/0", "update-status", "--format", "json"},
		wantOut: `[{"unit":"a/0","hook":"update-status","started":"2026-01-02T14:31:41Z","duration-ms":12.34,"exit-code":0,"tools":["is-leader","status-set","status-set"]}]` + "\n",
		wantReq: map[string]any{"Unit": "a/0", "Hook": "update-status", "Wait": float64(5 * time.Minute)},
	}, {
		name:   "a failed hook exits non-zero",
		answer: map[string]any{"result": failed},
		args:   []string{"run-hook", "a/0", "config-changed"},
		code:   1,
		wantOut: "Time                   Hook            Duration(ms)  Exit  Tools  Calls      Message\n" +
			`02 Jan 2026 14:31:41Z  config-changed  40.0          0     1      open-port  cannot commit "config-changed" hook: injected fault` + "\n",
		wantErr: `ERROR hook "config-changed" on a/0 failed: cannot commit "config-changed" hook: injected fault` + "\n",
		wantReq: map[string]any{"Unit": "a/0", "Hook": "config-changed", "Wait": float64(60 * time.Second)},
	}, {
		name:    "the model's error",
		answer:  map[string]any{"error": `update-status did not start on unit "a/0" and is withdrawn: context deadline exceeded`},
		args:    []string{"run-hook", "a/0", "update-status", "--wait", "1s"},
		code:    1,
		wantErr: `ERROR cannot run update-status on a/0: update-status did not start on unit "a/0" and is withdrawn: context deadline exceeded` + "\n",
		wantReq: map[string]any{"Unit": "a/0", "Hook": "update-status", "Wait": float64(time.Second)},
	}, {
		name:    "other hooks are refused",
		answer:  map[string]any{"result": ok},
		args:    []string{"run-hook", "a/0", "install"},
		code:    1,
		wantErr: `ERROR cannot run hook "install": only update-status, config-changed, secret-changed and ENDPOINT-relation-changed can be run` + "\n",
	}, {
		name:    "a bad wait",
		answer:  map[string]any{"result": ok},
		args:    []string{"run-hook", "a/0", "update-status", "--wait", "soon"},
		code:    1,
		wantErr: `ERROR invalid --wait: time: invalid duration "soon"` + "\n",
	}, {
		name:    "no wait",
		answer:  map[string]any{"result": ok},
		args:    []string{"run-hook", "a/0", "update-status", "--wait", "0s"},
		code:    1,
		wantErr: "ERROR invalid --wait 0s: must be positive\n",
	}, {
		name:    "no hook",
		answer:  map[string]any{"result": ok},
		args:    []string{"run-hook", "a/0"},
		code:    1,
		wantErr: "ERROR usage: run-hook UNIT update-status|config-changed|secret-changed|ENDPOINT-relation-changed [--wait DURATION] [--format tabular|json|yaml]\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newRecordingDaemon(t, c.answer)
			code, out, errOut := d.run(c.args...)
			require.Equal(t, c.wantErr, errOut)
			require.Equal(t, c.wantOut, out)
			require.Equal(t, c.code, code)
			if c.wantReq == nil {
				require.Empty(t, d.requests(), "refused before asking the model")
				return
			}
			require.Equal(t, []daemonRequest{{path: "/v1/run-hook", body: c.wantReq}}, d.requests())
		})
	}
}
