package realcheck

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	temporalconfig "go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/rpc/encryption"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/temporal-k8s/temporal-k8s/internal/config"
	"github.com/temporal-k8s/temporal-k8s/internal/grpchealth"
	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/postgresql"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/rollout"
	"github.com/temporal-k8s/temporal-k8s/internal/relation/tlscerts"
	"github.com/temporal-k8s/temporal-k8s/internal/temporal"
)

// issuer signs requests as the tls-certificates library's provider does:
// the request's names, and its other extensions (its extended key usage)
// copied (_generate_certificate_request_extensions, LIBPATCH 27).
type issuer struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  string
}

func newIssuer(t *testing.T) issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "self-signed-certificates-operator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return issuer{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func (is issuer) sign(t *testing.T, csrPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	req, err := x509.ParseCertificateRequest(block.Bytes)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), RawSubject: req.RawSubject, DNSNames: req.DNSNames,
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true}
	for _, e := range req.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, is.cert, req.PublicKey, is.key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// unitCert is a unit's internode certificate as the charm asks for it
// (tlscerts, the subject internodeSubject gives) and the provider issues it.
func (is issuer) unitCert(t *testing.T, unit string) *temporal.Cert {
	t.Helper()
	key, keyPEM, err := tlscerts.GenerateKey(rand.Reader)
	require.NoError(t, err)
	csr, err := tlscerts.NewCSR(rand.Reader, key, tlscerts.Subject{CommonName: temporal.InternodeServerName,
		DNSNames: []string{temporal.InternodeServerName, unit}, Mutual: true})
	require.NoError(t, err)
	cert := is.sign(t, csr)
	return &temporal.Cert{Chain: cert + is.pem, Key: keyPEM, CA: is.pem}
}

// internodeUnit is one unit's rendered server, its files moved to dir:
// what Temporal's own TLS provider builds from its config.
func internodeUnit(t *testing.T, services string, cert *temporal.Cert) (encryption.TLSConfigProvider, temporal.Output, func(string) string) {
	t.Helper()
	return internodeUnitAt(t, services, cert, rollout.TLS)
}

// internodeUnitAt is internodeUnit at a stage of the switch.
func internodeUnitAt(t *testing.T, services string, cert *temporal.Cert, stage rollout.Stage) (encryption.TLSConfigProvider, temporal.Output, func(string) string) {
	t.Helper()
	cfg, problems := config.Parse(map[string]any{"services": services})
	require.Empty(t, problems)
	out, err := temporal.Render(temporal.Inputs{Config: cfg, BroadcastAddress: "10.213.0.21", InternodeTLS: cert, InternodeStage: stage,
		DB:         postgresql.Connection{Database: cfg.DBName, Host: "db", Port: 5432, User: "u", Password: "p"},
		Visibility: postgresql.Connection{Database: cfg.VisibilityDBName, Host: "db", Port: 5432, User: "u", Password: "p"}})
	require.NoError(t, err)
	dir := t.TempDir()
	local := func(path string) string { return filepath.Join(dir, filepath.Base(path)) }
	for _, f := range append(out.Files, out.LiveFiles...) {
		content := strings.ReplaceAll(string(f.Content), filepath.Dir(temporal.ConfigPath)+"/", dir+"/")
		require.NoError(t, os.WriteFile(local(f.Path), []byte(content), 0o600))
	}
	loaded, err := temporalconfig.Load(temporalconfig.WithConfigFile(local(temporal.ConfigPath)))
	require.NoError(t, err)
	require.NoError(t, loaded.Validate())
	dyn := dynamicconfig.LoadYamlFile(out.DynamicConfig.Content)
	require.Empty(t, dyn.Errors)
	require.Empty(t, dyn.Warnings, "system.enableRingpopTLS is a known key of the right type")
	provider, err := encryption.NewTLSConfigProviderFromConfig(loaded.Global.TLS, metrics.NoopMetricsHandler, log.NewNoopLogger(), nil)
	require.NoError(t, err)
	return provider, out, local
}

// serveHistory serves gRPC health as a history service does, with the
// server TLS config Temporal builds for its internode listeners
// (rpc.go GetGRPCListener and the service's grpc.NewServer).
func serveHistory(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	creds := insecure.NewCredentials()
	if cfg != nil {
		creds = credentials.NewTLS(cfg)
	}
	srv := grpc.NewServer(grpc.Creds(creds))
	hs := health.NewServer()
	hs.SetServingStatus(grpchealth.Service["history"], healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func askHealth(t *testing.T, addr string, creds credentials.TransportCredentials) error {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: grpchealth.Service["history"]})
	return err
}

// What the charm renders for internode TLS is mutual TLS as Temporal's own
// TLS provider builds it from the config (encryption.NewTLSConfigProviderFromConfig,
// the provider every service's listener and client come from): a frontend
// unit's internode client and a history unit's listener, each with a
// certificate the provider issued for the charm's request, talk; a peer
// without a certificate, with one of another CA, or without TLS is
// refused; the layer's check, run as Pebble runs it, is answered.
func TestTemporalInternodeMutualTLS(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	history, historyOut, historyLocal := internodeUnit(t, "history", is.unitCert(t, "history-0.history-endpoints.m.svc.cluster.local"))
	frontend, _, _ := internodeUnit(t, "frontend", is.unitCert(t, "frontend-0.frontend-endpoints.m.svc.cluster.local"))

	serverCfg, err := history.GetInternodeServerConfig()
	require.NoError(t, err)
	require.NotNil(t, serverCfg, "the history unit's listeners serve TLS")
	require.Equal(t, tls.RequireAndVerifyClientCert, serverCfg.ClientAuth)
	addr := serveHistory(t, serverCfg)

	clientCfg, err := frontend.GetInternodeClientConfig()
	require.NoError(t, err)
	require.NotNil(t, clientCfg, "the frontend unit's internode client uses TLS")
	require.Equal(t, temporal.InternodeServerName, clientCfg.ServerName)
	require.NoError(t, askHealth(t, addr, credentials.NewTLS(clientCfg)), "peer to peer, by address")

	// Refused: no certificate, another CA's, no TLS. With TLS 1.3 the
	// server refuses the client's certificate after the client's side of
	// the handshake, so its alert shows on the first read (a gRPC call
	// may see its own write fail first).
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM([]byte(is.pem)))
	noCert := &tls.Config{ServerName: temporal.InternodeServerName, RootCAs: roots, MinVersion: tls.VersionTLS12}
	require.Error(t, askHealth(t, addr, credentials.NewTLS(noCert)))
	require.ErrorContains(t, firstRead(t, addr, noCert), "certificate required")
	other := newIssuer(t)
	stranger, _, _ := internodeUnit(t, "frontend", other.unitCert(t, "intruder"))
	strangerCfg, err := stranger.GetInternodeClientConfig()
	require.NoError(t, err)
	strangerCfg = strangerCfg.Clone()
	strangerCfg.RootCAs = roots
	require.Error(t, askHealth(t, addr, credentials.NewTLS(strangerCfg)))
	require.ErrorContains(t, firstRead(t, addr, strangerCfg), "unknown certificate authority")
	require.NoError(t, firstRead(t, addr, clientCfg), "the peer's own: the server speaks (its HTTP/2 settings)")
	require.Error(t, askHealth(t, addr, insecure.NewCredentials()))

	// The layer's check, its paths moved here, shows the unit's
	// certificate and is answered; without the certificate it is not.
	check := strings.Fields(historyOut.Layer.Checks[temporal.CheckName].Exec.Command)[1:]
	require.Len(t, check, 1)
	arg := strings.Replace(check[0], temporal.LocalGRPC("history"), addr, 1)
	for _, p := range []string{temporal.InternodeCAPath, temporal.InternodeCertPath, temporal.InternodeKeyPath} {
		arg = strings.Replace(arg, p, historyLocal(p), 1)
	}
	require.NoError(t, grpchealth.Run(context.Background(), []string{arg}, nil))
	require.ErrorContains(t, grpchealth.Run(context.Background(), []string{"history=" + addr + ",ca=" + historyLocal(temporal.InternodeCAPath)}, nil), "history is not healthy")
}

// firstRead completes a TLS handshake with addr and reads once: nil when
// the server sends something, else the error (a refused certificate's
// alert).
func firstRead(t *testing.T, addr string, cfg *tls.Config) error {
	t.Helper()
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"h2"}
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = conn.Read(make([]byte, 1))
	return err
}

// proxyFor runs the internode proxy the unit's layer renders, its files
// moved to the unit's directory and its one sniffing route in front of
// the server at upstream; it returns the proxy's address.
func proxyFor(t *testing.T, out temporal.Output, local func(string) string, upstream string) string {
	t.Helper()
	svc, ok := out.Layer.Services[temporal.ProxyServiceName]
	require.True(t, ok)
	args := strings.Fields(svc.Command)
	require.Equal(t, temporal.HealthPath, args[0])
	cfg, err := internodeproxy.Parse(args[1:])
	require.NoError(t, err)
	cfg.CertFile, cfg.KeyFile, cfg.CAFile, cfg.StrictFile = local(cfg.CertFile), local(cfg.KeyFile), local(cfg.CAFile), local(cfg.StrictFile)
	require.Equal(t, "10.213.0.21:7234", cfg.Routes[0].Listen)
	cfg.Routes = []internodeproxy.Route{{Listen: "127.0.0.1:0", Upstream: upstream}}
	addrs := make(chan string, 1)
	cfg.Ready = func(a []net.Addr) { addrs <- a[0].String() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- internodeproxy.Run(ctx, cfg, os.Stderr) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return <-addrs
}

// Across the switch every pair of neighbouring stages talks, with real
// grpc-go on both ends and Temporal's own TLS provider building the TLS
// ends from the rendered config, through the proxy the layer renders: a
// peer already on TLS reaches a server still on plaintext (the proxy
// ends TLS, ALPN h2 included), and a peer still on plaintext reaches a
// server on TLS (the proxy upgrades, showing the unit's certificate);
// once the mode file says strict, plaintext is refused and TLS passes.
func TestTemporalPeersThroughTheInternodeProxy(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	tlsPeer, _, _ := internodeUnit(t, "frontend", is.unitCert(t, "frontend-0.frontend-endpoints.m.svc.cluster.local"))
	clientCfg, err := tlsPeer.GetInternodeClientConfig()
	require.NoError(t, err)
	plain := insecure.NewCredentials()

	t.Run("accepting TLS", func(t *testing.T) {
		t.Parallel()
		unit, out, local := internodeUnitAt(t, "history", is.unitCert(t, "history-0"), rollout.AcceptTLS)
		serverCfg, err := unit.GetInternodeServerConfig()
		require.NoError(t, err)
		require.Nil(t, serverCfg, "the server itself speaks plaintext")
		proxy := proxyFor(t, out, local, serveHistory(t, nil))
		require.NoError(t, askHealth(t, proxy, credentials.NewTLS(clientCfg)), "a TLS peer")
		require.NoError(t, askHealth(t, proxy, plain), "a plaintext peer")
		noCert := &tls.Config{ServerName: temporal.InternodeServerName, RootCAs: clientCfg.RootCAs, MinVersion: tls.VersionTLS12}
		require.Error(t, askHealth(t, proxy, credentials.NewTLS(noCert)), "TLS without a certificate")
	})
	t.Run("TLS, accepting plaintext, then TLS only", func(t *testing.T) {
		t.Parallel()
		unit, out, local := internodeUnitAt(t, "history", is.unitCert(t, "history-0"), rollout.TLSAcceptPlain)
		serverCfg, err := unit.GetInternodeServerConfig()
		require.NoError(t, err)
		require.NotNil(t, serverCfg)
		proxy := proxyFor(t, out, local, serveHistory(t, serverCfg))
		require.NoError(t, askHealth(t, proxy, credentials.NewTLS(clientCfg)), "a TLS peer, passed through")
		require.NoError(t, askHealth(t, proxy, plain), "a plaintext peer, upgraded")

		require.NoError(t, os.WriteFile(local(temporal.ProxyModePath), []byte(temporal.ProxyMode(rollout.TLS)), 0o600))
		require.Error(t, askHealth(t, proxy, plain), "plaintext refused")
		require.NoError(t, askHealth(t, proxy, credentials.NewTLS(clientCfg)), "TLS still")
	})
}
