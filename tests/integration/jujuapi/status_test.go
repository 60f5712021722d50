package jujuapi_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/juju/juju/core/life"
	"github.com/juju/juju/rpc/params"

	"github.com/temporal-k8s/temporal-k8s/tests/integration/jujuapi"
)

func unit(workload, agent, message string) params.UnitStatus {
	return params.UnitStatus{
		WorkloadStatus: params.DetailedStatus{Status: workload, Info: message},
		AgentStatus:    params.DetailedStatus{Status: agent, Life: life.Alive},
	}
}

func app(units map[string]params.UnitStatus) params.ApplicationStatus {
	return params.ApplicationStatus{Units: units}
}

func TestStatusChecks(t *testing.T) {
	t.Parallel()
	dying := unit("active", "idle", "")
	dying.AgentStatus.Life = life.Dying
	st := &params.FullStatus{Applications: map[string]params.ApplicationStatus{
		"temporal-k8s": app(map[string]params.UnitStatus{
			"temporal-k8s/0": unit("active", "idle", ""),
			"temporal-k8s/1": unit("active", "idle", ""),
		}),
		"temporal-k8s-history": app(map[string]params.UnitStatus{
			"temporal-k8s-history/0": unit("active", "idle", ""),
			"temporal-k8s-history/1": dying,
		}),
		"temporal-k8s-worker": app(map[string]params.UnitStatus{
			"temporal-k8s-worker/0": unit("blocked", "idle", "invalid config: num-history-shards 100 is not a power of 2"),
		}),
		"temporal-k8s-matching": app(map[string]params.UnitStatus{
			"temporal-k8s-matching/0": unit("active", "executing", ""),
		}),
		"postgresql-k8s": app(nil),
	}}
	tests := []struct {
		name    string
		check   jujuapi.Check
		wantErr string
	}{
		{name: "active idle", check: jujuapi.AllActiveIdle("temporal-k8s")},
		{name: "blocked unit", check: jujuapi.AllActiveIdle("temporal-k8s", "temporal-k8s-worker"),
			wantErr: `unit temporal-k8s-worker/0 is blocked/idle ("invalid config: num-history-shards 100 is not a power of 2"), want active/idle`},
		{name: "agent still executing", check: jujuapi.AllActiveIdle("temporal-k8s-matching"),
			wantErr: `unit temporal-k8s-matching/0 is active/executing (""), want active/idle`},
		{name: "application missing", check: jujuapi.AllActiveIdle("temporal-admin-k8s"),
			wantErr: `application "temporal-admin-k8s" not in status`},
		{name: "application without units", check: jujuapi.AllActiveIdle("postgresql-k8s"),
			wantErr: `application "postgresql-k8s" has no units`},
		{name: "unit counts match", check: jujuapi.UnitCounts(map[string]int{"temporal-k8s": 2, "temporal-k8s-worker": 1})},
		{name: "too many units", check: jujuapi.UnitCounts(map[string]int{"temporal-k8s": 1}),
			wantErr: `application "temporal-k8s" has 2 units [temporal-k8s/0 temporal-k8s/1], want 1`},
		{name: "dying unit left behind", check: jujuapi.UnitCounts(map[string]int{"temporal-k8s-history": 2}),
			wantErr: "unit temporal-k8s-history/1 is dying"},
		{name: "blocked with both words", check: jujuapi.UnitWorkload("temporal-k8s-worker/0", "blocked", "num-history-shards", "100")},
		{name: "blocked without the value", check: jujuapi.UnitWorkload("temporal-k8s-worker/0", "blocked", "num-history-shards", "128"),
			wantErr: `unit temporal-k8s-worker/0 message "invalid config: num-history-shards 100 is not a power of 2" does not contain "128"`},
		{name: "not blocked", check: jujuapi.UnitWorkload("temporal-k8s/0", "blocked", "num-history-shards"),
			wantErr: `unit temporal-k8s/0 is active (""), want blocked`},
		{name: "unit missing", check: jujuapi.UnitWorkload("temporal-k8s/7", "blocked"),
			wantErr: "unit temporal-k8s/7 not in status"},
		{name: "all reports the first failure", check: jujuapi.All(jujuapi.AllActiveIdle("temporal-k8s"), jujuapi.UnitCounts(map[string]int{"temporal-k8s": 3})),
			wantErr: `application "temporal-k8s" has 2 units [temporal-k8s/0 temporal-k8s/1], want 3`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.check(st)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)
		})
	}
}
