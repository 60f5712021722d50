// Package nginxroute is the requirer side of nginx-route (the charm
// library nginx_ingress_integrator/v0/nginx_route.py, LIBPATCH 7),
// deprecated and kept because the Python charm relates it: the leader
// asks nginx-ingress-integrator for a route from a host name to the
// application's frontend. The provider answers nothing.
package nginxroute

import "strconv"

// Endpoint is the requires endpoint in metadata.yaml.
const Endpoint = "nginx-route"

// Route is what the leader asks for.
type Route struct {
	Model, App string
	// Hostname is the host clients name (external-hostname, or the
	// application's name).
	Hostname string
	Port     int
	// TLSSecret is the Kubernetes secret of the route's own TLS; empty
	// for none.
	TLSSecret string
	// BackendTLS is set while the frontend serves TLS.
	BackendTLS bool
}

// AppData is the leader's databag, plain strings as the library writes
// them. The backend protocol is GRPC, as the Python charm asks, or GRPCS
// once the frontend serves TLS, which a cleartext route could not reach.
func (r Route) AppData() map[string]string {
	protocol := "GRPC"
	if r.BackendTLS {
		protocol = "GRPCS"
	}
	return map[string]string{
		"service-namespace": r.Model,
		"service-hostname":  r.Hostname,
		"service-name":      r.App,
		"service-port":      strconv.Itoa(r.Port),
		"backend-protocol":  protocol,
		"tls-secret-name":   r.TLSSecret,
	}
}

// URL is where the route is reached: the integrator answers nothing, and
// its Ingress serves the host, over TLS when it names a secret.
func (r Route) URL() string {
	if r.TLSSecret != "" {
		return "https://" + r.Hostname + "/"
	}
	return "http://" + r.Hostname + "/"
}
