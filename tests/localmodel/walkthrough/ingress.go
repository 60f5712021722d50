package walkthrough

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/canonical/pebble/client"
)

// The ingress providers of the TLS scenario, and the host the traefik
// stand-in is reached by.
const (
	AppTraefik      = "traefik-k8s"
	AppIntegrator   = "nginx-ingress-integrator"
	IngressHostname = "ingress.local"
)

// ingressRoute is how to reach the frontend through one provider.
type ingressRoute struct {
	provider, endpoint, remote, container string
	config                                []string
}

var (
	traefikRoute    = ingressRoute{provider: AppTraefik, endpoint: "ingress", remote: AppTraefik + ":ingress", container: "traefik", config: []string{"routing_mode=subdomain", "external_hostname=" + IngressHostname}}
	integratorRoute = ingressRoute{provider: AppIntegrator, endpoint: "nginx-route", remote: AppIntegrator + ":nginx-route", container: "nginx"}
)

// ThroughIngress relates the provider of route to the frontend (after
// removing the other provider's relation, as the charm allows one),
// waits for the route, and runs a workflow through it as a client outside
// the cluster does: to the provider's Service, on the port of the URL the
// ingress-url action reports, naming the URL's host.
func (s *Scenario) ThroughIngress(ctx context.Context, route ingressRoute, scales map[string]int) error {
	start := time.Now()
	status, err := s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	for _, other := range []ingressRoute{traefikRoute, integratorRoute} {
		if other.provider == route.provider {
			continue
		}
		if status.Applications[AppFrontend].RelatedTo(other.endpoint, other.provider) {
			if err := s.run(ctx, "remove-relation", AppFrontend+":"+other.endpoint, other.remote); err != nil {
				return err
			}
		}
	}
	if _, ok := status.Applications[route.provider]; !ok {
		if err := s.deploy(ctx, route.provider, "", route.config...); err != nil {
			return err
		}
	}
	_, tls := status.Applications[AppCA]
	if route.provider == AppTraefik && tls && !status.Applications[AppTraefik].RelatedTo("receive-ca-cert", AppCA) {
		// Traefik verifies a TLS backend against the CAs it receives.
		if err := s.relate(ctx, AppTraefik+":receive-ca-cert", AppCA+":send-ca-cert"); err != nil {
			return err
		}
	}
	if !status.Applications[AppFrontend].RelatedTo(route.endpoint, route.provider) {
		if err := s.relate(ctx, AppFrontend+":"+route.endpoint, route.remote); err != nil {
			return err
		}
	}
	scales[route.provider] = 1
	if _, err := s.WaitSettled(ctx, scales, s.Timeouts.Settle); err != nil {
		return err
	}
	res, err := s.CLI.RunAction(ctx, AppFrontend+"/0", "ingress-url")
	if err != nil {
		return err
	}
	raw := res.Result("url")
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("ingress-url gave %q: %v", raw, err)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	status, err = s.CLI.Status(ctx)
	if err != nil {
		return err
	}
	e := Endpoint{HostPort: net.JoinHostPort(status.Applications[route.provider].Address, port), Authority: u.Hostname()}
	s.printf("%s routes %s (relation %s) to %s\n", route.provider, raw, res.Result("relation"), AppFrontend)
	// The proxy reaches the frontend as it serves: gRPC in the clear,
	// or over TLS (verified by traefik) once it serves TLS.
	want := "grpc_pass grpc://"
	if tls {
		want = "grpc_pass grpcs://"
	}
	conf, err := proxyConfig(route)
	if err != nil {
		return err
	}
	if !strings.Contains(conf, want) || tls && route.provider == AppTraefik && !strings.Contains(conf, "grpc_ssl_verify on;") {
		return fmt.Errorf("%s's proxy does not reach the frontend with %q (verified: %v):\n%s", route.provider, want, route.provider == AppTraefik, conf)
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeouts.Workflow)
	defer cancel()
	result, id, err := RunWorkflowAt(ctx, e, workflowID("ingress"))
	if err != nil {
		return fmt.Errorf("through %s: %w", route.provider, err)
	}
	s.Completed = append(s.Completed, id)
	s.printf("workflow through %s: %q\n", e, result)
	s.record(route.provider+" related → a workflow through "+u.Hostname()+":"+port, time.Since(start))
	return nil
}

// proxyConfig is the nginx configuration the provider's unit runs.
func proxyConfig(route ingressRoute) (string, error) {
	cl, err := podPebble(route.provider+"/0", route.container)
	if err != nil {
		return "", err
	}
	defer cl.CloseIdleConnections()
	var b strings.Builder
	if err := cl.Pull(&client.PullOptions{Path: "/tmp/nginx/nginx.conf", Target: &b}); err != nil {
		return "", fmt.Errorf("cannot read %s's nginx configuration: %w", route.provider, err)
	}
	return b.String(), nil
}
