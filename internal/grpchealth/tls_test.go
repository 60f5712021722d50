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
	// peer is a certificate for both ends of mutual TLS, as internode
	// certificates are; peerCert and peerKey are it in PEM.
	peer              tls.Certificate
	peerCert, peerKey []byte
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
	peerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl.SerialNumber = big.NewInt(3)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	peerDER, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &peerKey.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(peerKey)
	require.NoError(t, err)
	return testCA{
		pem:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server:   tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		peer:     tls.Certificate{Certificate: [][]byte{peerDER}, PrivateKey: peerKey},
		peerCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: peerDER}),
		peerKey:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

// serveTLS answers SERVING over TLS with cert, as a frontend with its
// certificate does.
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	return serveTLSConfig(t, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
}

// serveMutualTLS answers SERVING only to a client whose certificate
// chains to ca, as a Temporal service with internode mutual TLS
// (requireClientAuth, clientCaFiles) does.
func serveMutualTLS(t *testing.T, ca testCA) string {
	t.Helper()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca.pem))
	return serveTLSConfig(t, &tls.Config{Certificates: []tls.Certificate{ca.peer}, NextProtos: []string{"h2"},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
}

func serveTLSConfig(t *testing.T, cfg *tls.Config) string {
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
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0), TLSConfig: cfg}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// probeCase is one target probed alone, and the error it gives ("":
// none).
type probeCase struct {
	name    string
	target  Target
	wantErr string
}

func runProbeCases(t *testing.T, tests []probeCase) {
	t.Helper()
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
	tests := []probeCase{
		{"the CA", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: caFile}, ""},
		{"no CA: serving is all that is asked", Target{Role: "frontend", Addr: tlsAddr, TLS: true}, ""},
		{"another CA", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: otherFile}, "the server's certificate is not of the expected CA"},
		{"a server without TLS", Target{Role: "frontend", Addr: plain, TLS: true}, "frontend is not healthy: cannot ask " + plain},
		{"TLS asked without it", Target{Role: "frontend", Addr: tlsAddr}, "frontend is not healthy: cannot ask " + tlsAddr},
		{"no CA file", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: filepath.Join(dir, "none.pem")}, "frontend is not healthy: cannot read the CA: open "},
		{"a CA file that holds none", Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: junk}, "cannot read the CA: no PEM certificate"},
	}
	runProbeCases(t, tests)

	// Every target is asked, whatever the ones before it lack.
	err := Probe(context.Background(), []Target{{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: junk}, {Role: "history", Addr: tlsAddr}}, nil)
	require.ErrorContains(t, err, "frontend is not healthy: cannot read the CA")
	require.ErrorContains(t, err, "history is not healthy: cannot ask "+tlsAddr)

	// The command line form, as the layer's check gives it.
	arg := Target{Role: "frontend", Addr: tlsAddr, TLS: true, CAFile: caFile}.Arg()
	require.Equal(t, "frontend="+tlsAddr+",ca="+caFile, arg)
	require.NoError(t, Run(context.Background(), []string{arg, "history=" + plain}, nil))
	for _, bad := range []string{",cafile=x", ",ca=", ",ca=a,ca=b", ",cert=c", ",key=k", ",ca=a,,cert=c,key=k"} {
		require.ErrorContains(t, Run(context.Background(), []string{"frontend=" + tlsAddr + bad}, nil), "want [,ca=PATH][,cert=PATH,key=PATH] after the address", bad)
	}
}

// A service with internode mutual TLS answers only a client that shows a
// certificate of its CA: the check shows the unit's own, from its files
// or, in the charm, from memory.
func TestProbeMutualTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "temporal-internode")
	other := newTestCA(t, "temporal-internode")
	addr := serveMutualTLS(t, ca)
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		return path
	}
	caFile, certFile, keyFile := file("ca.pem", ca.pem), file("cert.pem", ca.peerCert), file("key.pem", ca.peerKey)
	otherCert, otherKey := file("other-cert.pem", other.peerCert), file("other-key.pem", other.peerKey)
	tests := []probeCase{
		{"the unit's certificate from its files", Target{Role: "history", Addr: addr, TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}, ""},
		{"the unit's certificate from memory", Target{Role: "history", Addr: addr, TLS: true, Cert: &ca.peer}, ""},
		{"no client certificate", Target{Role: "history", Addr: addr, TLS: true, CAFile: caFile}, "history is not healthy: cannot ask " + addr},
		{"a certificate of another CA", Target{Role: "history", Addr: addr, TLS: true, CAFile: caFile, CertFile: otherCert, KeyFile: otherKey}, "history is not healthy: cannot ask " + addr},
		{"no certificate file", Target{Role: "history", Addr: addr, TLS: true, CertFile: filepath.Join(dir, "none.pem"), KeyFile: keyFile}, "history is not healthy: cannot read the client certificate: open "},
		{"a key of another certificate", Target{Role: "history", Addr: addr, TLS: true, CertFile: certFile, KeyFile: otherKey}, "cannot read the client certificate: tls: private key does not match public key"},
	}
	runProbeCases(t, tests)

	// Every target is asked, whatever the ones before it lack.
	err := Probe(context.Background(), []Target{{Role: "history", Addr: addr, TLS: true, CertFile: filepath.Join(dir, "none.pem"), KeyFile: keyFile}, {Role: "matching", Addr: addr, TLS: true}}, nil)
	require.ErrorContains(t, err, "history is not healthy: cannot read the client certificate")
	require.ErrorContains(t, err, "matching is not healthy: cannot ask "+addr)

	// The command line form, as the layer's check gives it.
	arg := Target{Role: "history", Addr: addr, TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}.Arg()
	require.Equal(t, "history="+addr+",ca="+caFile+",cert="+certFile+",key="+keyFile, arg)
	require.NoError(t, Run(context.Background(), []string{arg}, nil))
	require.NoError(t, Run(context.Background(), []string{"history=" + addr + ",cert=" + certFile + ",key=" + keyFile}, nil), "a client certificate alone means TLS")
	require.ErrorContains(t, Run(context.Background(), []string{"history=" + addr + ",ca=" + caFile}, nil), "history is not healthy")
}
