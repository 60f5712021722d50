// Package integrator is a stand-in for the nginx-ingress-integrator
// charm, for the local model: the provider side of nginx-route and, in
// place of the cluster's ingress-nginx controller, a real nginx in its
// workload container.
package integrator

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
)

// Names from metadata.yaml, and the files of the route's TLS.
const (
	ContainerName = "nginx"
	Endpoint      = "nginx-route"
	FakeCertFile  = nginx.Dir + "/fake.crt"
	FakeKeyFile   = nginx.Dir + "/fake.key"
)

// Route is one requirer's ask, as the charm reads it.
type Route struct {
	Hostname, Name, Namespace string
	Port                      int
	Protocol                  string
	TLSSecret                 string
}

// required are the keys the provider checks (nginx_route.py,
// _on_relation_changed).
var required = []string{"service-hostname", "service-name", "service-port"}

// ErrMissing is a request without every required key.
type ErrMissing []string

func (e ErrMissing) Error() string {
	return "Missing fields for nginx-route: " + strings.Join(e, ", ")
}

// ParseRoute reads a requirer's app data; model is the default namespace.
func ParseRoute(data map[string]string, model string) (Route, error) {
	var missing ErrMissing
	for _, k := range required {
		if data[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return Route{}, missing
	}
	port, err := strconv.Atoi(data["service-port"])
	if err != nil || port <= 0 || port > 65535 {
		return Route{}, fmt.Errorf("invalid service-port %q", data["service-port"])
	}
	r := Route{Hostname: data["service-hostname"], Name: data["service-name"], Namespace: data["service-namespace"], Port: port,
		Protocol: strings.ToUpper(data["backend-protocol"]), TLSSecret: data["tls-secret-name"]}
	if r.Namespace == "" {
		r.Namespace = model
	}
	if r.Protocol == "" {
		r.Protocol = "HTTP"
	}
	if !slices.Contains([]string{"HTTP", "HTTPS", "GRPC", "GRPCS", "FCGI"}, r.Protocol) {
		return Route{}, fmt.Errorf("invalid backend-protocol %q: HTTP, HTTPS, GRPC, GRPCS or FCGI", data["backend-protocol"])
	}
	if r.Protocol == "FCGI" {
		return Route{}, fmt.Errorf("backend-protocol FCGI is not served by the stand-in")
	}
	return r, nil
}

// Proxy is nginx's rule for the route: the host to the application's
// Service on the port, TLS backends not verified.
func (r Route) Proxy() nginx.Route {
	server := net.JoinHostPort(r.Name+"."+r.Namespace+".svc.cluster.local", strconv.Itoa(r.Port))
	out := nginx.Route{Host: r.Hostname, Path: "/", Backend: nginx.Backend{Protocol: nginx.Protocol(strings.ToLower(r.Protocol)), Servers: []string{server}}}
	if r.TLSSecret != "" {
		out.TLS, out.CertFile, out.KeyFile = true, FakeCertFile, FakeKeyFile
	}
	return out
}
