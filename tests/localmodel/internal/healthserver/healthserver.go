// Package healthserver runs grpc-go's own health server, the one every
// Temporal service registers, for the tests of the charm's health check.
package healthserver

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Start serves grpc.health.v1.Health on a loopback port until the test
// ends, and returns its address and the server whose statuses the test
// sets.
func Start(t testing.TB) (string, *health.Server) {
	t.Helper()
	return start(t)
}

// StartTLS is Start over TLS with the certificate.
func StartTLS(t testing.TB, cert tls.Certificate) (string, *health.Server) {
	t.Helper()
	return start(t, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
}

func start(t testing.TB, opts ...grpc.ServerOption) (string, *health.Server) {
	t.Helper()
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String(), hs
}
