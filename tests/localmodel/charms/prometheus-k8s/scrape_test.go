package prometheus_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	prometheus "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/prometheus-k8s"
)

var app = map[string]string{
	"scrape_metadata": `{"model": "lm", "model_uuid": "0a1b2c3d-0000", "application": "temporal-k8s", "unit": "temporal-k8s/0", "charm_name": "temporal-k8s"}`,
	"scrape_jobs":     `[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:9090", "10.9.9.9:9100"]}], "honor_labels": true}]`,
	"alert_rules":     `{"groups": [{"name": "g", "rules": []}]}`,
}

func TestParseProviderAndScrapeConfigs(t *testing.T) {
	t.Parallel()
	p, ok, err := prometheus.ParseProvider(app, map[string]map[string]string{
		"temporal-k8s/1": {"prometheus_scrape_unit_address": "10.1.0.8", "prometheus_scrape_unit_name": "temporal-k8s/1"},
		"temporal-k8s/0": {"prometheus_scrape_unit_address": "10.1.0.7", "prometheus_scrape_unit_name": "temporal-k8s/0"},
		"temporal-k8s/2": {}, // not written yet: no target
	})
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, p.HasRules())
	require.Equal(t, "juju_lm_0a1b2c3d-0000_temporal-k8s.rules", p.RuleFileName())
	topo := map[string]string{"juju_model": "lm", "juju_model_uuid": "0a1b2c3d-0000", "juju_application": "temporal-k8s", "juju_charm": "temporal-k8s"}
	unit := func(name string) map[string]string {
		l := map[string]string{"juju_unit": name}
		for k, v := range topo {
			l[k] = v
		}
		return l
	}
	cfgs := prometheus.ScrapeConfigs([]prometheus.Provider{p})
	require.Len(t, cfgs, 1)
	require.Equal(t, "juju_lm_0a1b2c3d-0000_temporal-k8s_prometheus_scrape", cfgs[0]["job_name"])
	require.Equal(t, "/metrics", cfgs[0]["metrics_path"])
	require.NotContains(t, cfgs[0], "honor_labels", "not a key the library passes on")
	require.Equal(t, []map[string]any{
		{"targets": []string{"10.1.0.7:9090"}, "labels": unit("temporal-k8s/0")},
		{"targets": []string{"10.1.0.8:9090"}, "labels": unit("temporal-k8s/1")},
		{"targets": []string{"10.9.9.9:9100"}, "labels": topo},
	}, cfgs[0]["static_configs"])

	conf, err := prometheus.Config([]prometheus.Provider{p}, "5s", "/r")
	require.NoError(t, err)
	var parsed map[string]any
	require.NoError(t, yaml.Unmarshal(conf, &parsed))
	require.Equal(t, []any{"/r/*.rules"}, parsed["rule_files"])
}

func TestProviderNotWrittenYet(t *testing.T) {
	t.Parallel()
	_, ok, err := prometheus.ParseProvider(map[string]string{}, nil)
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = prometheus.ParseProvider(map[string]string{"scrape_metadata": "{"}, nil)
	require.ErrorContains(t, err, "cannot parse scrape_metadata")
	p, ok, err := prometheus.ParseProvider(map[string]string{"scrape_metadata": "{}", "alert_rules": "{}"}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, p.HasRules())
}
