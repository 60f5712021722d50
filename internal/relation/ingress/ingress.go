// Package ingress is the requirer side of the ingress interface, v2 (the
// charm library traefik_k8s/v2/ingress.py, LIBPATCH 21; the Python charm
// ships LIBPATCH 15, whose keys are the same): the leader asks for a
// route to the frontend's gRPC port, each unit says where it is, and the
// provider answers the URL it routes.
package ingress

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Endpoint is the requires endpoint in metadata.yaml.
const Endpoint = "ingress"

// Scheme is how the provider talks to the units.
type Scheme string

const (
	// H2C is HTTP/2 in the clear: gRPC to a frontend without TLS.
	H2C Scheme = "h2c"
	// HTTPS is gRPC to a frontend that serves TLS.
	HTTPS Scheme = "https"
)

// SchemeFor is the scheme of a frontend that serves TLS or not.
func SchemeFor(tls bool) Scheme {
	if tls {
		return HTTPS
	}
	return H2C
}

// AppData is the leader's databag. The library's pydantic models dump
// each field as JSON under its own key (so the port is a JSON number)
// and leave out fields at their defaults (strip-prefix, redirect-https,
// is_port_open: false).
func AppData(model, app string, port int, scheme Scheme) map[string]string {
	return map[string]string{
		"model":  quote(model),
		"name":   quote(app),
		"port":   strconv.Itoa(port),
		"scheme": quote(string(scheme)),
	}
}

// UnitData is each unit's databag: the host the provider routes to (the
// library's default is the pod's FQDN) and the pod's IP.
func UnitData(host, ip string) map[string]string {
	return map[string]string{"host": quote(host), "ip": quote(ip)}
}

// quote is a string as JSON, which cannot fail.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// URLKey is the provider's key in its app databag.
const URLKey = "ingress"

// URL reads the provider's answer, {"url": …} under URLKey: "" while it
// has not answered, an error for an answer that is not an http(s) URL.
func URL(remote map[string]string) (string, error) {
	raw := remote[URLKey]
	if raw == "" {
		return "", nil
	}
	var answer struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(raw), &answer); err != nil {
		return "", fmt.Errorf("cannot read the ingress provider's answer %q: %w", raw, err)
	}
	u, err := url.Parse(answer.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("cannot read the ingress provider's answer %q: not an http(s) URL", raw)
	}
	return answer.URL, nil
}
