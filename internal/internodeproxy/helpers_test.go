package internodeproxy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/temporal-k8s/temporal-k8s/internal/internodeproxy"
)

// serverName is the name internode certificates are issued for.
const serverName = "temporal-internode"

// wait bounds every wait in these tests; nothing passes by waiting it out.
const wait = 5 * time.Second

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	pool *x509.CertPool
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf is an internode certificate: one for both ends of mutual TLS.
type leaf struct {
	cert            tls.Certificate
	certPEM, keyPEM []byte
}

func (ca *testCA) leaf(t *testing.T, serial int64) leaf {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: serverName}, DNSNames: []string{serverName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return leaf{
		cert:    tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

// unit is what the charm gives a unit: its certificate, key and CA in
// files, and where the strict file goes.
type unit struct {
	cert, key, ca, strict string
}

func writeUnit(t *testing.T, ca *testCA, l leaf) unit {
	t.Helper()
	dir := t.TempDir()
	u := unit{
		cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"),
		ca: filepath.Join(dir, "ca.pem"), strict: filepath.Join(dir, "strict"),
	}
	u.renew(t, l)
	require.NoError(t, os.WriteFile(u.ca, ca.pem, 0o600))
	return u
}

func (u unit) renew(t *testing.T, l leaf) {
	t.Helper()
	require.NoError(t, os.WriteFile(u.cert, l.certPEM, 0o600))
	require.NoError(t, os.WriteFile(u.key, l.keyPEM, 0o600))
}

func (u unit) config(upstreamTLS bool, routes ...internodeproxy.Route) internodeproxy.Config {
	return internodeproxy.Config{
		Routes: routes, UpstreamTLS: upstreamTLS,
		CertFile: u.cert, KeyFile: u.key, CAFile: u.ca, ServerName: serverName, StrictFile: u.strict,
		StrictPoll: 10 * time.Millisecond,
	}
}

func sniffing(upstream string) internodeproxy.Route {
	return internodeproxy.Route{Listen: "127.0.0.1:0", Upstream: upstream}
}

// echo writes back what each connection to l sends. A TLS listener's
// peers get the serial of each client certificate, which tells whether
// the client or the proxy did the handshake.
func echo(t *testing.T, l net.Listener) (addr string, peers <-chan int64) {
	t.Helper()
	t.Cleanup(func() { _ = l.Close() })
	serials := make(chan int64, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				if tc, ok := c.(*tls.Conn); ok {
					if tc.Handshake() != nil {
						return
					}
					serials <- tc.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
				}
				if _, err := io.Copy(c, c); err == nil {
					_ = c.(interface{ CloseWrite() error }).CloseWrite()
				}
			}()
		}
	}()
	return l.Addr().String(), serials
}

// next is the next client certificate a TLS echo saw.
func next(t *testing.T, seen <-chan int64) int64 {
	t.Helper()
	select {
	case serial := <-seen:
		return serial
	case <-time.After(wait):
		t.Fatal("the server saw no client certificate")
		return 0
	}
}

func plainEcho(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr, _ := echo(t, l)
	return addr
}

// tlsEcho is a server with internode TLS: it shows cert and wants a
// client certificate from ca.
func tlsEcho(t *testing.T, ca *testCA, cert leaf) (string, <-chan int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return echo(t, tls.NewListener(l, serverTLS(ca, cert)))
}

func serverTLS(ca *testCA, cert leaf) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert.cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool,
		NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	}
}

// clientTLS is a peer's TLS: it trusts ca and shows cert, if any.
func clientTLS(ca *testCA, cert *leaf) *tls.Config {
	conf := &tls.Config{RootCAs: ca.pool, ServerName: serverName, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12}
	if cert != nil {
		conf.Certificates = []tls.Certificate{cert.cert}
	}
	return conf
}

// proxy is a Run in the background.
type proxy struct {
	addrs []string
	log   *syncBuffer
	stop  func() error
}

func start(t *testing.T, cfg internodeproxy.Config) *proxy {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan []net.Addr, 1)
	cfg.Ready = func(addrs []net.Addr) { ready <- addrs }
	done := make(chan error, 1)
	p := &proxy{log: &syncBuffer{}}
	go func() { done <- internodeproxy.Run(ctx, cfg, p.log) }()
	var once sync.Once
	var err error
	p.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(wait):
				err = errors.New("run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { require.NoError(t, p.stop()) })
	select {
	case addrs := <-ready:
		for _, a := range addrs {
			p.addrs = append(p.addrs, a.String())
		}
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(wait):
		t.Fatal("run is not ready")
	}
	return p
}

// logged waits for the proxy to log want.
func (p *proxy) logged(t *testing.T, want string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(p.log.String(), want) }, wait, 5*time.Millisecond,
		"want %q in the log:\n%s", want, p.log)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func dialPlain(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, wait)
}

func dialTLS(addr string, conf *tls.Config) (*tls.Conn, error) {
	return tls.DialWithDialer(&net.Dialer{Timeout: wait}, "tcp", addr, conf)
}

// roundTrip sends msg and wants it back.
func roundTrip(c net.Conn, msg string) error {
	if err := c.SetDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if string(got) != msg {
		return errors.New("echoed " + string(got))
	}
	return nil
}

// closed waits for the proxy to close c: a read ends, and not by the
// deadline.
func closed(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	_, err := c.Read(make([]byte, 1))
	require.Error(t, err)
	require.NotErrorIs(t, err, os.ErrDeadlineExceeded)
}

// preface is how a plaintext gRPC client starts.
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
