package traefik_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
	traefik "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/traefik-k8s"
)

var appData = map[string]string{"model": `"m"`, "name": `"temporal-k8s"`, "port": "7233", "scheme": `"h2c"`}

func units(hosts ...string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for i, h := range hosts {
		out["temporal-k8s/"+string(rune('0'+i))] = map[string]string{"host": `"` + h + `"`, "ip": `"10.1.0.` + string(rune('7'+i)) + `"`}
	}
	return out
}

func TestParseRequest(t *testing.T) {
	t.Parallel()
	r, err := traefik.ParseRequest(appData, units("a.m.svc.cluster.local", "b.m.svc.cluster.local"))
	require.NoError(t, err)
	require.Equal(t, traefik.Request{Model: "m", Name: "temporal-k8s", Port: 7233, Scheme: "h2c", Hosts: []string{"a.m.svc.cluster.local", "b.m.svc.cluster.local"}}, r)

	with := func(k, v string) map[string]string {
		d := map[string]string{}
		for key, val := range appData {
			d[key] = val
		}
		if v == "" {
			delete(d, k)
		} else {
			d[k] = v
		}
		return d
	}
	for _, tt := range []struct {
		name  string
		app   map[string]string
		units map[string]map[string]string
		err   string
	}{
		{"model not JSON", with("model", "m"), units("a"), "expecting json"},
		{"no port", with("port", ""), units("a"), `port: "" is not an int`},
		{"port a fraction", with("port", "7233.5"), units("a"), "between 0 and 65535"},
		{"port as a string", with("port", `"7233"`), units("a"), `port: "\"7233\""`},
		{"port at the top", with("port", "65535"), units("a"), "between 0 and 65535"},
		{"scheme grpc", with("scheme", `"grpc"`), units("a"), `scheme: "grpc" is not one of`},
		{"strip-prefix not a bool", with("strip-prefix", `"yes"`), units("a"), "strip-prefix"},
		{"no units", appData, nil, "no units"},
		{"a unit without host", appData, map[string]map[string]string{"t/0": {"host": `"a"`}, "t/1": {}}, "t/1: host: field required"},
		{"a bad ip", appData, map[string]map[string]string{"t/0": {"host": `"a"`, "ip": `"x"`}}, `ip "x" is not an IP address`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := traefik.ParseRequest(tt.app, tt.units)
			require.ErrorContains(t, err, tt.err)
		})
	}
	// The scheme defaults to http; extra keys are ignored.
	r, err = traefik.ParseRequest(with("scheme", ""), map[string]map[string]string{"t/0": {"host": `"a"`, "other": "x"}})
	require.NoError(t, err)
	require.Equal(t, "http", r.Scheme)
}

func TestRoute(t *testing.T) {
	t.Parallel()
	r := traefik.Request{Model: "m", Name: "temporal-k8s", Port: 7233, Scheme: "h2c", Hosts: []string{"a", "b"}}
	route, url := r.Route(traefik.SubdomainMode, "ingress.local", "")
	require.Equal(t, "http://m-temporal-k8s.ingress.local/", url)
	require.Equal(t, nginx.Route{Host: "m-temporal-k8s.ingress.local", Path: "/", Backend: nginx.Backend{Protocol: nginx.GRPC, Servers: []string{"a:7233", "b:7233"}}}, route)

	route, url = r.Route(traefik.PathMode, "10.1.0.9", "")
	require.Equal(t, "http://10.1.0.9/m-temporal-k8s", url)
	require.Equal(t, "", route.Host)
	require.Equal(t, "/m-temporal-k8s", route.Path)

	r.Scheme = "https"
	route, _ = r.Route(traefik.SubdomainMode, "ingress.local", "/tmp/nginx/ca.pem")
	require.Equal(t, nginx.Backend{Protocol: nginx.GRPCS, Servers: []string{"a:7233", "b:7233"}, Verify: true, CAFile: "/tmp/nginx/ca.pem", ServerName: "temporal-k8s.m.svc.cluster.local"}, route.Backend)
	r.Scheme = "http"
	route, _ = r.Route(traefik.SubdomainMode, "x", "")
	require.Equal(t, nginx.HTTP, route.Backend.Protocol)
}
