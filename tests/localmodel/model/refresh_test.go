package model_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A refresh whose charm no longer implements an endpoint of an
// established relation (the same name, role and interface) is refused,
// and the application keeps its charm; a peer relation may go, and an
// endpoint nobody is related to may go. Juju: state/application.go,
// checkRelationsOps ("would break relation"), with charm/v12's
// Relation.ImplementedBy.
func TestRefreshRefusedWhenItBreaksARelation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(e.charm("demo", fakeCharm{}), "demo", 1, nil)
	e.deploy(e.charm("other", fakeCharm{meta: strings.Replace(baseMeta, "name: demo", "name: other", 1)}), "other", 1, nil)
	_, err := e.m.Relate("other:backend", "demo:api")
	require.NoError(t, err)
	e.settle()
	const broken = `would break relation "other:backend demo:api"`
	for _, tc := range []struct {
		name, meta, err string
	}{{
		name: "endpoint dropped",
		meta: strings.Replace(baseMeta, "provides:\n  api: {interface: demo_api}\n", "", 1),
		err:  broken,
	}, {
		name: "interface changed",
		meta: strings.Replace(baseMeta, "api: {interface: demo_api}", "api: {interface: other_api}", 1),
		err:  broken,
	}, {
		name: "role changed",
		meta: strings.Replace(strings.Replace(baseMeta, "provides:\n  api: {interface: demo_api}\n", "", 1),
			"requires:\n", "requires:\n  api: {interface: demo_api}\n", 1),
		err: broken,
	}, {
		name: "peer and an unrelated endpoint dropped",
		meta: strings.Replace(strings.Replace(baseMeta, "peers:\n  peer: {interface: demo_peer}\n", "", 1),
			"requires:\n  backend: {interface: demo_api}\n", "", 1),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.m.Refresh("demo", e.charm("demo-"+strings.ReplaceAll(tc.name, " ", "-"), fakeCharm{meta: tc.meta}))
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, 1, e.m.Status().Applications["demo"].CharmRev)
				return
			}
			require.ErrorContains(t, err, `cannot upgrade application "demo" to charm`)
			require.ErrorContains(t, err, tc.err)
			require.Equal(t, 0, e.m.Status().Applications["demo"].CharmRev)
		})
	}
}

// pythonMeta is canonical/temporal-k8s-operator's metadata (incumbent.md
// §1.1; log-proxy from its PR #129, temporal-host-info from its later
// tracks), with the local model's fake container.
const pythonMeta = `name: temporal-k8s
containers:
  app:
    resource: app-image
resources:
  app-image: {type: oci-image}
peers:
  peer: {interface: temporal}
provides:
  metrics-endpoint: {interface: prometheus_scrape}
  grafana-dashboard: {interface: grafana_dashboard}
  temporal-host-info: {interface: temporal-host-info}
requires:
  admin: {interface: temporal, limit: 1}
  db: {interface: postgresql_client, limit: 1}
  visibility: {interface: postgresql_client, limit: 1}
  frontend-certificates: {interface: tls-certificates, limit: 1}
  ingress: {interface: ingress, limit: 1}
  nginx-route: {interface: nginx-route, limit: 1}
  ui: {interface: temporal, optional: true, limit: 1}
  logging: {interface: loki_push_api, optional: true, limit: 1}
  log-proxy: {interface: loki_push_api, optional: true, limit: 1}
  openfga: {interface: openfga, limit: 1}
  s3-parameters: {interface: s3, optional: true, limit: 1}
`

// partnersMeta is one application at the other end of every endpoint.
const partnersMeta = `name: partners
containers:
  app:
    resource: app-image
resources:
  app-image: {type: oci-image}
provides:
  database: {interface: postgresql_client}
  temporal: {interface: temporal}
  certificates: {interface: tls-certificates}
  ingress: {interface: ingress}
  nginx-route: {interface: nginx-route}
  loki: {interface: loki_push_api}
  openfga: {interface: openfga}
  s3: {interface: s3}
requires:
  metrics: {interface: prometheus_scrape}
  dashboards: {interface: grafana_dashboard}
  host-info: {interface: temporal-host-info}
`

// An application of the Python charm with a relation on every endpoint
// refreshes to this charm's metadata.yaml; a metadata without one of them
// (this charm's before it declared the Python charm's endpoints) is
// refused.
func TestRefreshFromThePythonCharmsMetadata(t *testing.T) {
	t.Parallel()
	ours, err := os.ReadFile("../../../metadata.yaml")
	require.NoError(t, err)
	// The fake container and resource, in place of the rock.
	oursFake := strings.Replace(strings.Replace(string(ours), "  temporal:\n    resource: temporal-server-image\n", "  app:\n    resource: app-image\n", 1),
		"resources:\n  temporal-server-image:\n", "resources:\n  app-image:\n", 1)

	e := newEnv(t)
	e.deploy(e.charm("python", fakeCharm{meta: pythonMeta}), "temporal-k8s", 1, nil)
	e.deploy(e.charm("partners", fakeCharm{meta: partnersMeta}), "partners", 1, nil)
	for _, pair := range [][2]string{
		{"temporal-k8s:db", "partners:database"}, {"temporal-k8s:visibility", "partners:database"},
		{"temporal-k8s:admin", "partners:temporal"}, {"temporal-k8s:ui", "partners:temporal"},
		{"temporal-k8s:frontend-certificates", "partners:certificates"},
		{"temporal-k8s:ingress", "partners:ingress"}, {"temporal-k8s:nginx-route", "partners:nginx-route"},
		{"temporal-k8s:logging", "partners:loki"}, {"temporal-k8s:log-proxy", "partners:loki"},
		{"temporal-k8s:openfga", "partners:openfga"}, {"temporal-k8s:s3-parameters", "partners:s3"},
		{"temporal-k8s:metrics-endpoint", "partners:metrics"}, {"temporal-k8s:grafana-dashboard", "partners:dashboards"},
		{"temporal-k8s:temporal-host-info", "partners:host-info"},
	} {
		_, err := e.m.Relate(pair[0], pair[1])
		require.NoError(t, err, pair)
	}
	e.settle()

	withoutUI := strings.Replace(oursFake, "  ui:\n    interface: temporal\n    optional: true\n    limit: 1\n", "", 1)
	require.NotEqual(t, oursFake, withoutUI)
	err = e.m.Refresh("temporal-k8s", e.charm("ours-without-ui", fakeCharm{meta: withoutUI}))
	require.ErrorContains(t, err, `would break relation "temporal-k8s:ui partners:temporal"`)

	require.NoError(t, e.m.Refresh("temporal-k8s", e.charm("ours", fakeCharm{meta: oursFake})))
	require.Equal(t, 1, e.m.Status().Applications["temporal-k8s"].CharmRev)
}
