package charm_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
	"github.com/temporal-k8s/temporal-k8s/internal/workload"
)

func sideRelation(id, remote string) *jujutest.Relation {
	return &jujutest.Relation{ID: id, RemoteApp: remote, RemoteUnits: []string{remote + "/0"}, RemoteAppData: map[string]string{}}
}

func relationEvent(kind juju.Kind, rel *jujutest.Relation) juju.Event {
	ep := rel.Endpoint()
	return juju.Event{Kind: kind, Name: ep + "-" + string(kind), Relation: ep, RelationID: rel.ID, RemoteApp: rel.RemoteApp}
}

// A planned endpoint, once related, is named in the status with what the
// cluster does not do yet, Blocked where the operator relied on it for
// safety or reach, Active where only observability is missing; the
// running server is left as it is, and the status goes back when the
// relation goes.
func TestPlannedEndpointsSayWhatTheyDoNotDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel  *jujutest.Relation
		want juju.Status
	}{{
		sideRelation("openfga:21", "openfga-k8s"),
		juju.Status{Name: juju.StatusBlocked, Message: "related but not built yet, remove the relation: openfga (the server does not authorize requests with OpenFGA)"},
	}, {
		sideRelation("s3-parameters:22", "s3-integrator"),
		juju.Status{Name: juju.StatusBlocked, Message: "related but not built yet, remove the relation: s3-parameters (workflow histories are not archived to S3)"},
	}, {
		sideRelation("log-proxy:24", "loki-k8s"),
		juju.Status{Name: juju.StatusActive, Message: "related but not built yet: log-proxy (no logs are forwarded through it: relate logging instead)"},
	}}
	for _, tt := range tests {
		t.Run(tt.rel.Endpoint(), func(t *testing.T) {
			t.Parallel()
			f := settled(t, ready(true, nil))
			starts := f.box.Starts(temporal.ServiceName)
			f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, tt.rel) })
			f.mustRun(t, relationEvent(juju.RelationCreated, tt.rel))
			require.Equal(t, tt.want, f.status())
			require.Equal(t, tt.want, f.model.State().AppStatus)
			// Later hooks keep saying so, the observing ones included.
			f.mustRun(t, relationEvent(juju.RelationChanged, tt.rel))
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
			require.Equal(t, tt.want, f.status())
			require.Equal(t, starts, f.box.Starts(temporal.ServiceName), "the server runs on untouched")
			require.Empty(t, f.model.State().Relations[len(f.model.State().Relations)-1].LocalAppData, "nothing is written to a planned endpoint")

			f.mustRun(t, relationEvent(juju.RelationBroken, tt.rel))
			require.Equal(t, active, f.status())
		})
	}
}

// Several planned relations are all named, the blocking ones first.
func TestPlannedEndpointsAllNamed(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(false, nil))
	for _, rel := range []*jujutest.Relation{sideRelation("log-proxy:30", "loki-k8s"), sideRelation("s3-parameters:31", "s3-integrator")} {
		f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
		f.mustRun(t, relationEvent(juju.RelationCreated, rel))
	}
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "related but not built yet, remove the relation: s3-parameters (workflow histories are not archived to S3), log-proxy (no logs are forwarded through it: relate logging instead)"}, f.status())
}

// A unit whose charm directory is new (a recreated pod, a refresh from
// another charm) lists the relations it has no event for.
func TestPlannedRelationsFoundWithoutTheirEvent(t *testing.T) {
	t.Parallel()
	s := ready(false, nil)
	s.Relations = append(s.Relations, sideRelation("openfga:40", "openfga-k8s"))
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: "related but not built yet, remove the relation: openfga (the server does not authorize requests with OpenFGA)"}, f.status())
	require.Equal(t, 1, f.box.Starts(temporal.ServiceName), "a blocked note never keeps the server from starting")
	// In its own relation-broken hook a dying relation is still listed.
	f = newFixture(t, s)
	f.mustRun(t, relationEvent(juju.RelationBroken, s.Relations[len(s.Relations)-1]))
	require.Equal(t, active, f.status())
}

// The ui endpoint: the leader tells temporal-ui-k8s whether the server is
// ready (incumbent.md §1.13), and follows the status.
func TestUIServerStatus(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, nil))
	rel := sideRelation("ui:50", "temporal-ui-k8s")
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, relationEvent(juju.RelationCreated, rel))
	uiData := func() map[string]string {
		for _, r := range f.model.State().Relations {
			if r.ID == rel.ID {
				return r.LocalAppData
			}
		}
		return nil
	}
	require.Equal(t, map[string]string{"server_status": "ready"}, uiData())
	require.Equal(t, active, f.status(), "ui is built: no note")

	f.model.Update(func(s *jujutest.State) { s.Config["num-history-shards"] = 3 })
	// Juju fails to flush what the hook wrote: the next hook, an
	// observing one, writes it again.
	f.runCommitFails(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Equal(t, map[string]string{"server_status": "ready"}, uiData())
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, map[string]string{"server_status": "blocked"}, uiData())
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, map[string]string{"server_status": "blocked"}, uiData())

	f.model.Update(func(s *jujutest.State) { delete(s.Config, "num-history-shards") })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, map[string]string{"server_status": "ready"}, uiData())

	// A non-leader writes nothing.
	g := settled(t, ready(false, nil))
	g.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, sideRelation("ui:50", "temporal-ui-k8s")) })
	g.mustRun(t, relationEvent(juju.RelationCreated, rel))
	require.Empty(t, g.model.State().Relations[len(g.model.State().Relations)-1].LocalAppData)
}

// After a refresh from the Python charm its peer data holds the database
// passwords, the OpenFGA token and the S3 secret key in plain text: the
// leader deletes them, and keeps its shard count.
func TestPythonCharmsPlaintextPeerKeysDeleted(t *testing.T) {
	t.Parallel()
	s := ready(true, map[string]any{"num-history-shards": 4})
	s.Relations[0].LocalAppData = map[string]string{
		"num_history_shards":   "4",
		"schema_ready":         "true",
		"database_connections": `{"db": {"dbname": "temporal-k8s_db", "host": "10.1.0.2", "port": "5432", "password": "db-pass", "user": "relation_id_3", "tls": false}, "visibility": null}`,
		"openfga":              "null",
		"s3":                   `{"bucket": "b", "aws_secret_access_key": "s3-secret"}`,
	}
	f := newFixture(t, s)
	f.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	peer := f.model.State().Relations[0].LocalAppData
	require.Equal(t, "4", peer["num_history_shards"])
	require.Equal(t, "true", peer["schema_ready"], "not a secret: kept for a refresh back")
	for _, k := range []string{"database_connections", "openfga", "s3"} {
		require.NotContains(t, peer, k)
	}
	require.Equal(t, active, f.status())
}

// metrics-endpoint: every unit offers its address, the leader the scrape
// job and the alert rules of the services its application runs, with the
// Juju topology; an invalid option is never published; once written,
// steady hooks write nothing.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	rel := sideRelation("metrics-endpoint:60", "prometheus-k8s")
	data := func(f *fixture) (app, unit map[string]string) {
		for _, r := range f.model.State().Relations {
			if r.ID == rel.ID {
				return r.LocalAppData, r.LocalUnitData
			}
		}
		return nil, nil
	}
	f := settled(t, ready(true, map[string]any{"services": "history,matching"}))
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, relationEvent(juju.RelationCreated, rel))
	app, unit := data(f)
	// The library's empty prometheus_scrape_unit_path is no key at all:
	// relation-set deletes a key set to "".
	require.Equal(t, map[string]string{
		"prometheus_scrape_unit_address": "10.1.0.7",
		"prometheus_scrape_unit_name":    "temporal-k8s/0",
	}, unit)
	require.JSONEq(t, `{"model": "", "model_uuid": "", "application": "temporal-k8s", "unit": "temporal-k8s/0", "charm_name": "temporal-k8s"}`, app["scrape_metadata"])
	require.JSONEq(t, `[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:9090"]}]}]`, app["scrape_jobs"])
	require.Contains(t, app["alert_rules"], "TemporalHistoryDown")
	require.Contains(t, app["alert_rules"], "TemporalMatchingDown")
	require.NotContains(t, app["alert_rules"], "TemporalFrontendDown")
	require.Equal(t, active, f.status(), "built: no note")

	// Read back once, then nothing.
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader", "relation-get", "relation-get"}, callNames(f.model.Calls()))
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	require.Equal(t, []string{"is-leader"}, callNames(f.model.Calls()))

	// An invalid option keeps the rules of the last valid one.
	f.model.Update(func(s *jujutest.State) { s.Config["services"] = "history,nope" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	app, _ = data(f)
	require.Contains(t, app["alert_rules"], "TemporalMatchingDown")
	f.model.Update(func(s *jujutest.State) { s.Config["services"] = "history" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	app, _ = data(f)
	require.NotContains(t, app["alert_rules"], "TemporalMatchingDown")

	// A non-leader offers only itself.
	g := settled(t, ready(false, nil))
	g.model.Update(func(s *jujutest.State) {
		s.Relations = append(s.Relations, sideRelation("metrics-endpoint:60", "prometheus-k8s"))
	})
	g.mustRun(t, relationEvent(juju.RelationCreated, rel))
	app, unit = data(g)
	require.Empty(t, app)
	require.Equal(t, "10.1.0.7", unit["prometheus_scrape_unit_address"])
}

// logging: every unit forwards the server's output to every Loki unit
// through Pebble, labelled with the Juju topology; a Loki unit gone keeps
// its target, disabled; the leader writes its topology; a workload
// container restarted gets the targets back; steady hooks cost nothing.
func TestLoggingForwardsThroughPebble(t *testing.T) {
	t.Parallel()
	rel := &jujutest.Relation{
		ID: "logging:70", RemoteApp: "loki-k8s", RemoteUnits: []string{"loki-k8s/0", "loki-k8s/1"}, RemoteAppData: map[string]string{},
		RemoteUnitData: map[string]map[string]string{
			"loki-k8s/0": {"endpoint": `{"url": "http://10.1.0.20:3100/loki/api/v1/push"}`},
			"loki-k8s/1": {"endpoint": `{"url": "http://10.1.0.21:3100/loki/api/v1/push"}`},
		},
	}
	f := settled(t, ready(true, nil))
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, relationEvent(juju.RelationCreated, rel))
	for _, u := range rel.RemoteUnits {
		ev := relationEvent(juju.RelationChanged, rel)
		ev.RemoteUnit = u
		f.mustRun(t, ev)
	}
	labels := map[string]string{"product": "Juju", "charm": "temporal-k8s", "juju_model": "", "juju_model_uuid": "", "juju_application": "temporal-k8s", "juju_unit": "temporal-k8s/0"}
	target := func(url string, services ...string) workload.LogTarget {
		return workload.LogTarget{Override: "replace", Type: "loki", Location: url, Services: services, Labels: labels}
	}
	plan, err := f.box.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, map[string]workload.LogTarget{
		"loki-k8s/0": target("http://10.1.0.20:3100/loki/api/v1/push", "all"),
		"loki-k8s/1": target("http://10.1.0.21:3100/loki/api/v1/push", "all"),
	}, plan.LogTargets)
	app := f.model.State().Relations[len(f.model.State().Relations)-1].LocalAppData
	require.Equal(t, "{}", app["alert_rules"])
	require.JSONEq(t, `{"model": "", "model_uuid": "", "application": "temporal-k8s", "unit": "temporal-k8s/0", "charm_name": "temporal-k8s"}`, app["metadata"])
	require.Equal(t, active, f.status())

	// Steady: a Loki unit's unchanged data costs its read, nothing more.
	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.box.Writes()
	ev := relationEvent(juju.RelationChanged, rel)
	ev.RemoteUnit = "loki-k8s/0"
	f.mustRun(t, ev)
	require.Equal(t, []string{"relation-get", "is-leader"}, callNames(f.model.Calls()))
	require.Zero(t, f.box.Writes().AddLayer, "nothing to add")

	// A Loki unit goes: its target stays, forwarding nothing.
	f.model.Update(func(s *jujutest.State) {
		r := s.Relations[len(s.Relations)-1]
		r.RemoteUnits = r.RemoteUnits[:1]
		delete(r.RemoteUnitData, "loki-k8s/1")
	})
	dep := relationEvent(juju.RelationDeparted, rel)
	dep.RemoteUnit, dep.DepartingUnit = "loki-k8s/1", "loki-k8s/1"
	f.mustRun(t, dep)
	plan, err = f.box.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, target("http://10.1.0.21:3100/loki/api/v1/push", "-all"), plan.LogTargets["loki-k8s/1"])
	require.Equal(t, []string{"all"}, plan.LogTargets["loki-k8s/0"].Services)

	// The workload container restarts with an empty plan: its
	// pebble-ready puts the targets back.
	f.box.Reboot("boot-2")
	f.mustRun(t, juju.Event{Kind: juju.PebbleReady, Name: "temporal-pebble-ready", Workload: "temporal"})
	plan, err = f.box.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, map[string]workload.LogTarget{"loki-k8s/0": target("http://10.1.0.20:3100/loki/api/v1/push", "all")}, plan.LogTargets)

	// A new pod: the cache is empty, the Loki units are read again.
	g := newFixture(t, f.model.State())
	g.mustRun(t, juju.Event{Kind: juju.UpgradeCharm})
	plan, err = g.box.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, map[string]workload.LogTarget{"loki-k8s/0": target("http://10.1.0.20:3100/loki/api/v1/push", "all")}, plan.LogTargets)
}

// grafana-dashboard: the leader publishes the dashboard as the library
// does, under the Python charm's file name and uids; the same dashboard
// is never written twice.
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	rel := sideRelation("grafana-dashboard:80", "grafana-k8s")
	f := settled(t, ready(true, nil))
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, relationEvent(juju.RelationCreated, rel))
	app := f.model.State().Relations[len(f.model.State().Relations)-1].LocalAppData
	var d struct {
		Templates map[string]struct {
			Charm           string            `json:"charm"`
			Content         string            `json:"content"`
			JujuTopology    map[string]string `json:"juju_topology"`
			InjectDropdowns bool              `json:"inject_dropdowns"`
			DashboardAltUID string            `json:"dashboard_alt_uid"`
		} `json:"templates"`
		UUID string `json:"uuid"`
	}
	require.NoError(t, json.Unmarshal([]byte(app["dashboards"]), &d))
	tmpl, ok := d.Templates["file:temporal-monitoring.json"]
	require.True(t, ok, "%v", d.Templates)
	require.Equal(t, "temporal-k8s", tmpl.Charm)
	require.Equal(t, "9fdb329df2de3a34", tmpl.DashboardAltUID, "the Python charm's")
	require.True(t, tmpl.InjectDropdowns)
	require.Equal(t, map[string]string{"model": "", "model_uuid": "", "application": "temporal-k8s", "unit": "temporal-k8s/0"}, tmpl.JujuTopology)
	require.NotEmpty(t, d.UUID)
	require.Equal(t, active, f.status())

	f.mustRun(t, juju.Event{Kind: juju.UpdateStatus})
	f.model.Calls()
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged})
	require.Equal(t, []string{"is-leader", "config-get"}, callNames(f.model.Calls()), "the same dashboard is not written again")
}
