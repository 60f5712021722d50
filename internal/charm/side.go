package charm

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/grafana"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/ingress"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/loki"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/metrics"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/nginxroute"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/planned"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/ui"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// sideEndpoints are the endpoints whose relations are listed once per
// cache and then follow their events: the charm writes to ui,
// metrics-endpoint, logging (whose Loki units' data followLoki reads),
// grafana-dashboard, ingress and nginx-route, names the planned ones in
// its status, reads the provider's certificates on
// frontend-certificates and internode-certificates (gatherCert), and
// reads and writes the stages of internode TLS on the rollout endpoints
// (rollout.go).
func sideEndpoints() []string {
	eps := []string{ui.Endpoint, metrics.Endpoint, loki.Endpoint, grafana.Endpoint, FrontendCertsEndpoint, InternodeCertsEndpoint, ingress.Endpoint, nginxroute.Endpoint, rollout.HubEndpoint, rollout.MemberEndpoint}
	for _, e := range planned.Endpoints() {
		eps = append(eps, e.Name)
	}
	return eps
}

// followSide records the coming or going of a side relation that the
// event announces.
func (c *Charm) followSide(ca *cache) {
	if c.event.RelationID == "" || !slices.Contains(sideEndpoints(), c.event.Relation) {
		return
	}
	if c.event.Kind == juju.RelationBroken {
		delete(ca.Side, c.event.RelationID)
		return
	}
	ca.Side[c.event.RelationID] = c.event.Relation
}

// listSide lists the side relations once per cache: a new pod, a new
// build of the charm (a refresh from another charm included).
func (c *Charm) listSide(ctx context.Context, ca *cache) error {
	if ca.SideKnown {
		return nil
	}
	for _, ep := range sideEndpoints() {
		ids, err := c.Juju.RelationIDs(ctx, ep)
		if err != nil {
			return fmt.Errorf("cannot list %s relations: %w", ep, err)
		}
		for _, id := range ids {
			// A dying relation is still listed in its own
			// relation-broken hook.
			if c.event.Kind == juju.RelationBroken && id == c.event.RelationID {
				continue
			}
			ca.Side[id] = ep
		}
	}
	ca.SideKnown = true
	return nil
}

// report writes what the side relations are told (the ui's server
// status, the metrics endpoint's scrape data), adds what the related
// planned endpoints do not do yet, and sets the status. Every hook comes
// here, observing or not, and reads back what an earlier one wrote: a
// write here need not send the next hook to a full reconcile.
func (c *Charm) report(ctx context.Context, ca *cache, in *inputs, st *statuses) error {
	wrote := c.wrote
	var related, routes []string
	ids := make([]string, 0, len(ca.Side))
	for id := range ca.Side {
		ids = append(ids, id)
		if ep := ca.Side[id]; (ep == ingress.Endpoint || ep == nginxroute.Endpoint) && !slices.Contains(routes, ep) {
			routes = append(routes, ep)
		}
	}
	sort.Strings(ids)
	sort.Strings(routes)
	routeSt := routeStatus(in.cfg, routes)
	for _, id := range ids {
		var err error
		switch ep := ca.Side[id]; ep {
		case ui.Endpoint:
			if in.leader {
				err = c.ensureAppData(ctx, ca, id, ui.Data(st.ok()))
			}
		case metrics.Endpoint:
			err = c.publishMetrics(ctx, ca, in, id)
		case loki.Endpoint:
			if in.leader {
				err = c.ensureAppData(ctx, ca, id, loki.AppData(c.event.Topology(CharmName)))
			}
		case grafana.Endpoint:
			if in.leader {
				err = c.ensureAppData(ctx, ca, id, grafana.AppData(c.event.Topology(CharmName)))
			}
		case ingress.Endpoint, nginxroute.Endpoint:
			if routeSt.Name == "" {
				err = c.publishRoute(ctx, ca, in, id, ep)
			}
		case FrontendCertsEndpoint, InternodeCertsEndpoint, rollout.HubEndpoint, rollout.MemberEndpoint:
			// Its own status note comes with the assessment.
		default:
			related = append(related, ep)
		}
		if err != nil {
			return err
		}
	}
	c.wrote = wrote
	if err := c.forwardLogs(ctx, ca, in); err != nil {
		return err
	}
	if routeSt.Name != "" {
		st.add(routeSt.Name, routeSt.Message)
	}
	if s := planned.Status(related); s.Name != "" {
		st.add(s.Name, s.Message)
	}
	return c.setStatus(ctx, st.result(), in.leader)
}

// publishMetrics offers the unit to Prometheus, and on the leader the
// scrape job and alert rules for the services the application runs
// (never from an invalid option).
func (c *Charm) publishMetrics(ctx context.Context, ca *cache, in *inputs, relID string) error {
	if in.bindAddress != "" {
		if err := c.ensureUnitData(ctx, ca, relID, metrics.UnitData(c.event.Unit, in.bindAddress)); err != nil {
			return err
		}
	}
	if !in.leader || len(in.problems) > 0 {
		return nil
	}
	return c.ensureAppData(ctx, ca, relID, metrics.AppData(c.event.Topology(CharmName), in.cfg.Services, temporal.MetricsPort))
}

// followLoki keeps the Loki units' push URLs: read in full once per
// cache, then from the logging relation's own events.
func (c *Charm) followLoki(ctx context.Context, ca *cache) error {
	if !ca.LokiKnown {
		ids, err := c.Juju.RelationIDs(ctx, loki.Endpoint)
		if err != nil {
			return fmt.Errorf("cannot list %s relations: %w", loki.Endpoint, err)
		}
		ca.Loki = map[string]string{}
		for _, id := range ids {
			if c.event.Kind == juju.RelationBroken && id == c.event.RelationID {
				continue
			}
			units, err := c.Juju.RelationList(ctx, id)
			if err != nil {
				return fmt.Errorf("cannot list the units of %s: %w", id, err)
			}
			for _, u := range units {
				if err := c.readLoki(ctx, ca, id, u); err != nil {
					return err
				}
			}
		}
		ca.LokiKnown = true
		return nil
	}
	if c.event.Relation != loki.Endpoint {
		return nil
	}
	switch c.event.Kind {
	case juju.RelationChanged:
		if c.event.RemoteUnit != "" {
			return c.readLoki(ctx, ca, c.event.RelationID, c.event.RemoteUnit)
		}
	case juju.RelationDeparted:
		// JUJU_REMOTE_UNIT is the unit going.
		delete(ca.Loki, c.event.RemoteUnit)
	case juju.RelationBroken:
		// logging has limit 1: its units were all of them.
		ca.Loki = map[string]string{}
	}
	return nil
}

func (c *Charm) readLoki(ctx context.Context, ca *cache, relID, unit string) error {
	data, err := c.Juju.RelationGet(ctx, relID, unit, false)
	if err != nil {
		return fmt.Errorf("cannot read the data of %s on %s: %w", unit, relID, err)
	}
	if url := loki.PushURL(data); url != "" {
		ca.Loki[unit] = url
	} else {
		delete(ca.Loki, unit)
	}
	return nil
}

// forwardLogs brings the workload's log targets to the Loki units known.
// Pebble applies a changed plan's log targets without a replan.
func (c *Charm) forwardLogs(ctx context.Context, ca *cache, in *inputs) error {
	if in.pebbleErr != nil || (len(ca.Loki) == 0 && len(in.plan.LogTargets) == 0) {
		return nil
	}
	layer := loki.Layer(c.event.Topology(CharmName), ca.Loki, in.plan.LogTargets)
	if len(layer.LogTargets) == 0 || loki.Applied(layer, in.plan.LogTargets) {
		return nil
	}
	if err := c.Container.AddLayer(ctx, loki.LayerLabel(Container), layer); err != nil {
		return fmt.Errorf("cannot forward logs to Loki: %w", err)
	}
	return nil
}
