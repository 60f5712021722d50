// Package nginx is the reverse proxy of the ingress stand-ins: Debian's
// nginx, run by the workload Pebble, its configuration rendered from the
// routes the charm's relations ask for. gRPC goes through grpc_pass,
// HTTP/2 in the clear (h2c, which gRPC clients speak without TLS) on
// HTTPPort, over TLS on HTTPSPort.
package nginx

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Where the proxy keeps its files: the container's own /tmp, which the
// local model makes fresh for every container start (so the charm writes
// them again on pebble-ready), and nothing of the host it runs on.
const (
	Dir         = "/tmp/nginx"
	ConfigFile  = Dir + "/nginx.conf"
	ServiceName = "nginx"
	HTTPPort    = 80
	HTTPSPort   = 443
	// SystemCAs are the CAs a proxy trusts when the charm was given none,
	// as Traefik trusts the system's.
	SystemCAs = "/etc/ssl/certs/ca-certificates.crt"
)

// Protocol is how the proxy talks to a backend.
type Protocol string

const (
	GRPC  Protocol = "grpc"  // gRPC in the clear (h2c)
	GRPCS Protocol = "grpcs" // gRPC over TLS
	HTTP  Protocol = "http"
	HTTPS Protocol = "https"
)

// Backend is where a route goes.
type Backend struct {
	Protocol Protocol
	// Servers are host:port, balanced round-robin.
	Servers []string
	// Verify checks a TLS backend's certificate against CAFile for
	// ServerName; unset, any certificate does (ingress-nginx's default).
	Verify     bool
	CAFile     string
	ServerName string
}

// Route is one rule: requests for Host (any host when empty) under Path
// go to the backend.
type Route struct {
	Host    string
	Path    string
	Backend Backend
	// TLS serves the host on HTTPSPort with the given certificate files,
	// and redirects it there from HTTPPort, as ingress-nginx does for an
	// Ingress with a TLS section (ssl-redirect).
	TLS      bool
	CertFile string
	KeyFile  string
}

// Site is where a proxy keeps its files and listens.
type Site struct {
	Dir                 string
	HTTPPort, HTTPSPort int
}

// Default is the stand-ins' site.
var Default = Site{Dir: Dir, HTTPPort: HTTPPort, HTTPSPort: HTTPSPort}

// Render is the nginx configuration of the default site.
func Render(routes []Route) string {
	return Default.Render(routes)
}

// Render is the nginx configuration for the routes, in a stable order.
// Routes without a host (path routing) are the default server's, which
// answers 404 to what no route takes.
func (s Site) Render(routes []Route) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Rendered by the ingress stand-in charm.
pid %[1]s/nginx.pid;
error_log stderr notice;
worker_processes 1;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
`, s.Dir)
	byHost := map[string][]Route{"": nil}
	for _, r := range routes {
		byHost[r.Host] = append(byHost[r.Host], r)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	n := 0
	for _, host := range hosts {
		rs := byHost[host]
		sort.Slice(rs, func(i, j int) bool { return rs[i].Path < rs[j].Path })
		var locations strings.Builder
		root := false
		for _, r := range rs {
			upstream := "route" + strconv.Itoa(n)
			n++
			fmt.Fprintf(&b, "    upstream %s {\n", upstream)
			for _, srv := range r.Backend.Servers {
				fmt.Fprintf(&b, "        server %s;\n", srv)
			}
			b.WriteString("    }\n")
			locations.WriteString(location(r, upstream))
			root = root || r.Path == "" || r.Path == "/"
		}
		if host == "" {
			if !root {
				locations.WriteString("        location / {\n            return 404;\n        }\n")
			}
			fmt.Fprintf(&b, "    server {\n        listen %d default_server http2;\n        server_name _;\n%s    }\n", s.HTTPPort, locations.String())
			continue
		}
		if rs[0].TLS {
			fmt.Fprintf(&b, "    server {\n        listen %d http2;\n        server_name %s;\n        return 308 https://$host$request_uri;\n    }\n", s.HTTPPort, host)
			fmt.Fprintf(&b, "    server {\n        listen %d ssl http2;\n        server_name %s;\n        ssl_certificate %s;\n        ssl_certificate_key %s;\n%s    }\n",
				s.HTTPSPort, host, rs[0].CertFile, rs[0].KeyFile, locations.String())
			continue
		}
		fmt.Fprintf(&b, "    server {\n        listen %d http2;\n        server_name %s;\n%s    }\n", s.HTTPPort, host, locations.String())
	}
	b.WriteString("}\n")
	return b.String()
}

func location(r Route, upstream string) string {
	path := r.Path
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "        location %s {\n", path)
	switch r.Backend.Protocol {
	case GRPC, GRPCS:
		fmt.Fprintf(&b, "            grpc_pass %s://%s;\n", r.Backend.Protocol, upstream)
		// gRPC long polls (Temporal's for tasks) outlast nginx's 60 s.
		b.WriteString("            grpc_read_timeout 300s;\n            grpc_send_timeout 300s;\n")
		if r.Backend.Protocol == GRPCS {
			b.WriteString(sslOptions("grpc", r.Backend))
		}
	default:
		fmt.Fprintf(&b, "            proxy_pass %s://%s;\n            proxy_http_version 1.1;\n", r.Backend.Protocol, upstream)
		if r.Backend.Protocol == HTTPS {
			b.WriteString(sslOptions("proxy", r.Backend))
		}
	}
	b.WriteString("        }\n")
	return b.String()
}

func sslOptions(prefix string, be Backend) string {
	if !be.Verify {
		return "            " + prefix + "_ssl_verify off;\n"
	}
	ca := be.CAFile
	if ca == "" {
		ca = SystemCAs
	}
	return fmt.Sprintf("            %[1]s_ssl_verify on;\n            %[1]s_ssl_trusted_certificate %[2]s;\n            %[1]s_ssl_name %[3]s;\n            %[1]s_ssl_server_name on;\n",
		prefix, ca, be.ServerName)
}

// Layer is the workload's Pebble layer: nginx in the foreground, its
// errors to Pebble's log.
func Layer() string {
	return fmt.Sprintf(`summary: nginx reverse proxy
services:
  %[1]s:
    override: replace
    summary: nginx reverse proxy
    command: /usr/sbin/nginx -e stderr -c %[2]s -g "daemon off;"
    startup: enabled
checks:
  %[1]s-up:
    override: replace
    level: ready
    tcp:
      port: %[3]d
`, ServiceName, ConfigFile, HTTPPort)
}
