package nginx_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/charms/internal/nginx"
	"github.com/temporal-k8s/temporal-k8s/tests/localmodel/internal/healthserver"
)

// Binary is Debian's nginx, which make deps installs.
const Binary = "/usr/sbin/nginx"

func TestRender(t *testing.T) {
	t.Parallel()
	conf := nginx.Render([]nginx.Route{
		{Host: "m-t.ingress.local", Path: "/", Backend: nginx.Backend{Protocol: nginx.GRPCS, Servers: []string{"a:7233", "b:7233"}, Verify: true, ServerName: "t.m.svc.cluster.local"}},
		{Path: "/m-u", Backend: nginx.Backend{Protocol: nginx.HTTP, Servers: []string{"c:80"}}},
	})
	for _, want := range []string{
		"pid /tmp/nginx/nginx.pid;",
		"upstream route0 {\n        server c:80;\n    }",
		"listen 80 default_server http2;\n        server_name _;\n        location /m-u {\n            proxy_pass http://route0;",
		"location / {\n            return 404;",
		"upstream route1 {\n        server a:7233;\n        server b:7233;\n    }",
		"listen 80 http2;\n        server_name m-t.ingress.local;\n        location / {\n            grpc_pass grpcs://route1;",
		"grpc_ssl_verify on;\n            grpc_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n            grpc_ssl_name t.m.svc.cluster.local;",
	} {
		require.Contains(t, conf, want)
	}
	require.Equal(t, conf, nginx.Render([]nginx.Route{
		{Path: "/m-u", Backend: nginx.Backend{Protocol: nginx.HTTP, Servers: []string{"c:80"}}},
		{Host: "m-t.ingress.local", Path: "/", Backend: nginx.Backend{Protocol: nginx.GRPCS, Servers: []string{"a:7233", "b:7233"}, Verify: true, ServerName: "t.m.svc.cluster.local"}},
	}), "the order of the routes does not matter")
}

// issue makes a CA and a certificate it signs for name.
func issue(t *testing.T, name string) (caPEM []byte, cert tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The rendered configuration, run by the real nginx, carries gRPC as the
// stand-ins need it: h2c in front, to h2c and to TLS backends (verified
// against a CA for a name, or not verified), a host routed to nothing
// answers 404, and a TLS host is redirected from the cleartext port and
// served on the TLS one.
func TestNginxCarriesGRPC(t *testing.T) {
	_, err := os.Stat(Binary)
	require.NoError(t, err, "nginx is installed by make deps")
	dir := t.TempDir()
	const service = "temporal.api.workflowservice.v1.WorkflowService"
	plainAddr, plain := healthserver.Start(t)
	plain.SetServingStatus(service, healthpb.HealthCheckResponse_SERVING)
	caPEM, cert := issue(t, "t.m.svc.cluster.local")
	tlsAddr, secure := healthserver.StartTLS(t, cert)
	secure.SetServingStatus(service, healthpb.HealthCheckResponse_NOT_SERVING)
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, caPEM, 0o600))
	frontCA, front := issue(t, "front.ingress.local")
	certFile, keyFile := filepath.Join(dir, "front.crt"), filepath.Join(dir, "front.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate[0]}), 0o600))
	keyDER, err := x509.MarshalECPrivateKey(front.PrivateKey.(*ecdsa.PrivateKey))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))

	site := nginx.Site{Dir: dir, HTTPPort: freePort(t), HTTPSPort: freePort(t)}
	tlsBackend := func(verify bool, name string) nginx.Backend {
		return nginx.Backend{Protocol: nginx.GRPCS, Servers: []string{tlsAddr}, Verify: verify, CAFile: caFile, ServerName: name}
	}
	conf := site.Render([]nginx.Route{
		{Host: "plain.ingress.local", Backend: nginx.Backend{Protocol: nginx.GRPC, Servers: []string{plainAddr}}},
		{Host: "tls.ingress.local", Backend: tlsBackend(true, "t.m.svc.cluster.local")},
		{Host: "wrong-name.ingress.local", Backend: tlsBackend(true, "other.m.svc.cluster.local")},
		{Host: "no-verify.ingress.local", Backend: tlsBackend(false, "")},
		{Host: "front.ingress.local", TLS: true, CertFile: certFile, KeyFile: keyFile, Backend: nginx.Backend{Protocol: nginx.GRPC, Servers: []string{plainAddr}}},
	})
	confFile := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(confFile, []byte(conf), 0o644))
	out, err := exec.Command(Binary, "-t", "-q", "-e", "stderr", "-c", confFile).CombinedOutput()
	require.NoError(t, err, string(out))
	logs, err := os.Create(filepath.Join(dir, "nginx.log"))
	require.NoError(t, err)
	defer logs.Close()
	cmd := exec.Command(Binary, "-e", "stderr", "-c", confFile, "-g", "daemon off;")
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	front80 := "127.0.0.1:" + strconv.Itoa(site.HTTPPort)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", front80)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "nginx does not listen: see %s", logs.Name())

	check := func(addr, authority string, creds credentials.TransportCredentials) (healthpb.HealthCheckResponse_ServingStatus, error) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds), grpc.WithAuthority(authority))
		require.NoError(t, err)
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return 0, err
		}
		return resp.Status, nil
	}
	h2c := insecure.NewCredentials()
	for _, tt := range []struct {
		host string
		want healthpb.HealthCheckResponse_ServingStatus
		err  string
	}{
		{"plain.ingress.local", healthpb.HealthCheckResponse_SERVING, ""},
		{"tls.ingress.local", healthpb.HealthCheckResponse_NOT_SERVING, ""},
		{"no-verify.ingress.local", healthpb.HealthCheckResponse_NOT_SERVING, ""},
		{"wrong-name.ingress.local", 0, "502"},
		{"nobody.ingress.local", 0, "404"},
		{"front.ingress.local", 0, "308"},
	} {
		got, err := check(front80, tt.host, h2c)
		if tt.err != "" {
			require.ErrorContains(t, err, tt.err, tt.host)
			continue
		}
		require.NoError(t, err, tt.host)
		require.Equal(t, tt.want, got, tt.host)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(frontCA)
	got, err := check("127.0.0.1:"+strconv.Itoa(site.HTTPSPort), "front.ingress.local", credentials.NewTLS(&tls.Config{ServerName: "front.ingress.local", RootCAs: roots, MinVersion: tls.VersionTLS12}))
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, got)
}
