package charm

import (
	"context"
	"fmt"
	"slices"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/juju"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/ingress"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/nginxroute"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// routeStatus is what the related ingress endpoints call for: Blocked
// when both are related (two providers would route the same clients two
// ways) or when the application runs no frontend to route to; empty
// otherwise. The server keeps running either way.
func routeStatus(cfg config.Config, related []string) juju.Status {
	switch {
	case len(related) > 1:
		return juju.Status{Name: juju.StatusBlocked, Message: "only one of ingress and nginx-route may be related: remove one"}
	case len(related) == 1 && !cfg.Has(config.Frontend):
		return juju.Status{Name: juju.StatusBlocked, Message: fmt.Sprintf(
			"%s routes to the frontend, which this application does not run: remove the relation or add frontend to services", related[0])}
	}
	return juju.Status{}
}

// publishRoute asks the related ingress provider for a route to the
// frontend, unless an option is invalid (report calls it only when
// routeStatus allows): on ingress the leader names the port and scheme
// and each unit where it is; on nginx-route the leader names the host and
// backend. The scheme follows this unit's own server, as
// temporal-host-info's tls does: h2c until it serves TLS, https after.
func (c *Charm) publishRoute(ctx context.Context, ca *cache, in *inputs, relID, endpoint string) error {
	if len(in.problems) > 0 {
		return nil
	}
	port := temporal.Ports[config.Frontend].GRPC
	if endpoint == nginxroute.Endpoint {
		if !in.leader {
			return nil
		}
		route := c.nginxRoute(in.cfg)
		route.BackendTLS = in.servesTLS
		return c.ensureAppData(ctx, ca, relID, route.AppData())
	}
	if in.bindAddress != "" {
		host := hostinfo.UnitHost(c.event.App, c.unitNumber(), c.event.Model)
		if err := c.ensureUnitData(ctx, ca, relID, ingress.UnitData(host, in.bindAddress)); err != nil {
			return err
		}
	}
	if !in.leader {
		return nil
	}
	return c.ensureAppData(ctx, ca, relID, ingress.AppData(c.event.Model, c.event.App, port, ingress.SchemeFor(in.servesTLS)))
}

// nginxRoute is the route nginx-route asks for, to a frontend without
// TLS.
func (c *Charm) nginxRoute(cfg config.Config) nginxroute.Route {
	host := cfg.ExternalHostname
	if host == "" {
		host = c.event.App
	}
	return nginxroute.Route{
		Model: c.event.Model, App: c.event.App, Hostname: host,
		Port: temporal.Ports[config.Frontend].GRPC, TLSSecret: cfg.TLSSecretName,
	}
}

// ingressURL reports where the related ingress provider routes clients
// to the frontend: the URL an ingress provider answered, or the host
// nginx-route asked for (its provider answers nothing).
func (c *Charm) ingressURL(ctx context.Context) error {
	raw, err := c.Juju.ConfigGet(ctx)
	if err != nil {
		return fmt.Errorf("cannot read config: %w", err)
	}
	cfg, problems := config.Parse(raw)
	var related []string
	ids := map[string][]string{}
	for _, ep := range []string{ingress.Endpoint, nginxroute.Endpoint} {
		if ids[ep], err = c.Juju.RelationIDs(ctx, ep); err != nil {
			return fmt.Errorf("cannot list %s relations: %w", ep, err)
		}
		if len(ids[ep]) > 0 {
			related = append(related, ep)
		}
	}
	switch s := routeStatus(cfg, related); {
	case len(related) == 0:
		return c.Juju.ActionFail(ctx, "no ingress: relate ingress (traefik-k8s) or nginx-route (nginx-ingress-integrator)")
	case s.Name != "":
		return c.Juju.ActionFail(ctx, s.Message)
	case len(problems) > 0:
		return c.Juju.ActionFail(ctx, "no route is asked for while an option is invalid: "+problems[0].String())
	case slices.Contains(related, nginxroute.Endpoint):
		return c.Juju.ActionSet(ctx, map[string]string{"url": c.nginxRoute(cfg).URL(), "relation": nginxroute.Endpoint})
	}
	relID := ids[ingress.Endpoint][0]
	remote, err := c.Juju.RelationApp(ctx, relID)
	if err != nil {
		return fmt.Errorf("cannot find the application of %s: %w", relID, err)
	}
	data, err := c.Juju.RelationGet(ctx, relID, remote, true)
	if err != nil {
		return fmt.Errorf("cannot read the ingress provider's data: %w", err)
	}
	url, err := ingress.URL(data)
	switch {
	case err != nil:
		return c.Juju.ActionFail(ctx, err.Error())
	case url == "":
		return c.Juju.ActionFail(ctx, "the ingress provider has not answered a URL yet")
	}
	return c.Juju.ActionSet(ctx, map[string]string{"url": url, "relation": ingress.Endpoint})
}
