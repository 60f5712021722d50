package planned_test

import (
	"maps"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/planned"
)

type endpoint struct {
	Interface string `yaml:"interface"`
	Limit     int    `yaml:"limit"`
}

type meta struct {
	Provides map[string]endpoint `yaml:"provides"`
	Requires map[string]endpoint `yaml:"requires"`
	Peers    map[string]endpoint `yaml:"peers"`
}

// pythonCharm is every endpoint of canonical/temporal-k8s-operator, with
// its role, interface and limit (incumbent.md §1.1; log-proxy from its PR
// #129, temporal-host-info from its later tracks). Juju refuses a refresh
// that would break a relation on any of them (state/application.go,
// checkRelationsOps), and a limit lower than the relations in place.
var pythonCharm = meta{
	Peers: map[string]endpoint{"peer": {Interface: "temporal"}},
	Provides: map[string]endpoint{
		"metrics-endpoint":   {Interface: "prometheus_scrape"},
		"grafana-dashboard":  {Interface: "grafana_dashboard"},
		"temporal-host-info": {Interface: "temporal-host-info"},
	},
	Requires: map[string]endpoint{
		"admin":                 {Interface: "temporal", Limit: 1},
		"db":                    {Interface: "postgresql_client", Limit: 1},
		"visibility":            {Interface: "postgresql_client", Limit: 1},
		"frontend-certificates": {Interface: "tls-certificates", Limit: 1},
		"ingress":               {Interface: "ingress", Limit: 1},
		"nginx-route":           {Interface: "nginx-route", Limit: 1},
		"ui":                    {Interface: "temporal", Limit: 1},
		"logging":               {Interface: "loki_push_api", Limit: 1},
		"log-proxy":             {Interface: "loki_push_api", Limit: 1},
		"openfga":               {Interface: "openfga", Limit: 1},
		"s3-parameters":         {Interface: "s3", Limit: 1},
	},
}

// ownEndpoints are the endpoints the Python charm lacks: optional, so a
// refresh from it breaks nothing.
var ownEndpoints = map[string]endpoint{
	"internode-certificates": {Interface: "tls-certificates", Limit: 1},
	"internode-rollout-hub":  {Interface: "temporal-k8s-internode-rollout", Limit: 1},
}

// ownProvided are the same among the provided endpoints.
var ownProvided = map[string]endpoint{
	"internode-rollout": {Interface: "temporal-k8s-internode-rollout"},
}

// built are the endpoints the charm implements.
var built = []string{"peer", "db", "visibility", "admin", "temporal-host-info", "ui", "metrics-endpoint", "logging", "grafana-dashboard", "frontend-certificates", "internode-certificates", "internode-rollout", "internode-rollout-hub", "ingress", "nginx-route"}

func TestMetadataKeepsEveryPythonEndpoint(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../metadata.yaml")
	require.NoError(t, err)
	var ours meta
	require.NoError(t, yaml.Unmarshal(data, &ours))
	for name, e := range ownEndpoints {
		require.Equal(t, e, ours.Requires[name], name)
		delete(ours.Requires, name)
	}
	for name, e := range ownProvided {
		require.Equal(t, e, ours.Provides[name], name)
		delete(ours.Provides, name)
	}
	require.Equal(t, pythonCharm, ours)
	maps.Copy(ours.Requires, ownEndpoints)
	maps.Copy(ours.Provides, ownProvided)

	// Every declared endpoint is built or planned, never silently both
	// or neither.
	declared := map[string]bool{}
	for _, m := range []map[string]endpoint{ours.Peers, ours.Provides, ours.Requires} {
		for name := range m {
			declared[name] = true
		}
	}
	for _, name := range built {
		require.True(t, declared[name], name)
		require.False(t, planned.Is(name), name)
		delete(declared, name)
	}
	for _, e := range planned.Endpoints() {
		require.True(t, declared[e.Name], e.Name)
		require.NotEmpty(t, e.Lacks, e.Name)
		delete(declared, e.Name)
	}
	require.Empty(t, declared, "neither built nor planned")
}
