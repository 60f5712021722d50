package charm_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/juju/jujutest"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/ingress"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// ingressURL runs the ingress-url action and returns its results, or its
// failure message.
func (f *fixture) ingressURL(t *testing.T) (map[string]string, string) {
	t.Helper()
	f.model.Update(func(s *jujutest.State) { s.ActionParams = map[string]any{} })
	f.model.ClearActionResults()
	f.mustRun(t, juju.Event{Kind: juju.Action, Name: "ingress-url", Model: tlsModel})
	results, failed := f.model.ActionResults()
	if failed != nil {
		return nil, *failed
	}
	return results, ""
}

// ingress: the leader asks for a route to 7233 over h2c (the frontend
// serves no TLS here), every unit says where it is, the server runs on
// untouched, and the action reports the URL the provider answers.
func TestIngressRoute(t *testing.T) {
	t.Parallel()
	for _, leader := range []bool{true, false} {
		f := settled(t, ready(leader, map[string]any{"services": "frontend"}))
		starts := f.box.Starts(temporal.ServiceName)
		rel := sideRelation("ingress:60", "traefik-k8s")
		f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
		f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
		own := f.relationByID(rel.ID)
		require.Equal(t, map[string]string{"host": `"temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local"`, "ip": `"10.1.0.7"`}, own.LocalUnitData)
		if !leader {
			require.Empty(t, own.LocalAppData, "only the leader writes the app data")
			continue
		}
		require.Equal(t, map[string]string{"model": `"m"`, "name": `"temporal-k8s"`, "port": "7233", "scheme": `"h2c"`}, own.LocalAppData)
		require.Equal(t, active, f.status())
		require.Equal(t, starts, f.box.Starts(temporal.ServiceName))

		_, failed := f.ingressURL(t)
		require.Equal(t, "the ingress provider has not answered a URL yet", failed)
		f.model.Update(func(*jujutest.State) {
			rel.RemoteAppData = map[string]string{ingress.URLKey: `{"url": "http://m-temporal-k8s.ingress.local/"}`}
		})
		f.mustRun(t, tlsEvent(juju.RelationChanged, rel))
		results, failed := f.ingressURL(t)
		require.Empty(t, failed)
		require.Equal(t, map[string]string{"url": "http://m-temporal-k8s.ingress.local/", "relation": "ingress"}, results)
		f.model.Update(func(*jujutest.State) { rel.RemoteAppData = map[string]string{ingress.URLKey: `{"url": "ftp://x/"}`} })
		_, failed = f.ingressURL(t)
		require.Contains(t, failed, "not an http(s) URL")

		// Observing hooks leave what is written alone.
		f.model.Calls()
		f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
		for _, c := range f.model.Calls() {
			require.NotEqual(t, "relation-set", c.Name, "%v", c.Args)
		}
		f.mustRun(t, tlsEvent(juju.RelationBroken, rel))
		require.Equal(t, active, f.status())
	}
}

// A unit that does not know its pod address yet (network-get has not
// answered) writes no half entry: the provider would refuse the whole
// relation for an ip that is not one. A non-leader asks nothing of
// nginx-route, which reads the app data only.
func TestRouteDataOnlyWhenComplete(t *testing.T) {
	t.Parallel()
	s := ready(true, map[string]any{"services": "frontend"})
	rel := sideRelation("ingress:60", "traefik-k8s")
	s.Relations = append(s.Relations, rel)
	// network-get answers, with no address yet.
	s.BindAddress = map[string]string{"peer": ""}
	f := newFixture(t, s)
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	require.Empty(t, f.relationByID(rel.ID).LocalUnitData)
	require.Equal(t, `"h2c"`, f.relationByID(rel.ID).LocalAppData["scheme"], "the leader still asks for the route")

	g := settled(t, ready(false, map[string]any{"services": "frontend"}))
	route := sideRelation("nginx-route:61", "nginx-ingress-integrator")
	g.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, route) })
	g.mustRun(t, tlsEvent(juju.RelationCreated, route))
	require.Empty(t, g.relationByID(route.ID).LocalAppData)
	require.Empty(t, g.relationByID(route.ID).LocalUnitData)
	require.Equal(t, active, g.status())
}

// nginx-route: the leader asks nginx-ingress-integrator for the host
// (external-hostname, or the application's name) with the Python charm's
// keys; the action reports that host, https when the route names a TLS
// secret.
func TestNginxRoute(t *testing.T) {
	t.Parallel()
	f := settled(t, ready(true, map[string]any{"services": "frontend"}))
	rel := sideRelation("nginx-route:61", "nginx-ingress-integrator")
	f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
	f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
	require.Equal(t, map[string]string{
		"service-namespace": "m", "service-hostname": "temporal-k8s", "service-name": "temporal-k8s",
		"service-port": "7233", "backend-protocol": "GRPC", "tls-secret-name": "temporal-tls",
	}, f.relationByID(rel.ID).LocalAppData)
	require.Empty(t, f.relationByID(rel.ID).LocalUnitData)
	require.Equal(t, active, f.status())
	results, failed := f.ingressURL(t)
	require.Empty(t, failed)
	require.Equal(t, map[string]string{"url": "https://temporal-k8s/", "relation": "nginx-route"}, results)

	f.model.Update(func(s *jujutest.State) {
		s.Config["external-hostname"] = "temporal.example.com"
		s.Config["tls-secret-name"] = ""
	})
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	require.Equal(t, map[string]string{
		"service-namespace": "m", "service-hostname": "temporal.example.com", "service-name": "temporal-k8s",
		"service-port": "7233", "backend-protocol": "GRPC",
	}, f.relationByID(rel.ID).LocalAppData, "an empty secret name is no key, as relation-set writes it")
	results, _ = f.ingressURL(t)
	require.Equal(t, "http://temporal.example.com/", results["url"])

	// An invalid host asks for nothing new.
	f.model.Update(func(s *jujutest.State) { s.Config["external-hostname"] = "Bad_Host" })
	f.mustRun(t, juju.Event{Kind: juju.ConfigChanged, Model: tlsModel})
	require.Equal(t, "temporal.example.com", f.relationByID(rel.ID).LocalAppData["service-hostname"])
	require.Equal(t, juju.StatusBlocked, f.status().Name)
	require.Contains(t, f.status().Message, `invalid external-hostname "Bad_Host"`)
	_, failed = f.ingressURL(t)
	require.Contains(t, failed, `no route is asked for while an option is invalid: invalid external-hostname "Bad_Host"`)
}

// Two ingress providers at once, or one for an application without the
// frontend, block and ask for nothing; the server runs on.
func TestRouteStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		services string
		rels     []*jujutest.Relation
		want     string
	}{
		{"both", "frontend", []*jujutest.Relation{sideRelation("ingress:62", "traefik-k8s"), sideRelation("nginx-route:63", "nginx-ingress-integrator")},
			"only one of ingress and nginx-route may be related: remove one"},
		{"ingress without a frontend", "history", []*jujutest.Relation{sideRelation("ingress:62", "traefik-k8s")},
			"ingress routes to the frontend, which this application does not run: remove the relation or add frontend to services"},
		{"nginx-route without a frontend", "matching,worker", []*jujutest.Relation{sideRelation("nginx-route:63", "nginx-ingress-integrator")},
			"nginx-route routes to the frontend, which this application does not run: remove the relation or add frontend to services"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := settled(t, ready(true, map[string]any{"services": tt.services}))
			starts := f.box.Starts(temporal.ServiceName)
			for _, rel := range tt.rels {
				f.model.Update(func(s *jujutest.State) { s.Relations = append(s.Relations, rel) })
				f.mustRun(t, tlsEvent(juju.RelationCreated, rel))
			}
			f.mustRun(t, juju.Event{Kind: juju.UpdateStatus, Model: tlsModel})
			require.Equal(t, juju.Status{Name: juju.StatusBlocked, Message: tt.want}, f.status())
			// The last one related is asked for nothing (a first one
			// keeps the route it had).
			last := f.relationByID(tt.rels[len(tt.rels)-1].ID)
			require.Empty(t, last.LocalAppData)
			require.Empty(t, last.LocalUnitData)
			require.Equal(t, starts, f.box.Starts(temporal.ServiceName))
			_, failed := f.ingressURL(t)
			require.Equal(t, tt.want, failed)

			f.mustRun(t, tlsEvent(juju.RelationBroken, tt.rels[0]))
			f.model.Update(func(s *jujutest.State) { s.Relations = s.Relations[:len(s.Relations)-len(tt.rels)] })
			if len(tt.rels) == 1 {
				require.Equal(t, active, f.status())
			}
		})
	}
	t.Run("no ingress", func(t *testing.T) {
		t.Parallel()
		f := settled(t, ready(true, map[string]any{"services": "frontend"}))
		_, failed := f.ingressURL(t)
		require.Equal(t, "no ingress: relate ingress (traefik-k8s) or nginx-route (nginx-ingress-integrator)", failed)
	})
}
