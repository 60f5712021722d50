package metrics_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/metrics"
)

var topo = juju.Topology{Model: "prod-1", ModelUUID: "9f2c1e6a-7d4b-4c3e-8a5f-2b6d0e1c3a47", App: "temporal-k8s-history", Unit: "temporal-k8s-history/2", Charm: "temporal-k8s"}

func TestAppData(t *testing.T) {
	t.Parallel()
	data := metrics.AppData(topo, []string{"history"}, 9090)
	require.JSONEq(t, `{"model": "prod-1", "model_uuid": "9f2c1e6a-7d4b-4c3e-8a5f-2b6d0e1c3a47", "application": "temporal-k8s-history", "unit": "temporal-k8s-history/2", "charm_name": "temporal-k8s"}`, data["scrape_metadata"])
	require.JSONEq(t, `[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:9090"]}]}]`, data["scrape_jobs"])
	var rules metrics.RuleFile
	require.NoError(t, json.Unmarshal([]byte(data["alert_rules"]), &rules))
	require.Equal(t, metrics.Rules(topo, []string{"history"}), rules)
	require.Len(t, data, 3)
}

func TestUnitData(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]string{
		"prometheus_scrape_unit_address": "10.1.0.7",
		"prometheus_scrape_unit_name":    "temporal-k8s/0",
		"prometheus_scrape_unit_path":    "",
	}, metrics.UnitData("temporal-k8s/0", "10.1.0.7"))
}

// Rules: one down rule per service the application runs, the shared ones
// for all; every rule labelled with the topology and matching it; the
// group named as cos-lib names it.
func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		services []string
		alerts   []string
	}{
		{[]string{"history"}, []string{"TemporalHistoryDown", "TemporalPersistenceErrors", "TemporalServiceErrors", "TemporalServiceLatencyHigh"}},
		{[]string{"worker", "frontend"}, []string{"TemporalFrontendDown", "TemporalWorkerDown", "TemporalPersistenceErrors", "TemporalServiceErrors", "TemporalServiceLatencyHigh"}},
	}
	for _, tt := range tests {
		rf := metrics.Rules(topo, tt.services)
		require.Len(t, rf.Groups, 1)
		g := rf.Groups[0]
		require.Equal(t, "prod_1_9f2c1e6a_temporal_k8s_history_temporal_alerts", g.Name)
		var alerts []string
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			require.Equal(t, "prod-1", r.Labels["juju_model"])
			require.Equal(t, topo.ModelUUID, r.Labels["juju_model_uuid"])
			require.Equal(t, "temporal-k8s-history", r.Labels["juju_application"])
			require.Equal(t, "temporal-k8s", r.Labels["juju_charm"])
			require.Contains(t, r.Expr, `juju_model="prod-1",juju_model_uuid="9f2c1e6a-7d4b-4c3e-8a5f-2b6d0e1c3a47",juju_application="temporal-k8s-history"`)
			require.NotContains(t, r.Expr, "%%")
			require.NotEmpty(t, r.Labels["severity"])
			require.NotEmpty(t, r.For)
		}
		require.Equal(t, tt.alerts, alerts)
	}
}
