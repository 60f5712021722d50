package hostinfo_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/relation/hostinfo"
)

func TestData(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]string{
		"host": "temporal-k8s.prod.svc.cluster.local", "port": "7233", "tls": "false",
	}, hostinfo.Data("temporal-k8s", "prod", false))
	require.Equal(t, "true", hostinfo.Data("a", "m", true)["tls"])
	require.Equal(t, "temporal-k8s-12.temporal-k8s-endpoints.prod.svc.cluster.local", hostinfo.UnitHost("temporal-k8s", 12, "prod"))
}
