// Package traefik is a stand-in for the traefik-k8s charm, for the local
// model: the provider side of ingress v2 and a real reverse proxy (nginx)
// in its workload container.
package traefik

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
)

// Names from metadata.yaml and config.yaml.
const (
	ContainerName = "traefik"
	Endpoint      = "ingress"
	CAEndpoint    = "receive-ca-cert"
	// URLKey is the provider's key in its app databag.
	URLKey = "ingress"
)

// Request is one requirer's ask, as IngressProvider.get_data reads it:
// its app data and the data of every one of its units.
type Request struct {
	Model, Name string
	Port        int
	Scheme      string
	Hosts       []string
}

// field decodes one known key of a databag: every value is JSON
// (DatabagModel.load decodes the model's fields, and ignores the rest).
func field(data map[string]string, key string, required bool, v any) error {
	raw, ok := data[key]
	if !ok {
		if required {
			return fmt.Errorf("%s: field required", key)
		}
		return nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("invalid databag contents: expecting json. %s=%q", key, raw)
	}
	return nil
}

// ParseRequest validates a requirer's data as the library's pydantic
// models do (IngressRequirerAppData, IngressRequirerUnitData): one
// invalid field, or one unit without a valid host, and the relation is
// not ready.
func ParseRequest(app map[string]string, units map[string]map[string]string) (Request, error) {
	var r Request
	if err := field(app, "model", true, &r.Model); err != nil {
		return Request{}, err
	}
	if err := field(app, "name", true, &r.Name); err != nil {
		return Request{}, err
	}
	// A JSON number: pydantic refuses "7233", a string.
	var port float64
	if err := field(app, "port", true, &port); err != nil {
		return Request{}, fmt.Errorf("port: %q is not an int between 0 and 65535", app["port"])
	}
	p := int(port)
	if float64(p) != port || p <= 0 || p >= 65535 {
		return Request{}, fmt.Errorf("port: %q is not an int between 0 and 65535", app["port"])
	}
	r.Port = p
	r.Scheme = "http"
	if err := field(app, "scheme", false, &r.Scheme); err != nil {
		return Request{}, err
	}
	switch r.Scheme {
	case "http", "https", "h2c":
	default:
		return Request{}, fmt.Errorf("scheme: %q is not one of http, https, h2c", r.Scheme)
	}
	for _, key := range []string{"strip-prefix", "redirect-https", "is_port_open"} {
		var b bool
		if err := field(app, key, false, &b); err != nil {
			return Request{}, err
		}
	}
	if len(units) == 0 {
		return Request{}, errors.New("no units")
	}
	names := make([]string, 0, len(units))
	for u := range units {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		var host, ip string
		if err := field(units[u], "host", true, &host); err != nil {
			return Request{}, fmt.Errorf("%s: %w", u, err)
		}
		if err := field(units[u], "ip", false, &ip); err != nil {
			return Request{}, fmt.Errorf("%s: %w", u, err)
		}
		if _, ok := units[u]["ip"]; ok && net.ParseIP(ip) == nil {
			return Request{}, fmt.Errorf("%s: ip %q is not an IP address", u, ip)
		}
		r.Hosts = append(r.Hosts, host)
	}
	return r, nil
}

// Prefix is the route's name, <model>-<name> (the charm's _get_prefix).
func (r Request) Prefix() string {
	return r.Model + "-" + strings.ReplaceAll(r.Name, "/", "-")
}

// Mode is the proxy's routing mode.
type Mode string

const (
	PathMode      Mode = "path"
	SubdomainMode Mode = "subdomain"
)

// Route is the proxy's rule for the request and the URL it publishes
// (_get_ingressed_app_url; pydantic's AnyHttpUrl adds the trailing slash
// of an empty path).
func (r Request) Route(mode Mode, external, caFile string) (nginx.Route, string) {
	servers := make([]string, len(r.Hosts))
	for i, h := range r.Hosts {
		servers[i] = net.JoinHostPort(h, strconv.Itoa(r.Port))
	}
	be := nginx.Backend{Servers: servers}
	switch r.Scheme {
	case "h2c":
		be.Protocol = nginx.GRPC
	case "https":
		// Traefik speaks HTTP/2 to a TLS backend that offers it, and
		// verifies it (serversTransport endToEndTLS, insecureSkipVerify
		// false): nginx checks the application's Service name, which
		// every unit's certificate holds, where Traefik checks each
		// server's own host.
		be.Protocol, be.Verify, be.CAFile = nginx.GRPCS, true, caFile
		be.ServerName = r.Name + "." + r.Model + ".svc.cluster.local"
	default:
		be.Protocol = nginx.HTTP
	}
	if mode == SubdomainMode {
		host := r.Prefix() + "." + external
		return nginx.Route{Host: host, Path: "/", Backend: be}, "http://" + host + "/"
	}
	return nginx.Route{Path: "/" + r.Prefix(), Backend: be}, "http://" + external + "/" + r.Prefix()
}
