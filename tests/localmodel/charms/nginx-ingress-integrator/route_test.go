package integrator_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
	integrator "github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/nginx-ingress-integrator"
)

func TestParseRoute(t *testing.T) {
	t.Parallel()
	python := map[string]string{"service-namespace": "m", "service-hostname": "temporal-k8s", "service-name": "temporal-k8s",
		"service-port": "7233", "backend-protocol": "GRPC", "tls-secret-name": "temporal-tls"}
	r, err := integrator.ParseRoute(python, "m")
	require.NoError(t, err)
	require.Equal(t, integrator.Route{Hostname: "temporal-k8s", Name: "temporal-k8s", Namespace: "m", Port: 7233, Protocol: "GRPC", TLSSecret: "temporal-tls"}, r)
	require.Equal(t, nginx.Route{Host: "temporal-k8s", Path: "/", TLS: true, CertFile: integrator.FakeCertFile, KeyFile: integrator.FakeKeyFile,
		Backend: nginx.Backend{Protocol: nginx.GRPC, Servers: []string{"temporal-k8s.m.svc.cluster.local:7233"}}}, r.Proxy())

	r, err = integrator.ParseRoute(map[string]string{"service-hostname": "h", "service-name": "a", "service-port": "80", "backend-protocol": "grpcs"}, "other")
	require.NoError(t, err)
	require.Equal(t, "other", r.Namespace)
	require.Equal(t, nginx.Route{Host: "h", Path: "/", Backend: nginx.Backend{Protocol: nginx.GRPCS, Servers: []string{"a.other.svc.cluster.local:80"}}}, r.Proxy())
	r, err = integrator.ParseRoute(map[string]string{"service-hostname": "h", "service-name": "a", "service-port": "80"}, "m")
	require.NoError(t, err)
	require.Equal(t, "HTTP", r.Protocol)

	_, err = integrator.ParseRoute(map[string]string{"service-name": "a"}, "m")
	require.EqualError(t, err, "Missing fields for nginx-route: service-hostname, service-port")
	_, err = integrator.ParseRoute(map[string]string{"service-hostname": "h", "service-name": "a", "service-port": "x"}, "m")
	require.ErrorContains(t, err, `invalid service-port "x"`)
	_, err = integrator.ParseRoute(map[string]string{"service-hostname": "h", "service-name": "a", "service-port": "1", "backend-protocol": "h2c"}, "m")
	require.ErrorContains(t, err, `invalid backend-protocol "h2c"`)
}
