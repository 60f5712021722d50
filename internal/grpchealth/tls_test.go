package grpchealth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testCA is a CA and a server certificate it signed for names.
type testCA struct {
	pem    []byte
	server tls.Certificate
}

func newTestCA(t *testing.T, names ...string) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	return testCA{
		pem:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}
}

// serveTLS answers SERVING over TLS with cert, as a frontend with its
// certificate does.
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A gRPC server speaks HTTP/2 only.
		if r.ProtoMajor != 2 {
			http.Error(w, "gRPC needs HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(statusMessage(Serving))
		w.Header().Set("Grpc-Status", "0")
	})
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// A service that serves TLS is asked over TLS and trusted when its
// certificate chains to the CA, whatever names it holds (the check asks
// the loopback address); a certificate of another CA, or a server without
// TLS, is not healthy.
func TestProbeTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local")
	other := newTestCA(t, "temporal-k8s-0.temporal-k8s-endpoints.m.svc.cluster.local")
	tlsAddr := serveTLS(t, ca.server)
	plain, _ := serve(t, answer{body: statusMessage(Serving)})
	dir := t.TempDir()
	caFile, otherFile, junk := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "other.pem"), filepath.Join(dir, "junk.pem")
	require.NoError(t, os.WriteFile(caFile, ca.pem, 0o600))
	require.NoError(t, os.WriteFile(otherFile, other.pem, 0o600))
	require.NoError(t, os.WriteFile(junk, []byte("not pem"), 0o600))
	tests := []struct {
		name    string
		target  Target
		wantErr string
	}{
		{"the CA", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: caFile}, ""},
		{"no CA: serving is all that is asked", Target{Role: "frontend", Addr: tlsAddr, TLS: true}, ""},
		{"another CA", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: otherFile}, "the server's certificate is not of the expected CA"},
		{"a server without TLS", Target{Role: "frontend", Addr: plain, TLS: true}, "frontend is not healthy: cannot ask " + plain},
		{"TLS asked without it", Target{Role: "frontend", Addr: tlsAddr}, "frontend is not healthy: cannot ask " + tlsAddr},
		{"no CA file", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: filepath.Join(dir, "none.pem")}, "frontend is not healthy: cannot read the CA: open "},
		{"a CA file that holds none", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: junk}, "cannot read the CA: no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Probe(context.Background(), []Target{tt.target}, nil)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}

	// Every target is asked, whatever the ones before it lack.
	err := Probe(context.Background(), []Target{{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: junk}, {Role: "history", Addr: tlsAddr}}, nil)
	require.ErrorContains(t, err, "frontend is not healthy: cannot read the CA")
	require.ErrorContains(t, err, "history is not healthy: cannot ask "+tlsAddr)

	// The command line form, as the layer's check gives it.
	arg := Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: caFile}.Arg()
	require.Equal(t, "frontend="+tlsAddr+",ca="+caFile, arg)
	require.NoError(t, Run(context.Background(), []string{arg, "history=" + plain}, nil))
	require.ErrorContains(t, Run(context.Background(), []string{"frontend=" + tlsAddr + ",cafile=x"}, nil), "want ,ca=PATH after the address")
	require.ErrorContains(t, Run(context.Background(), []string{"frontend=" + tlsAddr + ",ca="}, nil), "want ,ca=PATH after the address")
}
