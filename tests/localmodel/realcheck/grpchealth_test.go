package realcheck

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/service/frontend"
	"go.temporal.io/server/service/worker"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/healthserver"
)

// The charm's health check speaks gRPC with the standard library alone;
// here it asks grpc-go's own health server, the one every Temporal
// service registers, through every answer that server gives.
func TestGRPCHealthAgainstGRPCGo(t *testing.T) {
	t.Parallel()
	addr, hs := healthserver.Start(t)

	// The names the check asks for are the ones Temporal registers.
	require.Equal(t, frontend.WorkflowServiceName, grpchealth.Service["frontend"])
	require.Equal(t, worker.ServiceName, grpchealth.Service["worker"])

	c := grpchealth.New(nil)
	ask := func(service string) (grpchealth.Status, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Check(ctx, addr, service)
	}
	name := grpchealth.Service["history"]

	// Not registered yet: grpc-go answers NOT_FOUND.
	_, err := ask(name)
	var se *grpchealth.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 5, se.Code)

	for _, want := range []grpchealth.Status{grpchealth.NotServing, grpchealth.Serving, grpchealth.NotServing} {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_ServingStatus(want))
		got, err := ask(name)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	// The empty name is the server's overall health.
	got, err := ask("")
	require.NoError(t, err)
	require.Equal(t, grpchealth.Serving, got)

	// Shutdown sets every service NOT_SERVING, as a draining Temporal
	// service does; the command says which.
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	require.NoError(t, grpchealth.Run(context.Background(), []string{"history=" + addr}, nil))
	hs.Shutdown()
	require.ErrorContains(t, grpchealth.Run(context.Background(), []string{"history=" + addr}, nil),
		"history is not healthy: NOT_SERVING at "+addr)
}
