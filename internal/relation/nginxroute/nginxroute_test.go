package nginxroute_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/nginxroute"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	r := nginxroute.Route{Model: "m", App: "temporal-k8s", Hostname: "temporal-k8s", Port: 7233, TLSSecret: "temporal-tls"}
	require.Equal(t, map[string]string{
		"service-namespace": "m", "service-hostname": "temporal-k8s", "service-name": "temporal-k8s",
		"service-port": "7233", "backend-protocol": "GRPC", "tls-secret-name": "temporal-tls",
	}, r.AppData())
	require.Equal(t, "https://temporal-k8s/", r.URL())

	r.BackendTLS, r.TLSSecret, r.Hostname = true, "", "temporal.example.com"
	require.Equal(t, "GRPCS", r.AppData()["backend-protocol"])
	require.Equal(t, "", r.AppData()["tls-secret-name"], "written empty, as the library writes it")
	require.Equal(t, "http://temporal.example.com/", r.URL())
}
